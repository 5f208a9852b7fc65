//! `berth lint` and `berth rule` as a user runs them: exit codes, stdin, formats, config
//! discovery and errors, directory discovery.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn berth(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("HADOLINT_") || k == "BUILDKIT_DOCKERFILE_CHECK" {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const BAD: &str = "FROM alpine:3.19\nADD https://example.com/a.tgz /opt/\n";
const CLEAN: &str = "FROM alpine:3.19\nCOPY app /app\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn exit_codes() {
    let dir = project(&[("bad/Dockerfile", BAD), ("clean/Dockerfile", CLEAN)]);
    let d = dir.path();
    assert_eq!(
        berth(d, &["lint", "clean/Dockerfile"], None).status.code(),
        Some(0)
    );
    assert_eq!(
        berth(d, &["lint", "bad/Dockerfile"], None).status.code(),
        Some(1)
    );
    assert_eq!(
        berth(d, &["lint", "--no-fail", "bad/Dockerfile"], None)
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        berth(d, &["lint", "-t", "error", "bad/Dockerfile"], None)
            .status
            .code(),
        Some(0)
    );
    let missing = berth(d, &["lint", "nope/Dockerfile"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nope/Dockerfile"),
        "{}",
        stderr(&missing)
    );
    assert_eq!(
        berth(d, &["lint", "--format", "xml", "clean/Dockerfile"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        berth(d, &["lint", "--frobnicate"], None).status.code(),
        Some(2)
    );
    // BuildKit rejects the file: exit 1 whatever the threshold.
    let rejected = project(&[("Dockerfile", "FROM a\nCMD [\"echo\", 1]\n")]);
    let o = berth(
        rejected.path(),
        &["lint", "-t", "error", "--format", "concise"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Dockerfile:2 DL1000 error"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn stdin_with_and_without_a_name() {
    let dir = project(&[]);
    let o = berth(dir.path(), &["lint", "--format", "json", "-"], Some(BAD));
    assert_eq!(o.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(findings[0]["file"], "-");
    assert_eq!(findings[0]["code"], "BR104");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(findings[0]["column"], 5);
    let o = berth(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--stdin-filename",
            "svc/Dockerfile",
            "-",
        ],
        Some(BAD),
    );
    let findings: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(findings[0]["file"], "svc/Dockerfile");
}

#[test]
fn json_shape_is_the_contract() {
    let dir = project(&[("Dockerfile", BAD)]);
    let o = berth(
        dir.path(),
        &["lint", "--format", "json", "Dockerfile"],
        None,
    );
    let text = stdout(&o);
    let expected = r#"[{"code":"BR104","column":5,"end_column":30,"end_line":2,"file":"Dockerfile","level":"warning","line":2,"message":"#;
    assert!(text.starts_with(expected), "{text}");
}

#[test]
fn directories_are_searched_and_sorted() {
    let dir = project(&[
        ("b/Dockerfile", BAD),
        ("a/api.Dockerfile", BAD),
        ("a/Dockerfile.dev", CLEAN),
        ("vendor/Dockerfile", BAD),
        (".gitignore", "vendor/\n"),
    ]);
    let o = berth(dir.path(), &["lint", "--format", "concise", "."], None);
    assert_eq!(
        stdout(&o),
        "a/api.Dockerfile:2 BR104 warning: `ADD https://example.com/a.tgz` has no --checksum: the download is neither verified nor pinned, and when it changes this step and every later step re-run\n\
         b/Dockerfile:2 BR104 warning: `ADD https://example.com/a.tgz` has no --checksum: the download is neither verified nor pinned, and when it changes this step and every later step re-run\n"
    );
}

#[test]
fn config_discovery_and_precedence() {
    let dir = project(&[
        ("Dockerfile", BAD),
        (".hadolint.yaml", "ignored: [BR104]\n"),
    ]);
    let d = dir.path();
    assert_eq!(
        berth(d, &["lint", "Dockerfile"], None).status.code(),
        Some(0)
    );
    // --isolated ignores configuration files.
    assert_eq!(
        berth(d, &["lint", "--isolated", "Dockerfile"], None)
            .status
            .code(),
        Some(1)
    );
    // berth.toml severity override beats the default; the CLI threshold beats the file's.
    std::fs::remove_file(d.join(".hadolint.yaml")).unwrap();
    std::fs::write(
        d.join("berth.toml"),
        "[lint]\nfailure-threshold = \"error\"\n[lint.severity]\nBR104 = \"style\"\n",
    )
    .unwrap();
    let o = berth(d, &["lint", "--format", "concise", "Dockerfile"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("BR104 style"), "{}", stdout(&o));
    assert_eq!(
        berth(d, &["lint", "-t", "style", "Dockerfile"], None)
            .status
            .code(),
        Some(1)
    );
    // A malformed file: exit 2, naming file, line and key.
    std::fs::write(d.join("berth.toml"), "[lint]\nignore = \"BR104\"\n").unwrap();
    let o = berth(d, &["lint", "Dockerfile"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("berth.toml:2:10: key `lint.ignore`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn pragmas_from_the_command_line() {
    let text = format!("FROM alpine:3.19\n# hadolint ignore=BR104\n{}", &BAD[17..]);
    let dir = project(&[("Dockerfile", &text)]);
    let d = dir.path();
    assert_eq!(
        berth(d, &["lint", "Dockerfile"], None).status.code(),
        Some(0)
    );
    assert_eq!(
        berth(d, &["lint", "--disable-ignore-pragma", "Dockerfile"], None)
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn statistics_and_color() {
    let dir = project(&[("Dockerfile", BAD)]);
    let d = dir.path();
    let o = berth(d, &["lint", "--statistics", "Dockerfile"], None);
    assert!(stdout(&o).contains("1  BR104"), "{}", stdout(&o));
    let o = berth(
        d,
        &[
            "lint",
            "--format",
            "concise",
            "--color",
            "always",
            "Dockerfile",
        ],
        None,
    );
    assert!(
        stdout(&o).contains("\x1b[1m\x1b[93mwarning\x1b[0m"),
        "{}",
        stdout(&o)
    );
    let o = berth(d, &["lint", "--format", "concise", "Dockerfile"], None);
    assert!(!stdout(&o).contains('\x1b'));
}

#[test]
fn rule_docs() {
    let dir = project(&[]);
    let o = berth(dir.path(), &["rule"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("BR101"));
    let o = berth(dir.path(), &["rule", "br104"], None);
    assert!(stdout(&o).starts_with("# BR104: ADD of a URL without --checksum"));
    assert!(stdout(&o).contains("## How to fix"));
    assert_eq!(
        berth(dir.path(), &["rule", "XX9999"], None).status.code(),
        Some(2)
    );
}

#[test]
fn fix_rewrites_files_and_reports_what_is_left() {
    let messy = "from alpine:3.19 AS build\nENV APP_HOME /srv/app\nMAINTAINER Jane <j@example.com>\nrun echo hi\n";
    let dir = project(&[("Dockerfile", messy), ("other/Dockerfile", CLEAN)]);
    let o = berth(
        dir.path(),
        &["lint", "--no-context", "--color", "never", "."],
        None,
    );
    assert!(
        // DL4000 and MaintainerDeprecated are one problem, one finding, one fix.
        stdout(&o).contains("4 fixable with --fix (1 more with --unsafe-fixes)."),
        "{}",
        stdout(&o)
    );
    let o = berth(
        dir.path(),
        &["lint", "--no-context", "--fix", "-f", "concise", "."],
        None,
    );
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert_eq!(
        fixed,
        "FROM alpine:3.19 AS build\nENV APP_HOME=/srv/app\nMAINTAINER Jane <j@example.com>\nRUN echo hi\n"
    );
    // The unsafe MAINTAINER fix waits for --unsafe-fixes; its findings are what is left.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("DL4000") && !stdout(&o).contains("Casing"));
    assert!(
        stderr(&o).contains("Fixed 3 findings in 1 file (1 left)."),
        "{}",
        stderr(&o)
    );
    let untouched = std::fs::read_to_string(dir.path().join("other/Dockerfile")).unwrap();
    assert_eq!(untouched, CLEAN);

    let o = berth(
        dir.path(),
        &[
            "lint",
            "--no-context",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    assert!(fixed.contains("LABEL org.opencontainers.image.authors=\"Jane <j@example.com>\"\n"));

    // Standard input: the fixed text replaces the report.
    let o = berth(
        dir.path(),
        &["lint", "--no-context", "--fix", "-"],
        Some("from alpine:3.19 AS a\n"),
    );
    assert_eq!(stdout(&o), "from alpine:3.19 as a\n");
    assert_eq!(o.status.code(), Some(0));

    // --unsafe-fixes alone is a usage error.
    let o = berth(dir.path(), &["lint", "--unsafe-fixes", "Dockerfile"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_panicking_rule_is_an_internal_error_of_its_file_and_exit_2() {
    // BR999 exists only in test builds: it panics on a RUN that says `berth-test-panic`.
    let dir = project(&[
        ("a/Dockerfile", "FROM alpine:3.19\nRUN berth-test-panic\n"),
        ("b/Dockerfile", BAD),
    ]);
    let o = berth(
        dir.path(),
        &["lint", "--format", "json", "--select", "BR999,BR104", "."],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let findings: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = findings.as_array().unwrap();
    let of = |file: &str| -> Vec<&str> {
        findings
            .iter()
            .filter(|f| f["file"] == file)
            .map(|f| f["code"].as_str().unwrap())
            .collect()
    };
    // The broken file gets the internal error, the other one is linted as usual.
    assert_eq!(of("a/Dockerfile"), ["BR000"]);
    assert_eq!(of("b/Dockerfile"), ["BR104"]);
    let internal = findings.iter().find(|f| f["code"] == "BR000").unwrap();
    assert_eq!(
        (internal["line"].as_u64(), internal["level"].as_str()),
        (Some(2), Some("error"))
    );
    // One line on stderr, naming the file and the rule; no panic message or backtrace hint.
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("berth: error: a/Dockerfile: internal error: rule BR999 panicked at "),
        "{err}"
    );
    assert!(
        !err.contains("RUST_BACKTRACE") && !err.contains("thread '"),
        "{err}"
    );
    // Without the rule selected nothing panics.
    let o = berth(dir.path(), &["lint", "--format", "json", "a"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn one_problem_one_finding_follows_the_configuration() {
    let maintainer = "# check=error=false\nFROM alpine:3.19\nMAINTAINER Jane\n";
    // `# check=` points to BuildKit's name; the JSON names hadolint's code in "also".
    let dir = project(&[("Dockerfile", maintainer)]);
    let out = berth(dir.path(), &["lint", "-f", "json", "Dockerfile"], None);
    let json = stdout(&out);
    assert!(
        json.contains(r#"{"also":"DL4000","code":"MaintainerDeprecated""#),
        "{json}"
    );
    assert!(!json.contains(r#""code":"DL4000""#), "{json}");
    // A .hadolint.yaml points to hadolint's codes.
    let dir = project(&[
        ("Dockerfile", maintainer),
        (".hadolint.yaml", "ignored: [DL3006]\n"),
    ]);
    let out = berth(dir.path(), &["lint", "-f", "json", "Dockerfile"], None);
    let json = stdout(&out);
    assert!(
        json.contains(r#"{"also":"MaintainerDeprecated","code":"DL4000""#),
        "{json}"
    );
    assert!(!json.contains(r#""code":"MaintainerDeprecated""#), "{json}");
    // Selecting either code still runs that rule, alone and unmerged.
    for code in ["DL4000", "MaintainerDeprecated"] {
        let out = berth(
            dir.path(),
            &["lint", "-f", "json", "--select", code, "Dockerfile"],
            None,
        );
        let json = stdout(&out);
        assert!(json.contains(&format!(r#"{{"code":"{code}""#)), "{json}");
        assert!(!json.contains("also"), "{json}");
    }
}
