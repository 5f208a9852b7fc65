//! DL3046: useradd without -l and a high UID

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "`useradd` without flag `-l` and high UID will result in excessively large Image.";

crate::declare_rule! {
    /// ## What it does
    /// Flags `useradd` with `-u`/`--uid` and without `-l`/`--no-log-init` when the value after
    /// a short `-u` is longer than five characters.
    ///
    /// ## Why is this bad?
    /// useradd reserves lastlog and faillog entries up to the UID: a high UID makes those
    /// sparse files huge, and the layer with them.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -u 123456789 app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN useradd -l -u 123456789 app
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line. Like hadolint, only the value of the short `-u` is measured: `--uid 1234567`
    /// passes.
    pub struct Dl3046 {}
    meta {
        code: "DL3046",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "useradd without -l and a high UID",
    }
}

impl Rule for Dl3046 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    c.is("useradd")
        && !c.has_any_flag(&["l", "no-log-init"])
        && c.has_any_flag(&["u", "uid"])
        && c.flag_values("u")
            .iter()
            .any(|w| w.value.chars().count() > 5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3046,
            pass: [
                "FROM debian:12\nRUN useradd -l -u 123456789 app\n",
                "FROM debian:12\nRUN useradd -u 1000 app\n",
                "FROM debian:12\nRUN useradd --uid 123456789 app\n"
            ],
            fail: [
                "FROM debian:12\nRUN useradd -u 123456789 app\n",
                "FROM debian:12\nONBUILD RUN useradd -m -u 1234567 app\n"
            ],
        );
    }
}
