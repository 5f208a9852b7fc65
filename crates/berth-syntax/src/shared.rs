//! [`SharedStr`]: the string type of the syntax tree. Short tokens are stored in
//! place; longer ones are ranges of one reference-counted buffer (the source, or a
//! logical line joined from continuation lines). Building and cloning the tree thus
//! copies no long text and makes one heap allocation per buffer rather than one per
//! token, and short tokens (keywords, flags, names) cost no reference counting.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// Strings up to this many bytes are stored in place. The shared form takes 24
/// bytes plus the tag, so the type is 32 bytes whatever this is up to 30 (tag, length
/// and 30 bytes); each string stored in place saves two atomic reference-count
/// updates, and a sixth of the corpus's longer tokens are 23 to 30 bytes long.
const INLINE_CAP: usize = 30;

/// An immutable string that shares its text: short strings are stored in place,
/// longer ones are a range of a reference-counted buffer. Cloning or slicing it never
/// copies more than a few bytes. It dereferences to `str`, and compares, hashes,
/// orders, prints and serializes as the text it holds.
///
/// ```
/// use berth_syntax::SharedStr;
///
/// let line = SharedStr::from("RUN make all");
/// let cmd = line.substr(4..12);
/// assert_eq!(cmd, "make all");
/// assert_eq!(cmd.as_str().len(), 8);
/// assert!(cmd.starts_with("make"));
/// assert_eq!(cmd.to_string(), String::from("make all"));
/// assert_eq!(SharedStr::default(), "");
/// ```
#[derive(Clone)]
pub struct SharedStr(Repr);

#[derive(Clone)]
enum Repr {
    /// The UTF-8 bytes of a short string (`len` of them are used).
    Inline { len: u8, bytes: [u8; INLINE_CAP] },
    /// `buf[start..end]`; all of `buf` when `start > end` (see [`WHOLE`]).
    Shared { buf: Arc<str>, start: u32, end: u32 },
}

/// The `(start, end)` of a `Shared` string that is all of its buffer whatever its
/// length: a string longer than 32-bit offsets reach (4 GiB) gets a buffer of its
/// own and this marker. No range of text is reversed, so reading a `Shared` string
/// costs nothing more (its range is checked anyway), and the type keeps two
/// variants: a third one made cloning, dropping and reading every string dearer
/// (1.3 M instructions per corpus pass).
const WHOLE: (u32, u32) = (1, 0);

impl Default for SharedStr {
    fn default() -> SharedStr {
        SharedStr::inline("")
    }
}

impl SharedStr {
    /// A copy of `text`, which must be at most [`INLINE_CAP`] bytes long.
    fn inline(text: &str) -> SharedStr {
        let mut bytes = [0; INLINE_CAP];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        SharedStr(Repr::Inline {
            len: text.len() as u8,
            bytes,
        })
    }

    /// The range `range` of `buf` (which must lie on character boundaries).
    ///
    /// Inlined: it runs for every token of the tree, and most tokens are short. A
    /// short range with at least one byte of `buf` after it is settled by the byte at
    /// each end: a range lies on character boundaries exactly when neither end byte
    /// is a UTF-8 continuation byte (`0x80..0xC0`), and both bytes lie in the
    /// 31-byte window read here, so no further bounds checks are needed. Everything
    /// else (long ranges, short ones at the very end of `buf`) is
    /// [`SharedStr::slice_rest`], out of line.
    #[inline]
    pub(crate) fn slice(buf: &Arc<str>, range: Range<usize>) -> SharedStr {
        let len = range.end.wrapping_sub(range.start);
        if len <= INLINE_CAP {
            if let Some(window) = buf
                .as_bytes()
                .get(range.start..range.start + INLINE_CAP + 1)
            {
                // `is_char_boundary` for an index inside the text: not a continuation byte.
                let boundary = |b: u8| (b as i8) >= -0x40;
                if boundary(window[0]) & boundary(window[len]) {
                    let mut bytes = [0; INLINE_CAP];
                    // A fixed-size copy compiles to a few moves instead of a `memcpy`
                    // call; the bytes after `len` are never read.
                    bytes.copy_from_slice(&window[..INLINE_CAP]);
                    return SharedStr(Repr::Inline {
                        len: len as u8,
                        bytes,
                    });
                }
            }
        }
        SharedStr::slice_rest(buf, range)
    }

    /// [`SharedStr::slice`] for long strings (tested first: the usual case here),
    /// for short ones near the end of `buf` and for the rest (a reversed range is
    /// the empty string when both ends are character boundaries, as it always was;
    /// any other bad range panics like slicing a `str`).
    #[inline(never)]
    fn slice_rest(buf: &Arc<str>, range: Range<usize>) -> SharedStr {
        match buf.get(range.clone()) {
            Some(text) if text.len() > INLINE_CAP => {
                match (u32::try_from(range.start), u32::try_from(range.end)) {
                    (Ok(start), Ok(end)) => SharedStr(Repr::Shared {
                        buf: Arc::clone(buf),
                        start,
                        end,
                    }),
                    // Beyond 4 GiB: the string gets a buffer of its own, held whole.
                    _ if text.len() == buf.len() => SharedStr::whole(Arc::clone(buf)),
                    _ => SharedStr::whole(Arc::from(text)),
                }
            }
            Some(text) => SharedStr::inline(text),
            None if buf.is_char_boundary(range.start) && buf.is_char_boundary(range.end) => {
                SharedStr::default()
            }
            None => SharedStr::from(&buf[range]),
        }
    }

    /// All of `buf`, taking over its reference (no reference-count traffic: the
    /// parser hands each joined logical line over this way).
    fn from_buffer(buf: Arc<str>) -> SharedStr {
        let end = buf.len();
        if end <= INLINE_CAP {
            return SharedStr::inline(&buf);
        }
        match u32::try_from(end) {
            Ok(end) => SharedStr(Repr::Shared { buf, start: 0, end }),
            // Beyond 4 GiB the text cannot be addressed with 32-bit offsets.
            Err(_) => SharedStr::whole(buf),
        }
    }

    /// All of `buf`, however long (see [`WHOLE`]).
    fn whole(buf: Arc<str>) -> SharedStr {
        let (start, end) = WHOLE;
        SharedStr(Repr::Shared { buf, start, end })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let text = &bytes[..usize::from(*len)];
                // The tree reads its strings constantly and re-validating the UTF-8 of
                // every short token showed up in profiles of the parser (about 3%).
                // SAFETY: an `Inline` is only built by `inline` (from a whole `&str`)
                // and by `slice`, which copies `buf[range]` after checking that both
                // ends of `range` are character boundaries of `buf`, a `str`; so
                // `bytes[..len]` is always the complete UTF-8 of a `str`. The bytes
                // are never mutated afterwards (the type is immutable).
                unsafe { std::str::from_utf8_unchecked(text) }
            }
            Repr::Shared { buf, start, end } if start <= end => {
                // Checking the range again on every read (bounds and both character
                // boundaries) cost about ten instructions per read of a long token.
                // SAFETY: a `Shared` with `start <= end` is only built by `slice_rest`,
                // right after `&buf[range]` checked that `start..end` lies within
                // `buf` on character boundaries, and by `from_buffer`, whose range is
                // all of `buf`; `buf` is never mutated afterwards (it is shared and
                // immutable), so the range stays valid for the life of the value.
                unsafe { buf.get_unchecked(*start as usize..*end as usize) }
            }
            // Only the `WHOLE` marker (see [`WHOLE`]): all of `buf`.
            Repr::Shared { buf, .. } => buf,
        }
    }

    /// Length in bytes (without looking at the text).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Inline { len, .. } => usize::from(*len),
            Repr::Shared { start, end, .. } if start <= end => (end - start) as usize,
            Repr::Shared { buf, .. } => buf.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The part `range` of this string (byte offsets into it), sharing its buffer.
    ///
    /// Panics, like slicing a `str`, when the range is out of bounds or not on
    /// character boundaries.
    pub fn substr(&self, range: Range<usize>) -> SharedStr {
        let part = &self.as_str()[range.clone()];
        match &self.0 {
            Repr::Shared { buf, start, end } => {
                let start = if start <= end { *start as usize } else { 0 };
                SharedStr::slice(buf, start + range.start..start + range.end)
            }
            Repr::Inline { .. } => SharedStr::inline(part),
        }
    }

    /// The part of this string that `part` (a sub-slice of [`SharedStr::as_str`],
    /// e.g. from `trim` or `split_once`) covers, sharing the buffer; a copy when
    /// `part` does not point into this string.
    pub fn substr_of(&self, part: &str) -> SharedStr {
        let whole = self.as_str();
        let offset = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        if offset <= whole.len() && part.len() <= whole.len() - offset {
            self.substr(offset..offset + part.len())
        } else {
            SharedStr::from(part)
        }
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> SharedStr {
        if text.len() <= INLINE_CAP {
            return SharedStr::inline(text);
        }
        SharedStr::from_buffer(Arc::from(text))
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> SharedStr {
        SharedStr::from(text.as_str())
    }
}

impl From<&String> for SharedStr {
    fn from(text: &String) -> SharedStr {
        SharedStr::from(text.as_str())
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(buf: Arc<str>) -> SharedStr {
        SharedStr::from_buffer(buf)
    }
}

impl From<SharedStr> for String {
    fn from(text: SharedStr) -> String {
        text.as_str().to_string()
    }
}

impl From<&SharedStr> for String {
    fn from(text: &SharedStr) -> String {
        text.as_str().to_string()
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &SharedStr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &SharedStr) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

/// `SharedStr == str`, `== &str`, `== String` and the reverse comparisons.
macro_rules! eq_with {
    ($($other:ty),*) => {$(
        impl PartialEq<$other> for SharedStr {
            fn eq(&self, other: &$other) -> bool {
                self.as_str() == AsRef::<str>::as_ref(other)
            }
        }
        impl PartialEq<SharedStr> for $other {
            fn eq(&self, other: &SharedStr) -> bool {
                AsRef::<str>::as_ref(self) == other.as_str()
            }
        }
    )*};
}

eq_with!(str, &str, String);

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: &str = "FROM registry.example.com/team/image:1.2.3";

    #[test]
    fn long_slices_share_the_buffer() {
        let buf: Arc<str> = Arc::from(LONG);
        let image = SharedStr::slice(&buf, 5..LONG.len());
        assert_eq!(image, "registry.example.com/team/image:1.2.3");
        assert_eq!(Arc::strong_count(&buf), 2);
        let part = image.substr_of(image.trim_end_matches(":1.2.3"));
        assert_eq!(part, "registry.example.com/team/image");
        assert_eq!(Arc::strong_count(&buf), 3);
        assert_eq!(image.substr_of("elsewhere"), "elsewhere");
        assert_eq!(Arc::strong_count(&buf), 3);
    }

    #[test]
    fn short_strings_are_stored_in_place() {
        let buf: Arc<str> = Arc::from(LONG);
        assert_eq!(SharedStr::slice(&buf, 0..4), "FROM");
        assert_eq!(SharedStr::slice(&buf, 4..4), "");
        assert_eq!(Arc::strong_count(&buf), 1);
        let word = SharedStr::from("héllo wörld");
        assert_eq!(word.substr(7..13), "wörld");
        assert_eq!(SharedStr::from(""), SharedStr::default());
        assert_eq!(std::mem::size_of::<SharedStr>(), 32);
    }

    #[test]
    fn every_range_on_character_boundaries_slices_like_str() {
        // Short and long ranges, near the end of the buffer or not, with multi-byte
        // characters at either end (the inlined short path reads the end bytes).
        let text = "aé€😀 RUN --mount=type=cache,target=/x 😀€éa\u{80}z";
        let buf: Arc<str> = Arc::from(text);
        for start in 0..=text.len() {
            for end in 0..=text.len() {
                if !(text.is_char_boundary(start) && text.is_char_boundary(end)) {
                    continue;
                }
                let got = SharedStr::slice(&buf, start..end);
                let want = text.get(start..end).unwrap_or("");
                assert_eq!(got, want, "{start}..{end}");
                assert_eq!(got.len(), want.len(), "{start}..{end}");
            }
        }
    }

    #[test]
    fn a_whole_buffer_reads_like_a_shared_range() {
        // What `from_buffer` and `slice` build for strings beyond 4 GiB (too large
        // to allocate in a test), here from a short buffer.
        let buf: Arc<str> = Arc::from(LONG);
        let whole = SharedStr::whole(Arc::clone(&buf));
        assert_eq!(whole, LONG);
        assert_eq!(whole.len(), LONG.len());
        let image = whole.substr(5..LONG.len());
        assert_eq!(image, "registry.example.com/team/image:1.2.3");
        assert!(matches!(image.0, Repr::Shared { start: 5, .. }));
        assert_eq!(whole.substr(0..4), "FROM");
        let copy = whole.clone();
        assert_eq!(copy, SharedStr::from(LONG));
        // `buf`, `whole`, `image` and `copy`.
        assert_eq!(Arc::strong_count(&buf), 4);
    }

    #[test]
    fn compares_as_text() {
        let (a, b) = (SharedStr::from("a"), SharedStr::from("b"));
        let owned = String::from("b");
        assert_eq!(b, "b");
        assert_eq!("b", b);
        assert_eq!(b, owned);
        assert_eq!(owned, b);
        assert!(a < b);
        assert_eq!(SharedStr::from(LONG), SharedStr::from(String::from(LONG)));
        assert_eq!(["x", "y"].map(SharedStr::from).join(" "), "x y");
    }
}
