//! `berth fmt` end to end: in place, `--check`, standard input, exit codes.

use std::process::{Command, Stdio};

fn berth() -> Command {
    Command::new(env!("CARGO_BIN_EXE_berth"))
}

#[test]
fn formats_in_place_and_checks() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("Dockerfile");
    let clean = dir.path().join("api.Dockerfile");
    std::fs::write(
        &messy,
        "from alpine:3 as base\nrun   apk add curl \\\n&& true\n",
    )
    .unwrap();
    std::fs::write(&clean, "FROM alpine:3\nRUN true\n").unwrap();

    let check = berth()
        .arg("fmt")
        .arg("--check")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(
        stdout.contains("Would reformat:") && stdout.contains("Dockerfile"),
        "{stdout}"
    );
    assert!(!stdout.contains("api.Dockerfile"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "from alpine:3 as base\nrun   apk add curl \\\n&& true\n",
        "--check changes nothing"
    );

    let run = berth().arg("fmt").arg(dir.path()).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "FROM alpine:3 AS base\nRUN apk add curl \\\n    && true\n"
    );
    let again = berth()
        .arg("fmt")
        .arg("--check")
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn standard_input_and_errors() {
    let mut child = berth()
        .args(["fmt", "--indent", "2", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"from a\nrun a \\\n b\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "FROM a\nRUN a \\\n  b\n"
    );

    let missing = berth()
        .args(["fmt", "/nonexistent/Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/Dockerfile"));
}
