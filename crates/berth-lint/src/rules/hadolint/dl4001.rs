//! DL4001: Either use wget or curl but not both

use berth_syntax::Instruction;

use super::helpers::run_checks::report_at;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::shell::{run_of, shell_of};

const MESSAGE: &str = "Either use Wget or Curl but not both";

crate::declare_rule! {
    /// ## What it does
    /// Flags, in a stage that uses both `curl` and `wget`, every RUN that uses either (from the
    /// first RUN where both have been seen). ONBUILD RUNs are checked among themselves.
    ///
    /// ## Why is this bad?
    /// Two download tools where one would do make the image larger and the build harder to
    /// follow.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN wget -q https://example.com/a
    /// RUN curl -fsSO https://example.com/b
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// RUN curl -fsSO https://example.com/a
    /// RUN curl -fsSO https://example.com/b
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the `curl` or `wget` command inside the RUN.
    pub struct Dl4001 {
    /// Which of curl and wget this stage has used.
    seen: [bool; 2],
    /// The same for ONBUILD RUNs, which no FROM resets.
    seen_onbuild: [bool; 2],
}
    meta {
        code: "DL4001",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Run],
        summary: "Either use wget or curl but not both",
    }
}

const TOOLS: [&str; 2] = ["curl", "wget"];

impl Rule for Dl4001 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if run_of(instruction).is_none() {
            if !ctx.in_onbuild() {
                self.seen = [false; 2];
            }
            return;
        }
        let Some(shell) = shell_of(instruction, ctx) else {
            return;
        };
        let uses: Vec<_> = shell
            .script
            .commands()
            .filter(|c| TOOLS.iter().any(|t| c.is(t)))
            .collect();
        let seen = if ctx.in_onbuild() {
            &mut self.seen_onbuild
        } else {
            &mut self.seen
        };
        for c in &uses {
            seen[usize::from(c.is("wget"))] = true;
        }
        if !uses.is_empty() && seen.iter().all(|s| *s) {
            let spans: Vec<_> = uses.iter().map(|c| shell.command_span(c)).collect();
            report_at(ctx, instruction, &spans, MESSAGE, "here too");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl4001,
            pass: [
                "FROM debian:12\nRUN curl -O https://e.com/a\nRUN curl -O https://e.com/b\n",
                "FROM debian:12\nRUN wget -q https://e.com/a\nFROM debian:12\nRUN curl -O https://e.com/b\n"
            ],
            fail: [
                "FROM debian:12\nRUN wget -q https://e.com/a\nRUN curl -O https://e.com/b\n",
                "FROM debian:12\nRUN curl -O https://e.com/a && wget -q https://e.com/b\n",
                "FROM debian:12\nONBUILD RUN curl -O x && wget -q y\n"
            ],
        );
    }
}
