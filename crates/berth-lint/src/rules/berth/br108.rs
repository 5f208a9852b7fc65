use berth_syntax::{Command, Instruction, MountKind};

use super::support::{is_index_refresh, run_script};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `apt-get install` (or `apt install`) in a RUN with no `apt-get update` of its
    /// own, installing from package lists an earlier RUN of the stage updated together with
    /// other work.
    ///
    /// ## Why is this bad?
    /// The earlier RUN is cached with the lists it downloaded. When this RUN's package list
    /// changes, it re-runs but the earlier one does not: it installs from lists as old as that
    /// cached layer, which fails once the mirror has moved on ("404 Not Found") or installs
    /// outdated packages. hadolint's DL3009 family does not cover it.
    ///
    /// ## When it does not fire
    /// - The earlier update is alone in its RUN: BR106's finding.
    /// - The lists live in a cache mount (`--mount=type=cache,target=/var/lib/apt`), or the
    ///   earlier RUN deleted them (`rm -rf /var/lib/apt/lists/*`: then the install cannot be
    ///   relying on them).
    /// - The install names only local packages (`./pkg.deb`).
    ///
    /// ## What the fix costs and saves
    /// One more `apt-get update` (a few seconds) in this RUN. It saves a build that breaks
    /// long after the file was written, the first time this RUN re-runs alone.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## How to fix
    /// Update in the same RUN:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    pub struct Br108 {}
    meta {
        code: "BR108",
        family: Berth,
        severity: Warning,
        kinds: [Run],
        summary: "apt-get install relying on package lists updated by an earlier RUN",
    }
}

fn is_apt(c: &berth_shell::Command) -> bool {
    matches!(
        c.name().map(|n| n.rsplit('/').next().unwrap_or(n)),
        Some("apt-get" | "apt" | "aptitude")
    )
}

/// Whether the RUN keeps apt's state in a cache mount.
fn caches_apt(instruction: &Instruction) -> bool {
    matches!(&instruction.command, Some(Command::Run(run)) if run.mounts.iter().any(|m| {
        m.kind == MountKind::Cache
            && m.target.as_deref().is_some_and(|t| t.starts_with("/var/lib/apt") || t.starts_with("/var/cache/apt"))
    }))
}

impl Rule for Br108 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() || caches_apt(instruction) {
            return;
        }
        let (Some(script), Some(index), Some(stage)) =
            (run_script(instruction, ctx), ctx.index(), ctx.stage())
        else {
            return;
        };
        let commands: Vec<&berth_shell::Command> = script.script.commands().collect();
        // `apt-get install --update` (apt 3) refreshes the lists itself.
        if commands
            .iter()
            .any(|c| is_apt(c) && (is_index_refresh(c) || c.has_flag("update")))
        {
            return;
        }
        let Some(install) = commands.iter().find(|c| {
            is_apt(c)
                && c.args_no_flags()
                    .next()
                    .is_some_and(|w| w.value == "install")
                && c.args_no_flags().skip(1).any(|w| {
                    !w.value.ends_with(".deb")
                        && !w.value.starts_with('/')
                        && !w.value.starts_with('.')
                })
        }) else {
            return;
        };
        // The latest RUN of the stage before this one that updated apt's lists.
        let Some((update_index, update_script)) = (stage.from..index).rev().find_map(|i| {
            let r = &ctx.instructions()[i];
            let s = run_script(r, ctx)?;
            let updates = s
                .script
                .commands()
                .any(|c| is_apt(c) && is_index_refresh(c));
            updates.then_some((i, s))
        }) else {
            return;
        };
        let update_run = &ctx.instructions()[update_index];
        let named = update_script
            .script
            .commands()
            .filter(|c| c.name().is_some())
            .count();
        if named <= 1 || caches_apt(update_run) {
            // A lone update is BR106's; cached lists are never stale.
            return;
        }
        if ctx.text(update_run.span).contains("/var/lib/apt/lists") {
            return;
        }
        let text = ctx.text(script.span(install.span)).to_string();
        let short: String = text.chars().take(60).collect();
        ctx.report(
            script.span(install.span),
            format!(
                "`{short}{}` has no `apt-get update` of its own: it installs from the package lists cached with the RUN at line {}, which do not refresh when this RUN re-runs",
                if short.len() < text.len() { "…" } else { "" },
                update_run.start_line
            ),
        )
        .label(update_run.span, "updates the lists this install reuses")
        .help("run `apt-get update && apt-get install ...` in this RUN");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br108,
            pass: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get update && apt-get install -y b\n",
                "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y b\n",
                "FROM debian:12\nRUN apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y b\n",
                "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y a\nRUN --mount=type=cache,target=/var/lib/apt apt-get install -y b\n",
                "FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y ./local.deb\n",
                "FROM debian:12\nRUN apt-get install -y b\n",
                "FROM debian:13\nRUN apt-get update && apt-get install -y a\nRUN apt-get install --update -y b\n",
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b\n",
                "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl gnupg\nRUN curl https://x/key | apt-key add - && apt-get install -y --no-install-recommends msodbcsql18\n",
            ],
        );
    }
}
