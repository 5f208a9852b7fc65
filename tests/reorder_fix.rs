//! The reorder fix end to end: `berth lint --fix --unsafe-fixes` rewrites the classic shape of
//! every fixture in `fixtures/reorder/<ecosystem>/` into its `Dockerfile.expected`, and
//! `--diff` prints the same change as a unified diff without touching the file.
//! (`.ci/checks/50-reorder-engine.sh` proves the rewritten files on Docker itself.)

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn berth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .current_dir(dir)
        .env_remove("BERTH_CONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run berth")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reorder");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile.expected").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_is_rewritten_into_its_expected_dockerfile() {
    let fixtures = fixtures();
    assert_eq!(fixtures.len(), 16, "one fixture per ecosystem");
    let mut wrong = Vec::new();
    for fixture in &fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().to_string();
        let expected = fs::read_to_string(fixture.join("Dockerfile.expected")).unwrap();
        let original = fs::read_to_string(fixture.join("Dockerfile")).unwrap();
        // The whole project: the fix reads the build context (which manifests exist).
        let work = tempfile::tempdir().unwrap();
        copy_tree(fixture, work.path());

        // --diff changes nothing, shows the change, and exits 1.
        let diff = berth(
            work.path(),
            &["lint", "--diff", "--unsafe-fixes", "Dockerfile"],
        );
        let shown = String::from_utf8_lossy(&diff.stdout).to_string();
        assert_eq!(diff.status.code(), Some(1), "{name}: {shown}");
        assert!(
            shown.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
            "{name}: {shown}"
        );
        assert_eq!(
            fs::read_to_string(work.path().join("Dockerfile")).unwrap(),
            original
        );

        // --fix --unsafe-fixes writes exactly the hand-written fix, with every default rule on.
        let fixed = berth(
            work.path(),
            &["lint", "--fix", "--unsafe-fixes", "Dockerfile"],
        );
        assert_ne!(fixed.status.code(), Some(2), "{name}: {fixed:?}");
        let got = fs::read_to_string(work.path().join("Dockerfile")).unwrap();
        if got != expected {
            wrong.push(format!("{name}:\n--- expected\n{expected}--- got\n{got}"));
            continue;
        }
        // The fixed file has nothing left to reorder.
        let again = berth(
            work.path(),
            &["lint", "--diff", "--unsafe-fixes", "Dockerfile"],
        );
        assert_eq!(again.status.code(), Some(0), "{name}: {again:?}");
        assert!(again.stdout.is_empty(), "{name}");

        // Without --unsafe-fixes the reorder is only offered.
        copy_tree(fixture, work.path());
        let safe = berth(
            work.path(),
            &["lint", "--diff", "--select", "BR101", "Dockerfile"],
        );
        assert_eq!(safe.status.code(), Some(0), "{name}: {safe:?}");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn no_fix_without_the_build_context() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reorder/npm");
    let work = tempfile::tempdir().unwrap();
    copy_tree(&fixture, work.path());
    let out = berth(
        work.path(),
        &[
            "lint",
            "--diff",
            "--unsafe-fixes",
            "--no-context",
            "--select",
            "BR101",
            "Dockerfile",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stdout.is_empty());
}
