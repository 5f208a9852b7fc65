//! DL3008: Pin versions in apt-get install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Pin versions in apt get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `apt-get install` arguments that pin no version: every package must contain `=` or
    /// `/` (a release, `foo/bookworm`) or be a `.deb` file. The value of `-t`/`--target-
    /// release` is not a package.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image silently changes whenever the mirror does, and a
    /// rebuild can break or behave differently.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y curl=7.88.1-10+deb12u5
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line. Like hadolint, a package list in a variable (`$PKGS`) fires, and `sudo
    /// apt-get` is not looked at.
    pub struct Dl3008 {}
    meta {
        code: "DL3008",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in apt-get install",
    }
}

impl Rule for Dl3008 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| {
            !(p.contains('=') || p.contains('/') || p.ends_with(".deb"))
        });
    }
}

/// The package arguments of an `apt-get ... install`.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("apt-get", &["install"]) {
        return Vec::new();
    }
    let view = cmd.drop_flag_values(&["t", "target-release"]);
    let words = view
        .args_no_flags()
        .filter(|w| w.value != "install")
        .cloned()
        .collect();
    words
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3008,
            pass: [
                "FROM debian:12\nRUN apt-get install -y curl=7.88 ./x.deb stable/foo\n",
                "FROM debian:12\nRUN apt-get install -t bookworm-backports -y foo=1\n",
                "FROM debian:12\nRUN apt-get update\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl wget=1\n",
                "FROM debian:12\nRUN apt-get install -y $PKGS\n",
                "FROM debian:12\nONBUILD RUN apt-get install -y python3\n"
            ],
        );
    }
}
