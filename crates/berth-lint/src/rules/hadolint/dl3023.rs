use berth_syntax::image::FromParts;
use berth_syntax::{Instruction, Keyword};

use super::helpers::flags::copy_from;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=X` inside the stage named `X`.
    ///
    /// ## Why is this bad?
    /// A stage cannot copy from itself: BuildKit treats the name as an image to pull or fails
    /// with a dependency cycle.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20 AS build
    /// COPY --from=build /app/dist /srv
    /// ```
    ///
    /// ## How to fix
    /// Copy from the stage that produced the files, or use a plain `COPY`/`RUN cp` within the
    /// stage.
    pub struct Dl3023 {
        /// The current stage's name (`None` before the first FROM or for an unnamed stage).
        current: Option<String>,
    }
    meta {
        code: "DL3023",
        family: Hadolint,
        severity: Error,
        kinds: [From, Copy],
        summary: "COPY --from cannot reference its own FROM alias",
    }
}

impl Rule for Dl3023 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::From {
            self.current = FromParts::of(instruction)
                .and_then(|f| f.alias)
                .map(|(alias, _)| alias.to_string());
            return;
        }
        if let Some((from, span)) = copy_from(instruction) {
            if self.current.as_deref() == Some(from) {
                ctx.report(span, "`COPY --from` cannot reference its own `FROM` alias");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3023,
            pass: [
                "FROM scratch as build\nRUN foo\nFROM node as run\nCOPY --from=build foo .\nRUN baz\n",
                "FROM node\nCOPY --from=foo bar .\n",
            ],
            fail: [
                "FROM node as foo\nCOPY --from=foo bar .\n",
            ],
        );
    }
}
