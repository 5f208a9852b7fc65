//! DL3041: Specify version with dnf install

use berth_syntax::Instruction;

use super::helpers::rpm_pins::RpmPins;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Specify version with `dnf install -y <package>-<version>`.";

crate::declare_rule! {
    /// ## What it does
    /// Flags `dnf`/`microdnf install` packages without a version: a package needs a `-`
    /// followed by version-like parts (letters, digits, `.~^_:+`, one part starting with a
    /// digit), or ends in `.rpm`, or uses a variable an ENV or ARG defines. Commands with
    /// `group` list no packages; `module install` modules need `:stream`. One finding per RUN.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the repository does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd && dnf clean all
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled). Variables
    /// count as versions only when an ENV of the stage (or of the stage it is built FROM) or an
    /// earlier ARG defines them, as in hadolint.
    pub struct Dl3041 {
    main: RpmPins,
    /// ONBUILD instructions are checked among themselves.
    onbuild: RpmPins,
}
    meta {
        code: "DL3041",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Env, Arg, Run],
        summary: "Specify version with dnf install",
    }
}

impl Rule for Dl3041 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let state = if ctx.in_onbuild() {
            &mut self.onbuild
        } else {
            &mut self.main
        };
        state.observe(
            instruction,
            ctx,
            &["dnf", "microdnf"],
            &["module", "group"],
            MESSAGE,
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3041,
            pass: [
                "FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n",
                "FROM fedora:40\nENV V=1\nRUN microdnf install -y x-${V}\n",
                "FROM fedora:40\nRUN dnf group install -y dev\n"
            ],
            fail: [
                "FROM fedora:40\nRUN dnf install -y httpd\n",
                "FROM fedora:40\nRUN dnf module install -y nodejs\n",
                "FROM fedora:40\nONBUILD RUN microdnf install x\n"
            ],
        );
    }
}
