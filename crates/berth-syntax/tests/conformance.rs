//! BuildKit's own parser test files (`../shared/conformance/buildkit-parser`):
//! every positive case's AST dump must equal its `result` byte for byte, every
//! negative case must be rejected by the parser stage, and the line-number case
//! must give BuildKit's line ranges.

mod common;

use std::fs;

use berth_syntax::{buildkit, parse_bytes, ErrorCode};

#[test]
fn positive_cases_dump_exactly() {
    let Some(shared) = common::shared_dir() else {
        return common::skip("buildkit parser conformance");
    };
    let dir = shared.join("conformance/buildkit-parser/testfiles");
    let mut cases: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let file = parse_bytes(&fs::read(case.join("Dockerfile")).unwrap());
        let expected = String::from_utf8(fs::read(case.join("result")).unwrap()).unwrap();
        if let Some(err) = file.parser_error() {
            failures.push(format!("{}: rejected: {}", case.display(), err.message));
        } else if buildkit::dump(&file) != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{}",
                case.display(),
                buildkit::dump(&file)
            ));
        }
    }
    assert_eq!(cases.len(), 33, "expected BuildKit's 33 positive cases");
    assert!(
        failures.is_empty(),
        "{} of 33 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("buildkit-parser positive cases: 33/33 identical dumps");
}

#[test]
fn negative_cases_are_rejected() {
    let Some(shared) = common::shared_dir() else {
        return common::skip("buildkit parser conformance");
    };
    let dir = shared.join("conformance/buildkit-parser/testfiles-negative");
    let expected = [
        (
            "empty_dockerfile",
            ErrorCode::NoInstructions,
            "file with no instructions",
        ),
        (
            "env_no_value",
            ErrorCode::MissingValue,
            "ENV must have two arguments",
        ),
        (
            "only_comments",
            ErrorCode::NoInstructions,
            "file with no instructions",
        ),
        (
            "shykes-nested-json",
            ErrorCode::JsonNotStrings,
            "when using JSON array syntax, arrays must be comprised of strings only",
        ),
    ];
    for (case, code, message) in expected {
        let file = parse_bytes(&fs::read(dir.join(case).join("Dockerfile")).unwrap());
        let err = file
            .parser_error()
            .unwrap_or_else(|| panic!("{case} accepted"));
        assert_eq!((err.code, err.message.as_str()), (code, message), "{case}");
    }
}

#[test]
fn line_numbers() {
    let Some(shared) = common::shared_dir() else {
        return common::skip("buildkit parser conformance");
    };
    let path = shared.join("conformance/buildkit-parser/testfile-line/Dockerfile");
    let file = parse_bytes(&fs::read(path).unwrap());
    let lines: Vec<_> = file
        .instructions
        .iter()
        .map(|i| (i.start_line, i.end_line))
        .collect();
    assert_eq!(lines, [(5, 5), (11, 12), (17, 31)]);
}
