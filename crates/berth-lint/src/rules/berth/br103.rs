use berth_syntax::Instruction;

use super::support::{is_proxy_arg, is_volatile, plural, runs_rerun_by_arg, snippet, stage_arg};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` whose name says its value changes on every build (a date, a time stamp,
    /// a commit id, a build number: `BUILD_DATE`, `GIT_COMMIT`, `VCS_REF`, `CACHEBUST`, ...)
    /// declared before RUN steps in the same stage.
    ///
    /// ## Why is this bad?
    /// A changed build arg re-runs every RUN after its declaration in the stage, whether the
    /// RUN uses it or not. A value that changes on every build therefore disables the cache
    /// for every RUN below it, typically the expensive ones (dependency installs, compiles).
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// ARG BUILD_DATE
    /// COPY package.json package-lock.json ./
    /// RUN npm ci
    /// LABEL org.opencontainers.image.created=$BUILD_DATE
    /// ```
    ///
    /// ## How to fix
    /// Declare it after the last RUN, right where it is used (LABELs cost nothing):
    /// ```dockerfile
    /// FROM node:20
    /// COPY package.json package-lock.json ./
    /// RUN npm ci
    /// ARG BUILD_DATE
    /// LABEL org.opencontainers.image.created=$BUILD_DATE
    /// ```
    pub struct Br103 {}
    meta {
        code: "BR103",
        family: Berth,
        severity: Warning,
        kinds: [Arg],
        summary: "Volatile build arg (date, commit id) declared before RUN steps",
    }
}

impl Rule for Br103 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let (Some((decls, _)), Some(index)) = (stage_arg(instruction, ctx), ctx.index()) else {
            return;
        };
        for decl in decls
            .iter()
            .filter(|d| is_volatile(&d.name) && !is_proxy_arg(&d.name))
        {
            // What the cache model says a new value re-runs: the RUNs after the ARG in its
            // stage and in the stages built FROM it.
            let runs: Vec<&Instruction> = runs_rerun_by_arg(ctx, index, &decl.name)
                .into_iter()
                .map(|i| &ctx.instructions()[i])
                .collect();
            let Some(first) = runs.first() else {
                continue;
            };
            let first_text = snippet(ctx, first);
            ctx.report(
                decl.span,
                format!(
                    "ARG {} looks like it changes on every build: the {} after it {} every time (first: `{first_text}`, line {})",
                    decl.name,
                    plural(runs.len(), "RUN step", "RUN steps"),
                    if runs.len() == 1 { "re-runs" } else { "re-run" },
                    first.start_line
                ),
            )
            .label(first.span, "re-runs on every build")
            .help(format!(
                "declare `ARG {}` after the last RUN of the stage, where it is used",
                decl.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br103,
            pass: [
                "FROM node:20\nRUN npm ci\nARG BUILD_DATE\nLABEL created=$BUILD_DATE\n",
                "FROM node:20\nARG BUILD_DATE\nLABEL created=$BUILD_DATE\nFROM node:20\nRUN npm ci\n",
                "ARG GIT_COMMIT\nFROM alpine\nRUN make\n",
                "FROM alpine\nARG SOURCE_DATE_EPOCH\nRUN make\n",
            ],
            fail: [
                "FROM node:20\nARG BUILD_DATE\nCOPY package.json package-lock.json ./\nRUN npm ci\nLABEL org.opencontainers.image.created=$BUILD_DATE\n",
                "FROM golang:1.22\nARG VERSION GIT_COMMIT=unknown\nRUN go mod download\nRUN go build -ldflags \"-X main.commit=$GIT_COMMIT\"\n",
            ],
        );
    }

    #[test]
    fn counts_what_the_cache_model_reruns() {
        let test = crate::testing::RuleTest::new::<super::Br103>();
        // The RUNs of a stage built FROM this one re-run too.
        let found = test.findings(
            "FROM alpine AS base\nARG GIT_COMMIT\nRUN make\nFROM base\nRUN make install\n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("the 2 RUN steps after it"),
            "{}",
            found[0].message
        );
        // `ENV X=$X` carries the value on; `ENV X=fixed` makes it constant.
        let carried =
            test.findings("FROM alpine\nARG GIT_COMMIT\nENV GIT_COMMIT=$GIT_COMMIT\nRUN make\n");
        assert_eq!(carried.len(), 1);
        let fixed = test.findings("FROM alpine\nARG GIT_COMMIT\nENV GIT_COMMIT=none\nRUN make\n");
        assert!(fixed.is_empty());
    }
}
