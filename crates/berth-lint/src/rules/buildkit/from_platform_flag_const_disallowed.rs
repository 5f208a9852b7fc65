use berth_syntax::Command;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `FROM --platform=<constant>` (no variables) when the stage name mentions
    /// neither the platform's OS nor its architecture.
    ///
    /// ## Why is this bad?
    /// A constant platform pins the stage to one architecture, so a multi-platform build
    /// (`--platform linux/amd64,linux/arm64`) silently produces the same binaries for every
    /// target, or runs under emulation. Use `$BUILDPLATFORM` / `$TARGETPLATFORM`, or name
    /// the stage after the platform when pinning is deliberate.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 golang AS build
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang AS build
    /// ```
    /// or, when it must be amd64, `FROM --platform=linux/amd64 golang AS build-amd64`.
    pub struct FromPlatformFlagConstDisallowed {}
    meta {
        code: "FromPlatformFlagConstDisallowed",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "FROM --platform flag should not use a constant value",
    }
}

impl Rule for FromPlatformFlagConstDisallowed {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        let lexer = berth_syntax::expand::Lexer::new(file.escape);
        for stage in &scope.stages {
            let instruction = &file.instructions[stage.from];
            let Some(Command::From(from)) = &instruction.command else {
                continue;
            };
            let Some(expression) = &from.platform else {
                continue;
            };
            let Ok(out) = lexer.expand_word(expression, &scope.global) else {
                continue;
            };
            if !out.matched.is_empty() || !out.unmatched.is_empty() {
                continue;
            }
            let Some((os, arch)) = parse_platform(&out.value) else {
                continue;
            };
            let name = stage.name.as_deref().unwrap_or("").to_lowercase();
            if name.contains(&os) || name.contains(&arch) {
                continue;
            }
            ctx.report(
                instruction.span,
                format!("FROM --platform flag should not use constant value {:?}", out.value),
            )
            .help("use `--platform=$BUILDPLATFORM` or `$TARGETPLATFORM`, or name the stage after the platform");
        }
    }
}

/// The normalized OS and architecture of a platform BuildKit accepts (containerd's
/// `platforms.Parse`).
fn parse_platform(text: &str) -> Option<(String, String)> {
    berth_syntax::image::parse_platform(text)
        .ok()
        .map(|p| (p.os, p.arch))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::FromPlatformFlagConstDisallowed,
            pass: [
                "FROM --platform=$BUILDPLATFORM golang AS build\n",
                "FROM --platform=linux/amd64 scratch AS my_amd64_stage\n",
                "FROM --platform=linux/amd64 scratch AS linux\n",
                "FROM --platform=nonsense scratch\n",
            ],
            fail: [
                "FROM --platform=linux/amd64 scratch\n",
                "FROM --platform=linux/arm64/v8 golang AS build\n",
                "FROM --platform=arm64 golang\n",
            ],
        );
    }

    #[test]
    fn platform_normalization() {
        assert_eq!(
            super::parse_platform("linux/x86_64"),
            Some(("linux".into(), "amd64".into()))
        );
        assert_eq!(
            super::parse_platform("windows"),
            Some(("windows".into(), "amd64".into()))
        );
        assert_eq!(super::parse_platform("linux/*"), None);
    }
}
