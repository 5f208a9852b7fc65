//! Byte spans and the line index used to render them.

/// A half-open byte range `start..end` into the original source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset just past the last byte.
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
    /// The offset at which every line starts: 0, then one past each `\n`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Index the line starts of `source`.
    pub fn new(source: &str) -> Self {
        // Room for lines of 32 bytes on average, so that most files never regrow it.
        let mut line_starts = Vec::with_capacity(source.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1));
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

    /// The offset at which every line starts (the scanner walks them).
    pub(crate) fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_start_after_each_newline() {
        let index = LineIndex::new("a\n\nbc\r\nd");
        assert_eq!(index.line_starts(), [0, 2, 3, 7]);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(5), (3, 3));
        assert_eq!(index.line_col(8), (4, 2));
        assert_eq!(index.line_start(4), Some(7));
        assert_eq!(index.line_start(0), None);
        assert_eq!(LineIndex::new("").line_count(), 1);
        assert_eq!(LineIndex::new("x\n").line_count(), 2);
    }
}
