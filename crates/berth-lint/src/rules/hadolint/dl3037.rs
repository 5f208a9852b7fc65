//! DL3037: Specify version with zypper install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Specify version with `zypper install -y <package>=<version>`.";

crate::declare_rule! {
    /// ## What it does
    /// Flags `zypper install`/`in` packages without `=`, `>` or `<` that are not `.rpm` files.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the repository does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y httpd
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM opensuse/leap:15.6
    /// RUN zypper install -y httpd=2.4.58
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3037 {}
    meta {
        code: "DL3037",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Specify version with zypper install",
    }
}

impl Rule for Dl3037 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| !pinned(p));
    }
}

/// The package arguments of a `zypper install` / `zypper in`.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("zypper", &["install", "in"]) {
        return Vec::new();
    }
    cmd.args_no_flags()
        .filter(|w| w.value != "install" && w.value != "in")
        .cloned()
        .collect()
}

fn pinned(p: &str) -> bool {
    p.contains(['=', '>', '<']) || p.ends_with(".rpm")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3037,
            pass: [
                "FROM opensuse/leap:15.6\nRUN zypper install -y x=1 'y>=2' z.rpm\n"
            ],
            fail: [
                "FROM opensuse/leap:15.6\nRUN zypper install -y x\n",
                "FROM opensuse/leap:15.6\nONBUILD RUN zypper in -y x\n"
            ],
        );
    }
}
