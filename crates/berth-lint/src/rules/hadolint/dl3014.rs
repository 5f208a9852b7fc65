//! DL3014: Use the -y switch with apt-get install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands_fixing;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use the `-y` switch to avoid manual input `apt-get -y install <package>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` without a yes option: `-y`, `--yes`, `--assume-yes`, `--qq`,
    /// exactly two `-q` (`-qq`), exactly two `--quiet`, or the argument `-q=2`.
    ///
    /// ## Why is this bad?
    /// Without it apt-get asks for confirmation, which a build cannot give: the install aborts.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get install curl=7.88.1-10
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get install -y curl=7.88.1-10
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3014 {}
    meta {
        code: "DL3014",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Use the -y switch with apt-get install",
        fix: Unsafe,
    }
}

impl Rule for Dl3014 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands_fixing(instruction, ctx, MESSAGE, &[], offends, insertion);
    }
}

/// The fix: `-y` right after `install`.
fn insertion(c: &berth_shell::Command) -> Option<(&berth_shell::Word, &'static str)> {
    let word = c.words.iter().skip(1).find(|w| w.value == "install")?;
    Some((word, " -y"))
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("apt-get", &["install"])
        && !(c.has_any_flag(&["y", "yes", "qq", "assume-yes"])
            || c.count_flag("q") == 2
            || c.count_flag("quiet") == 2
            || c.has_arg("-q=2"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3014,
            pass: [
                "FROM debian:12\nRUN apt-get install -y x\n",
                "FROM debian:12\nRUN apt-get -qq install x\n",
                "FROM debian:12\nRUN apt-get install --assume-yes x\n",
                "FROM debian:12\nRUN apt-get -q=2 install x\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt-get install x\n",
                "FROM debian:12\nRUN apt-get -q install x\n",
                "FROM debian:12\nONBUILD RUN apt-get install x\n"
            ],
        );
    }
}
