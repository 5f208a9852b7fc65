//! DL3038: Use the -y switch with dnf install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use the -y switch to avoid manual input `dnf install -y <package>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `dnf` or `microdnf` with `install`, `groupinstall` or `localinstall` and no
    /// `-y`/`--assumeyes`.
    ///
    /// ## Why is this bad?
    /// dnf asks for confirmation, which a build cannot give: the install aborts.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install httpd-2.4.62
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3038 {}
    meta {
        code: "DL3038",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Use the -y switch with dnf install",
    }
}

impl Rule for Dl3038 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    (c.is("dnf") || c.is("microdnf"))
        && c.has_any_arg(&["install", "groupinstall", "localinstall"])
        && !c.has_any_flag(&["y", "assumeyes"])
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3038,
            pass: [
                "FROM fedora:40\nRUN dnf install -y x\n",
                "FROM fedora:40\nRUN microdnf --assumeyes install x\n"
            ],
            fail: [
                "FROM fedora:40\nRUN dnf install x\n",
                "FROM fedora:40\nONBUILD RUN microdnf install x\n"
            ],
        );
    }
}
