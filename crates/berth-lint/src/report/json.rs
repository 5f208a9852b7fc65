//! `--format json`: hadolint's array of findings plus ranges (DESIGN.md 3.3), keys sorted,
//! compact, one line; findings of a compose service's build also carry `"service"` (3.7), and
//! a finding that stands for the same problem under two families' codes carries the other
//! code in `"also"`.

use std::io::{self, Write};

use serde::Serialize;

use super::FileReport;

#[derive(Serialize)]
struct Finding<'a> {
    /// The other family's code for the same problem, when the run merged the two findings
    /// into this one (one problem, one finding).
    #[serde(skip_serializing_if = "Option::is_none")]
    also: Option<&'a str>,
    code: &'a str,
    column: usize,
    end_column: usize,
    end_line: usize,
    file: &'a str,
    level: &'a str,
    line: usize,
    message: &'a str,
    /// The compose service, for findings of `berth lint compose.yaml`.
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
}

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut findings = Vec::new();
    for file in files {
        for d in file.diagnostics {
            let p = file.position(d.span);
            findings.push(Finding {
                also: d.also.as_deref(),
                code: &d.code,
                column: p.column,
                end_column: p.end_column,
                end_line: p.end_line,
                file: file.path,
                level: d.severity.as_str(),
                line: p.line,
                message: &d.message,
                service: file.service,
            });
        }
    }
    serde_json::to_writer(&mut *out, &findings)?;
    writeln!(out)
}
