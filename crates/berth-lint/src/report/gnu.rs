//! `--format gnu`: `berth:FILE:LINE:COLUMN: CODE SEVERITY: MESSAGE` (GNU's
//! `program:file:line:column: message` convention, as hadolint's gnu format plus the column).

use std::io::{self, Write};

use super::FileReport;

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for file in files {
        for d in file.diagnostics {
            let p = file.position(d.span);
            writeln!(
                out,
                "berth:{}:{}:{}: {} {}: {}",
                file.path,
                p.line,
                p.column,
                d.code,
                d.severity,
                one_line(&d.message)
            )?;
        }
    }
    Ok(())
}

pub(super) fn one_line(message: &str) -> String {
    message.replace(['\r', '\n'], " ")
}
