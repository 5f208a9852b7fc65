//! DL3033: Specify version with yum install

use berth_syntax::Instruction;

use super::helpers::rpm_pins::RpmPins;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Specify version with `yum install -y <package>-<version>`.";

crate::declare_rule! {
    /// ## What it does
    /// Flags `yum install` packages without a version: a package needs a `-` followed by
    /// version-like parts (letters, digits, `.~^_:+`, one part starting with a digit), or ends
    /// in `.rpm`, or uses a variable an ENV or ARG defines. `yum module install` modules need
    /// `:stream`. One finding per RUN.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the repository does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd && yum clean all
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM centos:7
    /// RUN yum install -y httpd-2.4.6 && yum clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled). Variables
    /// count as versions only when an ENV of the stage (or of the stage it is built FROM) or an
    /// earlier ARG defines them, as in hadolint.
    pub struct Dl3033 {
    main: RpmPins,
    /// ONBUILD instructions are checked among themselves.
    onbuild: RpmPins,
}
    meta {
        code: "DL3033",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Env, Arg, Run],
        summary: "Specify version with yum install",
    }
}

impl Rule for Dl3033 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let state = if ctx.in_onbuild() {
            &mut self.onbuild
        } else {
            &mut self.main
        };
        state.observe(instruction, ctx, &["yum"], &["module"], MESSAGE);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3033,
            pass: [
                "FROM centos:7\nRUN yum install -y httpd-2.4.6 x-1.0.rpm\n",
                "FROM centos:7\nARG V\nRUN yum install -y httpd-${V}\n",
                "FROM centos:7\nRUN yum module install -y nodejs:20\n"
            ],
            fail: [
                "FROM centos:7\nRUN yum install -y httpd\n",
                "FROM centos:7\nRUN yum install -y httpd-$V\n",
                "FROM centos:7\nRUN yum module install -y nodejs\n",
                "FROM centos:7\nONBUILD RUN yum install -y httpd\n"
            ],
        );
    }
}
