//! BuildKit's per-line parsing: splitting a logical line into keyword, flags and
//! arguments, and the per-instruction argument parsers (`line_parsers.go`).
//!
//! Everything works on the logical line (continuations joined) and returns byte
//! ranges into it; the scanner maps them back to source spans. Go's byte-wise
//! quirks are mirrored on purpose (see `extract_flags`).

use std::ops::Range;

use crate::ast::Keyword;
use crate::error::ErrorCode;
use crate::json::{parse_array, JsonArray};

/// Go's `unicode.IsSpace`, which equals Rust's `char::is_whitespace`.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Left-trim Unicode whitespace (Go's `TrimLeftFunc(s, unicode.IsSpace)`), with an
/// ASCII fast path.
#[inline]
pub(crate) fn trim_start(s: &str) -> &str {
    let b = s.as_bytes();
    // Runs for every physical line: half of them start with their text, so one test
    // settles those.
    match b.first() {
        Some(&c) if c > b' ' && c < 0x80 => return s,
        None => return s,
        _ => {}
    }
    // Indentation: spaces eight bytes at a time (in a word XOR-ed with spaces, the
    // first non-zero byte is the first other byte), then any other whitespace
    // (tabs, ...) byte by byte.
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let other = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])) ^ repeat(b' ');
        if other != 0 {
            i += (other.trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    loop {
        match b.get(i) {
            Some(&c) if c > b' ' && c < 0x80 => return &s[i..],
            Some(&c) if CLASS[c as usize] & SPACE != 0 => i += 1,
            // The end of `s`, not a `""` of its own: callers map the result back to
            // a source offset by its address.
            None => return &s[s.len()..],
            // A non-ASCII byte may start a Unicode space (a control character is
            // simply kept).
            Some(_) => return s[i..].trim_start_matches(is_space),
        }
    }
}

/// `byte` in every byte of a word.
#[inline]
const fn repeat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// An ASCII byte that is neither whitespace nor a control character (`!` to DEL).
#[inline(always)]
fn printable_ascii(b: u8) -> bool {
    b.wrapping_sub(b'!') <= 0x7f - b'!'
}

/// `unicode.IsSpace(rune(b))` for a single byte, as Go's byte loops use it.
#[inline]
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]+`.
#[inline]
fn is_re_ws(b: u8) -> bool {
    CLASS[b as usize] & RE_WS != 0
}

/// ASCII whitespace: `\t` to `\r` and the space (for ASCII, Go's `unicode.IsSpace`
/// and Rust's `char::is_whitespace` agree on these).
const SPACE: u8 = 1;
/// BuildKit's `reWhitespace` class `[\t\v\f\r ]` (no newline).
const RE_WS: u8 = 2;
/// Bytes that end a run of plain word text in [`parse_words`]: ASCII whitespace,
/// quotes, both possible escape characters and every non-ASCII byte (which may
/// start a Unicode space).
const WORD_STOP: u8 = 4;

/// The class bits of every byte: one load instead of a chain of tests in the
/// per-byte loops.
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let space = matches!(c, b'\t'..=b'\r' | b' ');
        let mut bits = 0;
        if space {
            bits |= SPACE | WORD_STOP;
        }
        if space && c != b'\n' {
            bits |= RE_WS;
        }
        if c >= 0x80 || matches!(c, b'\'' | b'"' | b'\\' | b'`') {
            bits |= WORD_STOP;
        }
        class[b] = bits;
        b += 1;
    }
    class
};

/// A set of bytes for [`find_byte`]: every byte below `below` (at most 0x80; 0 for
/// none), every non-ASCII byte if `non_ascii`, and the bytes of `equal`. Built as a
/// constant at each call site, so the tests below fold away.
#[derive(Clone, Copy)]
pub(crate) struct ByteSet<const N: usize> {
    pub below: u8,
    pub non_ascii: bool,
    pub equal: [u8; N],
}

impl<const N: usize> ByteSet<N> {
    #[inline(always)]
    fn contains(&self, c: u8) -> bool {
        c < self.below || (self.non_ascii && c >= 0x80) || self.equal.contains(&c)
    }

    /// The high bit of each byte of the little-endian word `x` in the set, exact up
    /// to the first one (bits after it do not matter).
    #[inline(always)]
    fn word_hits(&self, x: u64) -> u64 {
        let mut hits = if self.below > 0 {
            bytes_below(x, self.below)
        } else {
            0
        };
        if self.non_ascii {
            hits |= x & repeat(0x80);
        }
        for &byte in &self.equal {
            hits |= bytes_equal(x, byte);
        }
        hits
    }

    /// Bit `k` set for each byte `k` of the 16 bytes `x` in the set.
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    #[inline(always)]
    fn block_hits(&self, x: std::arch::x86_64::__m128i) -> u32 {
        use std::arch::x86_64::*;
        // SAFETY: these intrinsics only need SSE2, which this build's target has
        // (the `cfg` above); none of them touches memory.
        unsafe {
            let mut hits = _mm_setzero_si128();
            if self.below > 0 && self.non_ascii && self.below < 0x80 {
                // As signed bytes, the non-ASCII ones are negative: one comparison.
                hits = _mm_cmplt_epi8(x, _mm_set1_epi8(self.below as i8));
            } else {
                if self.below > 0 {
                    // Unsigned `x < below` is `min(x, below - 1) == x`.
                    let top = _mm_set1_epi8((self.below - 1) as i8);
                    hits = _mm_cmpeq_epi8(_mm_min_epu8(x, top), x);
                }
                if self.non_ascii {
                    hits = _mm_or_si128(hits, _mm_cmplt_epi8(x, _mm_setzero_si128()));
                }
            }
            for &byte in &self.equal {
                hits = _mm_or_si128(hits, _mm_cmpeq_epi8(x, _mm_set1_epi8(byte as i8)));
            }
            _mm_movemask_epi8(hits) as u32
        }
    }
}

/// The 16 bytes of `b` from `i` (`i + 16 <= b.len()`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
fn block_at(b: &[u8], i: usize) -> std::arch::x86_64::__m128i {
    let block = &b[i..i + 16];
    // SAFETY: `block` is 16 bytes long, so the load reads only its bytes, and
    // `loadu` has no alignment requirement. SSE2 is part of this build's target.
    unsafe { std::arch::x86_64::_mm_loadu_si128(block.as_ptr().cast()) }
}

/// The first index in `i..to` whose byte is in `set` (or `to`; `to <= b.len()`).
///
/// Sixteen bytes at a time with SSE2 (every x86-64 CPU has it), else eight at a
/// time in a word; the last bytes with one block or word that ends at `to`, shifted
/// so that byte `i` comes first (what is shifted in counts as no hit, and any hit
/// found past `to` is capped at `to`). Byte by byte only below eight bytes.
#[inline(always)]
pub(crate) fn find_byte<const N: usize>(
    b: &[u8],
    mut i: usize,
    to: usize,
    set: ByteSet<N>,
) -> usize {
    let b = &b[..to];
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        while i + 16 <= b.len() {
            let found = set.block_hits(block_at(b, i));
            if found != 0 {
                return i + found.trailing_zeros() as usize;
            }
            i += 16;
        }
        if i < b.len() && b.len() >= 16 {
            let from = b.len() - 16;
            let found = set.block_hits(block_at(b, from)) >> (i - from);
            return (i + found.trailing_zeros() as usize).min(b.len());
        }
    }
    find_byte_in_words(b, i, set)
}

/// [`find_byte`] in `b[i..]` eight bytes at a time (without SSE2, or for the last
/// bytes below sixteen).
#[inline(always)]
fn find_byte_in_words<const N: usize>(b: &[u8], mut i: usize, set: ByteSet<N>) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let found = set.word_hits(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i < b.len() {
        if let Some(chunk) = b.len().checked_sub(8).map(|from| &b[from..]) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let found = set.word_hits(word >> ((8 - (b.len() - i)) * 8));
            return (i + (found.trailing_zeros() / 8) as usize).min(b.len());
        }
    }
    while i < b.len() && !set.contains(b[i]) {
        i += 1;
    }
    i
}

/// The high bit of each byte of `x` below `n` (at most 0x80): a borrow only comes
/// from an earlier (lower) byte that is itself below `n`, so the first bit set is
/// exact.
#[inline(always)]
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(repeat(n)) & !x & repeat(0x80)
}

/// The high bit of each byte of `x` equal to `byte` (exact up to the first one,
/// like [`bytes_below`]).
#[inline(always)]
fn bytes_equal(x: u64, byte: u8) -> u64 {
    bytes_below(x ^ repeat(byte), 1)
}

/// Bytes at most `b' '`.
const SPACE_OR_CONTROL: ByteSet<0> = ByteSet {
    below: 0x21,
    non_ascii: false,
    equal: [],
};

/// Bytes that may end a run of plain word text.
const WORD_STOPS: ByteSet<4> = ByteSet {
    below: 0x21,
    non_ascii: true,
    equal: [b'"', b'\'', b'\\', b'`'],
};

/// The first index in `i..to` whose byte is at most `b' '` (or `to`): the usual
/// word has no such byte.
#[inline]
fn find_space_or_control(b: &[u8], i: usize, to: usize) -> usize {
    find_byte(b, i, to, SPACE_OR_CONTROL)
}

/// The first index in `i..to` whose byte may end a run of plain word text (a
/// [`WORD_STOP`] byte, or a control character, which the caller takes as text).
#[inline]
pub(crate) fn find_word_stop(b: &[u8], i: usize, to: usize) -> usize {
    find_byte(b, i, to, WORD_STOPS)
}

/// The first index in `from..to` whose byte is in `reWhitespace` (or `to`).
#[inline(always)]
fn find_re_ws(b: &[u8], mut i: usize, to: usize) -> usize {
    loop {
        i = find_space_or_control(b, i, to);
        if i == to || is_re_ws(b[i]) {
            return i;
        }
        i += 1;
    }
}

/// The width of the UTF-8 character whose first byte is `lead`.
#[inline]
pub(crate) fn utf8_width(lead: u8) -> usize {
    match lead {
        0..=0x7f => 1,
        0x80..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The character starting at byte `pos` of `s` (a character boundary).
#[inline]
pub(crate) fn char_at(s: &str, pos: usize) -> char {
    s[pos..].chars().next().unwrap_or('\0')
}

/// The value of a token: the text of a range of the logical line, or text built
/// from it (quotes and escapes removed, JSON decoded). Ranges cost nothing to keep:
/// the scanner turns them into [`crate::SharedStr`] slices of the line's buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Range(Range<usize>),
    Owned(String),
}

#[cfg(test)]
impl Value {
    /// The text of the value, given the logical line it came from.
    pub(crate) fn text<'a>(&'a self, line: &'a str) -> &'a str {
        match self {
            Value::Range(r) => &line[r.clone()],
            Value::Owned(s) => s,
        }
    }
}

/// A token whose value is exactly the text it was written as.
fn verbatim(r: Range<usize>) -> (Value, Range<usize>) {
    (Value::Range(r.clone()), r)
}

/// The parsed form of one logical line (BuildKit's `Node` for an instruction).
#[derive(Debug, Default)]
pub(crate) struct LineNode {
    pub keyword: Range<usize>,
    /// The known keyword at `keyword`, if it is one.
    pub known: Option<Keyword>,
    /// Flag text (quotes and escapes removed) and the range of the flag word.
    pub flags: Vec<(Value, Range<usize>)>,
    /// Argument node values and their ranges.
    pub args: Vec<(Value, Range<usize>)>,
    pub json: bool,
    /// ONBUILD's wrapped instruction.
    pub sub: Option<Box<LineNode>>,
    /// Range of the argument text (after flags), trimmed.
    pub rest: Range<usize>,
}

/// A parser-stage error found while parsing a line.
#[derive(Debug)]
pub(crate) struct LineError {
    pub code: ErrorCode,
    pub message: String,
    pub range: Range<usize>,
}

/// `s[r]` without leading and trailing Unicode whitespace (as a range).
#[inline(always)]
pub(crate) fn trim_range(s: &str, r: Range<usize>) -> Range<usize> {
    // Bytes (ASCII whitespace) here; the Unicode trimming only when a non-ASCII
    // byte is left at either end. This runs twice for every instruction, so it is
    // kept small enough to inline.
    let b = s.as_bytes();
    // Usually the end is printable ASCII (nothing to trim there) and the start has
    // no whitespace (a line) or a space or two (a comment's text). The printable
    // last byte ends the walk over the leading whitespace.
    if r.start < r.end && printable_ascii(b[r.end - 1]) {
        if printable_ascii(b[r.start]) {
            return r;
        }
        let mut start = r.start;
        while CLASS[b[start] as usize] & SPACE != 0 {
            start += 1;
        }
        if b[start] < 0x80 {
            return start..r.end;
        }
    }
    let mut start = r.start;
    while start < r.end && CLASS[b[start] as usize] & SPACE != 0 {
        start += 1;
    }
    let mut end = r.end;
    while end > start && CLASS[b[end - 1] as usize] & SPACE != 0 {
        end -= 1;
    }
    if start < end && (b[start] | b[end - 1]) >= 0x80 {
        return trim_range_unicode(s, r);
    }
    start..end
}

/// [`trim_range`] when a non-ASCII character may be whitespace.
#[cold]
#[inline(never)]
fn trim_range_unicode(s: &str, r: Range<usize>) -> Range<usize> {
    let start = r.end - s[r.clone()].trim_start_matches(is_space).len();
    let end = start + s[start..r.end].trim_end_matches(is_space).len();
    start..end
}

impl LineNode {
    /// Empty the node for the next line, keeping the vectors' capacity.
    #[inline(always)]
    pub(crate) fn clear(&mut self) {
        self.keyword = 0..0;
        self.known = None;
        self.flags.clear();
        self.args.clear();
        self.json = false;
        self.sub = None;
        self.rest = 0..0;
    }
}

/// `newNodeFromLine`: parse the logical line `s[range]` into `node` (cleared first;
/// the scanner reuses one node for every line so its vectors are allocated once).
pub(crate) fn node_from_line(
    s: &str,
    range: Range<usize>,
    escape: char,
    node: &mut LineNode,
) -> Option<LineError> {
    node.clear();
    let line = trim_range(s, range);
    let b = s.as_bytes();
    let kw_end = find_re_ws(b, line.start, line.end);
    node.keyword = line.start..kw_end;
    let mut rest = line.end..line.end;
    if kw_end < line.end {
        let mut args_start = kw_end;
        while args_start < line.end && is_re_ws(b[args_start]) {
            args_start += 1;
        }
        // Most instructions have no flags: skip the flag scanner unless the arguments
        // start with what it would look at (a dash, or a space it skips). Without
        // flags and with a printable ASCII first byte, the arguments are already
        // trimmed: they end where the trimmed line does.
        rest = match b.get(args_start) {
            Some(&c) if c != b'-' && printable_ascii(c) => args_start..line.end,
            Some(&c) if c != b'-' && !byte_is_space(c) => trim_range(s, args_start..line.end),
            _ => {
                let args = extract_flags(s, args_start..line.end, escape, &mut node.flags);
                trim_range(s, args)
            }
        };
    }
    node.rest = rest.clone();
    let Some(keyword) = Keyword::known_bytes(&b[node.keyword.clone()]) else {
        // `parseIgnore`: an empty argument node.
        node.args.push(verbatim(rest.start..rest.start));
        return None;
    };
    let err = match keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => maybe_json_to_list(s, rest, node),
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell => {
            maybe_json(s, rest, node)
        }
        Keyword::From | Keyword::Expose => {
            whitespace_delimited(s, rest, &mut node.args);
            None
        }
        Keyword::Env => name_val(s, rest, "ENV", escape, node),
        Keyword::Label => name_val(s, rest, "LABEL", escape, node),
        Keyword::Arg => {
            parse_words(s, rest, escape, |word| node.args.push(verbatim(word)));
            None
        }
        Keyword::User | Keyword::Workdir | Keyword::Maintainer | Keyword::Stopsignal => {
            if !rest.is_empty() {
                node.args.push(verbatim(rest));
            }
            None
        }
        Keyword::Healthcheck => health_config(s, rest, node),
        Keyword::Onbuild => {
            if rest.is_empty() {
                None
            } else {
                let mut sub = Box::<LineNode>::default();
                let err = node_from_line(s, rest, escape, &mut sub);
                node.sub = Some(sub);
                err
            }
        }
        Keyword::Unknown(_) => None,
    };
    node.known = Some(keyword);
    err
}

/// `extractBuilderFlags`: leading `--flag` words. Go walks the bytes and turns each
/// byte into a rune, so a non-ASCII byte in a flag becomes its Latin-1 character
/// (BuildKit mangles `--x=é` into `--x=Ã©`); mirrored here.
/// Pushes the flags to `words` and returns the range of the rest of the line.
fn extract_flags(
    s: &str,
    range: Range<usize>,
    escape: char,
    words: &mut Vec<(Value, Range<usize>)>,
) -> Range<usize> {
    let b = s.as_bytes();
    let end = range.end;
    let esc = escape as u8;
    // Go may stop in the middle of a UTF-8 sequence (it tests bytes 0x85 and 0xA0
    // as spaces); Rust strings need a char boundary.
    let boundary = |mut p: usize| {
        while p < end && !s.is_char_boundary(p) {
            p += 1;
        }
        p
    };
    let mut pos = range.start;
    loop {
        // Between flags: anything but `--` ends them.
        while pos < end && byte_is_space(b[pos]) {
            pos += 1;
        }
        if pos == end {
            return end..end;
        }
        if b[pos] != b'-' || pos + 1 == end || b[pos + 1] != b'-' {
            return boundary(pos)..end;
        }
        let word_start = pos;
        // The flag as BuildKit builds it, or `None` while that is exactly the text
        // written (plain ASCII so far): the usual flag needs no string of its own.
        let mut word: Option<String> = None;
        let mut quote = 0u8; // the open quote, 0 outside quotes
        let mut blank_ok = false;
        loop {
            if pos == end {
                if !is_text(&word, &b[word_start..end], "--")
                    && (blank_ok || !is_text(&word, &b[word_start..end], ""))
                {
                    words.push(flag(s, word, word_start..end, boundary(end)));
                }
                return end..end;
            }
            let ch = b[pos];
            if quote == 0 {
                if byte_is_space(ch) {
                    let written = &b[word_start..pos];
                    if is_text(&word, written, "--") {
                        return boundary(pos)..end;
                    }
                    if blank_ok || !is_text(&word, written, "") {
                        words.push(flag(s, word, word_start..pos, boundary(pos)));
                    }
                    pos += 1;
                    break;
                }
                if word.is_none() && CLASS[ch as usize] & WORD_STOP == 0 {
                    // A run of plain text.
                    pos = find_word_stop(b, pos + 1, end);
                    continue;
                }
                if ch == b'\'' || ch == b'"' {
                    owned(s, &mut word, word_start..pos);
                    quote = ch;
                    blank_ok = true;
                    pos += 1;
                    continue;
                }
            } else if ch == quote {
                quote = 0;
                pos += 1;
                continue;
            }
            // The escape character makes the next byte literal (a trailing lone
            // escape is dropped).
            let mut c = ch;
            if ch == esc {
                owned(s, &mut word, word_start..pos);
                if pos + 1 == end {
                    quote = 0;
                    pos += 1;
                    continue;
                }
                pos += 1;
                c = b[pos];
            }
            if c >= 0x80 || word.is_some() {
                owned(s, &mut word, word_start..pos).push(c as char);
            }
            pos += 1;
        }
    }
}

/// Whether the flag word being built (`word`, or the `written` text while that is
/// `None`) is `text`.
fn is_text(word: &Option<String>, written: &[u8], text: &str) -> bool {
    match word {
        Some(word) => word == text,
        None => written == text.as_bytes(),
    }
}

/// The flag word being built, copied from the text written so far (`written`, plain
/// ASCII) if it was not yet a string of its own.
fn owned<'w>(s: &str, word: &'w mut Option<String>, written: Range<usize>) -> &'w mut String {
    word.get_or_insert_with(|| s[written].to_string())
}

/// The flag as BuildKit reports it: a range when that is exactly what was written.
/// BuildKit ends a flag at a space byte, which can be the second byte of U+0085 or
/// U+00A0; the flag's span (ending at `span_end`) then takes in the rest of that
/// character.
fn flag(
    s: &str,
    word: Option<String>,
    range: Range<usize>,
    span_end: usize,
) -> (Value, Range<usize>) {
    let span = range.start..span_end;
    match word {
        Some(word) if span != range || s.as_bytes()[range.clone()] != *word.as_bytes() => {
            (Value::Owned(word), span)
        }
        _ => (Value::Range(range), span),
    }
}

/// `parseWords`: quote-aware words, kept verbatim (a trailing lone escape is dropped),
/// each passed to `push`. Walks bytes, skipping runs of plain text at once, and
/// decodes a character only at a non-ASCII byte (for Unicode spaces).
pub(crate) fn parse_words(
    s: &str,
    range: Range<usize>,
    escape: char,
    mut push: impl FnMut(Range<usize>),
) {
    parse_words_while(s, range, escape, |word| {
        push(word);
        true
    });
}

/// [`parse_words`], stopping after the first word for which `push` returns false.
#[inline(always)]
fn parse_words_while(
    s: &str,
    range: Range<usize>,
    escape: char,
    mut push: impl FnMut(Range<usize>) -> bool,
) {
    let b = s.as_bytes();
    let end = range.end;
    // The escape character is `\\` or `` ` `` (ASCII), so it is one byte. Every
    // position below is a character boundary: runs stop only at ASCII bytes or
    // at the first byte of a character.
    let esc = escape as u8;
    let class = |c: u8| CLASS[c as usize];
    let mut pos = range.start;
    loop {
        // Between words: skip whitespace.
        loop {
            let Some(&c) = b.get(pos).filter(|_| pos < end) else {
                return;
            };
            if c < 0x80 {
                if class(c) & SPACE == 0 {
                    break;
                }
                pos += 1;
            } else {
                let ch = char_at(s, pos);
                if !is_space(ch) {
                    break;
                }
                pos += ch.len_utf8();
            }
        }
        let start = pos;
        let mut word_end = pos; // end of the word text collected so far
        let mut blank_ok = false; // a quoted empty word still counts
        while pos < end {
            let c = b[pos];
            if class(c) & WORD_STOP == 0 {
                pos = find_word_stop(b, pos + 1, end);
                word_end = pos;
                continue;
            }
            if c >= 0x80 {
                let ch = char_at(s, pos);
                pos += ch.len_utf8();
                if is_space(ch) {
                    break;
                }
                word_end = pos;
            } else if class(c) & SPACE != 0 {
                pos += 1;
                break;
            } else if c == b'\'' || c == b'"' {
                blank_ok = true;
                pos += 1;
                // Inside quotes every character is word text; only the closing quote
                // and (in double quotes) the escape character need a look.
                loop {
                    let stops = ByteSet {
                        below: 0,
                        non_ascii: false,
                        equal: [c, esc],
                    };
                    pos = find_byte(b, pos, end, stops);
                    word_end = pos;
                    if pos == end {
                        break;
                    }
                    pos += 1;
                    if b[pos - 1] == c {
                        word_end = pos;
                        break;
                    }
                    if c == b'"' {
                        // The escaped character is literal; a trailing escape is dropped.
                        if pos == end {
                            break;
                        }
                        pos += utf8_width(b[pos]);
                    }
                }
            } else if c == esc {
                // The next character is literal; a trailing escape is dropped.
                pos += 1;
                if pos < end {
                    pos += utf8_width(b[pos]);
                    word_end = pos;
                }
            } else {
                // The other escape character: plain text here.
                pos += 1;
                word_end = pos;
            }
        }
        // The word ends at a space (`pos` is past it) or at the end of the text
        // (then the next round returns). One call of `push`, so it is inlined.
        if (blank_ok || word_end > start) && !push(start..word_end) {
            return;
        }
    }
}

/// `parseStringsWhitespaceDelimited`: split on `[\t\v\f\r ]+`, pushing to `out`.
/// Inlined into its two callers: as a call it cost about 60 instructions more per
/// line (profiled), for a split of usually two words.
#[inline(always)]
fn whitespace_delimited(s: &str, range: Range<usize>, out: &mut Vec<(Value, Range<usize>)>) {
    if range.is_empty() {
        return;
    }
    let b = s.as_bytes();
    let mut start = range.start;
    loop {
        let i = find_re_ws(b, start, range.end);
        out.push(verbatim(start..i));
        if i == range.end {
            return;
        }
        start = i + 1;
        while start < range.end && is_re_ws(b[start]) {
            start += 1;
        }
    }
}

/// `parseJSON`: Some(Ok) for a string array, Some(Err) for the non-string error,
/// None to fall back.
#[inline(always)]
fn json(s: &str, range: &Range<usize>, node: &mut LineNode) -> Option<Option<LineError>> {
    // The shell form (most RUN lines) is settled here without a call.
    if s.as_bytes()[..range.end].get(range.start) != Some(&b'[') {
        return None;
    }
    json_array(s, range, node)
}

/// [`json`] once the text starts with `[`.
#[inline(never)]
fn json_array(s: &str, range: &Range<usize>, node: &mut LineNode) -> Option<Option<LineError>> {
    match parse_array(&s[..range.end], range.start, &mut node.args) {
        JsonArray::Strings => {
            node.json = true;
            Some(None)
        }
        JsonArray::NotStrings => Some(Some(LineError {
            code: ErrorCode::JsonNotStrings,
            message: "when using JSON array syntax, arrays must be comprised of strings only"
                .to_string(),
            range: range.clone(),
        })),
        JsonArray::Invalid => None,
    }
}

/// `parseMaybeJSON`: JSON array, else the whole text as one node.
fn maybe_json(s: &str, range: Range<usize>, node: &mut LineNode) -> Option<LineError> {
    if range.is_empty() {
        return None;
    }
    if let Some(result) = json(s, &range, node) {
        return result;
    }
    node.args.push(verbatim(range));
    None
}

/// `parseMaybeJSONToList`: JSON array, else whitespace-separated words.
fn maybe_json_to_list(s: &str, range: Range<usize>, node: &mut LineNode) -> Option<LineError> {
    if let Some(result) = json(s, &range, node) {
        return result;
    }
    whitespace_delimited(s, range, &mut node.args);
    None
}

/// `parseHealthConfig`: the type word, then the rest like CMD.
fn health_config(s: &str, range: Range<usize>, node: &mut LineNode) -> Option<LineError> {
    let b = s.as_bytes();
    let mut sep = range.start;
    while sep < range.end && !byte_is_space(b[sep]) {
        sep += 1;
    }
    while sep < range.end && !s.is_char_boundary(sep) {
        sep += 1;
    }
    let mut next = sep;
    while next < range.end && byte_is_space(b[next]) {
        next += 1;
    }
    while next < range.end && !s.is_char_boundary(next) {
        next += 1;
    }
    if sep == range.start {
        return None;
    }
    node.args.push(verbatim(range.start..sep));
    maybe_json(s, next..range.end, node)
}

/// `parseNameVal` for ENV and LABEL: `key, value, separator` triples.
///
/// BuildKit collects every word first and then looks at them; here each word is
/// settled as [`parse_words`] finds it, so nothing is collected, and the legacy
/// form (decided by the first word alone) stops the word walk at that word.
#[inline(never)]
fn name_val(
    s: &str,
    range: Range<usize>,
    key: &str,
    escape: char,
    node: &mut LineNode,
) -> Option<LineError> {
    let b = s.as_bytes();
    // The first `=` of a word, eight bytes at a time.
    let equals = |word: &Range<usize>| {
        let equals = ByteSet {
            below: 0,
            non_ascii: false,
            equal: [b'='],
        };
        let i = find_byte(b, word.start, word.end, equals);
        (i < word.end).then_some(i)
    };
    let mut first = true;
    let mut legacy = false;
    let mut missing_equals = None;
    let args = &mut node.args;
    parse_words_while(s, range.clone(), escape, |word| {
        let Some(eq) = equals(&word) else {
            // No `=` in the first word means the legacy form; in a later word it
            // is an error. Either way the rest of the words do not matter.
            legacy = first;
            missing_equals = Some(word);
            return false;
        };
        first = false;
        args.push(verbatim(word.start..eq));
        args.push(verbatim(eq + 1..word.end));
        args.push(verbatim(eq..eq + 1));
        true
    });
    if legacy {
        // Legacy `KEY name value`: split once on whitespace.
        let k_end = find_re_ws(b, range.start, range.end);
        if k_end == range.end {
            return Some(LineError {
                code: ErrorCode::MissingValue,
                message: format!("{key} must have two arguments"),
                range,
            });
        }
        let mut v_start = k_end;
        while v_start < range.end && is_re_ws(b[v_start]) {
            v_start += 1;
        }
        node.args.push(verbatim(range.start..k_end));
        node.args.push(verbatim(v_start..range.end));
        node.args.push(verbatim(k_end..k_end));
        return None;
    }
    let word = missing_equals?;
    node.args.clear();
    Some(LineError {
        code: ErrorCode::MissingEquals,
        message: format!(
            "Syntax error - can't find = in {}. Must be of the form: name=value",
            go_quote(&s[word.clone()])
        ),
        range: word,
    })
}

/// Go's `strconv.Quote`: double-quoted, with Go's escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            '\u{FFFD}' => out.push('\u{FFFD}'),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Approximation of Go's `strconv.IsPrint`: printable unless a control or format
/// character, or a separator other than the ASCII space.
fn go_is_print(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || u == 0x7f || (0x80..0xa0).contains(&u) {
        return false;
    }
    if c == ' ' {
        return true;
    }
    if c.is_whitespace() {
        return false;
    }
    !matches!(u, 0xad | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x180e | 0x200b..=0x200f
        | 0x202a..=0x202e | 0x2060..=0x2064 | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb
        | 0xd800..=0xdfff | 0xe000..=0xf8ff | 0xfdd0..=0xfdef | 0xfffe | 0xffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        parse_words(s, 0..s.len(), '\\', |r| out.push(&s[r]));
        out
    }

    #[test]
    fn a_flag_cut_inside_a_character_spans_the_whole_character() {
        // BuildKit's flag loop takes the byte 0xA0 of U+00A0 for a space (fuzz target
        // `parse`): the span must still end on a character boundary.
        for text in [
            "FROM a\nRUN --mount=ty\u{a0}ind true\n",
            "FROM a\nRUN --x\u{85}y z\n",
        ] {
            let file = crate::parse(text);
            let spans = file
                .instructions
                .iter()
                .flat_map(|i| i.flags.iter().map(|f| f.span));
            let errors = file.errors.iter().map(|e| e.span);
            for span in spans.chain(errors) {
                assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end));
            }
        }
    }

    /// ENV's argument texts and error message for one line.
    fn env(line: &str) -> (Vec<String>, Option<String>) {
        let mut node = LineNode::default();
        let err = node_from_line(line, 0..line.len(), '\\', &mut node);
        let args = node.args.iter().map(|(v, _)| v.text(line).to_string());
        (args.collect(), err.map(|e| e.message))
    }

    #[test]
    fn name_val_forms_are_decided_by_the_first_word() {
        // New form: key, value and separator for every word.
        assert_eq!(
            env("ENV a=1 b=\"x y\"").0,
            ["a", "1", "=", "b", "\"x y\"", "="]
        );
        // Legacy form: the first word has no `=`, the rest is split on whitespace
        // regardless of quotes (later words are not looked at).
        assert_eq!(env("ENV k v w=1 \"q").0, ["k", "v w=1 \"q", ""]);
        assert_eq!(env("ENV \"a b\" c").0, ["\"a", "b\" c", ""]);
        assert_eq!(
            env("ENV k").1.as_deref(),
            Some("ENV must have two arguments")
        );
        // A later word without `=` is an error and leaves no arguments.
        let (args, err) = env("ENV a=1 b c=2");
        assert!(args.is_empty());
        assert_eq!(
            err.as_deref(),
            Some("Syntax error - can't find = in \"b\". Must be of the form: name=value")
        );
    }

    #[test]
    fn quote_aware_words_keep_quotes() {
        assert_eq!(words(r#"a="b c" d\ e f\"#), [r#"a="b c""#, r"d\ e", "f"]);
        assert_eq!(words(r#"'' x"#), ["''", "x"]);
        assert_eq!(words(r#""a\"b" 'c\'"#), [r#""a\"b""#, r"'c\'"]);
    }

    #[test]
    fn flags_are_extracted() {
        let s = r#"--from=a --x="y z" -- --not b"#;
        let mut flags = Vec::new();
        let rest = extract_flags(s, 0..s.len(), '\\', &mut flags);
        let flags: Vec<_> = flags.into_iter().map(|f| f.0.text(s).to_string()).collect();
        assert_eq!(flags, ["--from=a", "--x=y z"]);
        assert_eq!(&s[rest], " --not b");
    }

    #[test]
    fn trimming_ranges_matches_unicode_trimming() {
        let texts = [
            "",
            " ",
            "\t\x0b\x0c\r\n ",
            "a",
            " a ",
            "\u{a0}a\u{85}",
            " \u{3000} x y \u{2028}\t",
            "\u{e9}",
            " \u{e9} ",
            "\u{a0}\u{a0}",
            "x\u{a0} \u{a0}",
            "\x1c a \x1f",
        ];
        for text in texts {
            let sub = text;
            let start = sub.len() - sub.trim_start_matches(is_space).len();
            let end = sub.trim_end_matches(is_space).len();
            let want = if start >= end {
                start..start
            } else {
                start..end
            };
            assert_eq!(trim_range(text, 0..text.len()), want, "{text:?}");
        }
        // Within a larger line.
        let line = "RUN  \u{a0}echo hi \u{a0} ";
        assert_eq!(&line[trim_range(line, 3..line.len())], "echo hi");
    }

    /// `parseWords` written plainly, one character at a time: what the byte-wise
    /// [`parse_words`] must compute.
    fn words_one_char_at_a_time(s: &str, escape: char) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut chars = s.char_indices().peekable();
        let (mut start, mut word_end) = (0, 0);
        let mut in_word = false;
        let mut quote = None;
        let mut blank_ok = false;
        while let Some((i, ch)) = chars.next() {
            let after = i + ch.len_utf8();
            if let Some(q) = quote {
                if ch == q {
                    quote = None;
                    word_end = after;
                } else if ch == escape && q != '\'' {
                    match chars.next() {
                        Some((j, next)) => word_end = j + next.len_utf8(),
                        None => quote = None,
                    }
                } else {
                    word_end = after;
                }
                continue;
            }
            if is_space(ch) {
                if in_word && (blank_ok || word_end > start) {
                    out.push(start..word_end);
                }
                in_word = false;
                blank_ok = false;
                continue;
            }
            if !in_word {
                in_word = true;
                start = i;
                word_end = i;
            }
            if ch == '\'' || ch == '"' {
                quote = Some(ch);
                blank_ok = true;
                word_end = after;
            } else if ch == escape {
                if let Some((j, next)) = chars.next() {
                    word_end = j + next.len_utf8();
                }
            } else {
                word_end = after;
            }
        }
        if in_word && (blank_ok || word_end > start) {
            out.push(start..word_end);
        }
        out
    }

    /// `extractBuilderFlags` written plainly, one byte at a time, building every
    /// flag as a string: the flags (text and the range of the word) and where the
    /// rest starts.
    fn flags_one_byte_at_a_time(s: &str, escape: u8) -> (Vec<(String, Range<usize>)>, usize) {
        let b = s.as_bytes();
        let mut flags = Vec::new();
        let mut pos = 0;
        loop {
            while pos < b.len() && byte_is_space(b[pos]) {
                pos += 1;
            }
            if !b[pos..].starts_with(b"--") {
                return (flags, pos);
            }
            let start = pos;
            let mut word = String::new();
            let mut quote = None;
            loop {
                let Some(&c) = b.get(pos) else {
                    if word != "--" {
                        flags.push((word, start..pos));
                    }
                    return (flags, pos);
                };
                pos += 1;
                match quote {
                    None if byte_is_space(c) => {
                        if word == "--" {
                            return (flags, pos - 1);
                        }
                        flags.push((word, start..pos - 1));
                        break;
                    }
                    None if c == b'\'' || c == b'"' => quote = Some(c),
                    Some(q) if c == q => quote = None,
                    _ if c == escape => match b.get(pos) {
                        Some(&next) => {
                            word.push(next as char);
                            pos += 1;
                        }
                        None => quote = None,
                    },
                    _ => word.push(c as char),
                }
            }
        }
    }

    /// Text made of the characters the byte-wise loops treat specially.
    fn tricky_text() -> impl Strategy<Value = String> {
        const ALPHABET: [&str; 23] = [
            " ",
            "\t",
            "\n",
            "\x0b",
            "\r",
            "\x1c",
            "a",
            "b",
            "=",
            "-",
            "--",
            "<",
            "\"",
            "'",
            "\\",
            "`",
            "\u{e9}",
            "\u{a0}",
            "\u{85}",
            "\u{3000}",
            "\u{1f600}",
            "        ",
            "abcdefghij",
        ];
        proptest::collection::vec(proptest::sample::select(&ALPHABET[..]), 0..40)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn byte_wise_words_match_the_character_definition(text in tricky_text()) {
            for escape in ['\\', '`'] {
                let mut got = Vec::new();
                parse_words(&text, 0..text.len(), escape, |r| got.push(r));
                prop_assert_eq!(got, words_one_char_at_a_time(&text, escape));
            }
        }

        #[test]
        fn flags_match_the_byte_definition(text in tricky_text(), flags in 0..3usize) {
            let text = format!("{}{text}", "--a=\"b c\" ".repeat(flags));
            for escape in ['\\', '`'] {
                let mut got = Vec::new();
                let rest = extract_flags(&text, 0..text.len(), escape, &mut got);
                let (want, rest_start) = flags_one_byte_at_a_time(&text, escape as u8);
                let mut start = rest_start;
                while !text.is_char_boundary(start) {
                    start += 1;
                }
                prop_assert_eq!(rest, start..text.len());
                let got: Vec<(String, usize)> =
                    got.iter().map(|(v, r)| (v.text(&text).to_string(), r.start)).collect();
                let want: Vec<(String, usize)> =
                    want.into_iter().map(|(w, r)| (w, r.start)).collect();
                prop_assert_eq!(got, want);
            }
        }

        #[test]
        fn whitespace_splitting_matches_the_regexp(text in tricky_text()) {
            let range = trim_range(&text, 0..text.len());
            let mut got = Vec::new();
            whitespace_delimited(&text, range.clone(), &mut got);
            let got: Vec<&str> = got.iter().map(|(v, _)| v.text(&text)).collect();
            let want: Vec<&str> = if range.is_empty() {
                Vec::new()
            } else {
                text[range].split(['\t', '\x0b', '\x0c', '\r', ' '])
                    .filter(|w| !w.is_empty())
                    .collect()
            };
            prop_assert_eq!(got, want);
        }

        #[test]
        fn block_and_word_searches_match_byte_searches(
            bytes in proptest::collection::vec(
                proptest::sample::select(&b" \t\n\x01\x1fa=<'\"\\`\x7f\x80\xa0\xff"[..]),
                0..80,
            ),
            from in 0..80usize,
            to in 0..80usize,
        ) {
            let to = to.min(bytes.len());
            let from = from.min(to);
            let first = |hit: &dyn Fn(u8) -> bool| {
                (from..to).find(|&i| hit(bytes[i])).unwrap_or(to)
            };
            prop_assert_eq!(find_space_or_control(&bytes, from, to), first(&|c| c <= b' '));
            prop_assert_eq!(
                find_word_stop(&bytes, from, to),
                first(&|c| c <= b' ' || CLASS[c as usize] & WORD_STOP != 0)
            );
            prop_assert_eq!(find_re_ws(&bytes, from, to), first(&is_re_ws));
            let quote = ByteSet { below: 0, non_ascii: false, equal: [b'"', b'\\'] };
            prop_assert_eq!(
                find_byte(&bytes, from, to, quote),
                first(&|c| c == b'"' || c == b'\\')
            );
            let json = ByteSet { below: 0x20, non_ascii: false, equal: [b'"', b'\\'] };
            prop_assert_eq!(
                find_byte(&bytes, from, to, json),
                first(&|c| c < 0x20 || c == b'"' || c == b'\\')
            );
            let non_ascii = ByteSet { below: 0, non_ascii: true, equal: [b'='] };
            prop_assert_eq!(
                find_byte(&bytes, from, to, non_ascii),
                first(&|c| c >= 0x80 || c == b'=')
            );
            let below_128 = ByteSet { below: 0x80, non_ascii: true, equal: [] };
            prop_assert_eq!(find_byte(&bytes, from, to, below_128), first(&|_| true));
            // The word-at-a-time search alone (what targets without SSE2 use).
            prop_assert_eq!(
                find_byte_in_words(&bytes[..to], from, WORD_STOPS),
                first(&|c| c <= b' ' || CLASS[c as usize] & WORD_STOP != 0)
            );
            prop_assert_eq!(find_byte_in_words(&bytes[..to], from, json), first(&|c| c < 0x20 || c == b'"' || c == b'\\'));
        }

        #[test]
        fn range_trimming_matches_unicode_trimming(text in tricky_text()) {
            let got = &text[trim_range(&text, 0..text.len())];
            prop_assert_eq!(got, text.trim_matches(is_space));
        }

        #[test]
        fn left_trimming_matches_unicode_trimming(text in tricky_text()) {
            let trimmed = trim_start(&text);
            prop_assert_eq!(trimmed, text.trim_start_matches(is_space));
            // Always the tail of `text` itself, so its address gives its offset.
            prop_assert_eq!(trimmed.as_ptr() as usize + trimmed.len(), text.as_ptr() as usize + text.len());
        }
    }

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"\\\t\u{0}♥"), r#""a\"\\\t\x00♥""#);
    }
}
