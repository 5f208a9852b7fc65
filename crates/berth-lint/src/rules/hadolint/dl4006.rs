//! DL4006: Set the SHELL option -o pipefail before RUN with a pipe in it

use berth_shell::run::NON_POSIX_SHELLS;
use berth_syntax::Instruction;
use berth_syntax::{Command, SharedStr, Span};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::shell::{parse_at, run_of, shell_of};

const MESSAGE: &str = "Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN containing a pipe (`|`, not `||`) in a stage whose SHELL does not set `-o
    /// pipefail`: a SHELL is safe when it runs bash, zsh or ash with `-o pipefail` (`-eo
    /// pipefail` works), or is PowerShell or cmd. Every FROM starts unsafe.
    ///
    /// ## Why is this bad?
    /// Without pipefail a pipeline's status is its last command's, so `curl ... | tar x`
    /// succeeds even when the download fails and the build goes on with a broken layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSL https://example.com/x.tgz | tar -xz
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN curl -fsSL https://example.com/x.tgz | tar -xz
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first pipe. Any path whose last component is bash, zsh or ash
    /// counts (`/usr/bin/bash -o pipefail`), as in hadolint after 2.15.1; 2.15.1 accepted only
    /// the exact names `bash`, `zsh`, `ash` and `/bin/bash`, `/bin/zsh`, `/bin/ash`. Like
    /// hadolint, `set -o pipefail` inside the RUN does not count.
    pub struct Dl4006 {
    /// The current stage's SHELL sets pipefail (or is not a POSIX shell).
    safe: bool,
}
    meta {
        code: "DL4006",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Shell, Run],
        summary: "Set the SHELL option -o pipefail before RUN with a pipe in it",
    }
}

impl Rule for Dl4006 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        match &instruction.command {
            Some(Command::From(_)) => self.safe = false,
            Some(Command::Shell(args)) => self.safe = is_safe_shell(instruction, args, ctx),
            _ if run_of(instruction).is_some() && !self.safe => {
                let Some(shell) = shell_of(instruction, ctx) else {
                    return;
                };
                if let Some(pipe) = shell.script.pipes().first() {
                    ctx.report(shell.span(*pipe), MESSAGE);
                }
            }
            _ => {}
        }
    }
}

/// A SHELL is safe when it is PowerShell or cmd, or runs bash, zsh or ash with `-o pipefail`.
fn is_safe_shell(instruction: &Instruction, args: &[SharedStr], ctx: &LintContext) -> bool {
    let text = berth_shell::run::exec_form_text(args);
    if NON_POSIX_SHELLS.iter().any(|s| text.starts_with(s)) {
        return true;
    }
    let span = match (instruction.args.first(), instruction.args.last()) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => instruction.span,
    };
    let shell = parse_at(&text, ctx.source(), span);
    let pipefail = shell.script.any_command(|c| {
        let base = c.name().unwrap_or("").rsplit('/').next().unwrap_or("");
        ["bash", "zsh", "ash"].contains(&base) && c.has_flag("o") && c.has_arg("pipefail")
    });
    pipefail
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl4006,
            pass: [
                "FROM debian:12\nRUN a || b\n",
                "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
                "FROM debian:12\nSHELL [\"/usr/bin/zsh\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n",
                "FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN a | b\n",
                "FROM debian:12\nONBUILD RUN a | b\n"
            ],
            fail: [
                "FROM debian:12\nRUN curl x | tar -x\n",
                "FROM debian:12\nSHELL [\"/bin/sh\", \"-o\", \"pipefail\", \"-c\"]\nRUN a | b\n",
                "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nFROM debian:12\nRUN a | b\n",
                "FROM debian:12\nRUN [\"sh\", \"-c\", \"a | b\"]\n"
            ],
        );
    }
}
