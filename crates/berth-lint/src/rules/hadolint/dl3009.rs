//! DL3009: Delete the apt lists after installing something

use berth_syntax::Instruction;

use super::helpers::final_stage::FinalStageFindings;
use super::helpers::run_checks::has_cache_mount;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Delete the apt lists (/var/lib/apt/lists) after installing something";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN that runs `apt-get update` (or `apt`/`aptitude update`) without an `rm`
    /// command having `-rf` or `/var/lib/apt/lists/*`, unless a cache or tmpfs mount covers
    /// `/var/lib/apt/lists` (or both `/var/lib/apt` and `/var/cache/apt`). Only RUNs of the
    /// final stage, or of a stage used as the base image of another FROM, are reported; in
    /// ONBUILD always.
    ///
    /// ## Why is this bad?
    /// The package lists downloaded by `apt-get update` stay in the layer: tens of megabytes
    /// that the image never needs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 \
    ///     && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `update` command inside the RUN. Like hadolint, any `rm -rf`
    /// counts as clean-up, and build stages that are only copied from are not reported.
    pub struct Dl3009 {
    findings: FinalStageFindings,
}
    meta {
        code: "DL3009",
        family: Hadolint,
        severity: Info,
        kinds: [From, Run],
        summary: "Delete the apt lists after installing something",
    }
}

impl Rule for Dl3009 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some((shell, run)) = self.findings.instruction(instruction, ctx) else {
            return;
        };
        let commands = || shell.script.commands();
        let Some(update) = commands().find(|c| {
            c.has_args("apt-get", &["update"])
                || c.has_args("apt", &["update"])
                || c.has_args("aptitude", &["update"])
        }) else {
            return;
        };
        let cleans = commands().any(|c| c.has_args("rm", &["-rf", "/var/lib/apt/lists/*"]));
        let mounted = has_cache_mount(run, "/var/lib/apt/lists")
            || (has_cache_mount(run, "/var/lib/apt") && has_cache_mount(run, "/var/cache/apt"));
        if cleans || mounted {
            return;
        }
        self.findings.push(ctx, shell.command_span(update));
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        self.findings.finish(ctx, MESSAGE);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3009,
            pass: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*\n",
                "FROM debian:12\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update\n",
                "FROM debian:12 AS build\nRUN apt-get update\nFROM scratch\nCOPY --from=build /x /x\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y x\n",
                "FROM debian:12 AS base\nRUN apt-get update\nFROM base\nRUN echo\n",
                "FROM debian:12\nONBUILD RUN apt-get update\n"
            ],
        );
    }
}
