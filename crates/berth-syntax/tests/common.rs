//! Shared helpers for tests that read `../shared` (the conformance data and corpus).

use std::path::PathBuf;

/// The shared data directory: `$BERTH_SHARED`, else `../shared` beside the workspace
/// root (or beside the directory holding a git worktree). `None` when absent.
#[allow(dead_code)]
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BERTH_SHARED") {
        return Some(PathBuf::from(dir)).filter(|p| p.is_dir());
    }
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .find(|p| p.join("conformance").is_dir())
}

/// Print why a test is skipped.
#[allow(dead_code)]
pub fn skip(what: &str) {
    eprintln!("SKIPPED: {what}: ../shared not found (set BERTH_SHARED to run it)");
}
