//! DL3018: Pin versions in apk add

use berth_syntax::Instruction;

use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `apk add` packages without a version constraint (`=`, `~`, `>`, `<`) that are not
    /// `.apk` files. Values of `-t`, `--virtual`, `--repository` and `-X` are not packages.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the repository does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl=8.9.1-r0
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3018 {}
    meta {
        code: "DL3018",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in apk add",
    }
}

impl Rule for Dl3018 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| !pinned(p));
    }
}

/// The package arguments of an `apk ... add`.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("apk", &["add"]) {
        return Vec::new();
    }
    let view = cmd.drop_flag_values(&["t", "virtual", "repository", "X"]);
    let words = view
        .args_no_flags()
        .filter(|w| w.value != "add")
        .cloned()
        .collect();
    words
}

fn pinned(p: &str) -> bool {
    p.contains(['=', '~', '>', '<']) || p.ends_with(".apk")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3018,
            pass: [
                "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9 'py3-pip>23' ./x.apk\n",
                "FROM alpine:3.20\nRUN apk add --virtual .deps x~1\n"
            ],
            fail: [
                "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
                "FROM alpine:3.20\nONBUILD RUN apk add x\n"
            ],
        );
    }
}
