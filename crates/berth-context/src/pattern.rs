//! `.dockerignore` patterns and the matcher, with moby/patternmatcher's semantics
//! (BuildKit) or, on request, the semantics of the Docker 20.10 client (`fileutils`).
//!
//! globset is not used: its `*` crosses `/` unless configured otherwise, `**` is only
//! special next to separators (patternmatcher's `a**/*.txt` and `**file` differ), it has no
//! "a pattern also matches every parent directory" rule, no Go bracket syntax errors, and
//! no way to reproduce Go regexp's `.` not matching a newline. A pattern here is compiled
//! exactly as patternmatcher compiles it: to an exact, prefix or suffix comparison when it
//! can, else to the Go regular expression it would build (see [`crate::goregex`]).

use crate::engine::Engine;
use crate::goregex::Program;
use crate::path as gopath;

/// A `.dockerignore` pattern BuildKit rejects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// A lone `!`.
    #[error("illegal exclusion pattern: \"!\"")]
    IllegalExclusion,
    /// Go's `filepath.ErrBadPattern`, from the syntax check or from compiling the pattern.
    #[error("syntax error in pattern: {pattern:?}")]
    BadPattern {
        /// The offending pattern (after cleaning, without `!`).
        pattern: String,
    },
}

#[derive(Clone, Debug)]
enum Kind {
    Exact,
    /// Compare with the pattern minus its trailing `**`.
    Prefix,
    /// Compare with the pattern minus its leading `**`.
    Suffix,
    Regex(Program),
}

/// One compiled pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    text: Vec<u8>,
    exclusion: bool,
    dirs: usize,
    /// A pattern that passes Go's syntax check but whose regular expression does not
    /// compile fails when it is first evaluated, as in patternmatcher.
    kind: Option<Kind>,
}

impl Pattern {
    fn new(raw: &[u8], engine: Engine) -> Result<Option<Pattern>, PatternError> {
        let trimmed = gopath::trim_space(raw);
        if trimmed.is_empty() {
            return Ok(None);
        }
        let mut text = gopath::clean(trimmed);
        let exclusion = text[0] == b'!';
        if exclusion {
            if text.len() == 1 {
                return Err(PatternError::IllegalExclusion);
            }
            text.remove(0);
        }
        if !valid_glob(&text) {
            return Err(bad(&text));
        }
        let dirs = text.split(|&b| b == b'/').count();
        let kind = compile(&text, engine);
        Ok(Some(Pattern {
            text,
            exclusion,
            dirs,
            kind,
        }))
    }

    /// The cleaned pattern text, without the leading `!`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// Whether this is a `!` exception.
    pub fn is_exclusion(&self) -> bool {
        self.exclusion
    }

    fn matches(&self, path: &[u8]) -> Result<bool, PatternError> {
        Ok(match &self.kind {
            None => return Err(bad(&self.text)),
            Some(Kind::Exact) => path == self.text.as_slice(),
            Some(Kind::Prefix) => path.starts_with(&self.text[..self.text.len() - 2]),
            Some(Kind::Suffix) => {
                let suffix = &self.text[2..];
                path.ends_with(suffix) || (suffix.first() == Some(&b'/') && path == &suffix[1..])
            }
            Some(Kind::Regex(program)) => program.is_match(&gopath::decode_runes(path)),
        })
    }

    /// Whether the pattern has no wildcard at all (compares as a plain string).
    fn is_literal(&self) -> bool {
        matches!(self.kind, Some(Kind::Exact))
    }
}

fn bad(text: &[u8]) -> PatternError {
    PatternError::BadPattern {
        pattern: String::from_utf8_lossy(text).into_owned(),
    }
}

/// Go's `filepath.Match` syntax check (Unix): brackets must close and hold valid ranges,
/// a `\` must escape something.
fn valid_glob(p: &[u8]) -> bool {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' => {
                if i + 1 >= p.len() {
                    return false;
                }
                i += 2;
            }
            b'[' => {
                i += 1;
                if p.get(i) == Some(&b'^') {
                    i += 1;
                }
                let mut ranges = 0;
                loop {
                    if p.get(i) == Some(&b']') && ranges > 0 {
                        i += 1;
                        break;
                    }
                    let Some(next) = class_char(p, i) else {
                        return false;
                    };
                    i = next;
                    if p[i] == b'-' {
                        let Some(next) = class_char(p, i + 1) else {
                            return false;
                        };
                        i = next;
                    }
                    ranges += 1;
                }
            }
            _ => i += 1,
        }
    }
    true
}

/// Go's `getEsc`: one class character at `i`; returns the index after it, which must not
/// be the end of the pattern.
fn class_char(p: &[u8], mut i: usize) -> Option<usize> {
    match p.get(i)? {
        b'-' | b']' => return None,
        b'\\' => {
            i += 1;
            p.get(i)?;
        }
        _ => {}
    }
    let width = utf8_width(&p[i..])?;
    let next = i + width;
    (next < p.len()).then_some(next)
}

fn utf8_width(bytes: &[u8]) -> Option<usize> {
    let want = match bytes[0] {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => return None,
    };
    let chunk = bytes.get(..want)?;
    std::str::from_utf8(chunk).ok().map(|_| want)
}

/// Compile a cleaned pattern the way patternmatcher (or the 20.10 `fileutils`) does.
fn compile(text: &[u8], engine: Engine) -> Option<Kind> {
    #[derive(PartialEq)]
    enum Type {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars = gopath::decode_runes(text);
    let mut re: Vec<char> = vec!['^'];
    let mut kind = Type::Exact;
    let mut i = 0;
    let mut first = true;
    let escaped: &[char] = match engine {
        Engine::BuildKit => &['.', '+', '(', ')', '|', '{', '}', '$'],
        Engine::Docker20 => &['.', '$'],
    };
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        match ch {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == Type::Exact && engine == Engine::BuildKit {
                        kind = Type::Prefix;
                    } else {
                        re.extend(['.', '*']);
                        kind = Type::Regex;
                    }
                } else {
                    re.extend("(.*/)?".chars());
                    kind = Type::Regex;
                }
                if first {
                    kind = Type::Suffix;
                }
            }
            '*' => {
                re.extend("[^/]*".chars());
                kind = Type::Regex;
            }
            '?' => {
                re.extend("[^/]".chars());
                kind = Type::Regex;
            }
            c if escaped.contains(&c) => re.extend(['\\', c]),
            '\\' => {
                if let Some(&next) = chars.get(i) {
                    i += 1;
                    re.extend(['\\', next]);
                    kind = Type::Regex;
                } else {
                    re.push('\\');
                }
            }
            '[' | ']' => {
                re.push(ch);
                kind = Type::Regex;
            }
            c => re.push(c),
        }
        first = false;
    }
    re.push('$');
    if engine == Engine::Docker20 {
        // The 20.10 code always went through the regular expression.
        kind = Type::Regex;
    }
    Some(match kind {
        Type::Exact => Kind::Exact,
        Type::Prefix => Kind::Prefix,
        Type::Suffix => Kind::Suffix,
        Type::Regex => Kind::Regex(Program::compile(&re).ok()?),
    })
}

/// Per-directory match state carried down a walk (patternmatcher's `MatchInfo`): which
/// patterns matched the directory or one of its parents.
#[derive(Clone, Debug, Default)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// A compiled `.dockerignore`.
///
/// ```
/// use berth_context::Matcher;
/// let m = Matcher::new(["docs", "!docs/README.md"]).unwrap();
/// assert!(m.is_excluded("docs/guide.md").unwrap());
/// assert!(!m.is_excluded("docs/README.md").unwrap());
/// assert!(!m.is_excluded("src/main.rs").unwrap());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
    has_exclusions: bool,
    engine: Engine,
}

impl Matcher {
    /// Compile patterns with BuildKit's semantics (each entry one pattern, as
    /// `patternmatcher.New` takes them: trimmed, cleaned, `!` for an exception).
    pub fn new<I, P>(patterns: I) -> Result<Matcher, PatternError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        Matcher::for_engine(patterns, Engine::BuildKit)
    }

    /// Compile patterns as `engine` matches them (see [`Engine`]).
    pub fn for_engine<I, P>(patterns: I, engine: Engine) -> Result<Matcher, PatternError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let mut compiled = Vec::new();
        for raw in patterns {
            if let Some(pattern) = Pattern::new(raw.as_ref(), engine)? {
                compiled.push(pattern);
            }
        }
        let has_exclusions = compiled.iter().any(|p| p.exclusion);
        Ok(Matcher {
            patterns: compiled,
            has_exclusions,
            engine,
        })
    }

    /// The compiled patterns, in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Which engine this matcher reproduces.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Whether `path` (relative, `/`-separated) is excluded: patternmatcher's
    /// `MatchesOrParentMatches`, or the 20.10 `Matches` under [`Engine::Docker20`].
    pub fn is_excluded(&self, path: impl AsRef<[u8]>) -> Result<bool, PatternError> {
        let path = path.as_ref();
        if self.engine == Engine::Docker20 {
            return self.legacy_matches(path);
        }
        let parent = gopath::dir(path);
        let parent_dirs: Vec<&[u8]> = parent.split(|&b| b == b'/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            // An exception only matters once excluded, a normal pattern only before.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(path)?;
            if !hit && parent.as_slice() != b"." {
                let mut prefix = Vec::with_capacity(parent.len());
                for (i, dir) in parent_dirs.iter().enumerate() {
                    if i > 0 {
                        prefix.push(b'/');
                    }
                    prefix.extend_from_slice(dir);
                    // Errors of parent checks are ignored upstream too.
                    if pattern.matches(&prefix).unwrap_or(false) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        Ok(matched)
    }

    /// The 20.10 `fileutils.PatternMatcher.Matches`.
    fn legacy_matches(&self, path: &[u8]) -> Result<bool, PatternError> {
        let parent = gopath::dir(path);
        let parent_dirs: Vec<&[u8]> = parent.split(|&b| b == b'/').collect();
        let mut matched = false;
        for pattern in &self.patterns {
            let mut hit = pattern.matches(path)?;
            if !hit && parent.as_slice() != b"." && pattern.dirs <= parent_dirs.len() {
                let prefix = parent_dirs[..pattern.dirs].join(&b'/');
                hit = pattern.matches(&prefix).unwrap_or(false);
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        Ok(matched)
    }

    /// The walk's incremental form (`MatchesUsingParentResults`): `parent` is the info
    /// returned for the containing directory (default for a top-level entry). Under
    /// [`Engine::Docker20`] this is the plain per-path decision.
    pub fn is_excluded_in(
        &self,
        path: &[u8],
        parent: &MatchInfo,
    ) -> Result<(bool, MatchInfo), PatternError> {
        if self.engine == Engine::Docker20 {
            return Ok((self.legacy_matches(path)?, MatchInfo::default()));
        }
        if parent.parent_matched.is_empty() {
            // No information: same as the non-incremental form, pattern by pattern.
            return self.incremental(path, None);
        }
        self.incremental(path, Some(&parent.parent_matched))
    }

    /// [`Matcher::is_excluded_in`] for an entry that has no children (a file or a
    /// symlink): the same decision without building its match info.
    pub fn is_excluded_leaf(&self, path: &[u8], parent: &MatchInfo) -> Result<bool, PatternError> {
        if self.patterns.is_empty() {
            return Ok(false);
        }
        if self.engine == Engine::Docker20 {
            return self.legacy_matches(path);
        }
        let parent = (!parent.parent_matched.is_empty()).then_some(&parent.parent_matched[..]);
        self.incremental_with(path, parent, false).map(|(m, _)| m)
    }

    fn incremental(
        &self,
        path: &[u8],
        parent: Option<&[bool]>,
    ) -> Result<(bool, MatchInfo), PatternError> {
        self.incremental_with(path, parent, true)
    }

    fn incremental_with(
        &self,
        path: &[u8],
        parent: Option<&[bool]>,
        want_info: bool,
    ) -> Result<(bool, MatchInfo), PatternError> {
        let mut info = if want_info {
            vec![false; self.patterns.len()]
        } else {
            Vec::new()
        };
        let mut matched = false;
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.is_some_and(|p| p[i]);
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = pattern.matches(path)?;
                if !hit && parent.is_none() {
                    let parent_path = gopath::dir(path);
                    if parent_path.as_slice() != b"." {
                        let mut prefix = Vec::new();
                        for (j, dir) in parent_path.split(|&b| b == b'/').enumerate() {
                            if j > 0 {
                                prefix.push(b'/');
                            }
                            prefix.extend_from_slice(dir);
                            if pattern.matches(&prefix).unwrap_or(false) {
                                hit = true;
                                break;
                            }
                        }
                    }
                }
            }
            if want_info {
                info[i] = hit;
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        Ok((
            matched,
            MatchInfo {
                parent_matched: info,
            },
        ))
    }

    /// For an excluded directory: whether the walk must still descend because an
    /// exception could re-include something below it. Conservative for BuildKit (any
    /// exception that is not a plain path below `dir` forces a descent), exact for the
    /// 20.10 client (a literal prefix test on the exception text, wildcards or not).
    pub fn may_reinclude_below(&self, dir: &[u8]) -> bool {
        if !self.has_exclusions {
            return false;
        }
        let mut dir_slash = dir.to_vec();
        dir_slash.push(b'/');
        self.patterns.iter().filter(|p| p.exclusion).any(|p| {
            let below = p.text.starts_with(&dir_slash) && p.text.len() > dir_slash.len();
            match self.engine {
                Engine::Docker20 => {
                    let mut text = p.text.clone();
                    text.push(b'/');
                    text.starts_with(&dir_slash)
                }
                Engine::BuildKit => !p.is_literal() || below,
            }
        })
    }
}

/// Read a `.dockerignore` file's bytes into patterns (`ignorefile.ReadAll`): a UTF-8 BOM
/// is dropped, lines starting with `#` are comments, lines are trimmed, empty lines
/// skipped, a pattern (after an optional `!`) is cleaned and loses a leading `/`.
/// Returns each pattern with its 1-based line number.
pub fn parse_dockerignore(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut out = Vec::new();
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    for (index, line) in lines.into_iter().enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"#") {
            continue;
        }
        let mut pattern = gopath::trim_space(line);
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern[0] == b'!';
        if invert {
            pattern = gopath::trim_space(&pattern[1..]);
        }
        let mut text = Vec::new();
        if invert {
            text.push(b'!');
        }
        if !pattern.is_empty() {
            let cleaned = gopath::clean(pattern);
            let cleaned = if cleaned.len() > 1 && cleaned[0] == b'/' {
                &cleaned[1..]
            } else {
                &cleaned[..]
            };
            text.extend_from_slice(cleaned);
        }
        out.push((index + 1, text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_follows_ignorefile() {
        let input = b"test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! \n";
        let got: Vec<Vec<u8>> = parse_dockerignore(input).into_iter().map(|p| p.1).collect();
        let want: Vec<&[u8]> = vec![
            b"test1",
            b"test2",
            b"a/file/here",
            b"lastfile",
            b"!inverted/abs/path",
            b"!",
            b"!",
        ];
        assert_eq!(got, want);
        // A comment only counts at column 0; a BOM is dropped.
        let got = parse_dockerignore(b"\xef\xbb\xbf# c\n  # not a comment\r\n");
        assert_eq!(got, vec![(2, b"# not a comment".to_vec())]);
    }

    #[test]
    fn legacy_regex_operators() {
        let m = Matcher::for_engine(["a+b", "q|r"], Engine::Docker20).unwrap();
        assert!(m.is_excluded("aab").unwrap());
        assert!(!m.is_excluded("a+b").unwrap());
        assert!(m.is_excluded("qqq").unwrap());
        let m = Matcher::new(["a+b"]).unwrap();
        assert!(m.is_excluded("a+b").unwrap());
    }

    #[test]
    fn legacy_trailing_doublestar() {
        let m = Matcher::for_engine(["abc/**"], Engine::Docker20).unwrap();
        assert!(m.is_excluded("abc/def").unwrap());
        assert!(!m.is_excluded("abc").unwrap());
    }

    #[test]
    fn legacy_parent_depth() {
        let m = Matcher::for_engine(["**/foo"], Engine::Docker20).unwrap();
        assert!(!m.is_excluded("a/b/foo/x").unwrap());
        let m = Matcher::new(["**/foo"]).unwrap();
        assert!(m.is_excluded("a/b/foo/x").unwrap());
    }

    #[test]
    fn pruning() {
        let m = Matcher::new(["dir", "!dir/keep"]).unwrap();
        assert!(m.may_reinclude_below(b"dir"));
        assert!(!m.may_reinclude_below(b"other"));
        let m = Matcher::new(["dir", "!**/keep"]).unwrap();
        assert!(m.may_reinclude_below(b"other"));
        let m = Matcher::for_engine(["dir", "!**/keep"], Engine::Docker20).unwrap();
        assert!(!m.may_reinclude_below(b"dir"));
    }
}
