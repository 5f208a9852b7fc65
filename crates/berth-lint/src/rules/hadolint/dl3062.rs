//! DL3062: Pin versions in go install

use berth_syntax::Instruction;

use super::helpers::run_checks::{check_run, unpinned_words};
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Pin versions in go. Instead of `go install <package>` use `go install <package>@<version>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags Go packages without a version: when the RUN has `go run`, the package of each `go
    /// run`; otherwise the arguments of `go install`/`go get`. A package is fine when it is
    /// local (`.`, `/...`, `./...`) or has `@version` other than `@latest`/`@none`.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the module's default branch does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23
    /// RUN go install golang.org/x/tools/gopls
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM golang:1.23
    /// RUN go install golang.org/x/tools/gopls@v0.16.2
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3062 {}
    meta {
        code: "DL3062",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in go install",
    }
}

impl Rule for Dl3062 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_run(
            instruction,
            ctx,
            MESSAGE,
            "not pinned either",
            |shell, _| {
                if shell.script.any_command(|c| !run_packages(c).is_empty()) {
                    unpinned_words(shell, run_packages, |p| !pinned(p))
                } else {
                    unpinned_words(shell, packages, |p| !pinned(p))
                }
            },
        );
    }
}

/// The packages to check: those of `go run` when the RUN has one, else those of
/// `go install` / `go get`. Decided per command list, so it needs the whole script.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if cmd.has_args("go", &["install", "get"]) {
        return cmd
            .args_no_flags()
            .filter(|w| !matches!(w.value.as_str(), "install" | "get" | "tool"))
            .cloned()
            .collect();
    }
    Vec::new()
}

/// The packages of the `go run` commands (the first two words after the flags; hadolint's
/// index test keeps `run` and the package).
fn run_packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("go", &["run"]) {
        return Vec::new();
    }
    cmd.args_no_flags()
        .take(2)
        .filter(|w| w.value != "run")
        .cloned()
        .collect()
}

fn pinned(p: &str) -> bool {
    p == "."
        || p.starts_with('/')
        || p.starts_with('.')
        || (p.contains('@') && !(p.ends_with("@latest") || p.ends_with("@none")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3062,
            pass: [
                "FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@v0.16.2\n",
                "FROM golang:1.23\nRUN go install ./...\n",
                "FROM golang:1.23\nRUN go run example.com/x@v1 unpinned/args\n"
            ],
            fail: [
                "FROM golang:1.23\nRUN go install golang.org/x/tools/gopls@latest\n",
                "FROM golang:1.23\nRUN go get example.com/x\n",
                "FROM golang:1.23\nONBUILD RUN go run example.com/x\n"
            ],
        );
    }
}
