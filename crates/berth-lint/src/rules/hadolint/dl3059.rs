//! DL3059: Multiple consecutive RUN instructions

use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;
use crate::shell::{run_of, shell_of};

const MESSAGE: &str = "Multiple consecutive `RUN` instructions. Consider consolidation.";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN right after another RUN (comments may sit between them) when both run a
    /// single command and have the same flags (`--mount`, `--network`, `--security`).
    ///
    /// ## Why is this bad?
    /// Each RUN makes a layer; consecutive single commands are usually one step and cheaper as
    /// one RUN.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl=7.88.1-10
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update \
    ///     && apt-get install -y --no-install-recommends curl=7.88.1-10
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the second RUN's command. Like hadolint, RUNs chained with `&&`,
    /// pipes or `$( )` (more than one command) never pair, an ONBUILD between two RUNs breaks
    /// the chain, and a RUN whose text is not shell (PowerShell) counts as a single command.
    /// hadolint reads such text with ShellCheck's parser, which sometimes keeps the commands
    /// before a syntax error; berth's parser keeps none, so on some PowerShell RUNs the two
    /// disagree.
    pub struct Dl3059 {
    /// The previous instruction, when it was a RUN: its flags and whether it ran at most one command.
    previous: Option<(Vec<String>, bool)>,
}
    meta {
        code: "DL3059",
        family: Hadolint,
        severity: Info,
        kinds: [From, Run, Cmd, Label, Maintainer, Expose, Env, Add, Copy, Entrypoint, Volume, User, Workdir, Arg, Onbuild, Stopsignal, Healthcheck, Shell, Unknown],
        summary: "Multiple consecutive RUN instructions",
    }
}

impl Rule for Dl3059 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            // The ONBUILD instruction itself already broke the chain.
            return;
        }
        let (Some(shell), Some(_)) = (shell_of(instruction, ctx), run_of(instruction)) else {
            self.previous = None;
            return;
        };
        let mut flags: Vec<String> = instruction
            .flags
            .iter()
            .map(|f| f.text.to_string())
            .collect();
        flags.sort();
        let commands = match shell.script.parse_error() {
            Some(error) if !shell.exec_form => commands_before_error(shell.script.text(), error),
            _ => shell.script.commands().count(),
        };
        let short = commands <= 1;
        if let Some((previous_flags, previous_short)) = &self.previous {
            if *previous_flags == flags && short && *previous_short {
                let span = shell
                    .script
                    .commands()
                    .next()
                    .map_or(instruction.span, |c| shell.command_span(c));
                ctx.report(span, MESSAGE);
            }
        }
        self.previous = Some((flags, short));
    }
}

/// How many commands hadolint counts in a RUN the shell parser rejects. Not none:
/// ShellCheck (hadolint's parser) keeps the commands it read before the syntax error, so
/// these are the commands the fallback tokenizer finds before the place the error names
/// (`... at line L col C`), or all of them when it names none.
fn commands_before_error(text: &str, error: &str) -> usize {
    let number_after = |key: &str| -> Option<usize> {
        let rest = &error[error.find(key)? + key.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    let offset = number_after("line ")
        .zip(number_after(" col "))
        .and_then(|(line, col)| {
            let start: usize = text
                .split_inclusive('\n')
                .take(line.checked_sub(1)?)
                .map(str::len)
                .sum();
            let in_line = text.get(start..)?;
            let column = in_line
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(in_line.len(), |(i, _)| i);
            Some(start + column)
        });
    // ShellCheck gives up at the first bracket it cannot place, often earlier than brush.
    let bracket = text
        .char_indices()
        .find(|&(i, c)| matches!(c, '(' | '[' | '{') && !text[..i].ends_with('$'))
        .map(|(i, _)| i);
    let offset = match (offset, bracket) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let lenient = berth_shell::Script::parse(text);
    lenient
        .commands()
        .filter(|c| offset.is_none_or(|at| c.span.end <= at))
        .count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3059,
            pass: [
                "FROM debian:12\nRUN a && b\nRUN c\n",
                "FROM debian:12\nRUN a\nENV X=1\nRUN b\n",
                "FROM debian:12\nRUN --mount=type=cache,target=/x a\nRUN b\n",
                "FROM debian:12\nRUN a\nONBUILD RUN b\nRUN c\n",
                // The shell parser rejects the first RUN; it still runs two commands.
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl (\nRUN echo hi\n"
            ],
            fail: [
                "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y x\n",
                "FROM debian:12\nRUN a\n# comment\nRUN b\n"
            ],
        );
    }
}
