//! `.dockerignore` applied to a walk, the way the client filters what it sends: one
//! implementation for every source of entries (a directory walk, a git tree).

use crate::pattern::{MatchInfo, Matcher, PatternError};

/// What to do with a visited entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Sent (and, for a directory, walked).
    Keep,
    /// A directory that is excluded, but whose subtree an exception could re-include:
    /// walk it; it is sent only when something below it is.
    Hold,
    /// Not sent; for a directory, nothing below it is sent either: do not walk it.
    Skip,
}

/// One open directory of the walk.
struct Frame<T> {
    depth: usize,
    info: MatchInfo,
    /// The directory's own item while it is excluded and nothing below it was kept.
    held: Option<T>,
}

/// Applies a [`Matcher`] to entries visited in walk order: every directory before its
/// children (depth-first, siblings in any order). Kept items are appended to an output
/// list; an excluded directory walked for possible exceptions is appended just before
/// the first item kept below it, so the output keeps the walk order.
///
/// ```
/// use berth_context::{IgnoreFilter, Matcher, Verdict};
/// let matcher = Matcher::new(["logs", "!logs/keep.txt"]).unwrap();
/// let mut filter = IgnoreFilter::new(&matcher);
/// let mut sent = Vec::new();
/// assert_eq!(filter.visit(b"logs", 1, true, "logs", &mut sent).unwrap(), Verdict::Hold);
/// filter.visit(b"logs/drop.txt", 2, false, "logs/drop.txt", &mut sent).unwrap();
/// filter.visit(b"logs/keep.txt", 2, false, "logs/keep.txt", &mut sent).unwrap();
/// assert_eq!(sent, ["logs", "logs/keep.txt"]);
/// ```
pub struct IgnoreFilter<'m, T> {
    matcher: &'m Matcher,
    frames: Vec<Frame<T>>,
}

impl<'m, T> IgnoreFilter<'m, T> {
    /// A filter for one walk.
    pub fn new(matcher: &'m Matcher) -> Self {
        IgnoreFilter {
            matcher,
            frames: Vec::new(),
        }
    }

    /// Decide on the entry at `path` (relative, `/`-separated) at `depth` (1 for a child
    /// of the root); a kept `item` goes to `out`, after any held parents.
    pub fn visit(
        &mut self,
        path: &[u8],
        depth: usize,
        is_dir: bool,
        item: T,
        out: &mut Vec<T>,
    ) -> Result<Verdict, PatternError> {
        while self.frames.last().is_some_and(|f| f.depth >= depth) {
            self.frames.pop();
        }
        let empty = MatchInfo::default();
        let parent = self.frames.last().map_or(&empty, |f| &f.info);
        if !is_dir {
            if self.matcher.is_excluded_leaf(path, parent)? {
                return Ok(Verdict::Skip);
            }
            self.keep(item, out);
            return Ok(Verdict::Keep);
        }
        let (excluded, info) = self.matcher.is_excluded_in(path, parent)?;
        if excluded {
            if !self.matcher.may_reinclude_below(path) {
                return Ok(Verdict::Skip);
            }
            self.frames.push(Frame {
                depth,
                info,
                held: Some(item),
            });
            return Ok(Verdict::Hold);
        }
        self.keep(item, out);
        self.frames.push(Frame {
            depth,
            info,
            held: None,
        });
        Ok(Verdict::Keep)
    }

    /// Append `item` after the held directories above it, which are sent now.
    fn keep(&mut self, item: T, out: &mut Vec<T>) {
        for frame in &mut self.frames {
            if let Some(held) = frame.held.take() {
                out.push(held);
            }
        }
        out.push(item);
    }
}
