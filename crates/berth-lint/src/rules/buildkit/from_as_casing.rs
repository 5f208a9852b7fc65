use berth_syntax::{Instruction, Keyword};

use crate::context::LintContext;
use crate::diagnostic::Fix;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `FROM image AS name` where the `AS` keyword is not written in the same case as
    /// `FROM` (`FROM alpine as build`, `from alpine AS build`). A `FROM` keyword in mixed
    /// case is left to `ConsistentInstructionCasing`.
    ///
    /// ## Why is this bad?
    /// Keywords in one consistent case read as keywords; a lone lower-case `as` after an
    /// upper-case `FROM` looks like part of the image reference.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine as build
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine AS build
    /// ```
    pub struct FromAsCasing {}
    meta {
        code: "FromAsCasing",
        family: BuildKit,
        severity: Warning,
        kinds: [From],
        summary: "The 'as' keyword should match the case of the 'from' keyword",
        fix: Safe,
    }
}

impl Rule for FromAsCasing {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::parse_phase_visits(ctx)
            || instruction.keyword != Keyword::From
            || instruction.args.len() < 3
        {
            return;
        }
        let from = instruction.keyword_text.as_str();
        let as_word = instruction.args[1].value.as_str();
        let expected = if from == from.to_lowercase() {
            as_word.to_lowercase()
        } else if from == from.to_uppercase() {
            as_word.to_uppercase()
        } else {
            return;
        };
        if as_word != expected {
            let fix = Fix::replace(
                format!("Write `{expected}`"),
                instruction.args[1].span,
                expected.clone(),
            );
            ctx.report(
                instruction.span,
                format!("'{as_word}' and '{from}' keywords' casing do not match"),
            )
            .help(format!("write `{expected}`"))
            .fix(fix);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::FromAsCasing,
            pass: [
                "FROM alpine AS build\n",
                "from alpine as build\n",
                "From alpine as build\n",
                "FROM alpine\n",
            ],
            fail: [
                "FROM alpine as build\n",
                "from alpine AS build\n",
            ],
        );
    }
}
