//! DL3035: Do not use zypper dist-upgrade

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Do not use `zypper dist-upgrade`.";

crate::declare_rule! {
    /// ## What it does
    /// Flags `zypper dist-upgrade` and `zypper dup`.
    ///
    /// ## Why is this bad?
    /// A distribution upgrade in a build makes the image depend on whatever the repositories
    /// hold that day; upgrade by changing the base image instead.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper dist-upgrade
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM opensuse/leap:15.7
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3035 {}
    meta {
        code: "DL3035",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Do not use zypper dist-upgrade",
    }
}

impl Rule for Dl3035 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("zypper", &["dist-upgrade", "dup"])
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3035,
            pass: [
                "FROM opensuse/leap:15.6\nRUN zypper refresh\n"
            ],
            fail: [
                "FROM opensuse/leap:15.6\nRUN zypper dup -y\n",
                "FROM opensuse/leap:15.6\nONBUILD RUN zypper dist-upgrade\n"
            ],
        );
    }
}
