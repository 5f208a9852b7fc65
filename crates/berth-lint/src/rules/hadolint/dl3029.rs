use berth_syntax::image::FromParts;
use berth_syntax::Instruction;

use super::helpers::flags::platform_span;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `FROM --platform=X` where `X` uses neither `BUILDPLATFORM` nor `TARGETPLATFORM`.
    ///
    /// ## Why is this bad?
    /// A hard-coded platform (`--platform=linux/amd64`) builds that stage for one architecture
    /// whatever `docker build --platform` asks for: multi-platform builds silently produce
    /// images for the wrong architecture, or run under emulation.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 golang:1.22 AS build
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang:1.22 AS build
    /// ```
    pub struct Dl3029 {}
    meta {
        code: "DL3029",
        family: Hadolint,
        severity: Warning,
        kinds: [From],
        summary: "Do not use --platform flag with FROM",
    }
}

impl Rule for Dl3029 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        let Some(platform) = from.platform else {
            return;
        };
        if !platform.contains("BUILDPLATFORM") && !platform.contains("TARGETPLATFORM") {
            ctx.report(
                platform_span(instruction),
                "Do not use --platform flag with FROM",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3029,
            pass: [
                "FROM debian:jessie\n",
                "FROM --platform=$BUILDPLATFORM debian:jessie\n",
                "FROM --platform=\"$BUILDPLATFORM\" debian:jessie\n",
                "FROM --platform=${BUILDPLATFORM} debian:jessie\n",
                "FROM --platform=${BUILDPLATFORM:-} debian:jessie\n",
                "FROM --platform=$TARGETPLATFORM debian:jessie\n",
            ],
            fail: [
                "FROM --platform=linux debian:jessie\n",
                "FROM --platform=linux/amd64 debian:12 AS build\n",
            ],
        );
    }
}
