//! Applying the fixes of a lint run to the source (`berth lint --fix`).
//!
//! Fixes are applied in rounds: every applicable fix whose edits share no line with an
//! earlier one's is applied, the new text is linted again, and the next round picks up
//! what the first had to leave or what a fix revealed. One fix per line and round keeps
//! fixes that judge each other apart: `from x AS y` gets `FROM` first, and then `AS`
//! already matches, where applying both casing fixes at once would give `FROM x as y`. Rounds
//! stop when nothing is left to apply, or after [`MAX_ROUNDS`] so that two rules that
//! undo each other cannot loop.

use berth_syntax::{Instruction, LineIndex, Span};

use crate::diagnostic::{apply_edits as apply, Applicability, Diagnostic, Edit, Fix};
use crate::engine::{LintResult, Linter};
use crate::evidence::BuildContext;

/// Fix rounds before giving up on reaching a fixed point.
pub const MAX_ROUNDS: usize = 10;

/// The outcome of [`Linter::fix`].
pub struct Fixed {
    /// The text with the fixes applied (the input when none applied).
    pub source: String,
    /// How many findings a fix was applied for.
    pub applied: usize,
    /// The lint result of the final text: the findings that are left.
    pub result: LintResult,
}

impl Linter<'_> {
    /// Lints `source` and applies the fixes of its findings: the safe ones, and the
    /// unsafe ones too when `include_unsafe` is set.
    ///
    /// ```
    /// use berth_lint::{Linter, Settings};
    /// let settings = Settings::default();
    /// let linter = Linter::new(&settings);
    /// let fixed = linter.fix("FROM alpine:3 as build\nRUN echo hi\n", "Dockerfile", None, false);
    /// assert_eq!(fixed.source, "FROM alpine:3 AS build\nRUN echo hi\n");
    /// assert_eq!(fixed.applied, 1);
    /// assert!(fixed.result.diagnostics.iter().all(|d| d.code != "FromAsCasing"));
    /// ```
    pub fn fix(
        &self,
        source: &str,
        path: &str,
        context: Option<&BuildContext>,
        include_unsafe: bool,
    ) -> Fixed {
        let mut text = source.to_string();
        let mut applied = 0;
        let mut result = self.lint(&text, path, context);
        for _ in 0..MAX_ROUNDS {
            // A file BuildKit rejects is left alone: its spans may not mean what they seem.
            if result.rejected() {
                break;
            }
            let lines = &result.dockerfile.line_index;
            let (edits, count) = compatible_edits(lines, &result.diagnostics, include_unsafe);
            if count == 0 {
                break;
            }
            text = apply(&text, &edits);
            applied += count;
            result = self.lint(&text, path, context);
        }
        Fixed {
            source: text,
            applied,
            result,
        }
    }
}

/// The edits of every applicable fix that touches no line a fix taken before it (in
/// source order) touches, and how many fixes they come from.
fn compatible_edits(
    index: &LineIndex,
    diagnostics: &[Diagnostic],
    include_unsafe: bool,
) -> (Vec<Edit>, usize) {
    let lines = |e: &Edit| index.line_col(e.span.start).0..=index.line_col(e.span.end).0;
    let mut fixes: Vec<_> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|f| include_unsafe || f.applicability == Applicability::Safe)
        .filter(|f| !f.edits.is_empty())
        .collect();
    fixes.sort_by_key(|f| f.edits.iter().map(|e| e.span.start).min());
    let mut taken: Vec<Edit> = Vec::new();
    let mut taken_lines: Vec<std::ops::RangeInclusive<usize>> = Vec::new();
    let mut count = 0;
    for fix in fixes {
        let clashes = fix.edits.iter().map(lines).any(|l| {
            taken_lines
                .iter()
                .any(|t| l.start() <= t.end() && t.start() <= l.end())
        });
        if !clashes {
            taken_lines.extend(fix.edits.iter().map(lines));
            taken.extend(fix.edits.iter().cloned());
            count += 1;
        }
    }
    (taken, count)
}

/// The `LABEL` that replaces a `MAINTAINER` (hadolint's DL4000 and BuildKit's
/// MaintainerDeprecated both offer it). Unsafe: the image gains a label and loses its
/// author field, which tools reading either see. None when the name holds a quote, a
/// backslash or a line break, which would need escaping inside the label's quotes.
pub(crate) fn maintainer_as_label(instruction: &Instruction, source: &str) -> Option<Fix> {
    let (first, last) = (instruction.args.first()?, instruction.args.last()?);
    let name = source.get(first.span.start..last.span.end)?;
    if name.contains(['"', '\\', '\n', '\r']) {
        return None;
    }
    let replaced = Span::new(instruction.keyword_span.start, last.span.end);
    let label = format!("LABEL org.opencontainers.image.authors=\"{name}\"");
    Some(Fix::replace("Replace MAINTAINER with a LABEL", replaced, label).unsafe_())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn finding(fix: Fix) -> Diagnostic {
        Diagnostic::new("X", Severity::Warning, Span::new(0, 0), "x").with_fix(fix)
    }

    #[test]
    fn one_fix_per_line_and_round() {
        let source = "from alpine as b\nrun x\n";
        let a = Fix::replace("a", Span::new(0, 4), "FROM");
        let b = Fix::replace("b", Span::new(12, 14), "AS");
        let c = Fix::replace("c", Span::new(17, 20), "RUN").unsafe_();
        let findings = [finding(b), finding(a), finding(c)];
        let lines = LineIndex::new(source);
        let (edits, count) = compatible_edits(&lines, &findings, false);
        assert_eq!(count, 1);
        assert_eq!(apply(source, &edits), "FROM alpine as b\nrun x\n");
        let (edits, count) = compatible_edits(&lines, &findings, true);
        assert_eq!(count, 2);
        assert_eq!(apply(source, &edits), "FROM alpine as b\nRUN x\n");
    }

    #[test]
    fn edits_off_the_text_are_skipped() {
        let edits = [
            Edit {
                span: Span::new(1, 2),
                replacement: "x".into(),
            },
            Edit {
                span: Span::new(40, 41),
                replacement: "y".into(),
            },
        ];
        assert_eq!(apply("é", &edits), "é");
        assert_eq!(apply("abc", &edits), "axc");
    }

    #[test]
    fn fixes_reach_a_fixed_point_over_rounds() {
        let settings = crate::Settings::default();
        let linter = Linter::new(&settings);
        let source = "from alpine:3 AS a\nrun echo hi\nCOPY . /x\n";
        let fixed = linter.fix(source, "Dockerfile", None, false);
        assert_eq!(fixed.source, "from alpine:3 as a\nrun echo hi\ncopy . /x\n");
        assert!(fixed.applied >= 2);
        let left: Vec<_> = fixed.result.diagnostics.iter().map(|d| &d.code).collect();
        assert!(!left.iter().any(|c| c.contains("Casing")), "{left:?}");
    }
}
