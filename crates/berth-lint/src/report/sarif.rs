//! `--format sarif`: SARIF 2.1.0 as GitHub code scanning accepts it: rule metadata for every
//! rule that has a result, relative URIs, explicit `columnKind`, and `partialFingerprints`.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde_json::{json, Value};

use crate::diagnostic::Severity;
use crate::meta::Meta;
use crate::registry;

use super::{sha256_hex, FileReport};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// The first paragraph of the docs' "What it does" section, capped at GitHub's 1024 chars.
fn full_description(meta: &Meta) -> String {
    let docs = meta.docs_text();
    let body = docs
        .split("## What it does")
        .nth(1)
        .unwrap_or(&docs)
        .trim_start();
    let paragraph = body.split("\n\n").next().unwrap_or("").trim();
    let text = if paragraph.is_empty() || paragraph.starts_with("##") {
        meta.summary.to_string()
    } else {
        paragraph.replace('\n', " ")
    };
    text.chars().take(1024).collect()
}

fn rule_descriptor(code: &str) -> Value {
    match registry::find(code) {
        Some(entry) => {
            let meta = entry.meta;
            let docs = meta.docs_text();
            json!({
                "id": meta.code,
                "name": meta.code,
                "shortDescription": {"text": meta.summary},
                "fullDescription": {"text": full_description(meta)},
                "help": {"text": docs, "markdown": docs},
                "defaultConfiguration": {"level": level(meta.severity)},
                "properties": {"tags": [meta.family.as_str()]},
            })
        }
        // ShellCheck codes have no registry entry.
        None => json!({
            "id": code,
            "name": code,
            "shortDescription": {"text": format!("ShellCheck {code}")},
            "fullDescription": {"text": format!("ShellCheck finding {code} in a RUN command.")},
            "help": {
                "text": format!("See https://www.shellcheck.net/wiki/{code}"),
                "markdown": format!("See [{code}](https://www.shellcheck.net/wiki/{code})."),
            },
            "properties": {"tags": ["shellcheck"]},
        }),
    }
}

/// A URI reference for a relative or absolute path (spaces and `%` escaped).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            ' ' => out.push_str("%20"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn write(files: &[FileReport], out: &mut dyn Write) -> io::Result<()> {
    // Rules in order of first appearance, so `ruleIndex` is stable for a given result set.
    let mut rule_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    let mut results = Vec::new();
    for file in files {
        let mut occurrences: HashMap<String, usize> = HashMap::new();
        for d in file.diagnostics {
            let index = *rule_index.entry(d.code.to_string()).or_insert_with(|| {
                rules.push(rule_descriptor(&d.code));
                rules.len() - 1
            });
            let p = file.position(d.span);
            // Like GitHub's own primaryLocationLineHash: the rule and the finding's line text
            // (whitespace-insensitive), plus an occurrence count; stable when lines move.
            let line: String = file
                .line_text(p.line)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let hash = sha256_hex(format!("{}\0{line}", d.code).as_bytes());
            let n = occurrences.entry(hash.clone()).or_insert(0);
            *n += 1;
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            results.push(json!({
                "ruleId": d.code,
                "ruleIndex": index,
                "level": level(d.severity),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(file.path)},
                        "region": {
                            "startLine": p.line,
                            "startColumn": p.column,
                            "endLine": p.end_line,
                            "endColumn": p.end_column,
                        },
                    },
                }],
                "partialFingerprints": {
                    "primaryLocationLineHash": format!("{}:{n}", &hash[..16]),
                },
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "berth",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}
