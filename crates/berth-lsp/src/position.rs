//! Byte offsets (what berth's spans are) to LSP positions and back, in the position encoding
//! negotiated with the client (UTF-16 unless the client offers UTF-8).

use berth_syntax::Span;
use lsp_types::{Position, Range};

/// How `Position::character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units (the protocol's default).
    Utf16,
}

/// Where each line of a text starts. Lines end at `\n`, `\r\n` or a lone `\r`, as the
/// protocol defines them.
#[derive(Clone, Debug, Default)]
pub struct LineMap {
    starts: Vec<usize>,
    len: usize,
}

impl LineMap {
    /// The line starts of `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineMap {
            starts,
            len: text.len(),
        }
    }

    /// 0-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset.min(self.len)) - 1
    }

    /// Byte offset where 0-based `line` starts (the text's end past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte offset where the text of 0-based `line` ends (before its terminator).
    pub fn line_end(&self, text: &str, line: usize) -> usize {
        let next = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let bytes = text.as_bytes();
        let mut end = next.min(bytes.len());
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > self.line_start(line) && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        end
    }

    /// The position of a byte offset (clamped to the text, moved back to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize, encoding: Encoding) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.line_start(line).min(offset);
        let character = match encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => text[start..offset].encode_utf16().count(),
        };
        Position::new(line as u32, character as u32)
    }

    /// The byte offset of a position; a line past the end is the text's end, a character past
    /// the line's end is the line's end.
    pub fn offset(&self, text: &str, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let start = self.line_start(line);
        let end = self.line_end(text, line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (i, c) in text[start..end].char_indices() {
            if units >= wanted {
                return start + i;
            }
            units += match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        end
    }

    /// The range of a byte span.
    pub fn range(&self, text: &str, span: Span, encoding: Encoding) -> Range {
        Range::new(
            self.position(text, span.start, encoding),
            self.position(text, span.end, encoding),
        )
    }

    /// The byte span of a range.
    pub fn span(&self, text: &str, range: Range, encoding: Encoding) -> Span {
        let start = self.offset(text, range.start, encoding);
        let end = self.offset(text, range.end, encoding).max(start);
        Span::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_in_both_encodings() {
        let text = "FROM a\r\nRUN echo \"héllo 😀\"\rCMD x\n";
        let map = LineMap::new(text);
        assert_eq!(map.line_of(text.len()), 3);
        let emoji = text.find('😀').unwrap();
        assert_eq!(
            map.position(text, emoji, Encoding::Utf8),
            Position::new(1, 17)
        );
        assert_eq!(
            map.position(text, emoji, Encoding::Utf16),
            Position::new(1, 16)
        );
        let after = emoji + '😀'.len_utf8();
        assert_eq!(
            map.position(text, after, Encoding::Utf16),
            Position::new(1, 18)
        );
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                let p = map.position(text, offset, encoding);
                let back = map.offset(text, p, encoding);
                // Offsets inside a line terminator map to the line's end.
                assert!(
                    back == offset || text[back..offset].chars().all(|c| c == '\r' || c == '\n'),
                    "{offset} -> {p:?} -> {back}"
                );
            }
        }
        assert_eq!(
            map.position(text, text.find("CMD").unwrap(), Encoding::Utf16),
            Position::new(2, 0)
        );
        // Past the end of a line or of the text is clamped.
        assert_eq!(map.offset(text, Position::new(0, 99), Encoding::Utf16), 6);
        assert_eq!(
            map.offset(text, Position::new(9, 0), Encoding::Utf16),
            text.len()
        );
    }
}
