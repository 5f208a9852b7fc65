//! Heredoc markers (`heredocsFromLine` / `ParseHeredoc`): the logical line is split
//! into shell words with quotes and escapes kept raw (escape character always `\`,
//! variables left as written), and each word of the form `[fd]<<[-]NAME` is a heredoc.

use std::ops::Range;

use crate::line::{char_at, find_word_stop, utf8_width};

/// A heredoc marker found in a logical line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Marker {
    pub name: String,
    pub file_descriptor: u32,
    pub expand: bool,
    pub chomp: bool,
    /// Range of the marker word in the logical line.
    pub range: Range<usize>,
}

/// Error from lexing a delimiter (BuildKit's message).
#[derive(Debug)]
pub(crate) struct MarkerError {
    pub message: String,
    pub range: Range<usize>,
}

/// Find the heredoc markers of a logical line.
pub(crate) fn markers(line: &str) -> Result<Vec<Marker>, MarkerError> {
    // BuildKit ignores lexing errors of the whole line: no words, no heredocs.
    let Some(candidates) = candidate_words(line) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for range in candidates {
        // The word as the raw lexer spells it: the word alone lexes as it does
        // within the line, since a word starts and ends outside quotes.
        let raw = shell_words(&line[range.clone()], true).unwrap_or_default();
        let Some((word, _)) = raw.into_iter().next() else {
            continue;
        };
        if let Some(marker) = parse_marker(&word, range)? {
            out.push(marker);
        }
    }
    Ok(out)
}

/// The ranges of the words of `line` (split as [`shell_words`] does) that can be
/// markers, or `None` when the line does not lex (an unclosed quote).
///
/// Only words that can be markers are wanted, so no word text is built here: the
/// bytes are walked, runs of plain text skipped at once. A raw word (quotes and
/// escapes kept) starts with `\d*<<` exactly when its written text does, as
/// digits and `<` are always taken as written.
#[inline(never)]
fn candidate_words(line: &str) -> Option<Vec<Range<usize>>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut word_start: Option<usize> = None;
    let mut end_word = |start: &mut Option<usize>, at: usize| {
        if let Some(start) = start.take() {
            if could_be_marker(&line[start..at]) {
                out.push(start..at);
            }
        }
    };
    let mut pos = 0;
    while let Some(&c) = b.get(pos) {
        match c {
            b'\'' => {
                word_start.get_or_insert(pos);
                pos += 1;
                pos += memchr::memchr(b'\'', &b[pos..])? + 1;
            }
            b'"' => {
                word_start.get_or_insert(pos);
                pos = after_double_quoted(b, pos + 1)?;
            }
            b'\\' => {
                // The next character is taken as it is; a trailing escape ends the line.
                word_start.get_or_insert(pos);
                pos += 1;
                match b.get(pos) {
                    Some(&next) => pos += utf8_width(next),
                    None => break,
                }
            }
            b'\t'..=b'\r' | b' ' => {
                end_word(&mut word_start, pos);
                pos += 1;
            }
            0x80.. => {
                let ch = char_at(line, pos);
                if ch.is_whitespace() {
                    end_word(&mut word_start, pos);
                } else {
                    word_start.get_or_insert(pos);
                }
                pos += ch.len_utf8();
            }
            _ => {
                word_start.get_or_insert(pos);
                pos = find_word_stop(b, pos + 1, b.len());
            }
        }
    }
    end_word(&mut word_start, b.len());
    Some(out)
}

/// Where a double-quoted text whose opening quote ends before `pos` ends (after its
/// closing quote), or `None` if it is not closed. Inside, `\` escapes only `"`, `$`
/// and `\`.
fn after_double_quoted(b: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        pos += memchr::memchr2(b'"', b'\\', &b[pos..])?;
        if b[pos] == b'"' {
            return Some(pos + 1);
        }
        pos += match b.get(pos + 1) {
            Some(b'"' | b'$' | b'\\') => 2,
            _ => 1,
        };
    }
}

/// Whether `word` starts like a marker (`^\d*<<`).
fn could_be_marker(word: &str) -> bool {
    word.trim_start_matches(|c: char| c.is_ascii_digit())
        .starts_with("<<")
}

/// `^(\d*)<<(-?)([^<]*)$` on one word, then the delimiter checks.
fn parse_marker(word: &str, range: Range<usize>) -> Result<Option<Marker>, MarkerError> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, after),
    };
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    // Go's ParseUint(.., 10, 0): an out-of-range number gives 0.
    let fd = word[..digits].parse::<u32>().unwrap_or(0);
    let lex_error = |e: String| MarkerError {
        message: format!("failed to process {}: {e}", crate::line::go_quote(rest)),
        range: range.clone(),
    };
    let cooked = shell_words(rest, false).map_err(lex_error)?;
    if cooked.len() != 1 {
        return Ok(None);
    }
    let raw = shell_words(rest, true).map_err(lex_error)?;
    if raw.len() != cooked.len() {
        return Err(MarkerError {
            message: format!(
                "internal lexing of heredoc produced inconsistent results: {}",
                rest
            ),
            range,
        });
    }
    let quotes = |s: &str| s.bytes().filter(|&b| b == b'\'' || b == b'"').count();
    let name = cooked.into_iter().next().map(|w| w.0).unwrap_or_default();
    let expand = quotes(&name) == quotes(&raw[0].0);
    Ok(Some(Marker {
        name,
        file_descriptor: fd,
        expand,
        chomp,
        range,
    }))
}

/// BuildKit's shell lexer in word-splitting mode, reduced to what heredoc
/// detection needs: `raw` keeps quotes and escapes in the words. Returns the
/// non-empty words with their ranges.
fn shell_words(s: &str, raw: bool) -> Result<Vec<(String, Range<usize>)>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    let begin = |in_word: &mut bool, start: &mut usize, at: usize| {
        if !*in_word {
            *start = at;
            *in_word = true;
        }
    };
    while let Some((i, ch)) = chars.next() {
        match ch {
            '\'' => {
                begin(&mut in_word, &mut start, i);
                if raw {
                    word.push('\'');
                }
                loop {
                    match chars.next() {
                        None => return Err(
                            "unexpected end of statement while looking for matching single-quote"
                                .into(),
                        ),
                        Some((_, '\'')) => break,
                        Some((_, c)) => word.push(c),
                    }
                }
                if raw {
                    word.push('\'');
                }
            }
            '"' => {
                begin(&mut in_word, &mut start, i);
                if raw {
                    word.push('"');
                }
                loop {
                    match chars.next() {
                        None => return Err(
                            "unexpected end of statement while looking for matching double-quote"
                                .into(),
                        ),
                        Some((_, '"')) => break,
                        Some((_, '\\')) => {
                            if raw {
                                word.push('\\');
                            }
                            match chars.peek() {
                                None => continue,
                                Some(&(_, c @ ('"' | '$' | '\\'))) => {
                                    chars.next();
                                    word.push(c);
                                }
                                // Go writes the escape again here (so raw mode doubles it).
                                Some(_) => word.push('\\'),
                            }
                        }
                        Some((_, c)) => word.push(c),
                    }
                }
                if raw {
                    word.push('"');
                }
            }
            '\\' => {
                begin(&mut in_word, &mut start, i);
                if raw {
                    word.push('\\');
                }
                match chars.next() {
                    None => break,
                    Some((_, c)) => word.push(c),
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    if !word.is_empty() {
                        words.push((word.clone(), start..i));
                    }
                    word.clear();
                    in_word = false;
                }
            }
            c => {
                begin(&mut in_word, &mut start, i);
                word.push(c);
            }
        }
    }
    if !word.is_empty() {
        words.push((word, start..s.len()));
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn candidate_words_match_the_lexer(parts in proptest::collection::vec(
            proptest::sample::select(&[
                "<<", "<", "-", "1", "a", "EOF", " ", "\t", "\n", "\x01", "'", "\"", "\\",
                "$", "`", "\u{a0}", "\u{85}", "\u{e9}", "\u{3000}", "abcdefghij",
            ][..]),
            0..30,
        )) {
            let line = parts.concat();
            let want = shell_words(&line, true).ok().map(|words| {
                words.into_iter().filter(|(word, _)| could_be_marker(word)).collect::<Vec<_>>()
            });
            let got = candidate_words(&line).map(|ranges| {
                ranges
                    .into_iter()
                    .map(|r| {
                        let words = shell_words(&line[r.clone()], true);
                        (words.unwrap_or_default().remove(0).0, r)
                    })
                    .collect::<Vec<_>>()
            });
            prop_assert_eq!(got, want);
        }
    }

    fn names(line: &str) -> Vec<(String, u32, bool, bool)> {
        markers(line)
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.file_descriptor, m.expand, m.chomp))
            .collect()
    }

    #[test]
    fn finds_markers() {
        assert_eq!(
            names(r#"RUN <<-A 3<<"B" cat"#),
            [("A".into(), 0, true, true), ("B".into(), 3, false, false)]
        );
        assert_eq!(
            names("RUN <<eo'f' <<$EOF"),
            [
                ("eof".into(), 0, false, false),
                ("$EOF".into(), 0, true, false)
            ]
        );
        assert!(names("RUN cat x<<EOF <<A<<B <<< <<").is_empty());
        assert!(names(r#"RUN echo "<<EOF""#).is_empty());
        assert!(names("RUN echo it's <<EOF").is_empty());
    }
}
