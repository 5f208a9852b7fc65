//! The walker, hashing sensitivity (DESIGN.md section 4) and the stat cache, on real
//! directories.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use berth_context::{Context, Digest, EntryKind, Snapshot, State, StateError};

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

fn digest(root: &Path) -> Digest {
    Context::open(root, None, Default::default())
        .unwrap()
        .snapshot(None, None)
        .unwrap()
        .0
        .root_digest()
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for rel in ["a-b", "a.b", "a/b", "a/b-c/d", "z/y/x", "src/main.rs"] {
        write(root, rel, rel);
    }
    fs::create_dir_all(root.join("empty")).unwrap();
    symlink("a/b", root.join("link")).unwrap();
    symlink("loop2", root.join("loop1")).unwrap();
    symlink("loop1", root.join("loop2")).unwrap();
    dir
}

#[test]
fn walk_is_in_key_order_and_matches_from_entries() {
    let dir = tree();
    let ctx = Context::open(dir.path(), None, Default::default()).unwrap();
    let (snap, _) = ctx.snapshot(None, None).unwrap();
    // Rebuilding from the same entries in any order gives the same digests.
    let mut shuffled = snap.entries().to_vec();
    shuffled.reverse();
    let rebuilt = Snapshot::from_entries(shuffled, snap.root_header());
    assert_eq!(rebuilt.entries(), snap.entries());
    let link = snap.get(b"link").unwrap();
    assert_eq!(link.kind, EntryKind::Symlink);
    assert_eq!(link.target.as_deref(), Some(&b"a/b"[..]));
    assert_eq!(snap.get(b"empty").unwrap().kind, EntryKind::Dir);
    // Serializes with serde.
    let json = serde_json::to_string(&snap).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back.root_digest(), snap.root_digest());
}

#[test]
fn sensitivity_follows_design_section_4() {
    let dir = tree();
    let root = dir.path();
    let base = digest(root);
    // Not: modification time, identical rewrite.
    write(root, "src/main.rs", "src/main.rs");
    assert_eq!(digest(root), base, "identical rewrite");
    // Content.
    write(root, "src/main.rs", "changed");
    let changed = digest(root);
    assert_ne!(changed, base, "content");
    write(root, "src/main.rs", "src/main.rs");
    assert_eq!(digest(root), base);
    // Permission bits.
    fs::set_permissions(root.join("a/b"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_ne!(digest(root), base, "mode");
    fs::set_permissions(root.join("a/b"), fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(digest(root), base);
    // Symlink target.
    fs::remove_file(root.join("link")).unwrap();
    symlink("a-b", root.join("link")).unwrap();
    assert_ne!(digest(root), base, "symlink target");
    fs::remove_file(root.join("link")).unwrap();
    symlink("a/b", root.join("link")).unwrap();
    assert_eq!(digest(root), base);
    // Rename.
    fs::rename(root.join("a.b"), root.join("a.c")).unwrap();
    assert_ne!(digest(root), base, "rename");
    fs::rename(root.join("a.c"), root.join("a.b")).unwrap();
    // Empty directory added.
    fs::create_dir(root.join("empty/inner")).unwrap();
    assert_ne!(digest(root), base, "empty directory");
    fs::remove_dir(root.join("empty/inner")).unwrap();
    assert_eq!(digest(root), base);
}

#[test]
fn ignored_paths_never_matter_and_reincluded_ones_do() {
    let dir = tree();
    let root = dir.path();
    write(root, ".dockerignore", "z\n!z/y/x\na/b-c\n");
    let ctx = Context::open(root, None, Default::default()).unwrap();
    let listed: Vec<String> = ctx
        .list()
        .unwrap()
        .iter()
        .map(|e| e.path_lossy().into_owned())
        .collect();
    assert!(listed.contains(&"z/y/x".to_string()));
    assert!(!listed.iter().any(|p| p.starts_with("a/b-c")));
    let before = digest(root);
    write(root, "a/b-c/d", "edited but ignored");
    assert_eq!(digest(root), before);
    write(root, "z/y/x", "edited and re-included");
    assert_ne!(digest(root), before);
}

#[test]
fn recorded_stamps_skip_unchanged_files_and_corruption_is_rejected() {
    let dir = tree();
    let root = dir.path();
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("state");
    let ctx = Context::open(root, None, Default::default()).unwrap();
    let (mut snap, stats) = ctx.snapshot(None, None).unwrap();
    assert!(stats.hashed_files > 0);
    // Pretend the scan happened well after the files were written (racy-mtime guard).
    snap.scanned_at_ns = i64::MAX / 2;
    let record = State {
        kind: "context".into(),
        payload: Vec::new(),
        snapshot: snap.clone(),
    };
    record.save(&state).unwrap();
    let previous = State::load(&state, "context").unwrap().snapshot;
    let (again, stats) = ctx.snapshot(Some(&previous), None).unwrap();
    assert_eq!(stats.hashed_files, 0, "unchanged files are not read again");
    assert_eq!(again.root_digest(), snap.root_digest());
    // A changed size is noticed.
    write(root, "a/b", "a longer content");
    let (_, stats) = ctx.snapshot(Some(&previous), None).unwrap();
    assert_eq!(stats.hashed_files, 1);
    // Corruption is reported, never trusted.
    let mut bytes = fs::read(&state).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    fs::write(&state, &bytes).unwrap();
    assert!(matches!(
        State::load(&state, "context"),
        Err(StateError::Corrupt { .. })
    ));
    fs::write(&state, b"garbage").unwrap();
    assert!(State::load(&state, "context").is_err());
    assert!(matches!(
        State::load(&state_dir.path().join("missing"), "context"),
        Err(StateError::Missing { .. })
    ));
}

#[test]
fn engine_view_ignores_directory_modes_but_sees_everything_else() {
    use berth_context::Rescan;
    let dir = tree();
    let root = dir.path();
    let ctx = Context::open(root, None, Default::default()).unwrap();
    let (mut first, _) = ctx.snapshot(None, None).unwrap();
    first.scanned_at_ns = i64::MAX / 2;
    assert!(matches!(
        ctx.engine_view(&first, None).unwrap(),
        Rescan::Unchanged
    ));
    fs::set_permissions(root.join("a"), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(matches!(
        ctx.engine_view(&first, None).unwrap(),
        Rescan::Unchanged
    ));
    assert_ne!(
        digest(root),
        first.root_digest(),
        "a fresh digest sees the mode"
    );
    write(root, "a/b", "changed");
    let Rescan::Changed(changed, stats) = ctx.engine_view(&first, None).unwrap() else {
        panic!("an edit is a change");
    };
    assert_eq!(stats.hashed_files, 1);
    assert_eq!(
        changed.get(b"a").unwrap().mode,
        first.get(b"a").unwrap().mode
    );
    write(root, "a/b", "a/b");
    fs::set_permissions(root.join("a/b"), fs::Permissions::from_mode(0o600)).unwrap();
    assert!(matches!(
        ctx.engine_view(&first, None).unwrap(),
        Rescan::Changed(..)
    ));
}

/// The engine's transfer compares mode, size and modification time only: a file whose
/// content changed without them keeps its earlier digest in the engine's view, and the
/// rescan names it as stale (measured on Docker 28.5.2 and 20.10.24).
#[test]
fn a_content_change_with_the_same_size_and_mtime_is_stale_in_the_engine_view() {
    use berth_context::Rescan;
    let dir = tree();
    let root = dir.path();
    let ctx = Context::open(root, None, Default::default()).unwrap();
    let (first, _) = ctx.snapshot(None, None).unwrap();
    let file = root.join("a/b");
    let mtime = fs::metadata(&file).unwrap().modified().unwrap();
    // Same length as the content `tree()` wrote ("a/b").
    write(root, "a/b", "x/y");
    fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let Rescan::Changed(view, stats) = ctx.engine_view(&first, None).unwrap() else {
        panic!("a stale file must be reported");
    };
    assert_eq!(stats.stale, ["a/b"]);
    assert_eq!(
        view.get(b"a/b").unwrap().digest,
        first.get(b"a/b").unwrap().digest
    );
    assert_eq!(view.root_digest(), first.root_digest());
    // A fresh snapshot (no engine view) sees the new content.
    assert_ne!(digest(root), first.root_digest());
}

#[test]
fn named_pipes_are_hashed_and_copied_by_current_buildkit_only() {
    use berth_context::Engine;
    let dir = tree();
    let root = dir.path();
    let before = digest(root);
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    assert_ne!(
        digest(root),
        before,
        "a named pipe is part of the context digest"
    );
    let listed = |engine| {
        Context::open(root, None, engine)
            .unwrap()
            .list()
            .unwrap()
            .iter()
            .any(|e| &*e.path == b"pipe")
    };
    assert!(listed(Engine::BuildKit));
    assert!(!listed(Engine::Docker20));
}

#[test]
fn dockerfile_specific_ignore_replaces_the_root_one() {
    let dir = tree();
    let root = dir.path();
    write(root, ".dockerignore", "a\n");
    write(root, "app.Dockerfile.dockerignore", "z\n");
    let ctx = Context::open(root, Some(&root.join("app.Dockerfile")), Default::default()).unwrap();
    let listed: Vec<String> = ctx
        .list()
        .unwrap()
        .iter()
        .map(|e| e.path_lossy().into_owned())
        .collect();
    assert!(listed.contains(&"a/b".to_string()));
    assert!(!listed.contains(&"z/y/x".to_string()));
}

#[test]
fn bad_pattern_names_file_and_line() {
    let dir = tree();
    write(dir.path(), ".dockerignore", "# ok\nfine\n[\n");
    let err = Context::open(dir.path(), None, Default::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(".dockerignore:3:"), "{text}");
}

#[test]
fn selection_of_a_directory_and_a_wildcard() {
    let dir = tree();
    let snap = Context::open(dir.path(), None, Default::default())
        .unwrap()
        .snapshot(None, None)
        .unwrap()
        .0;
    let sel = snap.select(&["a"], &[] as &[&str]).unwrap();
    assert!(sel.paths(&snap).any(|p| p == b"a/b-c/d"));
    let wild = snap.select(&["a*"], &[] as &[&str]).unwrap();
    assert!(wild.paths(&snap).any(|p| p == b"a-b"));
    // The same selection from the paths alone, without digests.
    let picked = snap.tree().select_paths(&["a"], &[] as &[&str]).unwrap();
    assert_eq!(picked, sel.entries);
    assert_ne!(sel.digest, wild.digest);
    assert!(snap.select(&["missing"], &[] as &[&str]).is_err());
}

#[test]
fn the_root_may_be_given_with_a_final_slash() {
    let dir = tree();
    let plain = Context::open(dir.path(), None, Default::default())
        .unwrap()
        .tree()
        .unwrap();
    let mut slashed = dir.path().as_os_str().to_owned();
    slashed.push("/");
    let slashed = Context::open(Path::new(&slashed), None, Default::default())
        .unwrap()
        .tree()
        .unwrap();
    assert_eq!(plain, slashed);
}
