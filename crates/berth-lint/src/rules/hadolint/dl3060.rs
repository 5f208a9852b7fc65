//! DL3060: yarn cache clean missing after yarn install

use berth_syntax::Instruction;

use super::helpers::final_stage::FinalStageFindings;
use super::helpers::run_checks::has_cache_mount;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "`yarn cache clean` missing after `yarn install` was run.";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN with `yarn install` and no `yarn cache clean` after it, unless (when there
    /// is no clean-up at all) a cache or tmpfs mount covers `.cache/yarn`. Only RUNs of the
    /// final stage, or of a stage used as the base image of another FROM, are reported; in
    /// ONBUILD always.
    ///
    /// ## Why is this bad?
    /// yarn's cache stays in the layer and makes the image larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// RUN yarn install --frozen-lockfile
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM node:22
    /// RUN yarn install --frozen-lockfile && yarn cache clean
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `yarn install` inside the RUN.
    pub struct Dl3060 {
    findings: FinalStageFindings,
}
    meta {
        code: "DL3060",
        family: Hadolint,
        severity: Info,
        kinds: [From, Run],
        summary: "yarn cache clean missing after yarn install",
    }
}

impl Rule for Dl3060 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some((shell, run)) = self.findings.instruction(instruction, ctx) else {
            return;
        };
        let script = &shell.script;
        let Some(install) = script.find_command_index(|c| c.has_args("yarn", &["install"])) else {
            return;
        };
        let clean = script.find_command_index(|c| c.has_args("yarn", &["cache", "clean"]));
        let unclean = match clean {
            None => !has_cache_mount(run, ".cache/yarn"),
            Some(clean) => clean < install,
        };
        if !unclean {
            return;
        }
        let span = script
            .commands()
            .nth(install)
            .map_or(instruction.span, |c| shell.command_span(c));
        self.findings.push(ctx, span);
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
            super::Dl3060,
            pass: [
                "FROM node:22\nRUN yarn install && yarn cache clean\n",
                "FROM node:22\nRUN --mount=type=cache,target=/root/.cache/yarn yarn install\n",
                "FROM node:22 AS build\nRUN yarn install\nFROM nginx:1\nCOPY --from=build /app /app\n"
            ],
            fail: [
                "FROM node:22\nRUN yarn install\n",
                "FROM node:22\nRUN yarn cache clean && yarn install\n",
                "FROM node:22\nONBUILD RUN yarn install\n"
            ],
        );
    }
}
