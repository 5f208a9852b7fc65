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
    let mut i = 0;
    // Runs for every line: the usual byte (above the space) ends it in one test.
    while i < b.len() && b[i] <= b' ' && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    {
        i += 1;
    }
    if i < b.len() && b[i] >= 0x80 {
        return s[i..].trim_start_matches(is_space);
    }
    &s[i..]
}

/// `unicode.IsSpace(rune(b))` for a single byte, as Go's byte loops use it.
#[inline]
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// BuildKit's `reWhitespace`: `[\t\v\f\r ]+`.
#[inline]
fn is_re_ws(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
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
    /// Scratch space for the words of ENV and LABEL (kept for its capacity).
    words: Vec<Range<usize>>,
}

/// A parser-stage error found while parsing a line.
#[derive(Debug)]
pub(crate) struct LineError {
    pub code: ErrorCode,
    pub message: String,
    pub range: Range<usize>,
}

fn trim_range(s: &str, r: Range<usize>) -> Range<usize> {
    // Bytes first (ASCII whitespace: `\t` to `\r` and the space), Unicode only from a
    // non-ASCII byte on: this runs twice for every instruction.
    let b = s.as_bytes();
    let mut start = r.start;
    while start < r.end && matches!(b[start], b'\t'..=b'\r' | b' ') {
        start += 1;
    }
    if start < r.end && b[start] >= 0x80 {
        start = r.end - s[start..r.end].trim_start_matches(is_space).len();
    }
    let mut end = r.end;
    while end > start && matches!(b[end - 1], b'\t'..=b'\r' | b' ') {
        end -= 1;
    }
    if end > start && b[end - 1] >= 0x80 {
        end = start + s[start..end].trim_end_matches(is_space).len();
    }
    if start >= end {
        start..start
    } else {
        start..end
    }
}

impl LineNode {
    /// Empty the node for the next line, keeping the vectors' capacity.
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
    let kw_end = (line.start..line.end)
        .find(|&i| is_re_ws(b[i]))
        .unwrap_or(line.end);
    node.keyword = line.start..kw_end;
    let mut rest = line.end..line.end;
    if kw_end < line.end {
        let mut args_start = kw_end;
        while args_start < line.end && is_re_ws(b[args_start]) {
            args_start += 1;
        }
        // Most instructions have no flags: skip the flag scanner unless the arguments
        // start with what it would look at (a dash, or a space it skips).
        let args = match b.get(args_start) {
            Some(&c) if c != b'-' && !byte_is_space(c) => args_start..line.end,
            _ => extract_flags(s, args_start..line.end, escape, &mut node.flags),
        };
        rest = trim_range(s, args);
    }
    node.rest = rest.clone();
    let Some(keyword) = Keyword::known(&s[node.keyword.clone()]) else {
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
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = s.as_bytes();
    let end = range.end;
    let esc = escape as u8;
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = range.start;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = range.start;
    // Go may stop in the middle of a UTF-8 sequence (it tests bytes 0x85 and 0xA0
    // as spaces); Rust strings need a char boundary.
    let boundary = |mut p: usize| {
        while p < end && !s.is_char_boundary(p) {
            p += 1;
        }
        p
    };
    // The flag as BuildKit reports it; a range when that is exactly what was written.
    let flag = |word: String, range: Range<usize>| {
        // BuildKit ends a flag at a space byte, which can be the second byte of U+0085 or
        // U+00A0; the flag's span then takes in the rest of that character.
        let span = range.start..boundary(range.end);
        if span == range && s.as_bytes()[range.clone()] == *word.as_bytes() {
            (Value::Range(range), span)
        } else {
            (Value::Owned(word), span)
        }
    };
    while pos <= end {
        let ch = if pos < end { b[pos] } else { 0 };
        if phase == Phase::Spaces {
            if pos == end {
                break;
            }
            if byte_is_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == end || b[pos + 1] != b'-' {
                return boundary(pos)..end;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == end {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push(flag(word, word_start..end));
            }
            break;
        }
        if phase == Phase::Word {
            if byte_is_space(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return boundary(pos)..end;
                }
                if blank_ok || !word.is_empty() {
                    words.push(flag(std::mem::take(&mut word), word_start..pos));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
        } else if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        // Word or quote phase: the escape character makes the next byte literal
        // (a trailing lone escape is dropped).
        let mut c = ch;
        if ch == esc {
            if pos + 1 == end {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            c = b[pos];
        }
        word.push(c as char);
        pos += 1;
    }
    end..end
}

/// `parseWords`: quote-aware words, kept verbatim (a trailing lone escape is dropped),
/// each passed to `push`. Walks bytes and decodes a character only at a non-ASCII
/// byte (for Unicode spaces).
pub(crate) fn parse_words(
    s: &str,
    range: Range<usize>,
    escape: char,
    mut push: impl FnMut(Range<usize>),
) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let b = s.as_bytes();
    let end = range.end;
    // The character at `p` (a character boundary before `end`) and its width.
    let char_at = |p: usize| -> (char, usize) {
        match b[p] {
            c if c < 0x80 => (c as char, 1),
            _ => s[p..]
                .chars()
                .next()
                .map_or(('\0', 1), |c| (c, c.len_utf8())),
        }
    };
    // Bytes that end a run of plain word text.
    let esc = escape as u8;
    let special = |c: u8| c >= 0x80 || c == esc || matches!(c, b'\'' | b'"') || byte_is_space(c);
    let mut phase = Phase::Spaces;
    let mut start = range.start;
    let mut word_end = range.start; // end of the word text collected so far
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut pos = range.start;
    while pos < end {
        let (ch, width) = char_at(pos);
        if phase == Phase::Spaces {
            if is_space(ch) {
                pos += width;
                continue;
            }
            phase = Phase::Word;
            start = pos;
            word_end = pos;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || word_end > start {
                    push(start..word_end);
                }
                blank_ok = false;
                pos += width;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            } else if ch == escape {
                // The next character is literal; a trailing escape is dropped.
                pos += width;
                if pos < end {
                    pos += char_at(pos).1;
                    word_end = pos;
                }
                continue;
            } else {
                pos += width;
                while pos < end && !special(b[pos]) {
                    pos += 1;
                }
                word_end = pos;
                continue;
            }
            pos += width;
            word_end = pos;
            continue;
        }
        // Quote phase.
        if ch == quote {
            phase = Phase::Word;
        } else if ch == escape && quote != '\'' {
            pos += width;
            if pos < end {
                pos += char_at(pos).1;
                word_end = pos;
            } else {
                phase = Phase::Word;
            }
            continue;
        }
        pos += width;
        word_end = pos;
    }
    if phase != Phase::Spaces && (blank_ok || word_end > start) {
        push(start..word_end);
    }
}

/// `parseStringsWhitespaceDelimited`: split on `[\t\v\f\r ]+`, pushing to `out`.
fn whitespace_delimited(s: &str, range: Range<usize>, out: &mut Vec<(Value, Range<usize>)>) {
    if range.is_empty() {
        return;
    }
    let b = s.as_bytes();
    let mut start = range.start;
    let mut i = range.start;
    while i < range.end {
        if is_re_ws(b[i]) {
            out.push(verbatim(start..i));
            while i < range.end && is_re_ws(b[i]) {
                i += 1;
            }
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(verbatim(start..range.end));
}

/// `parseJSON`: Some(Ok) for a string array, Some(Err) for the non-string error,
/// None to fall back.
fn json(s: &str, range: &Range<usize>, node: &mut LineNode) -> Option<Option<LineError>> {
    match parse_array(&s[..range.end], range.start) {
        JsonArray::Strings(mut items) => {
            node.args.append(&mut items);
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
    let mut rest = LineNode::default();
    let err = maybe_json(s, next..range.end, &mut rest);
    node.args.append(&mut rest.args);
    node.json = rest.json;
    err
}

/// `parseNameVal` for ENV and LABEL: `key, value, separator` triples.
fn name_val(
    s: &str,
    range: Range<usize>,
    key: &str,
    escape: char,
    node: &mut LineNode,
) -> Option<LineError> {
    let mut words = std::mem::take(&mut node.words);
    words.clear();
    parse_words(s, range.clone(), escape, |word| words.push(word));
    let err = name_val_words(s, range, key, &words, node);
    node.words = words;
    err
}

/// [`name_val`] once the words are known.
fn name_val_words(
    s: &str,
    range: Range<usize>,
    key: &str,
    words: &[Range<usize>],
    node: &mut LineNode,
) -> Option<LineError> {
    let first = words.first()?;
    if !s[first.clone()].contains('=') {
        // Legacy `KEY name value`: split once on whitespace.
        let b = s.as_bytes();
        let Some(k_end) = (range.start..range.end).find(|&i| is_re_ws(b[i])) else {
            return Some(LineError {
                code: ErrorCode::MissingValue,
                message: format!("{key} must have two arguments"),
                range,
            });
        };
        let mut v_start = k_end;
        while v_start < range.end && is_re_ws(b[v_start]) {
            v_start += 1;
        }
        node.args.push(verbatim(range.start..k_end));
        node.args.push(verbatim(v_start..range.end));
        node.args.push(verbatim(k_end..k_end));
        return None;
    }
    for word in words {
        let text = &s[word.clone()];
        let Some(eq) = text.find('=') else {
            node.args.clear();
            return Some(LineError {
                code: ErrorCode::MissingEquals,
                message: format!(
                    "Syntax error - can't find = in {}. Must be of the form: name=value",
                    go_quote(text)
                ),
                range: word.clone(),
            });
        };
        let eq = word.start + eq;
        node.args.push(verbatim(word.start..eq));
        node.args.push(verbatim(eq + 1..word.end));
        node.args.push(verbatim(eq..eq + 1));
    }
    None
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

    #[test]
    fn go_quoting() {
        assert_eq!(go_quote("a\"\\\t\u{0}♥"), r#""a\"\\\t\x00♥""#);
    }
}
