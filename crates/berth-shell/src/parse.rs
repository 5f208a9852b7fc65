//! From brush-parser's AST to berth's [`Script`].
//!
//! brush-parser reports positions in characters; they are converted to byte offsets.
//! Command substitutions are kept as raw word text by brush, so their inner text is
//! parsed again (recursively, bounded by [`MAX_DEPTH`]) to find the commands inside,
//! as hadolint's ShellCheck-based walk does.

use std::panic::{catch_unwind, AssertUnwindSafe};

use brush_parser::ast;

use crate::case_patterns::open_case_patterns;
use crate::heredoc_guard::has_unterminable_here_document;
use crate::script::{AndOr, AndOrList, Heredoc, List, Node, Pipeline, Script};
use crate::word::{self, MAX_DEPTH};
use crate::{fallback, Command, Redirect, RedirectKind, Span, Word};

/// Text longer than this, or nested deeper, skips brush-parser (whose recursive descent
/// and backtracking are not bounded) and goes to the fallback tokenizer.
const MAX_PARSER_INPUT: usize = 256 * 1024;
const MAX_PARSER_NESTING: usize = 64;
/// The parse error of a script ShellCheck would reject for a `[` glued to a command word.
const GLUED_BRACKET: &str =
    "a command word starts with `[` glued to more text, which ShellCheck reads as a broken test";
/// Deepest nesting of parentheses handed to brush-parser. With parentheses left open, its
/// parser backtracks exponentially in their number (found by the `shell` fuzz target:
/// 20 open parentheses take 0.2 s, 30 take minutes); 16 stays in milliseconds and is far
/// beyond what any real script nests.
const MAX_PARSER_PARENTHESES: usize = 16;

pub(crate) fn parse_script(text: &str, fallback: bool) -> Script {
    let mut builder = Builder {
        fallback,
        ..Builder::default()
    };
    let (root, error) = builder.fragment(text, 0, 0);
    Script {
        text: text.to_string(),
        root,
        commands: builder.commands,
        pipes: builder.pipes,
        heredocs: builder.heredocs,
        parse_error: error,
        rejected_part: builder.rejected_part,
    }
}

/// Accumulates the flat lists while walking one script and its substitutions.
#[derive(Default)]
pub(crate) struct Builder {
    /// Read rejected text with the fallback tokenizer (else it yields nothing).
    pub(crate) fallback: bool,
    pub(crate) commands: Vec<Command>,
    pub(crate) pipes: Vec<Span>,
    pub(crate) heredocs: Vec<Heredoc>,
    /// The shell parser rejected some fragment (at any depth).
    pub(crate) rejected_part: bool,
}

impl Builder {
    /// Parse `text`, written at byte `base` of the script, adding its commands. Returns
    /// its tree and the parser's error when the fallback tokenizer had to be used.
    pub(crate) fn fragment(
        &mut self,
        text: &str,
        base: usize,
        depth: usize,
    ) -> (List, Option<String>) {
        if depth > MAX_DEPTH {
            return (List::default(), None);
        }
        let error = match parse_with_brush(text) {
            Ok(program) => {
                let mark = self.mark();
                let mut walker = Walker {
                    builder: self,
                    text,
                    base,
                    depth,
                    chars: CharIndex::new(text),
                };
                let list = walker.program(&program);
                if !self.glued_bracket_since(mark, text, base) {
                    return (list, None);
                }
                // ShellCheck (hadolint's parser) rejects what brush accepted: strict
                // parses drop it; lenient ones keep brush's reading but are not "fully
                // parsed", since a strict parse differs.
                self.rejected_part = true;
                if self.fallback {
                    return (list, None);
                }
                self.truncate(mark);
                return (List::default(), Some(GLUED_BRACKET.to_string()));
            }
            Err(error) => error,
        };
        self.rejected_part = true;
        if !self.fallback {
            return (List::default(), Some(error));
        }
        let list = fallback::tokenize(self, text, base, depth);
        (list, Some(error))
    }

    /// Parse a command substitution and return its simplified text (the words of its
    /// single-command pipelines, concatenated, as ShellCheck's `oversimplify` does).
    pub(crate) fn substitution(&mut self, inner: &str, base: usize, depth: usize) -> String {
        let (list, _) = self.fragment(inner, base, depth + 1);
        let mut out = String::new();
        for item in &list.items {
            if !item.rest.is_empty() || item.first.stages.len() != 1 {
                continue;
            }
            if let Node::Simple(i) = item.first.stages[0] {
                if let Some(cmd) = self.commands.get(i) {
                    cmd.words.iter().for_each(|w| out.push_str(&w.value));
                }
            }
        }
        out
    }

    /// Scan a raw word written at byte `start` of the script.
    pub(crate) fn word(&mut self, raw: &str, span: Span, id: usize, depth: usize) -> Word {
        let scanned = word::scan(raw, span.start, depth, &mut |inner, at| {
            self.substitution(inner, at, depth)
        });
        Word {
            span,
            value: scanned.value,
            literal: scanned.literal,
            id,
        }
    }

    /// How long the lists are now, for [`Builder::remap_since`].
    fn mark(&self) -> [usize; 3] {
        [self.commands.len(), self.pipes.len(), self.heredocs.len()]
    }

    /// Drop everything added since `mark`.
    fn truncate(&mut self, mark: [usize; 3]) {
        self.commands.truncate(mark[0]);
        self.pipes.truncate(mark[1]);
        self.heredocs.truncate(mark[2]);
    }

    /// Whether a command added since `mark` is named by a word that opens with `[` glued
    /// to more text (`[Net.ServicePointManager]::SecurityProtocol = ...`, PowerShell).
    /// ShellCheck reads a leading `[` as a test and gives up on the script (SC1035 then a
    /// parse error), so hadolint sees no commands in it; brush takes it for a glob.
    fn glued_bracket_since(&self, mark: [usize; 3], text: &str, base: usize) -> bool {
        self.commands[mark[0]..].iter().any(|c| {
            let Some(first) = c.words.first() else {
                return false;
            };
            let written = text
                .get(first.span.start.saturating_sub(base)..first.span.end.saturating_sub(base))
                .unwrap_or("");
            written.len() > 1 && written.starts_with('[') && !written.starts_with("[[")
        })
    }

    /// Move the span of everything added since `mark` through `place`.
    fn remap_since(&mut self, mark: [usize; 3], place: impl Fn(Span) -> Span) {
        for command in &mut self.commands[mark[0]..] {
            command.span = place(command.span);
            let targets = command
                .redirects
                .iter_mut()
                .filter_map(|r| r.target.as_mut());
            for word in command
                .assignments
                .iter_mut()
                .chain(&mut command.words)
                .chain(targets)
            {
                word.span = place(word.span);
            }
        }
        for pipe in &mut self.pipes[mark[1]..] {
            *pipe = place(*pipe);
        }
        for heredoc in &mut self.heredocs[mark[2]..] {
            heredoc.span = heredoc.span.map(&place);
        }
    }

    /// Reserve the slot of a command so that it precedes the commands of its arguments.
    pub(crate) fn reserve(&mut self) -> usize {
        self.commands.push(Command::default());
        self.commands.len() - 1
    }
}

/// Keep the shell parser's internal panics off standard error.
///
/// brush-parser 0.4 panics on some malformed input (an `unwrap` in its tokenizer, found by
/// the `shell` fuzz target). berth-shell catches those panics and reads the text with its
/// fallback tokenizer, but Rust's default panic hook would still print the message and a
/// backtrace. A program that uses berth-shell calls this once at start-up: it wraps the
/// current hook and skips panics raised inside brush-parser; every other panic is reported
/// as before.
///
/// ```
/// berth_shell::quiet_shell_parser_panics();
/// let script = berth_shell::Script::parse("echo hi");
/// assert_eq!(script.commands().count(), 1);
/// ```
pub fn quiet_shell_parser_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_shell_parser = info
                .location()
                .is_some_and(|at| at.file().contains("brush-parser"));
            if !in_shell_parser {
                previous(info);
            }
        }));
    });
}

fn parse_with_brush(text: &str) -> Result<ast::Program, String> {
    if text.len() > MAX_PARSER_INPUT {
        return Err("script too long for the shell parser".to_string());
    }
    if nesting(text) > MAX_PARSER_NESTING {
        return Err("script nested too deeply for the shell parser".to_string());
    }
    if parenthesis_depth(text) > MAX_PARSER_PARENTHESES {
        return Err("script nests parentheses too deeply for the shell parser".to_string());
    }
    if here_tag_is_missing(text) {
        return Err("here-document operator without a tag".to_string());
    }
    if has_unterminable_here_document(text) {
        return Err(
            "here-document operator with no line after it: its body never starts".to_string(),
        );
    }
    if redirect_number_overflows(text) {
        return Err("file descriptor number before a redirection is too large".to_string());
    }
    // `case` patterns inside `$( )` get their optional `(` (same length, same spans).
    let text = &*open_case_patterns(text);
    let options = brush_parser::ParserOptions::default();
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        let mut parser = brush_parser::Parser::new(std::io::Cursor::new(text.as_bytes()), &options);
        parser.parse_program()
    }));
    match parsed {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the shell parser failed".to_string()),
    }
}

/// brush's text of a word and the written one agree up to the first command
/// substitution, which both open at the same place: the difference lies inside it.
fn differs_inside_substitution(brush: &str, written: &str) -> bool {
    let opener = |text: &str| text.find("$(").into_iter().chain(text.find('`')).min();
    match opener(brush) {
        Some(at) => opener(written) == Some(at) && brush[..at] == written[..at],
        None => false,
    }
}

/// A here-document operator (`<<`, `<<-`) whose tag is missing: only blanks follow it,
/// up to a carriage return or the end of the text. That is a syntax error in any shell,
/// but brush-parser 0.4 takes the carriage return (or nothing) as the tag and loops until
/// memory runs out on such text (`<<\r\t`, `$($($( <<-  `). Such text goes to the
/// fallback tokenizer.
fn here_tag_is_missing(text: &str) -> bool {
    text.match_indices("<<").any(|(at, _)| {
        let after = text.as_bytes()[at + 2..]
            .iter()
            .find(|&&b| !matches!(b, b' ' | b'\t' | b'-'));
        matches!(after, None | Some(b'\r'))
    })
}

/// A run of digits right before `<` or `>` whose value does not fit an `i32`, such as
/// `echo 99999999999<x`. brush-parser 0.4 reads it as a file descriptor number and panics
/// on the overflow (found by the `shell` fuzz target); the panic is caught, but its
/// message would still reach the user's terminal, so such text skips the parser.
fn redirect_number_overflows(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if matches!(bytes.get(i), Some(b'<' | b'>')) && text[start..i].parse::<i32>().is_err() {
            return true;
        }
    }
    false
}

/// Deepest nesting of parentheses, counted without regard to quoting (an over-estimate
/// only sends odd text to the fallback tokenizer).
fn parenthesis_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Deepest nesting of brackets and quotes-like openers, counted without regard to quoting
/// (an over-estimate is fine: it only sends odd text to the fallback tokenizer).
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' | b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max.max(text.matches("$(").count().min(MAX_PARSER_NESTING + 1) / 4)
}

/// Converts brush-parser's character indexes to byte offsets.
struct CharIndex {
    /// Byte offset of every character, plus the length; `None` for ASCII text.
    offsets: Option<Vec<usize>>,
    len: usize,
}

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let offsets = (!text.is_ascii()).then(|| {
            let mut v: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            v.push(text.len());
            v
        });
        CharIndex {
            offsets,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.offsets {
            None => char_index.min(self.len),
            Some(v) => v.get(char_index).copied().unwrap_or(self.len),
        }
    }
}

struct Walker<'b, 't> {
    builder: &'b mut Builder,
    text: &'t str,
    base: usize,
    depth: usize,
    chars: CharIndex,
}

impl Walker<'_, '_> {
    fn program(&mut self, program: &ast::Program) -> List {
        let mut list = List::default();
        for complete in &program.complete_commands {
            list.items.extend(self.list(complete).items);
        }
        list
    }

    fn list(&mut self, list: &ast::CompoundList) -> List {
        List {
            items: list.0.iter().map(|item| self.and_or(&item.0)).collect(),
        }
    }

    fn and_or(&mut self, and_or: &ast::AndOrList) -> AndOrList {
        let first = self.pipeline(&and_or.first);
        let rest = and_or
            .additional
            .iter()
            .map(|next| match next {
                ast::AndOr::And(p) => (AndOr::And, self.pipeline(p)),
                ast::AndOr::Or(p) => (AndOr::Or, self.pipeline(p)),
            })
            .collect();
        AndOrList { first, rest }
    }

    fn pipeline(&mut self, pipeline: &ast::Pipeline) -> Pipeline {
        let mut stages = Vec::with_capacity(pipeline.seq.len());
        let mut previous_end: Option<usize> = None;
        for command in &pipeline.seq {
            let (node, span) = self.command(command);
            if let Some(end) = previous_end {
                self.builder
                    .pipes
                    .push(self.pipe_between(end, span.map(|s| s.start)));
            }
            previous_end = span.map(|s| s.end).or(previous_end).or(Some(self.base));
            stages.push(node);
        }
        Pipeline {
            negated: pipeline.bang,
            stages,
        }
    }

    /// The `|` between a stage ending at `end` and the next one starting at `next`.
    fn pipe_between(&self, end: usize, next: Option<usize>) -> Span {
        let local_end = end.saturating_sub(self.base).min(self.text.len());
        let local_next = next
            .map(|n| n.saturating_sub(self.base).min(self.text.len()))
            .filter(|n| *n >= local_end)
            .unwrap_or(self.text.len());
        let between = self.text.get(local_end..local_next).unwrap_or("");
        match between.find('|') {
            Some(p) => {
                let len = if between[p + 1..].starts_with('&') {
                    2
                } else {
                    1
                };
                Span::new(end + p, end + p + len)
            }
            None => Span::new(end, end),
        }
    }

    fn span(&self, loc: &Option<brush_parser::SourceSpan>) -> Option<Span> {
        loc.as_ref().map(|l| self.source_span(l))
    }

    fn source_span(&self, loc: &brush_parser::SourceSpan) -> Span {
        Span::new(
            self.base + self.chars.byte(loc.start.index),
            self.base + self.chars.byte(loc.end.index),
        )
    }

    /// `( ( list ) )` read back as the subshells it is. brush-parser 0.4 takes any `(`
    /// followed by `(` for an arithmetic command, but the shell (and ShellCheck) only
    /// does so when the two are adjacent: with a blank between them they open two
    /// subshells, whose commands the lint rules must see. `None` for real `(( ... ))`.
    fn nested_subshells(&mut self, span: Span) -> Option<Node> {
        let (start, end) = (span.start - self.base, span.end - self.base);
        let source = self.text.get(start..end)?;
        let inner = source.strip_prefix('(')?.strip_suffix(')')?;
        if !inner.starts_with([' ', '\t', '\n']) {
            return None;
        }
        // The inner text is shorter than the outer, so this recursion ends.
        let (list, _) = self
            .builder
            .fragment(inner, self.base + start + 1, self.depth);
        Some(Node::Subshell(list))
    }

    /// A command node and the span it covers (when known).
    fn command(&mut self, command: &ast::Command) -> (Node, Option<Span>) {
        match command {
            ast::Command::Simple(simple) => {
                let index = self.simple(simple);
                let span = self.builder.commands[index].span;
                (Node::Simple(index), Some(span))
            }
            ast::Command::Compound(compound, _) => self.compound(compound),
            ast::Command::Function(function) => {
                let (body, span) = self.compound(&function.body.0);
                let node = Node::Function {
                    name: function.fname.value.clone(),
                    body: Box::new(body),
                };
                let start = self.span(&function.fname.loc);
                (node, cover(start, span))
            }
            ast::Command::ExtendedTest(test, _) => (Node::Test, Some(self.source_span(&test.loc))),
        }
    }

    fn compound(&mut self, compound: &ast::CompoundCommand) -> (Node, Option<Span>) {
        use ast::CompoundCommand as C;
        match compound {
            C::Arithmetic(a) => {
                let span = self.source_span(&a.loc);
                let node = self.nested_subshells(span).unwrap_or(Node::Test);
                (node, Some(span))
            }
            C::ArithmeticForClause(f) => {
                let body = self.list(&f.body.list);
                (Node::Compound(vec![body]), Some(self.source_span(&f.loc)))
            }
            C::BraceGroup(g) => (
                Node::Group(self.list(&g.list)),
                Some(self.source_span(&g.loc)),
            ),
            C::Subshell(s) => (
                Node::Subshell(self.list(&s.list)),
                Some(self.source_span(&s.loc)),
            ),
            C::ForClause(f) => {
                for value in f.values.iter().flatten() {
                    self.substitutions_of(value);
                }
                let body = self.list(&f.body.list);
                (Node::Compound(vec![body]), Some(self.source_span(&f.loc)))
            }
            C::CaseClause(c) => {
                self.substitutions_of(&c.value);
                let lists = c
                    .cases
                    .iter()
                    .filter_map(|item| item.cmd.as_ref())
                    .map(|l| self.list(l))
                    .collect();
                (Node::Compound(lists), Some(self.source_span(&c.loc)))
            }
            C::IfClause(i) => {
                let mut lists = vec![self.list(&i.condition), self.list(&i.then)];
                for clause in i.elses.iter().flatten() {
                    if let Some(condition) = &clause.condition {
                        lists.push(self.list(condition));
                    }
                    lists.push(self.list(&clause.body));
                }
                (Node::Compound(lists), Some(self.source_span(&i.loc)))
            }
            C::WhileClause(w) | C::UntilClause(w) => {
                let lists = vec![self.list(&w.0), self.list(&w.1.list)];
                (Node::Compound(lists), Some(self.source_span(&w.2)))
            }
            C::Coprocess(c) => {
                let (node, _) = self.command(&c.body);
                (node, Some(self.source_span(&c.loc)))
            }
        }
    }

    /// Find the commands inside a word that is not a command argument (for loop values,
    /// case subjects).
    fn substitutions_of(&mut self, w: &ast::Word) {
        if let Some(span) = self.span(&w.loc) {
            self.builder.word(&w.value, span, 0, self.depth);
        }
    }

    fn word(&mut self, w: &ast::Word, id: usize) -> Word {
        let span = match self.span(&w.loc) {
            Some(span) => self.confirm(span, &w.value),
            None => self.find(&w.value),
        };
        let (start, end) = (span.start - self.base, span.end - self.base);
        let written = match self.text.get(start..end) {
            Some(written) if written != w.value => written,
            _ => return self.builder.word(&w.value, span, id, self.depth),
        };
        if differs_inside_substitution(&w.value, written) {
            // Inside `$( )` brush's text drops comments and rewrites blanks; the written
            // text means the same there, and places the commands inside exactly.
            return self.builder.word(written, span, id, self.depth);
        }
        // Otherwise (brush dropped a line continuation) the value is read from brush's
        // text as before, and what it finds inside is kept within the word's span, on
        // character boundaries of the text.
        let mark = self.builder.mark();
        let word = self.builder.word(&w.value, span, id, self.depth);
        let snap = |at: usize| {
            let mut local = at.clamp(span.start, span.end) - self.base;
            while !self.text.is_char_boundary(local) {
                local -= 1;
            }
            self.base + local
        };
        self.builder
            .remap_since(mark, |s| Span::new(snap(s.start), snap(s.end)));
        word
    }

    /// The span brush gave a word, checked against the text. After a line continuation
    /// or a comment brush-parser 0.4 can report a position some bytes before the word
    /// (`  git` for `git`); the word is then looked for from there on. When it is not
    /// found (brush dropped a `\` and newline from its text), the reported span stays.
    fn confirm(&self, span: Span, raw: &str) -> Span {
        let start = span.start - self.base;
        if raw.is_empty() || self.text.get(start..span.end - self.base) == Some(raw) {
            return span;
        }
        match self.text.get(start..).and_then(|rest| rest.find(raw)) {
            Some(p) => Span::new(span.start + p, span.start + p + raw.len()),
            None => span,
        }
    }

    /// Best-effort span of a word brush gave no location for.
    fn find(&self, raw: &str) -> Span {
        match self.text.find(raw) {
            Some(p) if !raw.is_empty() => Span::new(self.base + p, self.base + p + raw.len()),
            _ => Span::new(self.base, self.base),
        }
    }

    fn simple(&mut self, simple: &ast::SimpleCommand) -> usize {
        let index = self.builder.reserve();
        let mut assignments = Vec::new();
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        let items = simple
            .prefix
            .iter()
            .flat_map(|p| p.0.iter())
            .map(Some)
            .chain(std::iter::once(None))
            .chain(simple.suffix.iter().flat_map(|s| s.0.iter()).map(Some));
        for item in items {
            use ast::CommandPrefixOrSuffixItem as I;
            match item {
                // The command word sits between the prefix and the suffix.
                None => {
                    if let Some(name) = &simple.word_or_name {
                        words.push(self.word(name, 0));
                    }
                }
                Some(I::AssignmentWord(_, w)) if words.is_empty() => {
                    assignments.push(self.word(w, 0));
                }
                Some(I::AssignmentWord(_, w)) | Some(I::Word(w)) => {
                    let id = words.len().saturating_sub(1);
                    words.push(self.word(w, id));
                }
                Some(I::IoRedirect(r)) => redirects.push(self.redirect(r)),
                Some(I::ProcessSubstitution(_, sub)) => {
                    self.list(&sub.list);
                }
            }
        }
        self.builder.commands[index] = Command::new(self.base, assignments, words, redirects);
        index
    }

    fn redirect(&mut self, redirect: &ast::IoRedirect) -> Redirect {
        use ast::IoFileRedirectTarget as T;
        match redirect {
            ast::IoRedirect::File(_, _, target) => match target {
                T::Filename(w) => Redirect {
                    kind: RedirectKind::File,
                    target: Some(self.word(w, 0)),
                },
                T::Duplicate(w) => Redirect {
                    kind: RedirectKind::Duplicate,
                    target: Some(self.word(w, 0)),
                },
                T::Fd(_) => Redirect {
                    kind: RedirectKind::Duplicate,
                    target: None,
                },
                T::ProcessSubstitution(_, sub) => {
                    self.list(&sub.list);
                    Redirect {
                        kind: RedirectKind::File,
                        target: None,
                    }
                }
            },
            ast::IoRedirect::HereDocument(_, doc) => {
                self.builder.heredocs.push(Heredoc {
                    delimiter: doc.here_end.value.clone(),
                    body: doc.doc.value.clone(),
                    span: self.span(&doc.doc.loc),
                });
                Redirect {
                    kind: RedirectKind::Heredoc,
                    target: Some(self.word(&doc.here_end, 0)),
                }
            }
            ast::IoRedirect::HereString(_, w) => Redirect {
                kind: RedirectKind::HereString,
                target: Some(self.word(w, 0)),
            },
            ast::IoRedirect::OutputAndError(w, _) => Redirect {
                kind: RedirectKind::File,
                target: Some(self.word(w, 0)),
            },
        }
    }
}

fn cover(a: Option<Span>, b: Option<Span>) -> Option<Span> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.cover(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Node, Script};

    fn names(text: &str) -> Vec<String> {
        Script::parse(text)
            .commands()
            .filter_map(|c| c.name().map(str::to_string))
            .collect()
    }

    #[test]
    fn missing_here_tag_does_not_hang_the_shell_parser() {
        // brush-parser 0.4 loops without end on these (found by the `shell` fuzz target).
        for text in [
            "<<\r>\t",
            "<<\r\t",
            "cat << \r ",
            "cat <<-\r\t x",
            "$($($( <<-  ",
        ] {
            let strict = Script::parse_strict(text);
            assert_eq!(
                strict.parse_error(),
                Some("here-document operator without a tag")
            );
            assert!(Script::parse(text).parse_error().is_some());
        }
        assert_eq!(names("cat <<EOF\nx\nEOF\necho done"), ["cat", "echo"]);
    }

    #[test]
    fn here_document_whose_body_never_starts_skips_the_shell_parser() {
        // No line follows the operator in any of these. brush-parser 0.4 loops without end,
        // until memory runs out, on most of them (found by the `shell` fuzz target; in the
        // first three the last backslash sits in a comment, so it escapes nothing).
        for text in [
            "a <<$(  #\\",
            "echo $(cat <<\"\" #\\",
            "cat <<\"\" #\\",
            "a <<$(  #",
            "echo $(cat << \"\" ",
            "echo $(cat <<\"\" \\\n",
            "a <<\"\" \\\n\\\n",
            "cat <<\"\" \\",
            "execB<\u{2}<$($(6<<<<<$(\"\0$((      #",
            "cat <<EOF",
        ] {
            assert_eq!(
                Script::parse_strict(text).parse_error(),
                Some("here-document operator with no line after it: its body never starts"),
                "{text:?}"
            );
            assert!(Script::parse(text).parse_error().is_some(), "{text:?}");
        }
        // The fallback tokenizer still finds the commands for berth's own rules.
        assert_eq!(names("apt-get update && cat <<EOF"), ["apt-get", "cat"]);
        assert_eq!(names("cat <<'' ; echo x"), ["cat", "echo"]);
        // A here-document with a body, a here-string and a shift reach brush as before.
        assert_eq!(names("cat <<EOF\nx\nEOF"), ["cat"]);
        assert!(Script::parse_strict("cat <<<x && echo $((1<<2))").fully_parsed());
    }

    #[test]
    fn commands_inside_a_substitution_with_comments_are_placed_where_written() {
        // brush-parser 0.4 drops the comments from its text of the word; the commands
        // inside were placed by that shorter text, off the written one (fuzz target `shell`).
        let text = "echo \"$(x <é # é;\n;;#>($(>\n:#éé)\"";
        let script = Script::parse(text);
        let placed: Vec<(&str, &str)> = script
            .all_commands()
            .iter()
            .flat_map(|c| &c.words)
            .filter(|w| w.literal)
            .map(|w| (w.value.as_str(), w.span.text(text)))
            .collect();
        assert!(placed.contains(&("x", "x")), "{placed:?}");
        assert!(placed.contains(&(":#éé", ":#éé")), "{placed:?}");
    }

    #[test]
    fn a_command_glued_to_a_bracket_is_rejected_as_shellcheck_does() {
        let powershell =
            "$p = 'Stop'; [Net.ServicePointManager]::SecurityProtocol = 'Tls12'; wget x";
        let strict = Script::parse_strict(powershell);
        assert!(strict
            .parse_error()
            .is_some_and(|e| e.contains("ShellCheck")));
        assert_eq!(strict.commands().count(), 0);
        let lenient = Script::parse(powershell);
        assert!(!lenient.fully_parsed());
        assert!(lenient.commands().any(|c| c.name() == Some("wget")));
        for fine in ["[ -f x ] && echo y", "[[ -f x ]] && echo y", "echo [x]y"] {
            assert!(Script::parse_strict(fine).fully_parsed(), "{fine}");
        }
    }

    #[test]
    fn parentheses_with_a_blank_between_open_subshells_not_arithmetic() {
        assert_eq!(names("( ( echo hi ) )"), ["echo"]);
        assert_eq!(
            names("( ( ( apt-get update ) ) ) && ( (ls) )"),
            ["apt-get", "ls"]
        );
        assert!(names("(( i = 1 + 2 ))").is_empty());
        assert!(names("((echo hi))").is_empty());
        let script = Script::parse("( ( echo hi ) )");
        let echo = script.commands().next().expect("echo");
        assert_eq!(echo.span.text(script.text()), "echo hi");
    }

    #[test]
    fn deeply_nested_parentheses_skip_the_shell_parser() {
        // Open parentheses made brush-parser 0.4 backtrack for minutes (fuzz target `shell`).
        let open = format!("{}d(", "( ".repeat(30));
        assert_eq!(
            Script::parse_strict(&open).parse_error(),
            Some("script nests parentheses too deeply for the shell parser")
        );
        let balanced = format!("{}echo hi{}", "( ".repeat(16), " )".repeat(16));
        assert!(Script::parse_strict(&balanced).fully_parsed());
    }

    #[test]
    fn oversized_redirect_number_skips_the_shell_parser() {
        // brush-parser 0.4 panics on a file descriptor number beyond i32 (fuzz target `shell`).
        let strict = Script::parse_strict("((((999`0999999999999<");
        assert_eq!(
            strict.parse_error(),
            Some("file descriptor number before a redirection is too large")
        );
        assert_eq!(names("echo 99999999999999<x"), ["echo"]);
        assert!(Script::parse_strict("echo 2>/dev/null 2147483647<x").fully_parsed());
    }

    #[test]
    fn every_simple_command_in_source_order() {
        assert_eq!(
            names("a; b && c || d | e & (f; { g; }) ; if h; then i; elif j; then k; else l; fi"),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"]
        );
        assert_eq!(
            names("for x in $(m); do n; done; while o; do p; done; case $(q) in a|b) r;; esac"),
            ["m", "n", "o", "p", "q", "r"]
        );
        assert_eq!(
            names("f() { s; }; A=1; $X y; t \"$(u `v`)\""),
            ["s", "t", "u", "v"]
        );
        assert_eq!(names("[[ -f x ]] && (( 1 )) && w"), ["w"]);
    }

    #[test]
    fn spans_point_into_the_text() {
        let text = "apt-get install -y 'curl' && echo é | tee x";
        let s = Script::parse(text);
        let install = s.commands().next().unwrap();
        assert_eq!(install.words[3].span.text(text), "'curl'");
        assert_eq!(install.words[3].value, "curl");
        assert_eq!(install.span.text(text), "apt-get install -y 'curl'");
        let tee = s.commands().nth(2).unwrap();
        assert_eq!(tee.words[1].span.text(text), "x");
        assert_eq!(s.pipes()[0].text(text), "|");
    }

    #[test]
    fn substitution_spans_are_absolute() {
        let text = "echo \"$(apt-get install foo)\"";
        let s = Script::parse(text);
        let inner = s.commands().nth(1).unwrap();
        assert_eq!(inner.words[2].span.text(text), "foo");
        assert_eq!(
            s.commands().next().unwrap().words[1].value,
            "${apt-getinstallfoo}"
        );
    }

    #[test]
    fn pipes_but_not_or() {
        assert!(!Script::parse("a || b").has_pipes());
        assert!(Script::parse("a |& b").has_pipes());
        assert!(Script::parse("x=$(a | b)").has_pipes());
    }

    #[test]
    fn tree_shape() {
        let s = Script::parse("a && b | c; (d)");
        let root = s.root();
        assert_eq!(root.items.len(), 2);
        assert_eq!(root.items[0].rest.len(), 1);
        assert_eq!(root.items[0].rest[0].1.stages.len(), 2);
        assert!(matches!(root.items[1].first.stages[0], Node::Subshell(_)));
    }

    #[test]
    fn redirections_and_heredocs() {
        let text = "cat <<EOF > /etc/x 2>&1\nhello $(id)\nEOF\necho";
        let s = Script::parse(text);
        assert_eq!(s.heredocs().len(), 1);
        assert!(s.heredocs()[0].body.contains("hello"));
        let cat = s.commands().next().unwrap();
        assert_eq!(cat.args().len(), 0);
        assert_eq!(cat.redirects.len(), 3);
        assert_eq!(names(text), ["cat", "echo"]);
    }

    #[test]
    fn rejected_text_uses_the_fallback() {
        let s = Script::parse("echo 'unterminated && apt-get install x");
        assert!(s.parse_error().is_some());
        let s = Script::parse("$x = 'a'; Write-Host ('a' -f $b) | Out-Null; apt-get install x");
        assert!(s.parse_error().is_some());
        assert!(s.uses_program("apt-get"));
    }
}
