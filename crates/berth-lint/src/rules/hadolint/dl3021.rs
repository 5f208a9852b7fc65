use berth_syntax::{Command, Instruction};

use super::helpers::args::drop_quotes;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `COPY` with several sources whose destination does not end in `/`.
    ///
    /// ## Why is this bad?
    /// With more than one source the destination must be a directory, and BuildKit requires
    /// it to be written with a trailing slash; the build fails otherwise.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY package.json package-lock.json /app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// COPY package.json package-lock.json /app/
    /// ```
    pub struct Dl3021 {}
    meta {
        code: "DL3021",
        family: Hadolint,
        severity: Error,
        kinds: [Copy],
        summary: "COPY with more than 2 arguments requires the last argument to end with /",
    }
}

impl Rule for Dl3021 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(Command::Copy(copy)) = &instruction.command else {
            return;
        };
        if copy.sources.len() > 1 && !drop_quotes(&copy.dest).ends_with('/') {
            ctx.report(
                copy.dest_span,
                "COPY with more than 2 arguments requires the last argument to end with /",
            )
            .help(format!(
                "write the destination as `{}/`",
                drop_quotes(&copy.dest)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3021,
            pass: [
                "COPY foo bar\n",
                "COPY foo bar baz/\n",
                "COPY foo bar \"baz/\"\n",
                "FROM a\nADD foo bar baz\n",
            ],
            fail: [
                "COPY foo bar baz\n",
                "COPY foo bar \"baz\"\n",
                "FROM a\nCOPY --from=build a b /app\n",
            ],
        );
    }
}
