//! Snapshot tests (insta) over berth's own fixtures in `fixtures/parse/`: for each
//! file, BuildKit's AST dump, every error and warning with line:column and its
//! exact message, and the typed commands (their Debug form). Each file must also round-trip.

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use berth_syntax::{buildkit, parse_bytes};

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "Dockerfile") {
            out.push(path);
        }
    }
}

fn render(bytes: &[u8]) -> String {
    let file = parse_bytes(bytes);
    assert_eq!(file.to_source(), file.source, "round trip");
    let mut out = String::from("--- buildkit dump\n");
    out.push_str(&buildkit::dump(&file));
    if !file.directives.is_empty() {
        out.push_str("--- directives\n");
        for d in &file.directives {
            let (line, col) = file.line_col(d.span.start);
            writeln!(out, "{line}:{col} {}={}", d.name, d.value).unwrap();
        }
    }
    if !file.errors.is_empty() {
        out.push_str("--- errors\n");
        for e in &file.errors {
            let (line, col) = file.line_col(e.span.start);
            let stage = if e.is_parser_error() {
                "parser"
            } else {
                "instructions"
            };
            writeln!(out, "{line}:{col} {stage} {:?}: {}", e.code, e.message).unwrap();
        }
    }
    if !file.warnings.is_empty() {
        out.push_str("--- warnings\n");
        for w in &file.warnings {
            let (line, col) = file.line_col(w.span.start);
            writeln!(out, "{line}:{col} {}", w.message).unwrap();
        }
    }
    out.push_str("--- commands\n");
    for ins in &file.instructions {
        let cmd = match &ins.command {
            Some(c) => format!("{c:?}"),
            None => "-".to_string(),
        };
        writeln!(out, "{}-{} {}", ins.start_line, ins.end_line, cmd).unwrap();
    }
    out
}

#[test]
fn fixtures() {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/parse"));
    let mut files = Vec::new();
    fixture_files(root, &mut files);
    assert!(!files.is_empty());
    for path in files {
        let name = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace(['/', '.'], "_");
        let rendered = render(&fs::read(&path).unwrap());
        insta::with_settings!({ snapshot_suffix => name, input_file => &path, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("parse", rendered);
        });
    }
}

#[test]
fn long_line_is_rejected_like_buildkit() {
    for (len, rejected) in [(65535, false), (65536, true)] {
        let text = format!("FROM a\nRUN {}\nRUN b\n", "x".repeat(len - 4));
        let file = berth_syntax::parse(&text);
        assert_eq!(file.is_rejected_by_parser(), rejected, "{len}");
        assert_eq!(file.to_source(), text);
        assert_eq!(file.line_index, berth_syntax::LineIndex::new(&text));
        if rejected {
            let err = file.parser_error().unwrap();
            assert_eq!(
                err.message,
                "dockerfile line greater than max allowed size of 65535"
            );
            assert_eq!(file.line_col(err.span.start), (2, 1));
        }
    }
    let file = berth_syntax::parse(&"y".repeat(70_000));
    assert_eq!(
        file.parser_error().unwrap().message,
        "file with no instructions"
    );
}

#[test]
fn invalid_utf8_is_decoded_lossily() {
    let file = parse_bytes(b"FROM a\nRUN echo \xff\xfe\n");
    assert!(file.errors.is_empty());
    assert_eq!(file.instructions[1].args[0].value, "echo \u{FFFD}\u{FFFD}");
}
