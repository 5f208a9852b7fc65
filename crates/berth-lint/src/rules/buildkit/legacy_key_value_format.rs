use berth_syntax::{Command, Instruction, KeyValue, Span};

use crate::context::LintContext;
use crate::diagnostic::Fix;
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
        fix: Safe,
    }
}

impl Rule for LegacyKeyValueFormat {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::later_phases_run(ctx.dockerfile())
            || ctx.in_onbuild()
            || ctx.stage().is_none()
        {
            return;
        }
        let pairs = match &instruction.command {
            Some(Command::Env(pairs)) | Some(Command::Label(pairs)) => pairs,
            _ => return,
        };
        let name = &instruction.keyword_text;
        for pair in pairs.iter().filter(|p| p.legacy) {
            let fix = key_value_fix(pair, ctx.source());
            ctx
                .report(
                    instruction.span,
                    format!("\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"),
                )
                .help(format!("write `{name} {}=\"...\"`", pair.key))
                .fix(fix);
        }
    }
}

/// `key value` rewritten as `key=value`, or `key="a value"` when it has blanks. The
/// legacy value is the rest of the instruction read as one word; quoted in double quotes
/// it reads the same unless it holds quotes or backslashes (escapes and line
/// continuations read differently there), and then no fix is offered.
fn key_value_fix(pair: &KeyValue, source: &str) -> Option<Fix> {
    let written = source.get(pair.value_span.start..pair.value_span.end)?;
    if written.is_empty() || written.contains(['"', '\'', '\\', '\n']) {
        return None;
    }
    let value = if written.contains([' ', '\t']) {
        format!("=\"{written}\"")
    } else {
        format!("={written}")
    };
    let separator_and_value = Span::new(pair.key_span.end, pair.value_span.end);
    Some(Fix::replace(
        format!("Write `{}{value}`", pair.key),
        separator_and_value,
        value,
    ))
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
                // Fixed with quotes around a value with blanks; none offered when the
                // value holds quotes or a continuation (they read differently in quotes).
                "FROM alpine\nENV GREETING hello $USER world\n",
                "FROM alpine\nENV MSG \"it's\" fine\n",
                "FROM alpine\nENV LIST a \\\n  b\n",
            ],
        );
    }
}
