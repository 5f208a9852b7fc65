//! The JSON (exec form) detection of BuildKit's parser, which decodes with Go's
//! `encoding/json` `Decoder`: the first JSON value is read and anything after it
//! is ignored. Written by hand rather than with serde_json because the exact
//! accept/reject edges matter (Go's nesting limit, out-of-range numbers that make
//! decoding fail, lone surrogates decoded to U+FFFD, trailing text ignored).

use std::ops::Range;

use crate::line::{find_byte, ByteSet, Value};

/// Outcome of reading a JSON array of strings.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// A valid array of strings: its decoded values and their ranges (quotes
    /// included) were appended to the caller's vector.
    Strings,
    /// A valid JSON array with a non-string element: BuildKit's hard error.
    NotStrings,
    /// Not JSON (or not an array): BuildKit falls back to the non-JSON form.
    Invalid,
}

/// Go's `encoding/json` nesting limit.
const MAX_DEPTH: usize = 10_000;

/// Parse `text[start..]` (already left-trimmed by the caller) as BuildKit does,
/// appending the strings to `items` (the instruction's argument vector, so the usual
/// exec form costs no vector of its own); `items` is left as it was unless the
/// outcome is [`JsonArray::Strings`].
pub(crate) fn parse_array(
    text: &str,
    start: usize,
    items: &mut Vec<(Value, Range<usize>)>,
) -> JsonArray {
    let b = text.as_bytes();
    if b.get(start) != Some(&b'[') {
        return JsonArray::Invalid;
    }
    let before = items.len();
    let outcome = array_items(text, start + 1, items);
    if outcome != JsonArray::Strings {
        items.truncate(before);
    }
    outcome
}

/// The elements of an array whose `[` ends before `pos`.
fn array_items(text: &str, pos: usize, items: &mut Vec<(Value, Range<usize>)>) -> JsonArray {
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        pos,
    };
    let mut all_strings = true;
    p.ws();
    if p.peek() == Some(b']') {
        return JsonArray::Strings;
    }
    loop {
        p.ws();
        match p.peek() {
            Some(b'"') => {
                let s = p.pos;
                match p.string(true) {
                    Some(Some(v)) => items.push((v, s..p.pos)),
                    Some(None) => items.push((Value::Range(s + 1..p.pos - 1), s..p.pos)),
                    None => return JsonArray::Invalid,
                }
            }
            Some(_) => {
                all_strings = false;
                if !p.value(2) {
                    return JsonArray::Invalid;
                }
            }
            None => return JsonArray::Invalid,
        }
        p.ws();
        match p.bump() {
            Some(b',') => continue,
            Some(b']') => break,
            _ => return JsonArray::Invalid,
        }
    }
    if all_strings {
        JsonArray::Strings
    } else {
        JsonArray::NotStrings
    }
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Any JSON value at nesting `depth` (the outer array is depth 1). Validates
    /// without recursion so deep nesting cannot overflow the stack.
    fn value(&mut self, depth: usize) -> bool {
        // Stack of open containers: true = object, false = array.
        let mut stack: Vec<bool> = Vec::new();
        let base = depth;
        loop {
            // Expect a value.
            self.ws();
            match self.peek() {
                Some(b'[') | Some(b'{') => {
                    let is_obj = self.peek() == Some(b'{');
                    self.pos += 1;
                    if base + stack.len() > MAX_DEPTH {
                        return false;
                    }
                    stack.push(is_obj);
                    self.ws();
                    let close = if is_obj { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        stack.pop();
                    } else if is_obj {
                        if !self.object_key() {
                            return false;
                        }
                        continue;
                    } else {
                        continue;
                    }
                }
                Some(b'"') => {
                    if self.string(false).is_none() {
                        return false;
                    }
                }
                Some(b't') => {
                    if !self.literal("true") {
                        return false;
                    }
                }
                Some(b'f') => {
                    if !self.literal("false") {
                        return false;
                    }
                }
                Some(b'n') => {
                    if !self.literal("null") {
                        return false;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number() {
                        return false;
                    }
                }
                _ => return false,
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&is_obj) = stack.last() else {
                    return true;
                };
                self.ws();
                match self.bump() {
                    Some(b',') => {
                        if is_obj && !self.object_key() {
                            return false;
                        }
                        break;
                    }
                    Some(b'}') if is_obj => {
                        stack.pop();
                    }
                    Some(b']') if !is_obj => {
                        stack.pop();
                    }
                    _ => return false,
                }
            }
        }
    }

    /// `"key" :` inside an object.
    fn object_key(&mut self) -> bool {
        self.ws();
        if self.peek() != Some(b'"') || self.string(false).is_none() {
            return false;
        }
        self.ws();
        self.bump() == Some(b':')
    }

    fn literal(&mut self, word: &str) -> bool {
        if self.b[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    /// A JSON number; false when malformed or out of float64 range (Go then fails
    /// the decode, so BuildKit falls back to the non-JSON form).
    fn number(&mut self) -> bool {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return false,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return false;
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return false;
            }
            self.digits();
        }
        self.text[start..self.pos]
            .parse::<f64>()
            .map(f64::is_finite)
            .unwrap_or(false)
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// A JSON string starting at `"`. Returns `None` when invalid; `Some(None)` when
    /// valid and either not decoded (`decode == false`) or free of escapes (its value
    /// is then the text between the quotes).
    fn string(&mut self, decode: bool) -> Option<Option<Value>> {
        self.pos += 1; // opening quote
        let run_start = self.pos;
        // The usual string has no escape: its end is found eight bytes at a time.
        const STOPS: ByteSet<2> = ByteSet {
            below: 0x20,
            non_ascii: false,
            equal: [b'"', b'\\'],
        };
        self.pos = find_byte(self.b, self.pos, self.b.len(), STOPS);
        if self.peek() == Some(b'"') {
            self.pos += 1;
            return Some(None);
        }
        // An escape (or a control character, or the end): byte by byte from here,
        // the text so far being plain.
        let mut out: Option<String> = None;
        let mut run_start = run_start;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => {
                    if let Some(out) = out.as_mut() {
                        out.push_str(&self.text[run_start..self.pos]);
                    }
                    self.pos += 1;
                    return Some(out.map(Value::Owned));
                }
                b'\\' => {
                    if decode {
                        out.get_or_insert_with(String::new)
                            .push_str(&self.text[run_start..self.pos]);
                    }
                    self.pos += 1;
                    let e = self.bump()?;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi) {
                                // A high surrogate: combine with a following \uDC00-\uDFFF.
                                let save = self.pos;
                                if self.b[self.pos..].starts_with(b"\\u") {
                                    self.pos += 2;
                                    match self.hex4() {
                                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                            let cp =
                                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                            char::from_u32(cp).unwrap_or('\u{FFFD}')
                                        }
                                        Some(_) => {
                                            self.pos = save;
                                            '\u{FFFD}'
                                        }
                                        None => return None,
                                    }
                                } else {
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            }
                        }
                        _ => return None,
                    };
                    if let Some(out) = out.as_mut() {
                        out.push(ch);
                    }
                    run_start = self.pos;
                }
                0..=0x1f => return None,
                _ => self.pos += 1,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.b.get(self.pos..self.pos + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + (d as char).to_digit(16)?;
        }
        self.pos += 4;
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        let mut items = Vec::new();
        match parse_array(s, 0, &mut items) {
            JsonArray::Strings => items
                .into_iter()
                .map(|(v, _)| v.text(s).to_string())
                .collect(),
            other => panic!("{s}: {other:?}"),
        }
    }

    /// The outcome, checking that anything but strings leaves the vector as it was.
    fn outcome(s: &str) -> JsonArray {
        let mut items = vec![(Value::Range(0..0), 0..0)];
        let got = parse_array(s, 0, &mut items);
        if got != JsonArray::Strings {
            assert_eq!(items, [(Value::Range(0..0), 0..0)], "{s}");
        }
        got
    }

    #[test]
    fn decodes_strings_and_ignores_trailing_text() {
        assert_eq!(strings(r#"["a", "b\n\u00e9\/"]"#), ["a", "b\n\u{e9}/"]);
        assert_eq!(strings(r#"["a"] trailing"#), ["a"]);
        // Longer than a word: escapes and the end found past the first eight bytes.
        assert_eq!(
            strings(r#"["abcdefghij\"klmnop\\", "0123456789abcdef", "x\/yz"]"#),
            ["abcdefghij\"klmnop\\", "0123456789abcdef", "x/yz"]
        );
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(
            strings(r#"["\ud83d\ude00", "\ud800x"]"#),
            ["\u{1F600}", "\u{FFFD}x"]
        );
    }

    #[test]
    fn non_strings_and_invalid() {
        assert_eq!(outcome(r#"["a", 1]"#), JsonArray::NotStrings);
        assert_eq!(outcome(r#"[{"a": [null, true]}]"#), JsonArray::NotStrings);
        assert_eq!(outcome("[1e999]"), JsonArray::Invalid);
        assert_eq!(outcome("['a']"), JsonArray::Invalid);
        assert_eq!(outcome(r#"["a""#), JsonArray::Invalid);
        assert_eq!(outcome(r#"["a",]"#), JsonArray::Invalid);
        assert_eq!(outcome("[01]"), JsonArray::Invalid);
        assert_eq!(outcome("[\"0123456789\tabc\"]"), JsonArray::Invalid);
        assert_eq!(outcome("[\"0123456789abc"), JsonArray::Invalid);
        let deep = format!("[{}{}]", "[".repeat(20_000), "]".repeat(20_000));
        assert_eq!(outcome(&deep), JsonArray::Invalid);
    }
}
