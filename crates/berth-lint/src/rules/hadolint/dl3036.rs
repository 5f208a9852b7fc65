//! DL3036: zypper clean missing after zypper use

use berth_syntax::Instruction;

use super::helpers::run_checks::{check_cleanup, Predicate};
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "`zypper clean` missing after zypper use.";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN with `zypper install`/`in` and no later `zypper clean`/`cc`, unless a cache
    /// or tmpfs mount covers a path containing `/var/cache/zypp`.
    ///
    /// ## Why is this bad?
    /// zypper keeps downloaded packages and metadata in the layer, making the image larger for
    /// nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y httpd=2.4
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y httpd=2.4 && zypper clean
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `zypper install`.
    pub struct Dl3036 {}
    meta {
        code: "DL3036",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "zypper clean missing after zypper use",
    }
}

/// (installs, cleans up) pairs; each install needs a clean-up after it.
const CHECKS: &[(Predicate, Predicate)] = &[(
    |c: &berth_shell::Command| c.has_args("zypper", &["install", "in"]),
    |c: &berth_shell::Command| c.has_args("zypper", &["clean", "cc"]),
)];

impl Rule for Dl3036 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_cleanup(instruction, ctx, MESSAGE, &["/var/cache/zypp"], CHECKS);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3036,
            pass: [
                "FROM opensuse/leap:15.6\nRUN zypper install -y x=1 && zypper clean\n",
                "FROM opensuse/leap:15.6\nRUN --mount=type=cache,target=/var/cache/zypp zypper install -y x=1\n"
            ],
            fail: [
                "FROM opensuse/leap:15.6\nRUN zypper install -y x=1\n",
                "FROM opensuse/leap:15.6\nONBUILD RUN zypper in -y x=1\n"
            ],
        );
    }
}
