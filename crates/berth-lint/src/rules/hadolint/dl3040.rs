//! DL3040: dnf clean all missing after dnf command

use berth_syntax::Instruction;

use super::helpers::run_checks::{check_cleanup, Predicate};
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "`dnf clean all` missing after dnf command.";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN where `dnf` or `microdnf` installs, upgrades or reinstalls and no later
    /// command of the same tool has `clean`/`all` (or `rm` has `-rf`/`/var/cache/libdnf5*`),
    /// unless a cache or tmpfs mount covers `/var/cache/libdnf5` or `.cache/libdnf5`.
    ///
    /// ## Why is this bad?
    /// dnf keeps its package cache in the layer, making the image larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM fedora:40
    /// RUN dnf install -y httpd-2.4.62 && dnf clean all
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the installing command.
    pub struct Dl3040 {}
    meta {
        code: "DL3040",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "dnf clean all missing after dnf command",
    }
}

const INSTALLS: &[&str] = &[
    "install",
    "in",
    "upgrade",
    "up",
    "upgrade-minimal",
    "up-min",
    "reinstall",
    "rei",
];

/// (installs, cleans up) pairs; each install needs a clean-up after it.
const CHECKS: &[(Predicate, Predicate)] = &[
    (
        |c: &berth_shell::Command| c.has_args("dnf", INSTALLS),
        |c: &berth_shell::Command| {
            c.has_args("dnf", &["clean", "all"])
                || c.has_args("rm", &["-rf", "/var/cache/libdnf5*"])
        },
    ),
    (
        |c: &berth_shell::Command| c.has_args("microdnf", INSTALLS),
        |c: &berth_shell::Command| {
            c.has_args("microdnf", &["clean", "all"])
                || c.has_args("rm", &["-rf", "/var/cache/libdnf5*"])
        },
    ),
];

impl Rule for Dl3040 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_cleanup(
            instruction,
            ctx,
            MESSAGE,
            &["/var/cache/libdnf5", ".cache/libdnf5"],
            CHECKS,
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3040,
            pass: [
                "FROM fedora:40\nRUN dnf install -y x && dnf clean all\n",
                "FROM fedora:40\nRUN --mount=type=cache,target=/var/cache/libdnf5 dnf install -y x\n",
                "FROM fedora:40\nRUN microdnf upgrade -y && microdnf clean all\n"
            ],
            fail: [
                "FROM fedora:40\nRUN dnf install -y x\n",
                "FROM fedora:40\nRUN dnf install -y x && microdnf clean all\n",
                "FROM fedora:40\nONBUILD RUN microdnf install -y x\n"
            ],
        );
    }
}
