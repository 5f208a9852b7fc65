//! DL3030: Use the -y switch with yum install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use the -y switch to avoid manual input `yum install -y <package>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `yum install`, `groupinstall` or `localinstall` without `-y`/`--assumeyes`.
    ///
    /// ## Why is this bad?
    /// yum asks for confirmation, which a build cannot give: the install aborts.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install httpd-2.4.6
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3030 {}
    meta {
        code: "DL3030",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Use the -y switch with yum install",
    }
}

impl Rule for Dl3030 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("yum", &["install", "groupinstall", "localinstall"])
        && !c.has_any_flag(&["y", "assumeyes"])
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3030,
            pass: [
                "FROM centos:7\nRUN yum install -y x\n",
                "FROM centos:7\nRUN yum --assumeyes groupinstall x\n"
            ],
            fail: [
                "FROM centos:7\nRUN yum install x\n",
                "FROM centos:7\nONBUILD RUN yum localinstall x.rpm\n"
            ],
        );
    }
}
