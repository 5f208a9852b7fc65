//! `--format checkstyle`: Checkstyle 4.3 XML, one `<file>` per linted file (clean files too).

use std::io::{self, Write};

use super::FileReport;

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n"
    )?;
    for file in files {
        if file.diagnostics.is_empty() {
            writeln!(out, "<file name=\"{}\"/>", escape(file.path))?;
            continue;
        }
        writeln!(out, "<file name=\"{}\">", escape(file.path))?;
        for d in file.diagnostics {
            let p = file.position(d.span);
            writeln!(
                out,
                "<error column=\"{}\" line=\"{}\" message=\"{}\" severity=\"{}\" source=\"{}\"/>",
                p.column,
                p.line,
                escape(&d.message),
                d.severity,
                escape(&d.code)
            )?;
        }
        writeln!(out, "</file>")?;
    }
    writeln!(out, "</checkstyle>")
}

/// XML attribute escaping.
pub(super) fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&apos;"),
            '\n' => s.push_str("&#10;"),
            '\r' => s.push_str("&#13;"),
            '\t' => s.push_str("&#9;"),
            c if (c as u32) < 0x20 => {}
            c => s.push(c),
        }
    }
    s
}
