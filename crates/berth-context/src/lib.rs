//! The Docker build context exactly as BuildKit sees it: the one model of a context in
//! berth, used by `berth context`, the cache simulator and the linter.
//!
//! - [`Engine`]: the profile (current BuildKit, or Docker 20.10) where engines differ.
//! - [`Matcher`]: `.dockerignore` patterns with moby/patternmatcher's semantics (or the
//!   Docker 20.10 client's); [`IgnoreFilter`] applies them to any walk.
//! - [`Context`]: a context directory with its ignore file. [`Context::tree`] walks it
//!   (metadata only), [`Context::list`] gives what `COPY . /` creates,
//!   [`Context::snapshot`] digests it, [`Context::rescan`] tells whether it changed
//!   since a recorded snapshot ([`Context::engine_view`]: as the engine's copy of it).
//! - [`Tree`]: entries in BuildKit's key order; [`Tree::select_paths`] says which
//!   entries a COPY source reads without reading any file.
//! - [`Snapshot`]: a tree with BuildKit content digests (`cache/contenthash`), a digest
//!   per directory, and [`Snapshot::select`] / [`Snapshot::checksum`] for the digest of
//!   any COPY source selection. Entries can come from any source: build a [`Tree`] from
//!   entries and digest its files with [`digest_files`] from a [`Contents`] store;
//!   [`Stamp`]s let a later scan skip unchanged files (a stat fingerprint on disk, an
//!   object id in a git tree).
//! - [`State`]: the versioned, checksummed state file of a recorded snapshot.
//! - [`path`]: Go's `path.Clean` and friends, the one home of path cleaning.
//!
//! What enters a digest: content, permission bits (with setuid/setgid/sticky), symlink
//! targets, entry names, directories (empty ones too) and named pipes; never
//! modification time or ownership (the client resets uid/gid to 0). Extended attributes
//! are not read (they are rare in build contexts). A directory's own mode enters a fresh
//! digest ([`Context::snapshot`], `berth context hash`), but not the engine's view of a
//! context it has seen before ([`Reuse::EngineView`]).
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod checksum;
mod digest;
mod engine;
mod filter;
mod goregex;
pub mod path;
mod pattern;
mod scan;
mod snapshot;
mod state;
mod walk;

pub use checksum::{contains_wildcards, ChecksumError, ChecksumOpts, Selection};
pub use digest::{file_record, file_record_bytes, Digest, EntryKind, Header};
pub use engine::Engine;
pub use filter::{IgnoreFilter, Verdict};
pub use pattern::{parse_dockerignore, MatchInfo, Matcher, Pattern, PatternError};
pub use scan::{digest_files, rescan_tree, Contents, HashStats, Progress, Rescan, Reuse};
pub use snapshot::{key_cmp, Entry, RootHeader, Snapshot, Stamp, Tree};
pub use state::{State, StateError, STATE_VERSION};
pub use walk::{dockerignore_matcher, Context, ContextError};

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
