//! One model of the context: for every build context of `fixtures/` and of
//! `../shared/corpus/contexts`, the digest `berth context hash` prints is the digest
//! `berth cache record` keys a `COPY . /` by and the root digest of the snapshot it
//! records: both come from berth-context's walk and digest.
//!
//! Every Dockerfile directly inside a context is tried (a `<Dockerfile>.dockerignore`
//! beside one changes what the context holds).

use std::path::{Path, PathBuf};
use std::process::Command;

fn berth(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .output()
        .expect("run berth");
    assert!(
        out.status.success(),
        "berth {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Directories holding a file named `Dockerfile`, below `root`.
fn contexts_below(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut dirs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            dirs.push(path);
        } else if path.file_name().is_some_and(|n| n == "Dockerfile") {
            out.push(root.to_path_buf());
        }
    }
    dirs.sort();
    for dir in dirs {
        contexts_below(&dir, out);
    }
}

/// The Dockerfiles directly inside a context (not their `.dockerignore` files).
fn dockerfiles(context: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(context)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with("Dockerfile") && !n.ends_with(".dockerignore")
                })
        })
        .collect();
    out.sort();
    out
}

/// `berth context hash` and `berth cache record` on one context with one Dockerfile.
fn check(context: &Path, dockerfile: &Path, work: &Path) {
    let ctx = context.to_str().unwrap();
    let df = dockerfile.to_str().unwrap();
    let json = berth(&["context", "hash", "--format", "json", "-f", df, ctx]);
    let hashed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let digest = hashed["digest"].as_str().unwrap().to_string();

    // A probe Dockerfile outside the context that copies all of it, with the same
    // `.dockerignore` the real one selects.
    let probe = work.join("probe.Dockerfile");
    std::fs::write(&probe, "FROM scratch\nCOPY . /\n").unwrap();
    let mut specific = dockerfile.as_os_str().to_owned();
    specific.push(".dockerignore");
    let probe_ignore = work.join("probe.Dockerfile.dockerignore");
    let _ = std::fs::remove_file(&probe_ignore);
    if Path::new(&specific).exists() {
        std::fs::copy(&specific, &probe_ignore).unwrap();
    }
    let state = work.join("state");
    let _ = std::fs::remove_file(&state);
    let probe_path = probe.to_str().unwrap();
    berth(&[
        "cache",
        "record",
        ctx,
        "-f",
        probe_path,
        "--state",
        state.to_str().unwrap(),
    ]);
    let recorded = berth_cache::State::load(&state).unwrap();
    assert_eq!(
        recorded.snapshot.root_digest().to_string(),
        digest,
        "{ctx} with {df}: recorded snapshot"
    );
    let copy = recorded.evaluation.steps[1]
        .op
        .as_ref()
        .expect("COPY is a step");
    assert_eq!(
        copy.reads[0].digest.map(|d| d.to_string()).as_deref(),
        Some(digest.as_str()),
        "{ctx} with {df}: the digest `COPY . /` is keyed by"
    );
}

#[test]
fn context_hash_and_cache_record_agree_on_every_context() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut contexts = Vec::new();
    contexts_below(&root.join("fixtures"), &mut contexts);
    let shared = ["../shared", "../../shared"]
        .iter()
        .map(|s| root.join(s).join("corpus/contexts"))
        .find(|p| p.is_dir());
    match &shared {
        Some(dir) => {
            let mut corpus: Vec<PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            corpus.sort();
            assert_eq!(corpus.len(), 15, "the corpus has 15 contexts");
            contexts.extend(corpus);
        }
        None => println!("SKIPPED: corpus contexts (../shared/corpus/contexts not found)"),
    }
    let work = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for context in &contexts {
        for dockerfile in dockerfiles(context) {
            check(context, &dockerfile, work.path());
            checked += 1;
        }
    }
    println!(
        "{} contexts, {checked} Dockerfiles: `berth context hash` and `berth cache record` agree",
        contexts.len()
    );
    assert!(checked >= 4);
}

/// `berth context hash --state` answers from the recorded snapshot while nothing
/// changed, and sees every change a fresh hash sees.
#[test]
fn context_hash_with_a_state_matches_a_fresh_hash() {
    let ctx = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(ctx.path().join("src")).unwrap();
    std::fs::write(ctx.path().join("src/a.txt"), "a").unwrap();
    let state = out.path().join("state");
    let dir = ctx.path().to_str().unwrap();
    let with_state = || berth(&["context", "hash", dir, "--state", state.to_str().unwrap()]);
    let fresh = || berth(&["context", "hash", dir]);
    assert_eq!(with_state(), fresh());
    assert_eq!(with_state(), fresh());
    std::fs::write(ctx.path().join("src/a.txt"), "b").unwrap();
    assert_eq!(with_state(), fresh());
    std::fs::write(ctx.path().join("src/new.txt"), "").unwrap();
    assert_eq!(with_state(), fresh());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        ctx.path().join("src"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    assert_eq!(
        with_state(),
        fresh(),
        "a fresh digest counts a directory's mode"
    );
}
