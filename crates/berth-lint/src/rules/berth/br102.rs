use berth_syntax::Instruction;

use super::support::{
    is_proxy_arg, is_volatile, mentions_var, plural, runs_rerun_by_arg, stage_arg,
};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` declared in a stage well before the first instruction that uses it, with
    /// RUN steps in between.
    ///
    /// ## Why is this bad?
    /// When a build arg's value changes, BuildKit re-runs every RUN after the ARG's
    /// declaration in that stage, even RUNs that never read it. The RUNs between the
    /// declaration and the first use re-run for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ARG APP_VERSION
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// RUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz
    /// ```
    ///
    /// ## How to fix
    /// Declare the ARG right before its first use:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ARG APP_VERSION
    /// RUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz
    /// ```
    pub struct Br102 {}
    meta {
        code: "BR102",
        family: Berth,
        severity: Info,
        kinds: [Arg],
        summary: "ARG declared long before its first use",
    }
}

impl Rule for Br102 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let (Some((decls, rest)), Some(index)) = (stage_arg(instruction, ctx), ctx.index()) else {
            return;
        };
        for decl in decls {
            if is_proxy_arg(&decl.name) || is_volatile(&decl.name) {
                continue;
            }
            let uses = |i: &Instruction| mentions_var(ctx.text(i.span), &decl.name);
            let Some(first_use) = rest.iter().position(uses) else {
                continue;
            };
            // The RUNs before the first use that the cache model says a new value re-runs.
            let used_at_index = index + 1 + first_use;
            let between: Vec<&Instruction> = runs_rerun_by_arg(ctx, index, &decl.name)
                .into_iter()
                .filter(|&i| i < used_at_index)
                .map(|i| &ctx.instructions()[i])
                .collect();
            let Some(first_run) = between.first() else {
                continue;
            };
            let used_at = rest[first_use].start_line;
            ctx.report(
                decl.span,
                format!(
                    "ARG {} is declared at line {} but first used at line {used_at}: when its value changes, the {} in between {} too",
                    decl.name,
                    instruction.start_line,
                    plural(between.len(), "RUN step", "RUN steps"),
                    if between.len() == 1 { "re-runs" } else { "re-run" }
                ),
            )
            .label(first_run.span, "re-runs when the ARG changes")
            .help(format!("move `ARG {}` right above line {used_at}", decl.name));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br102,
            pass: [
                "FROM debian:12\nRUN apt-get update\nARG APP_VERSION\nRUN echo $APP_VERSION\n",
                "FROM debian:12\nARG APP_VERSION\nCOPY app-${APP_VERSION}.tgz /\nRUN make\n",
                "FROM debian:12\nARG UNUSED\nRUN make\n",
                "FROM debian:12\nARG HTTP_PROXY\nRUN apt-get update\nRUN curl $HTTP_PROXY\n",
                "ARG BASE=debian\nFROM $BASE\nRUN make\nRUN echo $BASE\n",
                "FROM debian:12\nARG GIT_COMMIT\nRUN make\nLABEL rev=$GIT_COMMIT\n",
            ],
            fail: [
                "FROM debian:12\nARG APP_VERSION\nRUN apt-get update && apt-get install -y curl\nRUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz\n",
                "FROM node:20\nARG NODE_ENV=production\nRUN npm ci\nRUN npm run build\nENV NODE_ENV=$NODE_ENV\n",
            ],
        );
    }
}
