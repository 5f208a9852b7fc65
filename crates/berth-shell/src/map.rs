//! Mapping offsets in a joined `RUN` text back to the Dockerfile.
//!
//! A `RUN` written over several lines reaches the shell as one logical line: BuildKit
//! removes each escape character with its newline, and comment lines inside the
//! continuation. The joined text is therefore a subsequence of the source text, and a
//! greedy alignment of the two recovers where every byte of the joined text was written.

use crate::Span;

/// Maps byte offsets of an analysed text to byte offsets of the file it came from.
///
/// ```
/// use berth_shell::{SourceMap, Span};
///
/// let source = "FROM a\nRUN apt-get update \\\n  && apt-get install -y curl\n";
/// let run_args = &source[11..source.len() - 1];
/// let joined = "apt-get update   && apt-get install -y curl";
/// let map = SourceMap::align(joined, run_args, 11);
/// let curl = joined.find("curl").unwrap();
/// let span = map.span(Span::new(curl, curl + 4));
/// assert_eq!(&source[span.start..span.end], "curl");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// `(text offset, source offset)` at the start of every contiguous run, sorted.
    runs: Vec<(usize, usize)>,
    text_len: usize,
    source_end: usize,
}

impl SourceMap {
    /// The text is the source itself, written at byte `base` of the file.
    pub fn identity(text_len: usize, base: usize) -> SourceMap {
        SourceMap {
            runs: vec![(0, base)],
            text_len,
            source_end: base + text_len,
        }
    }

    /// Align `text` (a subsequence of `source`, e.g. continuation lines joined) with
    /// `source`, which starts at byte `base` of the file. Characters of `text` that
    /// cannot be found in order map to the last aligned position.
    pub fn align(text: &str, source: &str, base: usize) -> SourceMap {
        let t = text.as_bytes();
        let s = source.as_bytes();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let (mut i, mut j) = (0usize, 0usize);
        let mut last_mapped: Option<(usize, usize)> = None;
        while i < t.len() {
            // Skip source bytes that are not in the text (escapes, newlines, comments).
            let found = s[j.min(s.len())..].iter().position(|b| *b == t[i]);
            let Some(skip) = found else { break };
            j += skip;
            let contiguous = last_mapped.is_some_and(|(li, lj)| li + 1 == i && lj + 1 == j);
            if !contiguous {
                runs.push((i, base + j));
            }
            last_mapped = Some((i, j));
            i += 1;
            j += 1;
        }
        if i < t.len() {
            // Unmatched tail: pin it to the end of what matched.
            runs.push((i, base + j.min(s.len())));
        }
        if runs.is_empty() {
            runs.push((0, base));
        }
        SourceMap {
            runs,
            text_len: t.len(),
            source_end: base + s.len(),
        }
    }

    /// Source offset of a text offset (clamped to the end of the source).
    pub fn offset(&self, at: usize) -> usize {
        let k = self
            .runs
            .partition_point(|(t, _)| *t <= at)
            .saturating_sub(1);
        let (t, s) = self.runs.get(k).copied().unwrap_or((0, 0));
        (s + at.saturating_sub(t)).min(self.source_end)
    }

    /// Source span of a text span (an end offset maps just past the last byte it covers).
    pub fn span(&self, span: Span) -> Span {
        let start = self.offset(span.start);
        let end = if span.end > span.start {
            (self.offset(span.end - 1) + 1).min(self.source_end)
        } else {
            start
        };
        Span::new(start, end.max(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_continuations_map_back() {
        let source = "RUN a \\\n# comment\n  b c";
        let joined = "a   b c";
        let map = SourceMap::align(joined, &source[4..], 4);
        for (k, ch) in joined.char_indices().filter(|(_, c)| *c != ' ') {
            let off = map.offset(k);
            assert_eq!(&source[off..off + 1], ch.to_string(), "{k}");
        }
        let b = joined.find('b').unwrap();
        assert_eq!(map.span(Span::new(b, b + 3)).text(source), "b c");
    }

    #[test]
    fn identity_is_shifted() {
        let map = SourceMap::identity(5, 10);
        assert_eq!(map.span(Span::new(1, 3)), Span::new(11, 13));
    }

    #[test]
    fn unaligned_text_does_not_panic() {
        let map = SourceMap::align("xyz", "abc", 3);
        let span = map.span(Span::new(0, 3));
        assert!(span.start >= 3 && span.end <= 6 && span.start <= span.end);
        let empty = SourceMap::align("", "", 0);
        assert_eq!(empty.offset(10), 0);
    }
}
