//! A small regular-expression engine for the expressions moby/patternmatcher generates
//! from `.dockerignore` patterns, parsed with Go `regexp/syntax` (Perl flags) rules.
//!
//! Why not a regex crate: the generated expression passes bracket expressions through
//! verbatim, so `[*]` becomes `[[^/]*]`, which Go reads as the class `[[^/]` followed by
//! `*` and a literal `]`, while Rust's `regex` reads nested classes and set operators
//! (`&&`, `--`); `\d` is ASCII in Go and Unicode in Rust. Reproducing Go's parse of the
//! small subset that can occur is less code than papering over those differences.
//!
//! Matching is a Pike VM over a state set: time is linear in path length times program
//! size, so no pattern can make matching hang.

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Program {
    insts: Vec<Inst>,
    classes: Vec<Class>,
}

/// Why an expression was rejected (the text mirrors Go's error codes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegexError(pub &'static str);

#[derive(Clone, Debug)]
enum Inst {
    Char(char),
    Class(usize),
    AnyNotNl,
    Start,
    End,
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Clone, Debug, Default)]
struct Class {
    ranges: Vec<(char, char)>,
    negated: bool,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

#[derive(Clone, Debug)]
enum Node {
    Char(char),
    Class(Class),
    AnyNotNl,
    Start,
    End,
    Group(Vec<Node>),
    Star(Box<Node>),
    Plus(Box<Node>),
    Opt(Box<Node>),
    Alt(Vec<Vec<Node>>),
    Repeat(Box<Node>, u32, Option<u32>),
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
}

impl Program {
    /// Parse and compile `expr` (already split into characters, Go-style).
    pub fn compile(expr: &[char]) -> Result<Program, RegexError> {
        let mut parser = Parser { s: expr, i: 0 };
        let nodes = vec![parser.alternation(0)?];
        if parser.i < expr.len() {
            return Err(RegexError("unexpected )"));
        }
        let mut program = Program {
            insts: Vec::new(),
            classes: Vec::new(),
        };
        program.emit_seq(nodes);
        program.insts.push(Inst::Match);
        Ok(program)
    }

    fn emit_seq(&mut self, nodes: Vec<Node>) {
        for node in nodes {
            self.emit(node);
        }
    }

    fn emit(&mut self, node: Node) {
        match node {
            Node::Char(c) => self.insts.push(Inst::Char(c)),
            Node::Class(class) => {
                self.classes.push(class);
                self.insts.push(Inst::Class(self.classes.len() - 1));
            }
            Node::AnyNotNl => self.insts.push(Inst::AnyNotNl),
            Node::Start => self.insts.push(Inst::Start),
            Node::End => self.insts.push(Inst::End),
            Node::Group(nodes) => self.emit_seq(nodes),
            Node::Star(inner) => {
                let split = self.insts.len();
                self.insts.push(Inst::Split(0, 0));
                self.emit(*inner);
                self.insts.push(Inst::Jmp(split));
                let after = self.insts.len();
                self.insts[split] = Inst::Split(split + 1, after);
            }
            Node::Plus(inner) => {
                let start = self.insts.len();
                self.emit(*inner);
                let after = self.insts.len() + 1;
                self.insts.push(Inst::Split(start, after));
            }
            Node::Alt(alternatives) => {
                let mut jumps = Vec::new();
                let count = alternatives.len();
                for (i, alternative) in alternatives.into_iter().enumerate() {
                    if i + 1 == count {
                        self.emit_seq(alternative);
                        break;
                    }
                    let split = self.insts.len();
                    self.insts.push(Inst::Split(0, 0));
                    self.emit_seq(alternative);
                    jumps.push(self.insts.len());
                    self.insts.push(Inst::Jmp(0));
                    let after = self.insts.len();
                    self.insts[split] = Inst::Split(split + 1, after);
                }
                let end = self.insts.len();
                for jump in jumps {
                    self.insts[jump] = Inst::Jmp(end);
                }
            }
            Node::Repeat(inner, min, max) => {
                for _ in 0..min {
                    self.emit((*inner).clone());
                }
                match max {
                    None => self.emit(Node::Star(inner)),
                    Some(max) => {
                        for _ in min..max {
                            self.emit(Node::Opt(inner.clone()));
                        }
                    }
                }
            }
            Node::Opt(inner) => {
                let split = self.insts.len();
                self.insts.push(Inst::Split(0, 0));
                self.emit(*inner);
                let after = self.insts.len();
                self.insts[split] = Inst::Split(split + 1, after);
            }
        }
    }

    /// Whether the expression matches anywhere in `input`, as Go's `MatchString` does
    /// (the generated expressions carry their own `^`/`$`, but a top-level `|` in the
    /// legacy syntax splits them, so anchoring is not implied).
    pub fn is_match(&self, input: &[char]) -> bool {
        let n = self.insts.len();
        let mut current: Vec<usize> = Vec::with_capacity(n);
        let mut next: Vec<usize> = Vec::with_capacity(n);
        // `seen[pc]` holds the position it was last added at, so it needs no clearing.
        let mut seen = vec![usize::MAX; n];
        let mut stack = Vec::new();
        for pos in 0..=input.len() {
            self.add(&mut current, &mut seen, &mut stack, 0, pos, input.len());
            if current
                .iter()
                .any(|&pc| matches!(self.insts[pc], Inst::Match))
            {
                return true;
            }
            let Some(&c) = input.get(pos) else { break };
            next.clear();
            for &pc in &current {
                let advance = match self.insts[pc] {
                    Inst::Char(want) => want == c,
                    Inst::Class(idx) => self.classes[idx].matches(c),
                    Inst::AnyNotNl => c != '\n',
                    _ => false,
                };
                if advance {
                    self.add(
                        &mut next,
                        &mut seen,
                        &mut stack,
                        pc + 1,
                        pos + 1,
                        input.len(),
                    );
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        false
    }

    /// Add `pc` and everything reachable from it without consuming input.
    fn add(
        &self,
        list: &mut Vec<usize>,
        seen: &mut [usize],
        stack: &mut Vec<usize>,
        pc: usize,
        pos: usize,
        len: usize,
    ) {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            if seen[pc] == pos {
                continue;
            }
            seen[pc] = pos;
            match self.insts[pc] {
                Inst::Jmp(to) => stack.push(to),
                Inst::Split(a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                Inst::Start => {
                    if pos == 0 {
                        stack.push(pc + 1);
                    }
                }
                Inst::End => {
                    if pos == len {
                        stack.push(pc + 1);
                    }
                }
                _ => list.push(pc),
            }
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    /// Alternatives separated by `|`, up to a `)` or the end.
    fn alternation(&mut self, depth: usize) -> Result<Node, RegexError> {
        let mut alternatives = vec![self.sequence(depth)?];
        while self.peek() == Some('|') {
            self.i += 1;
            alternatives.push(self.sequence(depth)?);
        }
        Ok(if alternatives.len() == 1 {
            Node::Group(alternatives.pop().unwrap_or_default())
        } else {
            Node::Alt(alternatives)
        })
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor; anything else is a literal `{` in Go.
    fn counted(&self) -> Option<(u32, Option<u32>, usize)> {
        let rest = &self.s[self.i..];
        let close = rest.iter().position(|&c| c == '}')?;
        let body: String = rest[1..close].iter().collect();
        let (min, max) = match body.split_once(',') {
            None => {
                let n = body.parse().ok()?;
                (n, Some(n))
            }
            Some((a, "")) => (a.parse().ok()?, None),
            Some((a, b)) => (a.parse().ok()?, Some(b.parse().ok()?)),
        };
        if !body.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        Some((min, max, close + 1))
    }

    fn sequence(&mut self, depth: usize) -> Result<Vec<Node>, RegexError> {
        let mut nodes: Vec<Node> = Vec::new();
        // Whether the last node is a repetition (a second one is Go's "invalid nested
        // repetition operator").
        let mut last_repeated = false;
        while let Some(c) = self.peek() {
            match c {
                '|' => return Ok(nodes),
                '{' if self.counted().is_some() => {
                    let (min, max, len) = self.counted().unwrap_or((0, None, 1));
                    self.i += len;
                    if max.is_some_and(|max| max < min) || min > 1000 || max.unwrap_or(0) > 1000 {
                        return Err(RegexError("invalid repeat count"));
                    }
                    let Some(last) = nodes.pop() else {
                        return Err(RegexError("missing argument to repetition operator"));
                    };
                    if last_repeated {
                        return Err(RegexError("invalid nested repetition operator"));
                    }
                    nodes.push(Node::Repeat(Box::new(last), min, max));
                    if self.peek() == Some('?') {
                        self.i += 1;
                    }
                    last_repeated = true;
                    continue;
                }
                ')' => {
                    if depth == 0 {
                        return Err(RegexError("unexpected )"));
                    }
                    return Ok(nodes);
                }
                '*' | '+' | '?' => {
                    self.i += 1;
                    let Some(last) = nodes.pop() else {
                        return Err(RegexError("missing argument to repetition operator"));
                    };
                    if last_repeated {
                        return Err(RegexError("invalid nested repetition operator"));
                    }
                    let boxed = Box::new(last);
                    nodes.push(match c {
                        '*' => Node::Star(boxed),
                        '+' => Node::Plus(boxed),
                        _ => Node::Opt(boxed),
                    });
                    // A `?` right after a repetition makes it non-greedy: same language.
                    if self.peek() == Some('?') {
                        self.i += 1;
                    }
                    last_repeated = true;
                    continue;
                }
                '(' => {
                    self.i += 1;
                    if self.peek() == Some('?') {
                        return Err(RegexError("unsupported group flags"));
                    }
                    let inner = vec![self.alternation(depth + 1)?];
                    if self.peek() != Some(')') {
                        return Err(RegexError("missing closing )"));
                    }
                    self.i += 1;
                    nodes.push(Node::Group(inner));
                }
                '[' => {
                    self.i += 1;
                    nodes.push(Node::Class(self.class()?));
                }
                '\\' => {
                    self.i += 1;
                    nodes.push(self.escape(false)?);
                }
                '.' => {
                    self.i += 1;
                    nodes.push(Node::AnyNotNl);
                }
                '^' => {
                    self.i += 1;
                    nodes.push(Node::Start);
                }
                '$' => {
                    self.i += 1;
                    nodes.push(Node::End);
                }
                _ => {
                    self.i += 1;
                    nodes.push(Node::Char(c));
                }
            }
            last_repeated = false;
        }
        if depth > 0 {
            return Err(RegexError("missing closing )"));
        }
        Ok(nodes)
    }

    /// An escape after `\`. In a class only characters and class escapes are allowed.
    fn escape(&mut self, in_class: bool) -> Result<Node, RegexError> {
        let Some(c) = self.peek() else {
            return Err(RegexError("trailing backslash at end of expression"));
        };
        self.i += 1;
        let perl = |ranges: &[(char, char)], negated| {
            Node::Class(Class {
                ranges: ranges.to_vec(),
                negated,
            })
        };
        const DIGIT: &[(char, char)] = &[('0', '9')];
        const SPACE: &[(char, char)] = &[('\t', '\n'), ('\x0c', '\r'), (' ', ' ')];
        const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        Ok(match c {
            'd' => perl(DIGIT, false),
            'D' => perl(DIGIT, true),
            's' => perl(SPACE, false),
            'S' => perl(SPACE, true),
            'w' => perl(WORD, false),
            'W' => perl(WORD, true),
            'A' if !in_class => Node::Start,
            'z' if !in_class => Node::End,
            'a' => Node::Char('\x07'),
            'f' => Node::Char('\x0c'),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            't' => Node::Char('\t'),
            'v' => Node::Char('\x0b'),
            '0'..='7' => {
                // Octal: `\0` and up to two more digits; `\1`..`\7` alone are backreferences.
                let mut value = c as u32 - '0' as u32;
                let mut digits = 1;
                while digits < 3 {
                    match self.peek() {
                        Some(d @ '0'..='7') => {
                            value = value * 8 + (d as u32 - '0' as u32);
                            self.i += 1;
                            digits += 1;
                        }
                        _ => break,
                    }
                }
                if c != '0' && digits == 1 {
                    return Err(RegexError("invalid escape sequence"));
                }
                Node::Char(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER))
            }
            'x' => Node::Char(self.hex_escape()?),
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Node::Char(c),
            // \b \B \p \P \Q and every other letter: outside the subset (or invalid in Go).
            _ => return Err(RegexError("invalid escape sequence")),
        })
    }

    fn hex_escape(&mut self) -> Result<char, RegexError> {
        let bad = RegexError("invalid escape sequence");
        let mut value: u32 = 0;
        if self.peek() == Some('{') {
            self.i += 1;
            let mut n = 0;
            loop {
                let c = self.peek().ok_or(bad.clone())?;
                self.i += 1;
                if c == '}' {
                    break;
                }
                let d = c.to_digit(16).ok_or(bad.clone())?;
                value = value.checked_mul(16).ok_or(bad.clone())? + d;
                n += 1;
            }
            if n == 0 || value > 0x10ffff {
                return Err(bad);
            }
        } else {
            for _ in 0..2 {
                let d = self
                    .peek()
                    .and_then(|c| c.to_digit(16))
                    .ok_or(bad.clone())?;
                self.i += 1;
                value = value * 16 + d;
            }
        }
        char::from_u32(value).ok_or(bad)
    }

    /// A bracket expression, after the `[`.
    fn class(&mut self) -> Result<Class, RegexError> {
        let missing = RegexError("missing closing ]");
        let mut class = Class::default();
        if self.peek() == Some('^') {
            class.negated = true;
            self.i += 1;
        }
        let mut first = true;
        loop {
            let c = self.peek().ok_or(missing.clone())?;
            if c == ']' && !first {
                self.i += 1;
                return Ok(class);
            }
            first = false;
            if c == '[' && self.s.get(self.i + 1) == Some(&':') {
                if let Some((ranges, negated, len)) = named_class(&self.s[self.i..]) {
                    self.i += len;
                    add_ranges(&mut class.ranges, &ranges, negated);
                    continue;
                }
            }
            let lo = match self.class_char()? {
                ClassItem::Char(c) => c,
                ClassItem::Set(set) => {
                    add_ranges(&mut class.ranges, &set.ranges, set.negated);
                    continue;
                }
            };
            let mut hi = lo;
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&c| c != ']') {
                self.i += 1;
                hi = match self.class_char()? {
                    ClassItem::Char(c) => c,
                    ClassItem::Set(_) => return Err(RegexError("invalid character class range")),
                };
                if hi < lo {
                    return Err(RegexError("invalid character class range"));
                }
            }
            class.ranges.push((lo, hi));
        }
    }

    fn class_char(&mut self) -> Result<ClassItem, RegexError> {
        let c = self.peek().ok_or(RegexError("missing closing ]"))?;
        self.i += 1;
        if c != '\\' {
            return Ok(ClassItem::Char(c));
        }
        match self.escape(true)? {
            Node::Char(c) => Ok(ClassItem::Char(c)),
            Node::Class(set) => Ok(ClassItem::Set(set)),
            _ => Err(RegexError("invalid escape sequence")),
        }
    }
}

enum ClassItem {
    Char(char),
    Set(Class),
}

/// Add `ranges` (or their complement) to a class.
fn add_ranges(into: &mut Vec<(char, char)>, ranges: &[(char, char)], negated: bool) {
    if !negated {
        into.extend_from_slice(ranges);
        return;
    }
    let mut sorted = ranges.to_vec();
    sorted.sort();
    let mut next: u32 = 0;
    for (lo, hi) in sorted {
        if (lo as u32) > next {
            push_range(into, next, lo as u32 - 1);
        }
        next = next.max(hi as u32 + 1);
    }
    push_range(into, next, 0x10ffff);
}

fn push_range(into: &mut Vec<(char, char)>, lo: u32, hi: u32) {
    // Skip the surrogate gap, which `char` cannot hold.
    let pieces = [(lo, hi.min(0xd7ff)), (lo.max(0xe000), hi)];
    for (a, b) in pieces {
        if a <= b {
            if let (Some(a), Some(b)) = (char::from_u32(a), char::from_u32(b)) {
                into.push((a, b));
            }
        }
    }
}

/// POSIX `[:name:]` classes (ASCII, as in Go).
/// A named class: its ranges, whether negated, and how many characters it spans.
type NamedClass = (Vec<(char, char)>, bool, usize);

fn named_class(s: &[char]) -> Option<NamedClass> {
    let end = (2..s.len().saturating_sub(1)).find(|&i| s[i] == ':' && s[i + 1] == ']')?;
    let mut name: String = s[2..end].iter().collect();
    let negated = name.starts_with('^');
    if negated {
        name.remove(0);
    }
    let ranges: &[(char, char)] = match name.as_str() {
        "alnum" => &[('0', '9'), ('A', 'Z'), ('a', 'z')],
        "alpha" => &[('A', 'Z'), ('a', 'z')],
        "ascii" => &[('\0', '\x7f')],
        "blank" => &[('\t', '\t'), (' ', ' ')],
        "cntrl" => &[('\0', '\x1f'), ('\x7f', '\x7f')],
        "digit" => &[('0', '9')],
        "graph" => &[('!', '~')],
        "lower" => &[('a', 'z')],
        "print" => &[(' ', '~')],
        "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "space" => &[('\t', '\r'), (' ', ' ')],
        "upper" => &[('A', 'Z')],
        "word" => &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')],
        "xdigit" => &[('0', '9'), ('A', 'F'), ('a', 'f')],
        _ => return None,
    };
    Some((ranges.to_vec(), negated, end + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(expr: &str, input: &str) -> bool {
        let e: Vec<char> = expr.chars().collect();
        let i: Vec<char> = input.chars().collect();
        Program::compile(&e).unwrap().is_match(&i)
    }

    #[test]
    fn basics() {
        assert!(is_match("^[^/]*$", "abc"));
        assert!(!is_match("^[^/]*$", "a/c"));
        assert!(is_match("^(.*/)?dir2/[^/]*$", "dir/dir2/file"));
        assert!(is_match("^(.*/)?dir2/[^/]*$", "dir2/file"));
        assert!(!is_match("^(.*/)?x$", "a\n/x"));
        assert!(is_match("^a[b-d]e$", "ace"));
        assert!(is_match("^a[^b-d]e$", "aze"));
        // Go reads `[[^/]*]` as the class `[[^/]`, a star, and a literal `]`.
        assert!(is_match("^[[^/]*]$", "[[]"));
        assert!(is_match("^[[:digit:]]$", "7"));
        assert!(is_match("^\\d$", "7"));
        assert!(!is_match("^a^b$", "a^b"));
        assert!(is_match("^q|r$", "qqq"));
        assert!(is_match("^p{2}$", "pp"));
        assert!(!is_match("^p{2}$", "p"));
        assert!(is_match("^a+b$", "aab"));
        assert!(is_match("^p{x$", "p{x"));
    }

    #[test]
    fn errors() {
        for bad in ["^[z-a]$", "^\\1$", "^a**$", "^\\q$", "^[a$"] {
            let e: Vec<char> = bad.chars().collect();
            assert!(Program::compile(&e).is_err(), "{bad}");
        }
    }
}
