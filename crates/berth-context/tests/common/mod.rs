//! Locating `../shared` (the conformance data beside the checkout). A git worktree sits
//! one level deeper (`wt/<name>`), so its grandparent is tried as well. Tests skip with a
//! printed message when neither exists.

use std::path::PathBuf;

pub fn shared(relative: &str) -> Option<PathBuf> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    ["../shared", "../../shared"]
        .iter()
        .map(|dir| PathBuf::from(root).join(dir).join(relative))
        .find(|p| p.exists())
}
