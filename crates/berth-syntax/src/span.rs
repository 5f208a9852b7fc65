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
/// calls are short and their branches unpredictable); this compares 32 or 64 bytes
/// at once. With AVX2 (detected at run time, as `memchr` does) a 64-byte block takes
/// about a third of the instructions of the SSE2 kernel, which has no `popcnt` and
/// `tzcnt` in the x86_64 baseline and emulates them.
pub(crate) fn line_starts(text: &[u8]) -> Vec<usize> {
    // Sized from a generous guess of the line count and grown by the kernels when a
    // file has shorter lines: counting the newlines first, to size it exactly, was
    // a second pass over the text (a quarter of the time spent here), and a vector
    // of zeros to write over cost as much again.
    let mut starts = Vec::with_capacity(room_for(text.len()));
    starts.push(0);
    newlines_fastest(text, &mut starts);
    starts
}

/// Slots after the last line start that the block kernels may write to.
const NEWLINE_SLACK: usize = 4;

/// Most line starts one block (64 bytes, or the last bytes of the text) can add.
const BLOCK: usize = 64;

/// Bytes per line assumed when sizing the line starts: lines of Dockerfiles are
/// longer (instructions, comments and continuation lines of 30 to 40 bytes on
/// average), so most files never grow it.
const GUESSED_LINE_LEN: usize = 24;

/// Room for the line starts of `rest` bytes of text, as many as
/// [`GUESSED_LINE_LEN`] makes them, and at least one more block's.
fn room_for(rest: usize) -> usize {
    rest / GUESSED_LINE_LEN + BLOCK + NEWLINE_SLACK
}

/// Make sure `starts` has room for the line starts of one more block (and the
/// slack the block kernels write to), `rest` bytes of text before the end.
#[inline(always)]
fn reserve_block(starts: &mut Vec<usize>, rest: usize) {
    if starts.capacity() - starts.len() < BLOCK + NEWLINE_SLACK {
        grow(starts, rest);
    }
}

/// [`reserve_block`]'s rare case: lines shorter than guessed.
#[cold]
#[inline(never)]
fn grow(starts: &mut Vec<usize>, rest: usize) {
    starts.reserve(room_for(rest));
}

/// The fastest kernel this machine runs (see [`newlines_portable`] for the contract).
fn newlines_fastest(text: &[u8], starts: &mut Vec<usize>) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_kernel_features() {
        // SAFETY: the CPU supports every feature `newlines_avx2` enables (checked
        // at run time just above).
        return unsafe { newlines_avx2(text, starts) };
    }
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    // SAFETY: `newlines_sse2` only requires SSE2, which this build targets
    // (`target_feature = "sse2"`, part of the x86_64 baseline).
    return unsafe { newlines_sse2(text, starts) };
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    newlines_portable(text, starts)
}

/// Does this CPU have what [`newlines_avx2`] enables? (Cached by `std`: one load
/// and test per feature.)
#[cfg(target_arch = "x86_64")]
fn has_avx2_kernel_features() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("popcnt")
}

/// Appends `i + 1` for each `\n` at `i` to `starts` (which holds the 0 of the first
/// line). (The definition, and the kernel off x86_64.)
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
fn newlines_portable(text: &[u8], starts: &mut Vec<usize>) {
    starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
}

/// Appends the line starts of one block from its newline bit mask (bit `k` set: a
/// newline at the block's byte `k`, which starts line `next + k`) to `starts`, which
/// [`reserve_block`] made room in. The first [`NEWLINE_SLACK`] are written
/// unconditionally (the count then says how many were real), so the usual block,
/// with few newlines, takes no unpredictable branch. Writes past the real ones land
/// in spare capacity, which later blocks overwrite.
#[inline(always)]
fn write_block_starts(starts: &mut Vec<usize>, next: usize, mut mask: u64) {
    let found = mask.count_ones() as usize;
    let len = starts.len();
    let spare = starts.spare_capacity_mut();
    for slot in &mut spare[..NEWLINE_SLACK] {
        slot.write(next + mask.trailing_zeros() as usize);
        mask &= mask.wrapping_sub(1);
    }
    let mut k = NEWLINE_SLACK;
    while mask != 0 {
        spare[k].write(next + mask.trailing_zeros() as usize);
        mask &= mask - 1;
        k += 1;
    }
    // SAFETY: the first `found` spare slots were written just above: each set bit
    // of the mask was written, in order, to the next slot (the first
    // `NEWLINE_SLACK` in the `for` loop, any others in the `while` loop), and the
    // slots are within the capacity (`spare` is indexed with bounds checks).
    unsafe { starts.set_len(len + found) };
}

/// The last bytes of `text` (fewer than a block), one at a time.
#[inline(always)]
fn newlines_tail(tail: &[u8], starts: &mut Vec<usize>, next: usize) {
    for (i, &b) in tail.iter().enumerate() {
        if b == b'\n' {
            starts.push(next + i);
        }
    }
}

/// [`newlines_portable`] with AVX2, 64 bytes per block (`popcnt`, `tzcnt` and
/// `blsr` make the bit mask cheap to walk).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
fn newlines_avx2(text: &[u8], starts: &mut Vec<usize>) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let newline = _mm256_set1_epi8(b'\n' as i8);
    let mut chunks = text.chunks_exact(64);
    // Offset just past the block's first byte.
    let mut next = 1;
    for chunk in &mut chunks {
        // SAFETY: `chunk` is 64 bytes long, so both 32-byte loads read inside it,
        // and `_mm256_loadu_si256` has no alignment requirement.
        let (low, high) = unsafe {
            let at = chunk.as_ptr().cast::<__m256i>();
            (_mm256_loadu_si256(at), _mm256_loadu_si256(at.add(1)))
        };
        let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)) as u32;
        let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline)) as u32;
        reserve_block(starts, text.len() - next);
        write_block_starts(starts, next, u64::from(low) | (u64::from(high) << 32));
        next += 64;
    }
    newlines_tail(chunks.remainder(), starts, next)
}

/// [`newlines_portable`] with SSE2 (the x86_64 baseline), 32 bytes per block.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[target_feature(enable = "sse2")]
fn newlines_sse2(text: &[u8], starts: &mut Vec<usize>) {
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
    let mut chunks = text.chunks_exact(32);
    // Offset just past the block's first byte.
    let mut next = 1;
    for chunk in &mut chunks {
        let low = _mm_movemask_epi8(_mm_cmpeq_epi8(block(&chunk[..16]), newline)) as u32;
        let high = _mm_movemask_epi8(_mm_cmpeq_epi8(block(&chunk[16..]), newline)) as u32;
        let mask = (low & 0xFFFF) | (high << 16);
        reserve_block(starts, text.len() - next);
        write_block_starts(starts, next, u64::from(mask));
        next += 32;
    }
    newlines_tail(chunks.remainder(), starts, next)
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

    /// The line starts of `text` by each kernel this machine can run.
    fn every_kernel(text: &[u8]) -> Vec<(&'static str, Vec<usize>)> {
        type Kernel = fn(&[u8], &mut Vec<usize>);
        let mut kernels: Vec<(&'static str, Kernel)> = vec![("portable", newlines_portable)];
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        // SAFETY: SSE2 is part of this build's target (see `newlines_fastest`).
        kernels.push(("sse2", |t, s| unsafe { newlines_sse2(t, s) }));
        #[cfg(target_arch = "x86_64")]
        if has_avx2_kernel_features() {
            // SAFETY: only called when the CPU has the kernel's features.
            kernels.push(("avx2", |t, s| unsafe { newlines_avx2(t, s) }));
        } else {
            println!("this CPU has no AVX2: its line-start kernel is not tested here");
        }
        kernels
            .into_iter()
            .map(|(name, kernel)| {
                // Too short at first whatever the text: the kernels grow it.
                let mut starts = vec![0];
                kernel(text, &mut starts);
                (name, starts)
            })
            .collect()
    }

    #[test]
    fn line_starts_are_found_in_blocks_of_any_density() {
        let mut texts: Vec<Vec<u8>> = vec![b"".to_vec(), b"\n".to_vec(), b"a".to_vec()];
        // Every length around the block size, with newlines nowhere, everywhere,
        // every other byte, every third, and only at block edges.
        for len in [
            1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 200,
        ] {
            for step in [0usize, 1, 2, 3, 5, 13, 31, 32, 63, 64] {
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
        // Lines far shorter than the sizing guesses, so the line starts grow
        // several times, in the middle of the text and in its tail.
        texts.push(vec![b'\n'; 5000]);
        texts.push(b"a\nbc\n\n".repeat(1000));
        texts.push([vec![b'x'; 3000], vec![b'\n'; 2000]].concat());
        for text in &texts {
            let want = by_search(text);
            assert_eq!(line_starts(text), want, "{text:?}");
            for (kernel, got) in every_kernel(text) {
                assert_eq!(got, want, "{kernel} kernel on {text:?}");
            }
            if let Ok(text) = std::str::from_utf8(text) {
                let index = LineIndex::new(text);
                assert_eq!(index.line_count(), by_search(text.as_bytes()).len());
            }
        }
    }
}
