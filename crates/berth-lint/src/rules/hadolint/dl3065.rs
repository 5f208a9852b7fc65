use berth_syntax::image::FromParts;
use berth_syntax::Instruction;

use super::helpers::flags::platform_span;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `FROM --platform=$TARGETPLATFORM` (or `${TARGETPLATFORM}`).
    ///
    /// ## Why is this bad?
    /// Stages are built for the target platform by default; the flag only adds noise and
    /// suggests something special happens.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$TARGETPLATFORM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ```
    pub struct Dl3065 {}
    meta {
        code: "DL3065",
        family: Hadolint,
        severity: Warning,
        kinds: [From],
        summary: "Setting FROM --platform to predefined $TARGETPLATFORM is redundant",
    }
}

impl Rule for Dl3065 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        if matches!(from.platform, Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")) {
            ctx.report(
                platform_span(instruction),
                "Setting `FROM --platform` to predefined `$TARGETPLATFORM` in is redundant as \
                 this is the default behavior",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3065,
            pass: [
                "FROM alpine:3.24\n",
                "FROM --platform=$FOOBAR alpine:3.24\n",
                "FROM --platform=foobar alpine:3.24\n",
                "FROM --platform=foobar/arm64 alpine:3.24\n",
            ],
            fail: [
                "FROM --platform=$TARGETPLATFORM alpine:3.24\n",
                "FROM --platform=${TARGETPLATFORM} alpine:3.24\n",
            ],
        );
    }
}
