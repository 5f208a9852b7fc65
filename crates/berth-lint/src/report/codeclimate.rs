//! `--format codeclimate` (Code Climate engine: JSON issues separated by NUL bytes) and
//! `--format gitlab` (GitLab Code Quality: a JSON array of the same issues with fingerprints).

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::Severity;

use super::{sha256_hex, FileReport};

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

#[derive(Serialize)]
struct Location<'a> {
    lines: Lines,
    path: &'a str,
}

/// Keys in alphabetical order, so the serialised form is canonical for the fingerprint.
#[derive(Serialize)]
struct Issue<'a> {
    categories: [&'static str; 1],
    check_name: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<String>,
    location: Location<'a>,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

fn issues<'a>(files: &'a [FileReport<'a>]) -> impl Iterator<Item = Issue<'a>> + 'a {
    files.iter().flat_map(|file| {
        file.diagnostics.iter().map(move |d| {
            let p = file.position(d.span);
            Issue {
                categories: [if d.severity == Severity::Style {
                    "Style"
                } else {
                    "Bug Risk"
                }],
                check_name: &d.code,
                description: &d.message,
                fingerprint: None,
                location: Location {
                    lines: Lines {
                        begin: p.line,
                        end: p.end_line,
                    },
                    path: file.path,
                },
                severity: match d.severity {
                    Severity::Error => "blocker",
                    Severity::Warning => "major",
                    Severity::Info => "info",
                    Severity::Style => "minor",
                },
                kind: "issue",
            }
        })
    })
}

pub(super) fn write_codeclimate(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    for issue in issues(files) {
        serde_json::to_writer(&mut *out, &issue)?;
        out.write_all(b"\0")?;
    }
    Ok(())
}

pub(super) fn write_gitlab(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    let mut all = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for mut issue in issues(files) {
        // The fingerprint hashes the issue without its line numbers (so it survives edits above
        // it) plus an occurrence counter (so identical issues in one file stay distinct).
        let key = format!(
            "{}\0{}\0{}",
            issue.location.path, issue.check_name, issue.description
        );
        let n = seen.entry(key.clone()).or_insert(0usize);
        *n += 1;
        issue.fingerprint = Some(sha256_hex(format!("{key}\0{n}").as_bytes()));
        all.push(issue);
    }
    serde_json::to_writer(&mut *out, &all)?;
    writeln!(out)
}
