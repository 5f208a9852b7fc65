use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports an error `docker build` stops at when no build args are given, where a build
    /// arg declared without a default would avoid it: `ARG BASE` then `FROM $BASE` (`base
    /// name ($BASE) should not be blank`), `FROM ${REGISTRY}/app`, `--platform=linux/${ARCH}`.
    /// The message is BuildKit's; the help names the `--build-arg` that makes the file build.
    /// berth then looks on as if that arg had a value, so an error no build arg avoids is
    /// still reported (as `BuildError`).
    ///
    /// ## Why is this bad?
    /// Often it is not: such files are written to be built with the arg (a CI pipeline or a
    /// compose file passes it). But `docker build .` without it fails, and so does every tool
    /// that reads the file without build args. That is why the finding is a `style` finding:
    /// with the default failure threshold (`info`, as hadolint) it does not fail `berth lint`
    /// or the pre-commit hook; `--failure-threshold style` or `--error BuildArgRequired` makes
    /// it do so.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG BASE_IMAGE
    /// FROM ${BASE_IMAGE}
    /// ```
    ///
    /// ## How to fix
    /// Build with `--build-arg BASE_IMAGE=...`, or give the arg a default that works:
    /// ```dockerfile
    /// ARG BASE_IMAGE=debian:bookworm-slim
    /// FROM ${BASE_IMAGE}
    /// ```
    pub struct BuildArgRequired {}
    meta {
        code: "BuildArgRequired",
        family: BuildKit,
        severity: Style,
        kinds: [],
        summary: "The build fails unless a build arg without a default is given",
    }
}

impl Rule for BuildArgRequired {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        for error in super::dispatch::engine_errors(file, scope) {
            if error.build_args.is_empty() {
                continue;
            }
            let span = file.instructions[error.instruction.unwrap_or(error.at)].span;
            let flags: Vec<String> = error
                .build_args
                .iter()
                .map(|name| format!("--build-arg {name}=..."))
                .collect();
            let names: Vec<String> = error.build_args.iter().map(|n| format!("`{n}`")).collect();
            ctx.report(span, error.message).help(format!(
                "{} {} no default: build with `{}`, or give {} a default",
                names.join(", "),
                if names.len() == 1 { "has" } else { "have" },
                flags.join(" "),
                if names.len() == 1 { "it" } else { "them" },
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::BuildArgRequired,
            pass: [
                "ARG BASE=alpine\nFROM $BASE\n",
                "FROM alpine\nCOPY --from=$STAGE /out /out\n",
            ],
            fail: [
                "ARG BASE\nFROM $BASE\n",
                "ARG REGISTRY\nARG TAG=\nFROM ${REGISTRY}/app:${TAG}\n",
                "ARG ARCH\nFROM --platform=linux/${ARCH} alpine\n",
            ],
        );
    }
}
