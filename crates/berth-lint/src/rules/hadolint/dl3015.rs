//! DL3015: Avoid additional packages with --no-install-recommends

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands_fixing;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Avoid additional packages by specifying `--no-install-recommends`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` without `--no-install-recommends` (or the argument
    /// `APT::Install-Recommends=false`).
    ///
    /// ## Why is this bad?
    /// Recommended packages are not needed to run the software; they make the image larger and
    /// slower to build.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get install -y curl=7.88.1-10
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get install -y --no-install-recommends curl=7.88.1-10
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3015 {}
    meta {
        code: "DL3015",
        family: Hadolint,
        severity: Info,
        kinds: [Run],
        summary: "Avoid additional packages with --no-install-recommends",
        fix: Unsafe,
    }
}

impl Rule for Dl3015 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands_fixing(instruction, ctx, MESSAGE, &[], offends, insertion);
    }
}

/// The fix: `--no-install-recommends` right after `install`.
fn insertion(c: &berth_shell::Command) -> Option<(&berth_shell::Word, &'static str)> {
    let word = c.words.iter().skip(1).find(|w| w.value == "install")?;
    Some((word, " --no-install-recommends"))
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("apt-get", &["install"])
        && !(c.has_flag("no-install-recommends") || c.has_arg("APT::Install-Recommends=false"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3015,
            pass: [
                "FROM debian:12\nRUN apt-get install -y --no-install-recommends x\n",
                "FROM debian:12\nRUN apt-get -o APT::Install-Recommends=false install x\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt-get install -y x\n",
                "FROM debian:12\nONBUILD RUN apt-get install -y x\n"
            ],
        );
    }
}
