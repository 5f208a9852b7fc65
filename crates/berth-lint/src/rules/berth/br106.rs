use berth_syntax::{Instruction, Keyword};

use super::support::run_script;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN whose only command is a package-index update (`apt-get update`,
    /// `apt update`, `apk update`, `yum makecache`, `dnf makecache`, `zypper refresh`).
    ///
    /// ## Why is this bad?
    /// The update is cached as a layer of its own. When a later RUN's install list changes,
    /// that RUN re-runs but the update does not: it installs from package lists as old as the
    /// cached layer, which fails once the mirror has moved on ("404 Not Found") or installs
    /// outdated packages.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## How to fix
    /// Update and install in the same RUN:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct Br106 {}
    meta {
        code: "BR106",
        family: Berth,
        severity: Warning,
        kinds: [Run],
        summary: "Package index update alone in its own RUN",
    }
}

fn is_index_update(c: &berth_shell::Command) -> bool {
    let Some(name) = c.name() else {
        return false;
    };
    let name = name.rsplit('/').next().unwrap_or(name);
    let sub: Vec<&str> = c.args_no_flags().map(|w| w.value.as_str()).collect();
    match name {
        "apt-get" | "apt" | "apk" | "aptitude" => sub == ["update"],
        "yum" | "dnf" | "microdnf" => sub == ["makecache"],
        "zypper" => matches!(sub.as_slice(), ["refresh"] | ["ref"]),
        _ => false,
    }
}

impl Rule for Br106 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(script) = run_script(instruction, ctx) else {
            return;
        };
        let commands: Vec<&berth_shell::Command> = script
            .script
            .commands()
            .filter(|c| c.name().is_some())
            .collect();
        let [only] = commands.as_slice() else {
            return;
        };
        if !is_index_update(only) {
            return;
        }
        let text = ctx.text(script.span(only.span)).to_string();
        let next_run = ctx
            .following()
            .iter()
            .take_while(|i| i.keyword != Keyword::From)
            .find(|i| i.keyword == Keyword::Run);
        let d = ctx.report(
            script.span(only.span),
            format!(
                "`{text}` alone in its RUN is cached on its own: later installs re-run without it and use stale package lists"
            ),
        );
        if let Some(next) = next_run {
            d.label(next.span, "installs from the cached package lists");
        }
        d.help(format!("run `{text} && <install>` in one RUN"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br106,
            pass: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n",
                "FROM alpine\nRUN apk add --no-cache curl\n",
                "FROM debian:12\nRUN apt-get install -y curl\n",
                "FROM debian:12\nRUN [\"apt-get\", \"update\"]\n",
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
                "FROM debian:12\nRUN apt-get -q update\n",
                "FROM alpine:3\nRUN apk update\nRUN apk add curl\n",
                "FROM fedora\nRUN dnf makecache\n",
            ],
        );
    }
}
