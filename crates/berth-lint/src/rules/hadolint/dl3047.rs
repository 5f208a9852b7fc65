//! DL3047: Avoid wget without progress bar

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands_fixing;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).";

crate::declare_rule! {
    /// ## What it does
    /// Flags `wget` without `--progress` and without any of `-q`, `--quiet`, `-o`, `--output-
    /// file`, `-a`, `--append-output`, `--no-verbose` or `-nv`.
    ///
    /// ## Why is this bad?
    /// wget's default progress bar writes a line per few kilobytes in non-interactive output,
    /// flooding the build log.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN wget https://example.com/x.tgz
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN wget --progress=dot:giga https://example.com/x.tgz
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3047 {}
    meta {
        code: "DL3047",
        family: Hadolint,
        severity: Info,
        kinds: [Run],
        summary: "Avoid wget without progress bar",
        fix: Unsafe,
    }
}

impl Rule for Dl3047 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands_fixing(instruction, ctx, MESSAGE, &[], offends, insertion);
    }
}

/// The fix: `--progress=dot:giga` right after `wget` (GNU wget; busybox's has no such
/// option, which is one reason the fix is unsafe).
fn insertion(c: &berth_shell::Command) -> Option<(&berth_shell::Word, &'static str)> {
    Some((c.name_word()?, " --progress=dot:giga"))
}

fn offends(c: &berth_shell::Command) -> bool {
    c.is("wget")
        && !c.has_flag("progress")
        && !c.has_any_flag(&[
            "q",
            "quiet",
            "o",
            "output-file",
            "a",
            "append-output",
            "no-verbose",
        ])
        && !c.has_arg("-nv")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3047,
            pass: [
                "FROM debian:12\nRUN wget -q https://e.com/x\n",
                "FROM debian:12\nRUN wget -nv https://e.com/x\n",
                "FROM debian:12\nRUN wget --progress=dot:giga https://e.com/x\n",
                "FROM debian:12\nRUN wget -O- -o log https://e.com/x\n"
            ],
            fail: [
                "FROM debian:12\nRUN wget https://e.com/x\n",
                "FROM debian:12\nRUN wget -O /tmp/x https://e.com/x\n",
                "FROM debian:12\nONBUILD RUN wget https://e.com/x\n"
            ],
        );
    }
}
