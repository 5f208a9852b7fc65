//! Every rule, one file each, grouped by family. See `crates/berth-lint/RULES.md`.

pub mod berth;
pub mod buildkit;
pub mod hadolint;
pub mod meta;
