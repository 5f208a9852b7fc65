//! Byte spans and the line index used to render them.

use serde::Serialize;

/// A half-open byte range `start..end` into the original source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// The text this span covers in `source`.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Maps byte offsets to 1-based line and column numbers; built once per file.
///
/// ```
/// use berth_syntax::LineIndex;
/// let index = LineIndex::new("FROM a\nRUN b\n");
/// assert_eq!(index.line_col(9), (2, 3));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Index the line starts of `source`.
    pub fn new(source: &str) -> Self {
        LineIndex {
            line_starts: line_starts(source.as_bytes()),
        }
    }

    /// From line starts already found (the parser finds them while scanning).
    pub(crate) fn from_line_starts(line_starts: Vec<usize>) -> Self {
        LineIndex { line_starts }
    }

    /// 1-based (line, column) of a byte offset; the column counts bytes from the line start.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        (line + 1, offset - self.line_starts[line] + 1)
    }

    /// Byte offset at which 1-based `line` starts, if the line exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// Number of lines (a trailing newline starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The offset at which every line of `text` starts: 0, then one past each `\n`.
///
/// The parser needs this for every file before anything else, and finding the
/// newlines one `memchr` call per line took 7-10% of the parse time in profiles (the
/// calls are short and their branches unpredictable); this compares 32 bytes at once.
pub(crate) fn line_starts(text: &[u8]) -> Vec<usize> {
    // Sized exactly, plus room for the few slots `newlines_sse2` writes past the end.
    let newlines = memchr::memchr_iter(b'\n', text).count();
    let mut starts = vec![0; newlines + 1 + NEWLINE_SLACK];
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: `newlines_sse2` only requires SSE2, which this build targets
    // (`target_feature = "sse2"`, part of the x86_64 baseline).
    let count = unsafe { newlines_sse2(text, &mut starts) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    let count = newlines_portable(text, &mut starts);
    starts.truncate(count);
    starts
}

/// Slots after the last line start that [`newlines_sse2`] may write to.
const NEWLINE_SLACK: usize = 4;

/// Writes `i + 1` for each `\n` at `i` into `starts[1..]` (`starts[0]` stays 0) and
/// returns the number of line starts. `starts` holds one more slot than there are
/// line starts, plus [`NEWLINE_SLACK`].
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
fn newlines_portable(text: &[u8], starts: &mut [usize]) -> usize {
    let mut n = 1;
    for i in memchr::memchr_iter(b'\n', text) {
        starts[n] = i + 1;
        n += 1;
    }
    n
}

/// [`newlines_portable`] with SSE2: a 32-byte block gives a bit mask of its
/// newlines, and the first four are written unconditionally (the count then says
/// how many were real), so the usual block with 0 to 4 newlines takes no
/// unpredictable branch.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn newlines_sse2(text: &[u8], starts: &mut [usize]) -> usize {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x};
    let newline = _mm_set1_epi8(b'\n' as i8);
    // 16 bytes as a vector, from two little-endian words (no pointer casts needed).
    let block = |b: &[u8]| {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            i64::from_le_bytes(w)
        };
        _mm_set_epi64x(word(8), word(0))
    };
    let mut n = 1;
    let mut chunks = text.chunks_exact(32);
    // Offset just past the block's first byte: a newline at bit `k` starts line
    // `next + k`.
    let mut next = 1;
    for chunk in &mut chunks {
        let low = _mm_movemask_epi8(_mm_cmpeq_epi8(block(&chunk[..16]), newline)) as u32;
        let high = _mm_movemask_epi8(_mm_cmpeq_epi8(block(&chunk[16..]), newline)) as u32;
        let mut mask = (low & 0xFFFF) | (high << 16);
        let found = mask.count_ones() as usize;
        // Writes past the real ones land in slots that later blocks overwrite or
        // that the final `truncate` drops (there are `NEWLINE_SLACK` spare ones).
        for slot in &mut starts[n..n + NEWLINE_SLACK] {
            *slot = next + mask.trailing_zeros() as usize;
            mask &= mask.wrapping_sub(1);
        }
        let mut k = n + NEWLINE_SLACK;
        while mask != 0 {
            starts[k] = next + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            k += 1;
        }
        n += found;
        next += 32;
    }
    for (i, &b) in chunks.remainder().iter().enumerate() {
        if b == b'\n' {
            starts[n] = next + i;
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: 0, then one past every newline.
    fn by_search(text: &[u8]) -> Vec<usize> {
        std::iter::once(0)
            .chain(
                text.iter()
                    .enumerate()
                    .filter(|(_, &b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect()
    }

    #[test]
    fn line_starts_are_found_in_blocks_of_any_density() {
        let mut texts: Vec<Vec<u8>> = vec![b"".to_vec(), b"\n".to_vec(), b"a".to_vec()];
        // Every length around the block size, with newlines nowhere, everywhere,
        // every other byte, every third, and only at block edges.
        for len in [1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 129] {
            for step in [0usize, 1, 2, 3, 31, 32] {
                let text: Vec<u8> = (0..len)
                    .map(|i| {
                        if step != 0 && i % step == 0 {
                            b'\n'
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                texts.push(text);
            }
        }
        // Newlines with bytes that only differ from `\n` in one bit, and UTF-8.
        texts.push(b"\x0b\n\x0a\x8a\n\xc3\xa9\n\r\n\x0e".repeat(20));
        for text in &texts {
            assert_eq!(line_starts(text), by_search(text), "{text:?}");
            if let Ok(text) = std::str::from_utf8(text) {
                let index = LineIndex::new(text);
                assert_eq!(index.line_count(), by_search(text.as_bytes()).len());
            }
        }
    }
}
