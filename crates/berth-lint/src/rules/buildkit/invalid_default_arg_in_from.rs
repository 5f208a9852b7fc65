use berth_syntax::expand::Lexer;
use berth_syntax::image::ImageRef;
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
            if ImageRef::parse_normalized(&out.value).is_err() {
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
}
