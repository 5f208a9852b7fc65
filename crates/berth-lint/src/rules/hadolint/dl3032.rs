//! DL3032: yum clean all missing after yum command

use berth_syntax::Instruction;

use super::helpers::run_checks::{check_cleanup, Predicate};
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "`yum clean all` missing after yum command.";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN with `yum install` and no later `yum clean` / `yum all` or `rm -rf` / `rm
    /// /var/cache/yum/*` command.
    ///
    /// ## Why is this bad?
    /// yum keeps its package cache in the layer, making the image larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6 && yum clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `yum install`. Like hadolint, any `rm -rf` counts as the
    /// clean-up and cache mounts do not exempt.
    pub struct Dl3032 {}
    meta {
        code: "DL3032",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "yum clean all missing after yum command",
    }
}

/// (installs, cleans up) pairs; each install needs a clean-up after it.
const CHECKS: &[(Predicate, Predicate)] = &[(
    |c: &berth_shell::Command| c.has_args("yum", &["install"]),
    |c: &berth_shell::Command| {
        c.has_args("yum", &["clean", "all"]) || c.has_args("rm", &["-rf", "/var/cache/yum/*"])
    },
)];

impl Rule for Dl3032 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_cleanup(instruction, ctx, MESSAGE, &[], CHECKS);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3032,
            pass: [
                "FROM centos:7\nRUN yum install -y x && yum clean all\n",
                "FROM centos:7\nRUN yum install -y x && rm -rf /var/cache/yum/*\n"
            ],
            fail: [
                "FROM centos:7\nRUN yum install -y x\n",
                "FROM centos:7\nRUN yum clean all && yum install -y x\n",
                "FROM centos:7\nONBUILD RUN yum install -y x\n"
            ],
        );
    }
}
