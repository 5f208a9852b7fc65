//! `--format json`: hadolint's array of findings plus ranges (DESIGN.md 3.3), keys sorted,
//! compact, one line.

use std::io::{self, Write};

use serde::Serialize;

use super::FileReport;

#[derive(Serialize)]
struct Finding<'a> {
    code: &'a str,
    column: usize,
    end_column: usize,
    end_line: usize,
    file: &'a str,
    level: &'a str,
    line: usize,
    message: &'a str,
}

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut findings = Vec::new();
    for file in files {
        for d in file.diagnostics {
            let p = file.position(d.span);
            findings.push(Finding {
                code: &d.code,
                column: p.column,
                end_column: p.end_column,
                end_line: p.end_line,
                file: file.path,
                level: d.severity.as_str(),
                line: p.line,
                message: &d.message,
            });
        }
    }
    serde_json::to_writer(&mut *out, &findings)?;
    writeln!(out)
}
