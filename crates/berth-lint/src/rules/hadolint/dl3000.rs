use berth_syntax::{Command, Instruction};

use super::helpers::args::{args_span, drop_quotes, joined_args};
use super::helpers::paths::is_windows_absolute;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `WORKDIR` whose path is relative.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` is resolved against the previous working directory, which may come
    /// from the base image and change without notice. An absolute path says where commands run.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /app
    /// ```
    /// A path starting with a variable (`WORKDIR $HOME/app`) or a Windows drive (`C:\app`) is
    /// accepted.
    ///
    /// ## Differences from hadolint
    /// hadolint 2.15.1 crashes without any output when the path (quotes removed) is shorter
    /// than two characters, e.g. `WORKDIR a` or `WORKDIR ""`. berth reports DL3000 for those
    /// like for any other relative path.
    pub struct Dl3000 {}
    meta {
        code: "DL3000",
        family: Hadolint,
        severity: Error,
        kinds: [Workdir],
        summary: "Use absolute WORKDIR",
    }
}

impl Rule for Dl3000 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let path = match &instruction.command {
            Some(Command::Workdir(path)) => path.to_string(),
            _ => joined_args(instruction),
        };
        if !is_absolute(drop_quotes(&path)) {
            ctx.report(args_span(instruction), "Use absolute WORKDIR");
        }
    }
}

/// Absolute for hadolint: starts with `/` or `$` (a variable), or a Windows drive `X:`.
fn is_absolute(path: &str) -> bool {
    path.starts_with('/') || path.starts_with('$') || is_windows_absolute(path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3000,
            pass: [
                "FROM a\nWORKDIR /usr/local\n",
                "FROM a\nWORKDIR ${work}\n",
                "FROM a\nWORKDIR \"/usr/local\"\n",
                "FROM a\nWORKDIR '${dir}'\n",
                "FROM a\nWORKDIR C:/\n",
                "FROM a\nWORKDIR 'C:\\'\n",
                "FROM a\nWORKDIR /\n",
                "FROM a\nONBUILD WORKDIR relative\n",
            ],
            fail: [
                "FROM a\nWORKDIR relative/dir\n",
                "FROM a\nWORKDIR 'relative/dir'\n",
                "FROM a\nWORKDIR a\n",
                "FROM a\nWORKDIR .\n",
            ],
        );
    }
}
