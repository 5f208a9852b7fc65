use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `FROM` image tagged `latest` without a digest.
    ///
    /// ## Why is this bad?
    /// `latest` moves: each build may start from a different base image, so builds are not
    /// reproducible and a broken upstream release breaks yours without any change on your side.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:latest
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12.5
    /// ```
    /// `debian:latest@sha256:...` is accepted: the digest pins the image.
    pub struct Dl3007 {}
    meta {
        code: "DL3007",
        family: Hadolint,
        severity: Warning,
        kinds: [From],
        summary: "Using latest is prone to errors if the image will ever update",
    }
}

impl Rule for Dl3007 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(from) = FromParts::of(instruction).filter(|_| !ctx.in_onbuild()) else {
            return;
        };
        let image = ImageRef::parse_from(from.image);
        if image.tag == Some("latest") && image.digest.is_none() {
            ctx.report(
                from.image_span,
                "Using latest is prone to errors if the image will ever update. Pin the version \
                 explicitly to a release tag",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3007,
            pass: [
                "FROM debian:jessie\n",
                "FROM debian:jessie AS builder\n",
                "FROM hub.docker.io/debian@sha256:7959ed6f7e35f8b1aaa06d1d8259d4ee25aa85a086d5c125480c333183f9deeb\n",
                "FROM hub.docker.io/debian:latest@sha256:7959ed6f7e35f8b1aaa06d1d8259d4ee25aa85a086d5c125480c333183f9deeb\n",
                "FROM debian\n",
            ],
            fail: [
                "FROM debian:latest\n",
                "FROM debian:latest AS builder\n",
                "FROM quay.io/org/app:latest\n",
            ],
        );
    }
}
