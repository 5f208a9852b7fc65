//! `--format github`: GitHub Actions workflow commands, one annotation per finding.

use std::io::{self, Write};

use crate::diagnostic::Severity;

use super::FileReport;

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for file in files {
        for d in file.diagnostics {
            let p = file.position(d.span);
            let level = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info | Severity::Style => "notice",
            };
            write!(
                out,
                "::{level} file={},line={},endLine={}",
                property(file.path),
                p.line,
                p.end_line
            )?;
            // GitHub rejects columns on multi-line annotations.
            if p.line == p.end_line {
                write!(out, ",col={},endColumn={}", p.column, p.end_column)?;
            }
            writeln!(
                out,
                ",title={}::{}",
                property(&format!("{} ({})", d.code, d.severity)),
                data(&d.message)
            )?;
        }
    }
    Ok(())
}

fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
