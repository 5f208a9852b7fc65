use berth_syntax::{Instruction, Keyword, Span};

use super::helpers::args::{args_span, joined_args};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage whose last `USER` is root (`root`, `0`, `root:<group>` or `0:<group>`).
    ///
    /// ## Why is this bad?
    /// A container that runs as root gives any process that breaks out of it root on the host
    /// (or in the user namespace). Switching back to root for a few steps is fine, as long as
    /// the stage ends with an unprivileged user.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// USER root
    /// RUN apt-get update
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// USER root
    /// RUN apt-get update
    /// USER app
    /// ```
    ///
    /// Like hadolint, every stage is checked, not only the last one; a later non-root `USER`
    /// in the same stage clears the finding.
    pub struct Dl3002 {
        /// Per stage (in order): the span of the root `USER` that is last so far.
        last_root: Vec<Option<Span>>,
    }
    meta {
        code: "DL3002",
        family: Hadolint,
        severity: Warning,
        kinds: [From, User],
        summary: "Last USER should not be root",
    }
}

impl Rule for Dl3002 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::From {
            self.last_root.push(None);
            return;
        }
        // A USER before the first FROM belongs to no stage.
        let Some(slot) = self.last_root.last_mut() else {
            return;
        };
        *slot = is_root(&joined_args(instruction)).then(|| args_span(instruction));
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        for span in self.last_root.iter().flatten() {
            ctx.report(*span, "Last USER should not be root");
        }
    }
}

fn is_root(user: &str) -> bool {
    user == "root" || user == "0" || user.starts_with("root:") || user.starts_with("0:")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3002,
            pass: [
                "FROM scratch\nUSER foo\n",
                "FROM scratch\nUSER root\nRUN something\nUSER foo\n",
                "FROM debian as base\nUSER root\nRUN something\nUSER foo\nFROM scratch\nRUN x\n",
                "USER root\nFROM scratch\n",
                "FROM scratch\nUSER rooter\n",
            ],
            fail: [
                "FROM scratch\nUSER root\n",
                "FROM scratch\nUSER 0\n",
                "FROM scratch\nUSER root:root\n",
                "FROM scratch\nUSER 0:0\n",
                "FROM debian as base\nUSER root\nRUN something\nFROM base\nRUN something else\n",
                "FROM debian:12 AS a\nUSER root\nFROM debian:12\nUSER app\n",
            ],
        );
    }
}
