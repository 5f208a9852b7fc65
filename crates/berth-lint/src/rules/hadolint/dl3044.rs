use std::collections::HashSet;

use berth_syntax::{Command, Instruction, Keyword};

use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ENV` that sets several variables where one value refers to another variable
    /// set by the same `ENV` (`ENV A=1 B=$A`), unless that variable was already defined by an
    /// earlier `ENV` or `ARG`.
    ///
    /// ## Why is this bad?
    /// All values of one `ENV` are expanded before any of its variables is set: `$A` in the
    /// example is the *old* value of `A` (usually empty), not `1`.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV APP_HOME=/app APP_BIN=$APP_HOME/bin
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// ENV APP_HOME=/app
    /// ENV APP_BIN=$APP_HOME/bin
    /// ```
    /// A variable referring to itself (`ENV PATH=/opt/bin:$PATH`) is fine.
    pub struct Dl3044 {
        /// Names defined by any earlier ENV or ARG (the whole file, as hadolint does).
        defined: HashSet<String>,
    }
    meta {
        code: "DL3044",
        family: Hadolint,
        severity: Error,
        kinds: [Env, Arg],
        summary: "Do not refer to an environment variable within the same ENV statement where it is defined",
    }
}

impl Rule for Dl3044 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::Arg {
            if let Some(Command::Arg(decls)) = &instruction.command {
                self.defined
                    .extend(decls.iter().map(|d| d.name.to_string()));
            }
            return;
        }
        let pairs = label_pairs(instruction, ctx.dockerfile().escape);
        let offending = pairs.iter().enumerate().find_map(|(i, pair)| {
            let referenced_elsewhere = pairs
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && refers_to(&other.value, &pair.key));
            (referenced_elsewhere && !self.defined.contains(&pair.key)).then_some(pair)
        });
        if let Some(pair) = offending {
            ctx.report(
                pair.key_span,
                "Do not refer to an environment variable within the same `ENV` statement where \
                 it is defined.",
            )
            .help(format!(
                "set `{}` in an `ENV` of its own before this one",
                pair.key
            ));
        }
        self.defined.extend(pairs.into_iter().map(|p| p.key));
    }
}

/// True when `text` contains `${name}`, or `$name` not followed by a character that would
/// continue the variable name.
fn refers_to(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    if text.contains(&format!("${{{name}}}")) {
        return true;
    }
    let bare = format!("${name}");
    text.match_indices(&bare).any(|(at, _)| {
        !text[at + bare.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3044,
            pass: [
                "ENV BLA=\"blubb\"\nENV BLUBB=\"${BLA}/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"${FOOBLA}/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"${BLAFOO}/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"$FOOBLA/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"$BLAFOO/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"BLA/$BLAFOO/BLA\"\n",
                "ARG BLA\nENV BLA=${BLA}\n",
                "ENV BLA blubb\nENV BLA=${BLA}\n",
                "ENV PATH=/bla:${PATH}\n",
                "ENV PATH=/bla:${PATH}\nENV PATH=/blubb:${PATH}\n",
                "ARG A\nENV A=1 B=$A\n",
            ],
            fail: [
                "ENV BLA=\"blubb\" BLUBB=\"$BLA/$BLAFOO/blubb\"\n",
                "ENV PATH=/bla:${PATH} PATH=/blubb:${PATH}\n",
                "ENV BLA=\"blubb\" BLUBB=\"${BLA}/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"$BLA/blubb\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"$BLA\"\n",
                "ENV BLA=\"blubb\" BLUBB=\"${BLA}\"\n",
            ],
        );
    }
}
