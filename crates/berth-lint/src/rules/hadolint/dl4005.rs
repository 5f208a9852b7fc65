//! DL4005: Use SHELL to change the default shell

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use SHELL to change the default shell";

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ln` command with the argument `/bin/sh`.
    ///
    /// ## Why is this bad?
    /// Replacing /bin/sh by a symlink changes the shell of every later RUN behind the reader's
    /// back; the SHELL instruction says it openly.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN ln -sfv /bin/bash /bin/sh
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-c"]
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl4005 {}
    meta {
        code: "DL4005",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Use SHELL to change the default shell",
    }
}

impl Rule for Dl4005 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands(instruction, ctx, MESSAGE, &[], offends);
    }
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("ln", &["/bin/sh"])
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl4005,
            pass: [
                "FROM debian:12\nRUN ln -s /bin/bash /usr/local/bin/sh\n"
            ],
            fail: [
                "FROM debian:12\nRUN ln -sfv /bin/bash /bin/sh\n",
                "FROM debian:12\nONBUILD RUN ln -sf /bin/bash /bin/sh\n"
            ],
        );
    }
}
