//! berth's own finding type. Rules produce [`Diagnostic`]s; reporters render them. miette is
//! only used at render time (see [`crate::report`]), never stored in a finding.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use berth_syntax::Span;
use serde::Serialize;

/// How serious a finding is. Ordered from least to most severe, so `a >= threshold` works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Cosmetic (hadolint's `style`).
    Style,
    /// Worth knowing (hadolint's `info`).
    Info,
    /// Likely a problem.
    Warning,
    /// Almost certainly wrong.
    Error,
}

impl Severity {
    /// The lower-case word used in every output format: `error`, `warning`, `info`, `style`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Style => "style",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            "style" => Ok(Severity::Style),
            other => Err(format!(
                "unknown severity `{other}` (expected error, warning, info or style)"
            )),
        }
    }
}

/// A secondary span with a short explanation ("declared here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// What the label points at.
    pub span: Span,
    /// What it says there.
    pub message: String,
}

/// Whether a fix can be applied without asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the Dockerfile's meaning; safe to apply automatically.
    Safe,
    /// May change behaviour (e.g. pins a version); apply only on request.
    Unsafe,
}

/// One text replacement: `span` of the original source becomes `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The text replaced (empty for an insertion).
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// A suggested change that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, imperative ("Replace `ADD` with `COPY`").
    pub message: String,
    /// The replacements, none overlapping another.
    pub edits: Vec<Edit>,
    /// Whether it may change what the image does.
    pub applicability: Applicability,
}

impl Fix {
    /// A safe fix replacing one span.
    pub fn replace(message: impl Into<String>, span: Span, replacement: impl Into<String>) -> Self {
        Fix {
            message: message.into(),
            edits: vec![Edit {
                span,
                replacement: replacement.into(),
            }],
            applicability: Applicability::Safe,
        }
    }

    /// Marks the fix as unsafe (needs explicit opt-in).
    pub fn unsafe_(mut self) -> Self {
        self.applicability = Applicability::Unsafe;
        self
    }

    /// Applies the edits to `source` (edits must not overlap).
    pub fn apply(&self, source: &str) -> String {
        apply_edits(source, &self.edits)
    }
}

/// `source` with `edits` applied in order of position; an edit that overlaps an earlier
/// one, or does not fall on character boundaries of `source`, is skipped.
pub(crate) fn apply_edits(source: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for edit in edits {
        let on_text = edit.span.end <= source.len()
            && source.is_char_boundary(edit.span.start)
            && source.is_char_boundary(edit.span.end);
        if edit.span.start < at || !on_text {
            continue;
        }
        out.push_str(&source[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&source[at..]);
    out
}

/// One finding.
///
/// ```
/// use berth_lint::{Diagnostic, Severity};
/// use berth_syntax::Span;
/// let d = Diagnostic::new("DL3020", Severity::Error, Span::new(0, 3), "Use COPY instead of ADD")
///     .with_help("ADD only makes sense for URLs and archives");
/// assert_eq!(d.code, "DL3020");
/// assert_eq!(d.help.as_deref(), Some("ADD only makes sense for URLs and archives"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule code: `DL3020`, `StageNameCasing`, `BR101`, `SC2086`, ...
    pub code: Cow<'static, str>,
    /// How serious it is (after overrides).
    pub severity: Severity,
    /// What is wrong, one sentence.
    pub message: String,
    /// Where the problem is (byte range into the file).
    pub span: Span,
    /// Other places that explain the finding.
    pub labels: Vec<Label>,
    /// How to fix it, in words.
    pub help: Option<String>,
    /// How to fix it, as edits (`berth lint --fix`).
    pub fix: Option<Fix>,
    /// The code of the other family's rule that reports the same problem here, when the run
    /// merged the two findings into this one (see [`crate::same_problem`]).
    pub also: Option<Cow<'static, str>>,
}

impl Diagnostic {
    /// A finding without labels, help or fix.
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: code.into(),
            severity,
            message: message.into(),
            span,
            labels: Vec::new(),
            help: None,
            fix: None,
            also: None,
        }
    }

    /// Adds a help line (what to do).
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary labelled span.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Attaches a fix.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// In-place variants, for `ctx.report(..).help(..)` chains.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary labelled span (in place).
    pub fn label(&mut self, span: Span, message: impl Into<String>) -> &mut Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Attaches a fix (in place); a rule that can fix only some findings passes an
    /// `Option<Fix>`, and `None` leaves the finding without one.
    pub fn fix(&mut self, fix: impl Into<Option<Fix>>) -> &mut Self {
        if let Some(fix) = fix.into() {
            self.fix = Some(fix);
        }
        self
    }
}

/// 1-based line/column position of a finding, computed at render time.
///
/// Columns count Unicode scalar values from the line start (SARIF's `unicodeCodePoints`);
/// `end_column` is exclusive (one past the last character), as in SARIF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    /// Line of the first character.
    pub line: usize,
    /// Column of the first character.
    pub column: usize,
    /// Line of the last character.
    pub end_line: usize,
    /// Column after the last character.
    pub end_column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Info > Severity::Style);
        assert_eq!("WARNING".parse::<Severity>(), Ok(Severity::Warning));
        assert!("fatal".parse::<Severity>().is_err());
    }

    #[test]
    fn fix_applies_edits_in_order() {
        let fix = Fix {
            message: "x".into(),
            edits: vec![
                Edit {
                    span: Span::new(9, 12),
                    replacement: "/b".into(),
                },
                Edit {
                    span: Span::new(0, 3),
                    replacement: "COPY".into(),
                },
            ],
            applicability: Applicability::Safe,
        };
        assert_eq!(fix.apply("ADD a b  abc\n"), "COPY a b  /b\n");
    }
}
