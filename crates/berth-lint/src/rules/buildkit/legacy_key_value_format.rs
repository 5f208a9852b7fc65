use berth_syntax::{Command, Instruction};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `ENV` and `LABEL` written in the legacy `KEY value` form (whitespace instead of
    /// `=` between key and value).
    ///
    /// ## Why is this bad?
    /// The legacy form takes everything after the first space as the value, so
    /// `ENV A 1 B 2` sets `A` to `1 B 2`; it cannot set several variables at once and is
    /// easy to misread.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// ENV APP_HOME /srv/app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// ENV APP_HOME=/srv/app
    /// ```
    pub struct LegacyKeyValueFormat {}
    meta {
        code: "LegacyKeyValueFormat",
        family: BuildKit,
        severity: Warning,
        kinds: [Env, Label],
        summary: "Legacy key/value format with whitespace separator should not be used",
    }
}

impl Rule for LegacyKeyValueFormat {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::later_phases_run(ctx.dockerfile()) || ctx.in_onbuild() || ctx.stage().is_none() {
            return;
        }
        let pairs = match &instruction.command {
            Some(Command::Env(pairs)) | Some(Command::Label(pairs)) => pairs,
            _ => return,
        };
        let name = &instruction.keyword_text;
        for pair in pairs.iter().filter(|p| p.legacy) {
            ctx.report(
                instruction.span,
                format!("\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"),
            )
            .help(format!("write `{name} {}=\"...\"`", pair.key));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::LegacyKeyValueFormat,
            pass: [
                "FROM alpine\nENV A=1 B=2\nLABEL a=b\n",
                "FROM alpine\nENV A=\"x y\"\n",
            ],
            fail: [
                "FROM alpine\nENV APP_HOME /srv/app\n",
                "FROM alpine\nLABEL maintainer me\n",
            ],
        );
    }
}
