//! DL3034: Non-interactive switch missing from zypper

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Non-interactive switch missing from `zypper` command: `zypper install -y`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `zypper install`, `in`, `remove`, `rm`, `source-install`, `si` or `patch` without
    /// `--non-interactive`, `-n`, `--no-confirm` or `-y`.
    ///
    /// ## Why is this bad?
    /// zypper asks for confirmation, which a build cannot give: the command aborts.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install httpd=2.4
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y httpd=2.4
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3034 {}
    meta {
        code: "DL3034",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Non-interactive switch missing from zypper",
    }
}

impl Rule for Dl3034 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args(
        "zypper",
        &[
            "install",
            "in",
            "remove",
            "rm",
            "source-install",
            "si",
            "patch",
        ],
    ) && !c.has_any_flag(&["non-interactive", "n", "no-confirm", "y"])
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3034,
            pass: [
                "FROM opensuse/leap:15.6\nRUN zypper -n install x=1\n",
                "FROM opensuse/leap:15.6\nRUN zypper --non-interactive rm x\n"
            ],
            fail: [
                "FROM opensuse/leap:15.6\nRUN zypper install x=1\n",
                "FROM opensuse/leap:15.6\nONBUILD RUN zypper patch\n"
            ],
        );
    }
}
