use berth_syntax::{Instruction, Keyword};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`.
    ///
    /// ## Why is this bad?
    /// These triggers are not allowed: the build of any image that uses this one as its base
    /// fails when the trigger runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// ONBUILD FROM debian:12
    /// ```
    ///
    /// ## How to fix
    /// Remove the trigger; put a `FROM` in the child Dockerfile instead.
    pub struct Dl3043 {}
    meta {
        code: "DL3043",
        family: Hadolint,
        severity: Error,
        kinds: [Onbuild],
        summary: "ONBUILD, FROM or MAINTAINER triggered from within ONBUILD instruction",
    }
}

impl Rule for Dl3043 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        // An ONBUILD wrapping an ONBUILD is also handed to us as the inner instruction.
        if ctx.in_onbuild() {
            return;
        }
        let Some(inner) = instruction.onbuild.as_deref() else {
            return;
        };
        if matches!(
            inner.keyword,
            Keyword::Onbuild | Keyword::From | Keyword::Maintainer
        ) {
            ctx.report(
                inner.keyword_span,
                "`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3043,
            pass: [
                "ONBUILD ADD anything anywhere\n",
                "ONBUILD USER anything\n",
                "ONBUILD RUN anything\n",
                "ONBUILD HEALTHCHECK NONE\n",
                "FROM debian:buster\n",
                "MAINTAINER \"Some Guy\"\n",
            ],
            fail: [
                "ONBUILD ONBUILD RUN anything\n",
                "ONBUILD FROM debian:buster\n",
                "ONBUILD MAINTAINER \"BoJack Horseman\"\n",
            ],
        );
    }
}
