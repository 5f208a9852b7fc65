use std::collections::BTreeSet;

use berth_syntax::scope::suggest;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a variable in a `FROM` image or `--platform` value that is neither a meta
    /// `ARG` (declared before the first `FROM`, with or without a default) nor one of
    /// BuildKit's automatic platform args (`BUILDPLATFORM`, `TARGETARCH`, ...).
    ///
    /// ## Why is this bad?
    /// `FROM` sees only the global scope: an undeclared name expands to an empty string,
    /// giving an invalid or unintended image reference, often because of a typo.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$BULIDPLATFORM golang
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM --platform=$BUILDPLATFORM golang
    /// ```
    /// or declare the arg before the first `FROM`: `ARG BASE_IMAGE=alpine`.
    pub struct UndefinedArgInFrom {}
    meta {
        code: "UndefinedArgInFrom",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "FROM command must use declared ARGs",
    }
}

impl Rule for UndefinedArgInFrom {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        // Every meta ARG counts, with a value or not, plus the automatic args.
        let declared: BTreeSet<&str> = scope
            .meta_args
            .iter()
            .map(|a| a.name.as_str())
            .chain(scope.global.names())
            .collect();
        for stage in &scope.stages {
            for name in stage
                .from_unmatched
                .iter()
                .filter(|n| !declared.contains(n.as_str()))
            {
                let mut message = format!("FROM argument '{name}' is not declared");
                let guess = suggest(name, declared.iter().copied(), true);
                if let Some(guess) = &guess {
                    message.push_str(&format!(" (did you mean {guess}?)"));
                }
                ctx.report(file.instructions[stage.from].span, message)
                    .help(match guess {
                        Some(guess) => format!("replace `{name}` with `{guess}`"),
                        None => format!("declare `ARG {name}=...` before the first FROM"),
                    });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::UndefinedArgInFrom,
            pass: [
                "ARG BASE=alpine\nFROM $BASE\n",
                "ARG BASE\nFROM ${BASE:-alpine}\n",
                "FROM --platform=$BUILDPLATFORM alpine\n",
            ],
            fail: [
                "FROM --platform=$BULIDPLATFORM alpine\n",
                "FROM alpine AS a\nARG IMG=b\nFROM $IMG\n",
            ],
        );
    }
}
