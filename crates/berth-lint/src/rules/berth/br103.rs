use berth_syntax::{Command, Instruction};

use super::support::{
    changes_together, is_proxy_arg, is_volatile, mentions_var, plural, runs_rerun_by_arg, snippet,
    stage_arg,
};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` whose name says its value changes on every build (a date, a time stamp,
    /// a commit id, a build number: `BUILD_DATE`, `GIT_COMMIT`, `VCS_REF`, `CACHEBUST`, ...)
    /// and whose value is not fixed in the file, declared before RUN steps that do not use it.
    ///
    /// ## Why is this bad?
    /// A changed build arg re-runs every RUN after its declaration in the stage, whether the
    /// RUN uses it or not. A value that changes on every build therefore disables the cache
    /// for every RUN below it, typically the expensive ones (dependency installs, compiles).
    ///
    /// ## When it does not fire
    /// - The ARG has a default that pins it (`ARG SHA=3f2a…`, `ARG REF=12.1`,
    ///   `ARG REF=/usr/share/ref`): the name says volatile, the value does not. Placeholder
    ///   and moving defaults (`unknown`, `dev`, `none`, `HEAD`, `master`, empty) still count
    ///   as per-build.
    /// - A checksum or hash arg that goes with a version arg of the stage
    ///   (`RESTY_CLI_SHA` with `RESTY_CLI_VERSION`): it changes with the version.
    /// - The first RUN after the ARG uses it in its own text: that RUN must re-run on a new
    ///   value, and nothing can be moved.
    /// - `SOURCE_DATE_EPOCH` (reproducible builds pin it) and the proxy args.
    ///
    /// ## What the fix costs and saves
    /// Moving one line below the RUNs that do not use it. It saves re-running every one of
    /// them on every build: without it, the stage is effectively never cached.
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

/// Defaults that stand for "not given": the real value comes with each build.
const PLACEHOLDERS: [&str; 19] = [
    "",
    "unknown",
    "none",
    "null",
    "undefined",
    "unset",
    "dev",
    "devel",
    "development",
    "local",
    "0",
    "-",
    "n/a",
    "snapshot",
    "head",
    "master",
    "main",
    "latest",
    "nightly",
];

/// Whether a default value pins the arg rather than standing in for a per-build value.
fn pinned(default: Option<&str>) -> bool {
    default.is_some_and(|v| {
        let v = v.trim_matches(['"', '\'']);
        !PLACEHOLDERS.contains(&v.to_ascii_lowercase().as_str()) && !v.contains('$')
    })
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
            if pinned(decl.default.as_deref()) {
                continue;
            }
            // A checksum or commit that goes with a version arg of the stage changes with
            // the version, not with every build.
            let stage_args = ctx
                .stage()
                .map_or(&[][..], |s| &ctx.instructions()[s.instructions.clone()]);
            if stage_args.iter().any(|i| match &i.command {
                Some(Command::Arg(d)) => d.iter().any(|o| changes_together(&decl.name, &o.name)),
                _ => false,
            }) {
                continue;
            }
            // What the cache model says a new value re-runs: the RUNs after the ARG in its
            // stage and in the stages built FROM it.
            let runs: Vec<&Instruction> = runs_rerun_by_arg(ctx, index, &decl.name)
                .into_iter()
                .map(|i| &ctx.instructions()[i])
                .collect();
            let Some(first) = runs.first() else {
                continue;
            };
            // The RUNs that do not use it before the first that does: what a move saves.
            let needless = runs
                .iter()
                .take_while(|r| !mentions_var(ctx.text(r.span), &decl.name))
                .count();
            if needless == 0 {
                continue;
            }
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
            .help(if needless == runs.len() {
                format!(
                    "declare `ARG {}` after the last RUN of the stage, where it is used",
                    decl.name
                )
            } else {
                format!(
                    "declare `ARG {}` right above the first RUN that uses it: {} above it would keep their cache",
                    decl.name,
                    plural(needless, "RUN step", "RUN steps")
                )
            });
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
                // Pinned in the file: a checksum, a release, a path.
                "FROM alpine\nARG SHA=3f2a9c0e1b7d4a5f6e8c9b0a1d2e3f4a5b6c7d8e\nRUN make\nRUN echo $SHA\n",
                "FROM alpine\nARG REF=/usr/share/jenkins/ref\nRUN make\n",
                // A checksum going with its version.
                "FROM alpine\nARG RESTY_CLI_VERSION\nARG RESTY_CLI_SHA\nRUN make\nRUN echo $RESTY_CLI_SHA\n",
                // The only RUN uses it itself: nothing can move.
                "FROM alpine\nARG BUILD_DATE\nRUN echo $BUILD_DATE > /build-date\n",
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
