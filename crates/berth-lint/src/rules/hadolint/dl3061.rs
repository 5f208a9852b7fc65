use berth_syntax::{Instruction, Keyword};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags every instruction other than `ARG` before the first `FROM`.
    ///
    /// ## Why is this bad?
    /// Only `ARG` (and comments and parser directives) may come before the first `FROM`;
    /// BuildKit rejects anything else.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL maintainer=me
    /// FROM debian:12
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// LABEL maintainer=me
    /// ```
    pub struct Dl3061 {
        seen_from: bool,
    }
    meta {
        code: "DL3061",
        family: Hadolint,
        severity: Error,
        kinds: [From, Run, Cmd, Label, Maintainer, Expose, Env, Add, Copy, Entrypoint, Volume,
                User, Workdir, Onbuild, Stopsignal, Healthcheck, Shell, Unknown],
        summary: "Invalid instruction order. Dockerfile must begin with FROM, ARG or comment",
    }
}

impl Rule for Dl3061 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() || self.seen_from {
            return;
        }
        if instruction.keyword == Keyword::From {
            self.seen_from = true;
        } else {
            ctx.report(
                instruction.keyword_span,
                "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3061,
            pass: [
                "FROM foo\nLABEL foo=bar\n",
                "ARG A=B\nFROM foo\nLABEL foo=bar\n",
                "# syntax = docker/dockerfile:1.0-experimental\nFROM node:16-alpine3.13\n",
                "FROM foo\nARG A=B\nRUN echo bla\n",
            ],
            fail: [
                "LABEL foo=bar\nFROM foo\n",
                "ARG A\nENV B=1\nRUN x\nFROM foo\n",
            ],
        );
    }
}
