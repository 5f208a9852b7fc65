//! [`SharedStr`]: the string type of the syntax tree. Every token is a range of one
//! reference-counted buffer (the source, or a logical line joined from continuation
//! lines), so building and cloning the tree copies no text and makes one heap
//! allocation per buffer rather than one per token.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// An immutable string that shares its text: a range of a reference-counted buffer.
/// Cloning or slicing it never copies the text. It dereferences to `str`, and
/// compares, hashes, orders, prints and serializes as the text it holds.
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
#[derive(Clone, Default)]
pub struct SharedStr {
    /// The buffer holding the text; `None` for the empty string (no allocation).
    buf: Option<Arc<str>>,
    /// Where the text lies in `buf`.
    range: Range<usize>,
}

impl SharedStr {
    /// The part `range` of `buf`, sharing it. Panics, like slicing a `str`, when the
    /// range is out of bounds or not on character boundaries (a reversed range on
    /// character boundaries is the empty string).
    pub(crate) fn slice(buf: &Arc<str>, range: Range<usize>) -> SharedStr {
        if range.start >= range.end
            && buf.is_char_boundary(range.start)
            && buf.is_char_boundary(range.end)
        {
            return SharedStr::default();
        }
        // Checks the range once, here: every later read slices the same range.
        let _ = &buf[range.clone()];
        SharedStr {
            buf: Some(Arc::clone(buf)),
            range,
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        self.buf
            .as_deref()
            .map_or("", |buf| &buf[self.range.clone()])
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.range.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The part `range` of this string (byte offsets into it), sharing its buffer.
    ///
    /// Panics, like slicing a `str`, when the range is out of bounds or not on
    /// character boundaries.
    pub fn substr(&self, range: Range<usize>) -> SharedStr {
        let _ = &self.as_str()[range.clone()];
        match &self.buf {
            Some(buf) => {
                let start = self.range.start;
                SharedStr::slice(buf, start + range.start..start + range.end)
            }
            None => SharedStr::default(),
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
        SharedStr::from(Arc::<str>::from(text))
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> SharedStr {
        SharedStr::from(Arc::<str>::from(text))
    }
}

impl From<&String> for SharedStr {
    fn from(text: &String) -> SharedStr {
        SharedStr::from(text.as_str())
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(buf: Arc<str>) -> SharedStr {
        if buf.is_empty() {
            return SharedStr::default();
        }
        SharedStr {
            range: 0..buf.len(),
            buf: Some(buf),
        }
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
    fn slices_share_the_buffer() {
        let buf: Arc<str> = Arc::from(LONG);
        let image = SharedStr::slice(&buf, 5..LONG.len());
        assert_eq!(image, "registry.example.com/team/image:1.2.3");
        assert_eq!(Arc::strong_count(&buf), 2);
        let part = image.substr_of(image.trim_end_matches(":1.2.3"));
        assert_eq!(part, "registry.example.com/team/image");
        assert_eq!(Arc::strong_count(&buf), 3);
        assert_eq!(image.substr_of("elsewhere"), "elsewhere");
        assert_eq!(Arc::strong_count(&buf), 3);
        assert_eq!(image.substr(0..8), "registry");
    }

    #[test]
    fn empty_strings_hold_no_buffer() {
        let buf: Arc<str> = Arc::from(LONG);
        assert_eq!(SharedStr::slice(&buf, 4..4), "");
        let (start, end) = (7, 4);
        assert_eq!(SharedStr::slice(&buf, start..end), "");
        assert_eq!(Arc::strong_count(&buf), 1);
        assert_eq!(SharedStr::from(""), SharedStr::default());
        assert!(SharedStr::from(String::new()).is_empty());
        let word = SharedStr::from("héllo wörld");
        assert_eq!(word.substr(7..13), "wörld");
        assert_eq!(word.substr(3..3), "");
    }

    #[test]
    fn every_range_on_character_boundaries_slices_like_str() {
        let text = "aé€😀 RUN --mount=type=cache,target=/x 😀€éa\u{80}z";
        let buf: Arc<str> = Arc::from(text);
        for start in 0..=text.len() {
            for end in start..=text.len() {
                if !(text.is_char_boundary(start) && text.is_char_boundary(end)) {
                    continue;
                }
                let got = SharedStr::slice(&buf, start..end);
                assert_eq!(got, text[start..end], "{start}..{end}");
                assert_eq!(got.len(), end - start, "{start}..{end}");
            }
        }
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
