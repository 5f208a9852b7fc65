//! The Docker build context exactly as BuildKit sees it.
//!
//! - [`Matcher`]: `.dockerignore` patterns with moby/patternmatcher's semantics (or the
//!   Docker 20.10 client's, see [`Semantics`]).
//! - [`walk`]: the entries a build would send, honouring the ignore rules.
//! - [`Snapshot`]: those entries with BuildKit content digests (`cache/contenthash`), a
//!   digest per directory, and [`Snapshot::checksum`] for any COPY source selection.
//! - [`StatCache`]: remembers file digests by (size, mtime, inode, mode) so an unchanged
//!   file is never read twice.

mod gopath;
mod goregex;
mod pattern;

pub use pattern::{parse_dockerignore, MatchInfo, Matcher, Pattern, PatternError, Semantics};
