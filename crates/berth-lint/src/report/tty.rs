//! `--format tty` (miette snippets with line and column) and `--format concise` (hadolint's
//! one-line `FILE:LINE CODE SEVERITY: MESSAGE`).
//!
//! miette stays behind this module: findings are plain [`Diagnostic`]s, wrapped only while
//! rendering; every finding of a file shares one [`IndexedSource`] whose line index was built
//! once, so reading a snippet is a binary search instead of miette's scan from byte 0.

use std::fmt;
use std::io::{self, Write};

use berth_syntax::LineIndex;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};

use crate::diagnostic::{Diagnostic, Severity};

use super::{FileReport, RenderOptions};

/// A file's text with its line index, named for miette's snippet header.
struct IndexedSource<'a> {
    name: &'a str,
    text: &'a str,
    index: &'a LineIndex,
}

impl IndexedSource<'_> {
    fn line_end(&self, line0: usize) -> usize {
        match self.index.line_start(line0 + 2) {
            Some(next) => next.saturating_sub(1),
            None => self.text.len(),
        }
    }
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first0 = self.index.line_col(start).0 - 1;
        // A span ending right after a newline ends on the previous line.
        let last0 = self.index.line_col(end.saturating_sub(1).max(start)).0 - 1;
        let from0 = first0.saturating_sub(before);
        let to0 = (last0 + after).min(self.index.line_count().saturating_sub(1));
        let data_start = self.index.line_start(from0 + 1).unwrap_or(0);
        let data_end = self.line_end(to0).max(data_start);
        let column = if before == 0 { start - data_start } else { 0 };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            &self.text.as_bytes()[data_start..data_end],
            (data_start, data_end - data_start).into(),
            from0,
            column,
            to0 - from0 + 1,
        )))
    }
}

/// A finding wrapped for miette, borrowing the shared source.
struct Render<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a IndexedSource<'a>,
}

impl fmt::Debug for Render<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Render<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Render<'_> {}

impl miette::Diagnostic for Render<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{} {}",
            self.diagnostic.code, self.diagnostic.severity
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info | Severity::Style => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let d = self.diagnostic;
        match (&d.help, &d.fix) {
            (None, None) => None,
            (Some(help), None) => Some(Box::new(help)),
            (None, Some(fix)) => Some(Box::new(format!("fix: {}", fix.message))),
            (Some(help), Some(fix)) => Some(Box::new(format!("{help}\nfix: {}", fix.message))),
        }
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.diagnostic;
        let span =
            |s: berth_syntax::Span| SourceSpan::from((s.start, s.end.saturating_sub(s.start)));
        let primary = LabeledSpan::new_primary_with_span(None, span(d.span));
        let secondary = d
            .labels
            .iter()
            .map(move |l| LabeledSpan::new_with_span(Some(l.message.clone()), span(l.span)));
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }
}

pub(super) fn write(
    files: &[FileReport],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .with_context_lines(1);
    let mut text = String::new();
    for file in files {
        let source = IndexedSource {
            name: file.path,
            text: file.source,
            index: &file.index,
        };
        for diagnostic in file.diagnostics {
            text.clear();
            let render = Render {
                diagnostic,
                source: &source,
            };
            if handler.render_report(&mut text, &render).is_err() {
                // Rendering only fails on a span outside the text; fall back to one line.
                let p = file.position(diagnostic.span);
                text = format!(
                    "{}:{}:{} {} {}: {}\n",
                    file.path,
                    p.line,
                    p.column,
                    diagnostic.code,
                    diagnostic.severity,
                    diagnostic.message
                );
            }
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// hadolint's colours for the severity word.
fn paint(severity: Severity, color: bool) -> String {
    if !color {
        return severity.to_string();
    }
    let code = match severity {
        Severity::Error => "\x1b[1m\x1b[91m",
        Severity::Warning => "\x1b[1m\x1b[93m",
        Severity::Info => "\x1b[92m",
        Severity::Style => "\x1b[96m",
    };
    format!("{code}{severity}\x1b[0m")
}

pub(super) fn write_concise(
    files: &[FileReport],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for file in files {
        for d in file.diagnostics {
            let p = file.position(d.span);
            writeln!(
                out,
                "{}:{} {} {}: {}",
                file.path,
                p.line,
                d.code,
                paint(d.severity, options.color),
                super::gnu::one_line(&d.message)
            )?;
        }
    }
    Ok(())
}
