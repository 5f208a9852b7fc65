use berth_syntax::{Command, Instruction, ShellOrExec};

use super::helpers::args::args_span;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `CMD`, `ENTRYPOINT` and `HEALTHCHECK CMD` written in shell form.
    ///
    /// ## Why is this bad?
    /// The shell form runs the command under `/bin/sh -c`: the shell becomes PID 1, so the
    /// process does not receive `SIGTERM` on `docker stop` and is killed after the timeout.
    /// The exec form (a JSON array) runs the program directly.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD node server.js
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// CMD ["node", "server.js"]
    /// ```
    ///
    /// ## Differences from hadolint
    /// Whether an argument list is JSON is decided as BuildKit decides it. An array that is
    /// not valid JSON (`CMD ["C:\Ruby\bin\ruby.exe"]`, where `\R` is no JSON escape) is run
    /// by the shell, so berth flags it where hadolint does not; valid JSON that hadolint's
    /// parser misreads (a `\/` escape, or backslashes when the escape character is a
    /// backtick) is not flagged.
    pub struct Dl3025 {}
    meta {
        code: "DL3025",
        family: Hadolint,
        severity: Warning,
        kinds: [Cmd, Entrypoint, Healthcheck],
        summary: "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
    }
}

impl Rule for Dl3025 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        // An instruction BuildKit's parser rejects is already reported as DL1000.
        let rejected = ctx
            .dockerfile()
            .errors
            .iter()
            .any(|e| e.is_parser_error() && e.instruction == ctx.index());
        if ctx.in_onbuild() || rejected {
            return;
        }
        let shell_form = match &instruction.command {
            Some(Command::Cmd(ShellOrExec::Shell(_)))
            | Some(Command::Entrypoint(ShellOrExec::Shell(_))) => true,
            Some(Command::Healthcheck(check)) => {
                check.test.first().is_some_and(|t| t == "CMD-SHELL")
            }
            // Anything else, or an instruction BuildKit rejects (already DL1000).
            _ => false,
        };
        if shell_form {
            ctx.report(
                args_span(instruction),
                "Use arguments JSON notation for CMD and ENTRYPOINT arguments",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3025,
            pass: [
                "FROM scratch as build\nENTRYPOINT [\"foo\", \"bar\"]\n",
                "FROM scratch as build\nCMD [\"foo\", \"bar\"]\nCMD [ \"foo\", \"bar\" ]\n",
                "HEALTHCHECK CMD [ \"foobar\" ]\n",
                "HEALTHCHECK NONE\n",
                "CMD [ \"/bin/sh\", \"-c\", \\\n      \"echo foo && \\\n       echo bar\" \\\n    ]\n",
            ],
            fail: [
                "FROM node as foo\nENTRYPOINT something\n",
                "FROM node as foo\nCMD something\n",
                "HEALTHCHECK CMD foobar\n",
                "FROM debian:12\nHEALTHCHECK --interval=5s CMD curl -f http://localhost/\n",
            ],
        );
    }
}
