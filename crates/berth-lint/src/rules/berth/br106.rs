use berth_syntax::{Instruction, Keyword};

use super::support::{is_index_refresh, run_script};
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
    /// ## When it does not fire
    /// When no later RUN of the stage visibly installs from the cached lists: every later
    /// install refreshes its own index (`apt-get update && apt-get install` in one RUN,
    /// `apk add --no-cache`), or the installs run from scripts that may update for
    /// themselves. The lone update is then a redundant layer, not a stale-list risk. A later install relying on an update that shares its RUN
    /// with an install is BR108's finding.
    ///
    /// ## What the fix costs and saves
    /// Joining two RUNs. It saves builds that fail with "404 Not Found" once the mirror has
    /// moved on, or that install outdated packages, after the install list changes.
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

/// Whether a RUN installs packages from lists it did not refresh itself: an install
/// (`apt-get install`, `apk add` without `--no-cache`/`--update`, `yum`/`dnf install`)
/// with no index update of its own.
fn installs_from_cached_lists(instruction: &Instruction, ctx: &LintContext) -> bool {
    let Some(script) = run_script(instruction, ctx) else {
        return false;
    };
    let commands: Vec<&berth_shell::Command> = script.script.commands().collect();
    if commands.iter().any(|c| is_index_refresh(c)) {
        return false;
    }
    commands.iter().any(|c| {
        let Some(name) = c.name() else {
            return false;
        };
        let sub = c.args_no_flags().next().map(|w| w.value.as_str());
        match name.rsplit('/').next().unwrap_or(name) {
            "apt-get" | "apt" | "aptitude" => sub == Some("install"),
            "apk" => sub == Some("add") && !c.has_any_flag(&["no-cache", "update", "U"]),
            _ => false,
        }
    })
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
        if !is_index_refresh(only) {
            return;
        }
        let later_runs = ctx
            .following()
            .iter()
            .take_while(|i| i.keyword != Keyword::From)
            .filter(|i| i.keyword == Keyword::Run);
        // Only when a later RUN visibly installs from these lists: scripts may update for
        // themselves, and with no install after it the update is redundant, not stale.
        let Some(first_relying) = later_runs
            .clone()
            .find(|r| installs_from_cached_lists(r, ctx))
        else {
            return;
        };
        let text = ctx.text(script.span(only.span)).to_string();
        let d = ctx.report(
            script.span(only.span),
            format!(
                "`{text}` alone in its RUN is cached on its own: later installs re-run without it and use stale package lists"
            ),
        );
        d.label(first_relying.span, "installs from the cached package lists");
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
                // Nothing installs after it (dnf and yum refresh expired metadata themselves).
                "FROM debian:12\nRUN apt-get -q update\n",
                "FROM fedora\nRUN dnf makecache\nRUN dnf install -y curl\n",
                // Every later install updates its own lists.
                "FROM alpine:3\nRUN apk update\nRUN apk add --no-cache curl\n",
                "FROM debian:12\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\n",
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
                "FROM debian:12\nRUN apt-get -q update\nRUN apt-get install -y curl\n",
                "FROM alpine:3\nRUN apk update\nRUN apk add curl\n",
            ],
        );
    }
}
