//! DL3027: Do not use apt

use berth_syntax::Instruction;

use super::helpers::run_checks::check_command_names;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead";

crate::declare_rule! {
    /// ## What it does
    /// Flags the `apt` command in RUN instructions, also inside ONBUILD.
    ///
    /// ## Why is this bad?
    /// `apt` is the interactive front end: its output and behaviour are not stable for scripts
    /// and it warns so itself. `apt-get` and `apt-cache` are meant for scripts.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt install -y curl
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get install -y --no-install-recommends curl=7.88.1-10
    /// ```
    pub struct Dl3027 {}
    meta {
        code: "DL3027",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Do not use apt",
    }
}

impl Rule for Dl3027 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_command_names(instruction, ctx, MESSAGE, &["apt"]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3027,
            pass: [
                "FROM debian:12\nRUN apt-get install -y curl=1\n",
                "FROM debian:12\nRUN echo apt\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt install -y curl\n",
                "FROM debian:12\nONBUILD RUN apt update\n"
            ],
        );
    }
}
