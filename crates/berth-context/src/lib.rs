//! The Docker build context exactly as BuildKit sees it.
//!
//! - [`Matcher`]: `.dockerignore` patterns with moby/patternmatcher's semantics (or the
//!   Docker 20.10 client's, see [`Semantics`]).
//! - [`Context`]: a context directory with its ignore file; [`Context::list`] gives what
//!   `COPY . /` creates, [`Context::snapshot`] walks and hashes it.
//! - [`Snapshot`]: entries with BuildKit content digests (`cache/contenthash`), a
//!   digest per directory, and [`Snapshot::select`] / [`Snapshot::checksum`] for the
//!   digest of any COPY source selection.
//! - [`StatCache`]: file digests remembered by (size, mtime, inode, mode) so an
//!   unchanged file is never read twice.
//!
//! What enters a digest: content, permission bits (with setuid/setgid/sticky), symlink
//! targets, entry names and empty directories; never modification time or ownership
//! (the client resets uid/gid to 0). The copied source directory's own mode: a plain
//! `COPY dir/ ...` selection is the directory's contents digest, which includes the
//! directory's own header, so its mode counts (current BuildKit). Docker 20.10's
//! engine was measured not to invalidate on that change; berth follows current
//! BuildKit. Extended attributes are not read (they are rare in build contexts).

mod checksum;
mod digest;
mod gopath;
mod goregex;
mod pattern;
mod snapshot;
mod statcache;
mod walk;

pub use checksum::{contains_wildcards, ChecksumError, ChecksumOpts, Selection};
pub use digest::{file_record, file_record_bytes, Digest, EntryKind, Header};
pub use pattern::{parse_dockerignore, MatchInfo, Matcher, Pattern, PatternError, Semantics};
pub use snapshot::{key_cmp, Entry, RootHeader, Snapshot};
pub use statcache::{StatCache, StateError};
pub use walk::{Context, ContextError, HashStats};

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
