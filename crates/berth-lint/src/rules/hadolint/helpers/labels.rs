//! LABEL (and ENV) pairs as hadolint reads them, and the check shared by the label-schema
//! rules (DL3049–DL3058) of a label's value against its type.

use berth_syntax::{Command, Instruction, KeyValue, Span};

use crate::context::LintContext;
use crate::settings::LabelType;

/// A LABEL or ENV pair with quotes processed as hadolint does.
pub(crate) struct Pair {
    /// The key, unquoted.
    pub key: String,
    /// The value: unquoted in the `key=value` form, as written in the legacy `KEY value` form.
    pub value: String,
    /// Where the key is written.
    pub key_span: Span,
    /// Where the value is written.
    pub value_span: Span,
}

/// The pairs of a LABEL (or ENV) instruction: keys and `key=value` values unquoted, the value
/// of the legacy `KEY value` form kept as written.
pub(crate) fn label_pairs(instruction: &Instruction, escape: char) -> Vec<Pair> {
    let pairs: &[KeyValue] = match &instruction.command {
        Some(Command::Label(pairs) | Command::Env(pairs)) => pairs,
        _ => return Vec::new(),
    };
    pairs
        .iter()
        .map(|kv| Pair {
            key: unquote(&kv.key, escape),
            value: if kv.legacy {
                kv.value.to_string()
            } else {
                unquote(&kv.value, escape)
            },
            key_span: kv.key_span,
            value_span: kv.value_span,
        })
        .collect()
}

/// Removes the quotes of a word made of `"..."`, `'...'` and bare parts. Inside quotes the
/// escape character only escapes the quote; outside it only escapes a blank.
pub(crate) fn unquote(word: &str, escape: char) -> String {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(q) if c == escape && chars.peek() == Some(&q) => {
                out.push(q);
                chars.next();
            }
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == escape && matches!(chars.peek(), Some(' ' | '\t')) => {
                out.extend(chars.next());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Reports, for each schema label of type `ty`, the first pair of this LABEL that sets it to a
/// value `is_valid` rejects (hadolint: one finding per label name and LABEL instruction).
pub(crate) fn check_typed_labels(
    instruction: &Instruction,
    ctx: &mut LintContext,
    ty: LabelType,
    is_valid: fn(&str) -> bool,
    message: fn(&str) -> String,
) {
    if ctx.in_onbuild() {
        return;
    }
    let pairs = label_pairs(instruction, ctx.dockerfile().escape);
    let names: Vec<&String> = ctx
        .settings()
        .label_schema
        .iter()
        .filter(|(_, t)| **t == ty)
        .map(|(name, _)| name)
        .collect();
    for name in names {
        if let Some(pair) = pairs.iter().find(|p| &p.key == name && !is_valid(&p.value)) {
            ctx.report(pair.value_span, message(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unquote;

    #[test]
    fn unquoting() {
        assert_eq!(unquote("\"a b\"", '\\'), "a b");
        assert_eq!(unquote("'x'\"y\"z", '\\'), "xyz");
        assert_eq!(unquote("\"say \\\"hi\\\"\"", '\\'), "say \"hi\"");
        assert_eq!(unquote("a\\ b", '\\'), "a b");
        assert_eq!(unquote("$HOME/x", '\\'), "$HOME/x");
        assert_eq!(unquote("\"\"", '\\'), "");
    }
}
