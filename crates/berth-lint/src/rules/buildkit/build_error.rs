use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Reports the error `docker build` stops at after BuildKit's parser accepted the file:
    /// a base image name that expands to nothing or to an invalid reference, a `--platform`
    /// that expands to nothing or is not a platform, an expansion BuildKit cannot do
    /// (`${VAR:i}`, a missing quote), variable expansion in `COPY --from`, a stage index
    /// that does not exist, stages that copy from each other in a circle, a `COPY --from` a
    /// stage defined later, `COPY` of a URL, `ADD --checksum` of a local file, an empty
    /// `VOLUME`, a file with only `ARG` instructions. The message is BuildKit's own, at the
    /// line BuildKit names; like BuildKit, berth reports the first such error only.
    ///
    /// Errors that a build arg avoids (the arg is declared without a default) are reported
    /// as `BuildArgRequired` instead.
    ///
    /// ## Why is this bad?
    /// The build fails before any step runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine AS build
    /// COPY --from=$STAGE /out /out
    /// ```
    /// `variable expansion is not supported for --from, define a new stage with FROM using
    /// ARG from global scope as a workaround`
    ///
    /// ## How to fix
    /// ```dockerfile
    /// ARG STAGE=build
    /// FROM ${STAGE} AS source
    /// FROM alpine
    /// COPY --from=source /out /out
    /// ```
    ///
    /// ## Differences from BuildKit
    /// BuildKit gives some of these errors (`COPY --from` expansion, stage indices) no line;
    /// berth reports them at the instruction they are about. Errors that only the registry
    /// can tell (an image that does not exist, a platform it lacks) are out of reach offline.
    pub struct BuildError {}
    meta {
        code: "BuildError",
        family: BuildKit,
        severity: Error,
        kinds: [],
        summary: "docker build stops with an error",
    }
}

impl Rule for BuildError {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        for error in super::dispatch::engine_errors(file, scope) {
            if !error.build_args.is_empty() {
                continue;
            }
            let span = file.instructions[error.instruction.unwrap_or(error.at)].span;
            ctx.report(span, error.message);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::BuildError,
            pass: [
                "FROM alpine\nRUN true\n",
                "ARG BASE=alpine:3.20\nFROM $BASE AS build\nFROM scratch\nCOPY --from=build /a /a\n",
                "ARG BASE\nFROM $BASE\n",
                "FROM alpine\nRUN [\"echo\", 1]\n",
            ],
            fail: [
                "FROM alpine\nCOPY --from=$STAGE /out /out\n",
                "FROM Builder\n",
                "ARG base=\nFROM --platform=$BULIDPLATFORM ${base:i}\n",
                "FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\n",
                "ARG only\n",
            ],
        );
    }
}
