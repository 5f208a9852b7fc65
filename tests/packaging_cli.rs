//! What an installed berth offers besides linting, as a user meets it: `--version`,
//! `berth version`, shell completions (bash completion actually run), manual pages, the
//! closed value sets of `--format`, `--color` and `NO_COLOR`, and no progress output when
//! standard error is not a terminal.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn berth(args: &[&str]) -> Output {
    berth_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, &[])
}

fn berth_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("NO_COLOR")
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The subcommands `berth --help` lists (the clap definition, read back), so the tests follow
/// new subcommands without being edited.
fn subcommands() -> Vec<String> {
    let help = stdout(&berth(&["--help"]));
    let commands = help
        .split("Commands:\n")
        .nth(1)
        .expect("--help lists commands");
    let names: Vec<String> = commands
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .map(String::from)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

#[test]
fn version_flag_names_the_version_and_the_commit_when_built_from_git() {
    let out = berth(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let line = stdout(&out);
    let want = format!("berth {}", env!("CARGO_PKG_VERSION"));
    assert!(line.starts_with(&want), "{line}");
    let built_from_git = Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match built_from_git {
        // The build script ran at some commit of this checkout: a 12-digit hash and a date.
        Some(_) => {
            let rest = line.trim_end().strip_prefix(&want).unwrap();
            let inner = rest
                .strip_prefix(" (")
                .and_then(|r| r.strip_suffix(')'))
                .unwrap_or_else(|| panic!("no commit in {line:?}"));
            let (hash, date) = inner.split_once(' ').unwrap();
            assert_eq!(hash.len(), 12, "{line}");
            assert!(hash.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
            assert_eq!(date.len(), 10, "{line}");
        }
        None => eprintln!("SKIPPED: commit in --version (not a git checkout, or no git)"),
    }
}

#[test]
fn version_json_counts_the_rules_and_names_the_engines_and_the_pinned_oracles() {
    let out = berth(&["version", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "berth");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));

    let rules: serde_json::Value =
        serde_json::from_slice(&berth(&["rule", "--format", "json"]).stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert_eq!(v["rules"]["total"], rules.len());
    let on = rules
        .iter()
        .filter(|r| r["default_enabled"] == true)
        .count();
    assert_eq!(v["rules"]["enabled_by_default"], on);
    let by_family = v["rules"]["by_family"].as_object().unwrap();
    for family in ["hadolint", "buildkit", "berth"] {
        let n = rules.iter().filter(|r| r["family"] == family).count();
        assert_eq!(by_family[family], n, "{family}");
    }

    let engines: Vec<&str> = v["engines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["version"].as_str().unwrap())
        .collect();
    assert_eq!(engines, ["28.5.2", "20.10.24"]);
    // The oracles berth names are the ones CI installs.
    let setup = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/setup.sh"))
        .unwrap();
    for oracle in v["oracles"].as_array().unwrap() {
        let package = oracle["package"].as_str().unwrap();
        assert!(
            setup.contains(package),
            ".ci/setup.sh does not pin {package}"
        );
    }

    let text = stdout(&berth(&["version"]));
    assert!(
        text.starts_with(&format!("berth {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("rules: {} (", rules.len())),
        "{text}"
    );
    assert!(
        text.contains("Docker 28.5.2 with buildx 0.29.1 (reference"),
        "{text}"
    );
}

/// What bash completion offers for `line` (the text typed so far, ending where the cursor
/// is), from the script `berth completions bash` prints, loaded into a real bash.
fn bash_complete(script: &Path, line: &str) -> Vec<String> {
    let driver = r#"
source "$1" || exit 3
complete -p berth | grep -q -- '-F _berth' || { echo "berth is not completed by _berth" >&2; exit 4; }
read -r -a COMP_WORDS <<< "$2"
[[ "$2" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$2"
COMP_POINT=${#COMP_LINE}
prev=""
(( COMP_CWORD > 0 )) && prev="${COMP_WORDS[COMP_CWORD-1]}"
_berth berth "${COMP_WORDS[COMP_CWORD]}" "$prev"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", driver, "bash"])
        .arg(script)
        .arg(line)
        .output()
        .unwrap();
    assert!(out.status.success(), "bash: {}", stderr(&out));
    let mut words: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    words.sort();
    words
}

#[test]
fn bash_completion_offers_the_subcommands_and_the_lint_formats() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("SKIPPED: bash completion (no bash on PATH)");
        return;
    }
    let out = berth(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("berth.bash");
    std::fs::write(&script, &out.stdout).unwrap();

    let offered = bash_complete(&script, "berth ");
    for sub in subcommands() {
        assert!(
            offered.contains(&sub),
            "`berth ` does not offer {sub}: {offered:?}"
        );
    }
    assert_eq!(
        bash_complete(&script, "berth lint --format "),
        [
            "checkstyle",
            "codeclimate",
            "concise",
            "github",
            "gitlab",
            "gnu",
            "json",
            "sarif",
            "tty"
        ]
    );
    assert_eq!(
        bash_complete(&script, "berth lint -f g"),
        ["github", "gitlab", "gnu"]
    );
    assert_eq!(
        bash_complete(&script, "berth lint --failure-threshold "),
        ["error", "info", "style", "warning"]
    );
    assert_eq!(bash_complete(&script, "berth lint --col"), ["--color"]);
    let words = |line: &str| -> Vec<String> {
        let offered = bash_complete(&script, line);
        offered
            .into_iter()
            .filter(|w| !w.starts_with('-'))
            .collect()
    };
    assert_eq!(words("berth context "), ["hash", "help", "ls"]);
    assert_eq!(
        words("berth completions "),
        ["bash", "elvish", "fish", "powershell", "zsh"]
    );
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let subcommands = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = berth(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for sub in &subcommands {
            assert!(script.contains(sub.as_str()), "{shell} script lacks {sub}");
        }
        // The PowerShell and Elvish generators complete option names only, not their values.
        if !["powershell", "elvish"].contains(&shell) {
            assert!(
                script.contains("sarif"),
                "{shell} script lacks the lint formats"
            );
        }
    }
    let out = berth(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("possible values: bash"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn manual_pages_cover_every_command_and_are_valid_roff() {
    let out = berth(&["man"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH berth 1"), "{page}");
    for section in [
        "SYNOPSIS",
        "OPTIONS",
        "SUBCOMMANDS",
        "\"EXIT STATUS\"",
        "\"ENVIRONMENT\"",
    ] {
        assert!(
            page.contains(&format!(".SH {section}")),
            "no {section} in berth(1)"
        );
    }

    let lint = stdout(&berth(&["man", "lint"]));
    assert!(lint.contains(".TH berth-lint 1"), "{lint}");
    assert!(
        lint.contains("codeclimate"),
        "berth-lint(1) lacks the formats"
    );
    let hash = stdout(&berth(&["man", "context", "hash"]));
    assert!(hash.contains(".TH berth-context-hash 1"), "{hash}");
    let out = berth(&["man", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`nope` is not a command of `berth`"));

    let dir = tempfile::tempdir().unwrap();
    let out = berth(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(pages.contains(&"berth.1".to_string()));
    assert!(pages.contains(&"berth-context-hash.1".to_string()));
    for sub in subcommands().iter().filter(|s| *s != "help") {
        assert!(
            pages.contains(&format!("berth-{sub}.1")),
            "no page for {sub}: {pages:?}"
        );
    }

    // groff's own warnings (-ww) on every page, when groff is installed.
    for name in &pages {
        let groff = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.path().join(name))
            .output();
        match groff {
            Ok(o) => assert!(
                o.status.success() && o.stderr.is_empty(),
                "{name}: {}",
                stderr(&o)
            ),
            Err(_) => {
                eprintln!("SKIPPED: groff check of the manual pages (no groff on PATH)");
                break;
            }
        }
    }
}

#[test]
fn closed_value_sets_reject_unknown_values_with_the_list() {
    let out = berth(&["lint", "--format", "xml", "-"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("invalid value 'xml'"), "{err}");
    assert!(err.contains("tty, concise, json, sarif"), "{err}");
    // hadolint's names and any case still work.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("Dockerfile");
    std::fs::write(&file, "FROM alpine:3.20\n").unwrap();
    for format in ["gitlab_codeclimate", "github-actions", "JSON", "full"] {
        let out = berth_in(dir.path(), &["lint", "--format", format, "Dockerfile"], &[]);
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
    }
    let out = berth_in(dir.path(), &["lint", "-t", "NONE", "Dockerfile"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = berth(&["rule", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("possible values: text, json"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn color_is_one_choice_everywhere_and_no_color_only_changes_auto() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM debian:12\nRUN apt-get install curl\n",
    )
    .unwrap();
    let lint = |color: &str, env: &[(&str, &str)]| {
        let out = berth_in(
            dir.path(),
            &[
                "lint",
                "--no-context",
                "--format",
                "tty",
                "--color",
                color,
                "Dockerfile",
            ],
            env,
        );
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out).contains('\x1b')
    };
    assert!(lint("always", &[]));
    assert!(lint("always", &[("NO_COLOR", "1")]));
    assert!(!lint("never", &[]));
    // A pipe is not a terminal: auto does not colour.
    assert!(!lint("auto", &[]));

    std::fs::write(dir.path().join("app.txt"), "v1").unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM busybox\nCOPY app.txt /\n",
    )
    .unwrap();
    let outside = tempfile::tempdir().unwrap();
    let state = outside.path().join("state");
    let state = state.to_str().unwrap();
    let out = berth_in(dir.path(), &["cache", "record", ".", "--state", state], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan = |color: &str| {
        let args = ["cache", "plan", ".", "--state", state, "--color", color];
        stdout(&berth_in(dir.path(), &args, &[("NO_COLOR", "1")])).contains('\x1b')
    };
    assert!(plan("always"));
    assert!(!plan("auto"));
    assert!(!plan("never"));
}

#[test]
fn long_work_prints_no_progress_into_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        let sub = dir.path().join(format!("svc{i}"));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("Dockerfile"), "FROM alpine:3.20\nCOPY . /app\n").unwrap();
        std::fs::write(sub.join("data.bin"), vec![i as u8; 64 * 1024]).unwrap();
    }
    let out = berth_in(dir.path(), &["lint", "--format", "concise", "."], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let out = berth_in(dir.path(), &["context", "hash", "."], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert!(stdout(&out).starts_with("sha256:"));
}
