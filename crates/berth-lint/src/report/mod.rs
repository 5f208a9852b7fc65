//! Reporters: one module per output format, all fed the same per-file model.
//!
//! ```
//! use berth_lint::report::{write_report, FileReport, Format, RenderOptions};
//! use berth_lint::{lint, Settings};
//!
//! let source = "FROM alpine:3.20\nADD https://example.com/a.tgz /opt/\n";
//! let result = lint(source, &Settings::default());
//! let files = [FileReport::new("Dockerfile", &result.dockerfile.source, &result.diagnostics)];
//! let mut out = Vec::new();
//! write_report(Format::Json, &files, &RenderOptions::default(), &mut out).unwrap();
//! let json = String::from_utf8(out).unwrap();
//! assert!(json.starts_with(r#"[{"code":"BR104","column":5,"end_column":30,"end_line":2,"file":"Dockerfile","level":"warning","line":2,"#), "{json}");
//! ```

use std::io::{self, Write};
use std::str::FromStr;

use berth_syntax::{LineIndex, Span};

use crate::diagnostic::{Diagnostic, Position};

mod checkstyle;
mod codeclimate;
mod github;
mod gnu;
mod json;
mod sarif;
mod tty;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// miette snippets with line and column (the default).
    Tty,
    /// hadolint's `FILE:LINE CODE SEVERITY: MESSAGE` lines.
    Concise,
    /// A JSON array of findings (hadolint's shape plus ranges).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// Checkstyle XML (hadolint's `checkstyle`).
    Checkstyle,
    /// `berth:FILE:LINE:COLUMN: CODE SEVERITY: MESSAGE`.
    Gnu,
    /// GitHub Actions workflow commands (`::warning file=...`).
    Github,
    /// GitLab Code Quality (a JSON array with fingerprints).
    Gitlab,
    /// Code Climate engine output (JSON objects separated by NUL bytes).
    Codeclimate,
}

impl Format {
    /// Every name `--format` and the configuration files accept, with its format: each
    /// format's canonical name first, then its aliases (hadolint's `gitlab_codeclimate`,
    /// `github-actions`, ruff's `full`). Parsing ([`Format::from_str`]) and the command line's
    /// list of values both come from this table.
    pub const NAMES: [(&'static str, Format); 13] = [
        ("tty", Format::Tty),
        ("full", Format::Tty),
        ("concise", Format::Concise),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("checkstyle", Format::Checkstyle),
        ("gnu", Format::Gnu),
        ("github", Format::Github),
        ("github-actions", Format::Github),
        ("gitlab", Format::Gitlab),
        ("gitlab_codeclimate", Format::Gitlab),
        ("gitlab-codeclimate", Format::Gitlab),
        ("codeclimate", Format::Codeclimate),
    ];

    /// The canonical name (`json`, `sarif`, ...).
    pub fn name(self) -> &'static str {
        Format::NAMES
            .iter()
            .find(|(_, format)| *format == self)
            .map_or("tty", |(name, _)| name)
    }
}

impl FromStr for Format {
    type Err = String;
    /// A name of [`Format::NAMES`], in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = s.to_ascii_lowercase();
        match Format::NAMES.iter().find(|(name, _)| *name == wanted) {
            Some((_, format)) => Ok(*format),
            None => {
                let mut canonical: Vec<&str> = Vec::new();
                for (_, format) in Format::NAMES {
                    if !canonical.contains(&format.name()) {
                        canonical.push(format.name());
                    }
                }
                Err(format!(
                    "unknown format `{s}` (expected one of {})",
                    canonical.join(", ")
                ))
            }
        }
    }
}

/// Options for the human formats.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// ANSI colours in tty/concise output.
    pub color: bool,
    /// Terminal width for tty snippets.
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
        }
    }
}

/// One file's findings, with its source and line index (computed once).
pub struct FileReport<'a> {
    /// The path as reported (relative to where berth ran, or `-`).
    pub path: &'a str,
    /// The file's text.
    pub source: &'a str,
    /// The file's line index, for positions.
    pub index: LineIndex,
    /// Its findings, sorted.
    pub diagnostics: &'a [Diagnostic],
    /// The compose service whose build the file belongs to (`berth lint compose.yaml`);
    /// JSON findings carry it as `"service"`.
    pub service: Option<&'a str>,
}

impl<'a> FileReport<'a> {
    /// One file's report; computes the line index.
    pub fn new(path: &'a str, source: &'a str, diagnostics: &'a [Diagnostic]) -> Self {
        FileReport {
            path,
            source,
            index: LineIndex::new(source),
            diagnostics,
            service: None,
        }
    }

    /// The same report, for the build of a compose service.
    pub fn with_service(mut self, service: Option<&'a str>) -> Self {
        self.service = service;
        self
    }

    /// 1-based line/column range of a span; columns count characters, `end_column` is
    /// exclusive (SARIF's convention).
    pub fn position(&self, span: Span) -> Position {
        let (line, column) = self.line_col(span.start);
        let (end_line, end_column) = self.line_col(span.end.max(span.start));
        Position {
            line,
            column,
            end_line,
            end_column,
        }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.source.len());
        let (line, _) = self.index.line_col(offset);
        let start = self.index.line_start(line).unwrap_or(0);
        let column = self
            .source
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line, column + 1)
    }

    /// The text of a 1-based line, without its terminator.
    pub fn line_text(&self, line: usize) -> &'a str {
        let Some(start) = self.index.line_start(line) else {
            return "";
        };
        let rest = &self.source[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        rest[..end].trim_end_matches('\r')
    }
}

/// Writes every file's findings in `format`.
pub fn write_report(
    format: Format,
    files: &[FileReport],
    options: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Tty => tty::write(files, options, out),
        Format::Concise => tty::write_concise(files, options, out),
        Format::Json => json::write(files, out),
        Format::Sarif => sarif::write(files, out),
        Format::Checkstyle => checkstyle::write(files, out),
        Format::Gnu => gnu::write(files, out),
        Format::Github => github::write(files, out),
        Format::Gitlab => codeclimate::write_gitlab(files, out),
        Format::Codeclimate => codeclimate::write_codeclimate(files, out),
    }
}

/// hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(data);
    let mut s = String::with_capacity(64);
    for byte in digest {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

#[cfg(test)]
mod tests;
