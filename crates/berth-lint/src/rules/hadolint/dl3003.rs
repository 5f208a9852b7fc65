//! DL3003: Use WORKDIR to switch to a directory

use berth_syntax::Instruction;

use super::helpers::run_checks::check_command_names;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use WORKDIR to switch to a directory";

crate::declare_rule! {
    /// ## What it does
    /// Flags `cd` inside a RUN instruction.
    ///
    /// ## Why is this bad?
    /// A `cd` lasts only for its RUN; WORKDIR states the directory once for every later
    /// instruction and is easier to read.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN cd /usr/src/app && make
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /usr/src/app
    /// RUN make
    /// ```
    pub struct Dl3003 {}
    meta {
        code: "DL3003",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Use WORKDIR to switch to a directory",
    }
}

impl Rule for Dl3003 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        // hadolint has no ONBUILD instance of this rule.
        if ctx.in_onbuild() {
            return;
        }
        check_command_names(instruction, ctx, MESSAGE, &["cd"]);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3003,
            pass: [
                "FROM debian:12\nWORKDIR /x\nRUN make\n",
                "FROM debian:12\nONBUILD RUN cd /x\n",
                "FROM debian:12\nRUN echo cd\n"
            ],
            fail: [
                "FROM debian:12\nRUN cd /usr/src/app && make\n",
                "FROM debian:12\nRUN (cd /x; make)\n",
                // A `case` inside `$( )` (its patterns close with `)`) hid every command.
                "FROM debian:12\nRUN ARCH=$(case \"$(uname -m)\" in x86_64) echo amd64;; *) echo arm64;; esac) && cd /src && make\n"
            ],
        );
    }
}
