//! DL3004: Do not use sudo

use berth_syntax::Instruction;

use super::helpers::run_checks::check_command_names;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root";

crate::declare_rule! {
    /// ## What it does
    /// Flags `sudo` in RUN instructions, also inside ONBUILD.
    ///
    /// ## Why is this bad?
    /// Build steps already run as the current USER; sudo needs a TTY and password setup,
    /// behaves differently between images and hides which user really runs a command.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN sudo apt-get update
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// USER root
    /// RUN apt-get update
    /// ```
    pub struct Dl3004 {}
    meta {
        code: "DL3004",
        family: Hadolint,
        severity: Error,
        kinds: [Run],
        summary: "Do not use sudo",
    }
}

impl Rule for Dl3004 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_command_names(instruction, ctx, MESSAGE, &["sudo"]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3004,
            pass: [
                "FROM debian:12\nRUN apt-get update\n",
                "FROM debian:12\nRUN apt-get install -y sudo\n"
            ],
            fail: [
                "FROM debian:12\nRUN sudo apt-get update\n",
                "FROM debian:12\nONBUILD RUN sudo make install\n"
            ],
        );
    }
}
