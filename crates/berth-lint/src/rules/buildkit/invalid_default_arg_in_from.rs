use berth_syntax::expand::Lexer;
use berth_syntax::reference::parse_normalized_named;
use berth_syntax::Command;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Expands every `FROM` image with the meta `ARG` defaults only (as if no `--build-arg`
    /// were given) and flags the ones that do not give a valid image reference, such as
    /// an empty name or `busybox:` with an empty tag.
    ///
    /// ## Why is this bad?
    /// The Dockerfile only builds when the caller remembers to pass the build arg; tools
    /// that read it without build args (scanners, `docker build` with defaults, IDEs) fail.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG VERSION
    /// FROM busybox:$VERSION
    /// ```
    ///
    /// ## How to fix
    /// Give the arg a default that works:
    /// ```dockerfile
    /// ARG VERSION=latest
    /// FROM busybox:$VERSION
    /// ```
    pub struct InvalidDefaultArgInFrom {}
    meta {
        code: "InvalidDefaultArgInFrom",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Default value for global ARG results in an empty or invalid base image name",
    }
}

impl Rule for InvalidDefaultArgInFrom {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        let lexer = Lexer::new(file.escape);
        for stage in &scope.stages {
            let instruction = &file.instructions[stage.from];
            let Some(Command::From(from)) = &instruction.command else {
                continue;
            };
            // BuildKit abandons the check at the first expansion error.
            let Ok(out) = lexer.expand_word(&from.image, &scope.global_defaults) else {
                return;
            };
            if parse_normalized_named(&out.value).is_err() {
                ctx.report(
                    instruction.span,
                    format!(
                        "Default value for ARG {} results in empty or invalid base image name",
                        from.image
                    ),
                )
                .help("give the ARG a default value that makes a valid image reference");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use berth_syntax::reference::parse_normalized_named;

    fn is_valid_reference(text: &str) -> bool {
        parse_normalized_named(text).is_ok()
    }

    #[test]
    fn cases() {
        crate::assert_rule!(super::InvalidDefaultArgInFrom,
            pass: [
                "ARG VERSION=\"latest\"\nFROM busybox:${VERSION}\n",
                "ARG BUSYBOX_VARIANT=\"\"\nFROM busybox:stable${BUSYBOX_VARIANT}\n",
                "ARG REGISTRY=registry.example.com:5000\nFROM $REGISTRY/team/app:1.0\n",
                "FROM scratch\n",
            ],
            fail: [
                "ARG VERSION\nFROM busybox:$VERSION\n",
                "ARG IMAGE\nFROM $IMAGE\n",
                "ARG SFX=\"box:\"\nFROM busy${SFX}\n",
            ],
        );
    }

    #[test]
    fn references() {
        for ok in [
            "alpine",
            "alpine:3.20",
            "library/alpine",
            "ghcr.io/org/app:v1",
            "localhost/app",
            "localhost:5000/a/b_c__d.e-f--g:tag",
            "[::1]:5000/app",
            "alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(is_valid_reference(ok), "{ok}");
        }
        for bad in [
            "",
            "busybox:",
            "Busybox",
            "app/",
            "a..b",
            "-a",
            "alpine@sha256:abc",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            ":tag",
        ] {
            assert!(!is_valid_reference(bad), "{bad}");
        }
    }
}
