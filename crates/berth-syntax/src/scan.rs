//! The line scanner: BuildKit's `Parse` loop (`parser.go`) over physical lines.
//! It reads directives, comments and blank lines, joins an instruction's
//! continuation lines into its logical line (which [`crate::grammar`] parses), reads
//! heredoc bodies, and builds the lossless node list.

use std::ops::Range;
use std::sync::Arc;

use nom::Offset;

use crate::ast::{Comment, Dockerfile, Flag, Heredoc, Instruction, Keyword, Node, NodeKind, Word};
use crate::error::{ErrorCode, SyntaxError, SyntaxWarning};
use crate::grammar::directive::DirectiveParser;
use crate::grammar::{self, heredoc, range_in, trim, LineNode, Token};
use crate::shared::SharedStr;
use crate::span::{LineIndex, Span};

/// The longest physical line BuildKit reads: Go's `bufio.Scanner` default maximum
/// token size, minus one. A longer line stops the parse.
pub const MAX_LINE_LEN: usize = 65535;

/// One physical line.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    /// End of the text without its trailing `\r`s (Go's `trimNewline`).
    content_end: usize,
    /// After the `\n` (or the end of the file).
    end: usize,
}

/// The physical lines of a file, stopping (like Go's scanner) at a line longer than
/// [`MAX_LINE_LEN`].
struct Lines<'a> {
    src: &'a str,
    starts: &'a [usize],
    /// How many lines were returned (the 1-based number of the last one).
    count: usize,
    /// Start of a line that was too long; nothing is read after it.
    too_long: Option<usize>,
}

impl Lines<'_> {
    fn next(&mut self) -> Option<Line> {
        if self.too_long.is_some() {
            return None;
        }
        let start = *self.starts.get(self.count)?;
        if start >= self.src.len() {
            return None;
        }
        let (text_end, end) = match self.starts.get(self.count + 1) {
            Some(&next) => (next - 1, next),
            None => (self.src.len(), self.src.len()),
        };
        if text_end - start > MAX_LINE_LEN {
            self.too_long = Some(start);
            return None;
        }
        self.count += 1;
        let content = self.src[start..text_end].trim_end_matches('\r');
        Some(Line {
            start,
            content_end: start + content.len(),
            end,
        })
    }

    /// The text of a line without its line ending.
    fn text(&self, line: &Line) -> &str {
        &self.src[line.start..line.content_end]
    }
}

/// `trimContinuationCharacter`: the length of the text kept and whether the line
/// ends the instruction (`([^E])E[ \t]*$|^E[ \t]*$` for the escape character E; an
/// escape character that is itself escaped does not continue the line).
fn trim_continuation(text: &str, escape: char) -> (usize, bool) {
    let body = text.trim_end_matches([' ', '\t']);
    match body.strip_suffix(escape) {
        Some(kept) if !kept.ends_with(escape) => (kept.len(), false),
        _ => (text.len(), true),
    }
}

/// An instruction's logical line: its pieces (the parts of its physical lines that
/// BuildKit keeps) joined, and the map from its offsets back to the source.
struct Logical {
    /// The buffer the text lies in: the source itself for a single piece, else the
    /// joined pieces.
    buf: Arc<str>,
    /// Where the text lies in `buf`.
    range: Range<usize>,
    /// `(logical offset, source offset)` at which each piece starts, in order.
    pieces: Vec<(usize, usize)>,
}

impl Logical {
    /// The logical line of the pieces `pieces` of `source`.
    fn new(source: &Arc<str>, pieces: &[Range<usize>]) -> Logical {
        if let [piece] = pieces {
            return Logical {
                buf: Arc::clone(source),
                range: piece.clone(),
                pieces: vec![(0, piece.start)],
            };
        }
        let mut joined = String::with_capacity(pieces.iter().map(Range::len).sum());
        let mut starts = Vec::with_capacity(pieces.len());
        for piece in pieces {
            starts.push((joined.len(), piece.start));
            joined.push_str(&source[piece.clone()]);
        }
        Logical {
            range: 0..joined.len(),
            buf: Arc::from(joined),
            pieces: starts,
        }
    }

    fn text(&self) -> &str {
        &self.buf[self.range.clone()]
    }

    /// The source offset of a logical offset: in the last piece that starts at or
    /// before it.
    fn to_source(&self, offset: usize) -> usize {
        let piece = self.pieces.partition_point(|&(at, _)| at <= offset) - 1;
        let (at, source) = self.pieces[piece];
        source + (offset - at)
    }

    /// The source span of a logical range (its end taken in the piece of its last byte).
    fn span(&self, range: &Range<usize>) -> Span {
        let start = self.to_source(range.start);
        if range.start >= range.end {
            return Span::new(start, start);
        }
        Span::new(start, self.to_source(range.end - 1) + 1)
    }

    /// The text of a logical range, sharing the buffer.
    fn shared(&self, range: &Range<usize>) -> SharedStr {
        SharedStr::slice(
            &self.buf,
            self.range.start + range.start..self.range.start + range.end,
        )
    }

    /// A token's value: its text shared from the line when written as is.
    fn value(&self, token: &Token<'_>) -> SharedStr {
        match &token.value {
            std::borrow::Cow::Borrowed(text) => self.shared(&range_in(self.text(), text)),
            std::borrow::Cow::Owned(text) => SharedStr::from(text.as_str()),
        }
    }
}

/// The physical lines an instruction covers.
#[derive(Clone, Copy)]
struct Extent {
    /// 1-based line of the keyword.
    start_line: usize,
    /// 1-based last line (continuations and heredoc bodies included).
    end_line: usize,
    /// End of the text of the last line (the instruction's span ends there, or at its
    /// keyword if that is later).
    end: usize,
}

/// Parse `source` (valid UTF-8).
pub(crate) fn parse(source: Arc<str>) -> Dockerfile {
    let line_index = LineIndex::new(&source);
    // Sized from the line count: a node per line at most (and the BOM and unparsed
    // text), an instruction or comment per line at most but usually far fewer.
    let lines = line_index.line_count();
    let mut scanner = Scanner {
        src: &source,
        buf: &source,
        file: Dockerfile {
            source: SharedStr::from(Arc::clone(&source)),
            escape: '\\',
            directives: Vec::new(),
            instructions: Vec::with_capacity(lines / 2 + 1),
            comments: Vec::with_capacity(lines / 4 + 1),
            nodes: Vec::with_capacity(lines + 2),
            errors: Vec::new(),
            warnings: Vec::new(),
            line_index: LineIndex::new(""),
        },
        directives: DirectiveParser::default(),
        prev_comment: Vec::new(),
        pieces: Vec::new(),
    };
    let mut lines = Lines {
        src: &source,
        starts: line_index.line_starts(),
        count: 0,
        too_long: None,
    };
    while let Some(line) = lines.next() {
        scanner.line(line, &mut lines);
    }
    let too_long = lines.too_long;
    let mut file = scanner.file;
    if file.instructions.is_empty() {
        // BuildKit names the last line it read: the one a final newline ends.
        let last_line = source.len() - usize::from(source.ends_with('\n'));
        let at = too_long.unwrap_or(last_line);
        file.errors.push(SyntaxError {
            code: ErrorCode::NoInstructions,
            message: "file with no instructions".to_string(),
            span: Span::new(at, at),
            instruction: None,
        });
    }
    if let Some(start) = too_long {
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        file.errors.push(SyntaxError {
            code: ErrorCode::LineTooLong,
            message: format!("dockerfile line greater than max allowed size of {MAX_LINE_LEN}"),
            span: Span::new(start, end),
            instruction: None,
        });
        file.nodes.push(Node {
            kind: NodeKind::Unparsed,
            span: Span::new(start, source.len()),
        });
    }
    // Every line, those after a too-long line included (for rendering only).
    file.line_index = line_index;
    crate::command::check_file(&mut file);
    file
}

/// The state of BuildKit's line loop.
struct Scanner<'s> {
    src: &'s str,
    /// `src` as a shared buffer, for the tokens that are slices of it.
    buf: &'s Arc<str>,
    file: Dockerfile,
    directives: DirectiveParser,
    /// Comments since the last instruction (BuildKit's `PrevComment`).
    prev_comment: Vec<SharedStr>,
    /// The pieces of the current instruction's logical line (kept between
    /// instructions for its capacity).
    pieces: Vec<Range<usize>>,
}

impl Scanner<'_> {
    /// One line between instructions: a directive, a comment, a blank line, or the
    /// first line of an instruction (which reads the rest of it from `lines`).
    fn line(&mut self, line: Line, lines: &mut Lines<'_>) {
        let mut start = line.start;
        if start == 0 && self.src.starts_with('\u{feff}') {
            self.file.nodes.push(Node {
                kind: NodeKind::Bom,
                span: Span::new(0, 3),
            });
            start = 3;
        }
        let content = &self.src[start..line.content_end.max(start)];
        let trimmed = content.trim_start();
        let trimmed_at = self.src.offset(trimmed);
        let node_span = Span::new(start, line.end);
        if self.directives.active() {
            match self.directives.parse_line(trimmed, trimmed_at, self.buf) {
                Ok(Some(directive)) => return self.directive(directive, node_span),
                Ok(None) => {}
                Err((message, span)) => {
                    // A repeated directive: an error, and the line is a comment.
                    self.error(ErrorCode::DuplicateDirective, message, span, None);
                    self.comment(&trimmed[1..], trimmed_at, line, node_span);
                    return;
                }
            }
        }
        if let Some(text) = trimmed.strip_prefix('#') {
            let text = self.comment(text, trimmed_at, line, node_span);
            // BuildKit's `PrevComment`: a bare `#` drops the comments gathered so far.
            if text.is_empty() {
                self.prev_comment.clear();
            } else {
                self.prev_comment.push(text);
            }
            return;
        }
        let (kept, end_of_line) = trim_continuation(trimmed, self.file.escape);
        if end_of_line && kept == 0 {
            self.file.nodes.push(Node {
                kind: NodeKind::Blank,
                span: node_span,
            });
            return;
        }
        self.instruction(
            start,
            trimmed_at..trimmed_at + kept,
            end_of_line,
            line,
            lines,
        );
    }

    /// A parser directive line.
    fn directive(&mut self, directive: crate::ast::Directive, node_span: Span) {
        if directive.name == "escape" {
            match directive.value.as_str() {
                "\\" => self.file.escape = '\\',
                "`" => self.file.escape = '`',
                value => self.error(
                    ErrorCode::InvalidEscapeToken,
                    format!("invalid escape token '{value}' does not match ` or \\"),
                    directive.value_span,
                    None,
                ),
            }
        }
        self.file.nodes.push(Node {
            kind: NodeKind::Directive(self.file.directives.len()),
            span: node_span,
        });
        self.file.directives.push(directive);
    }

    /// A comment line between instructions (`text` after its `#`, which is at
    /// `trimmed_at`): its node, and its text (trimmed).
    fn comment(&mut self, text: &str, trimmed_at: usize, line: Line, node_span: Span) -> SharedStr {
        self.file.nodes.push(Node {
            kind: NodeKind::Comment(self.file.comments.len()),
            span: node_span,
        });
        let text = self.shared(trim(text));
        self.file.comments.push(Comment {
            text: text.clone(),
            span: Span::new(trimmed_at, line.content_end),
            in_continuation: false,
        });
        text
    }

    /// An instruction whose node starts at `node_start` and whose first line is
    /// `first` (its kept text at `first_piece`): its continuation lines, its logical
    /// line parsed, its heredoc bodies.
    fn instruction(
        &mut self,
        node_start: usize,
        first_piece: Range<usize>,
        mut end_of_line: bool,
        first: Line,
        lines: &mut Lines<'_>,
    ) {
        let start_line = lines.count;
        let mut pieces = std::mem::take(&mut self.pieces);
        pieces.clear();
        pieces.push(first_piece);
        let mut last = first;
        let mut empty_continuation: Option<Span> = None;
        while !end_of_line {
            let Some(next) = lines.next() else { break };
            last = next;
            let text = lines.text(&next);
            let trimmed = text.trim_start();
            if let Some(comment) = trimmed.strip_prefix('#') {
                // Comment lines inside an instruction are dropped from it.
                self.file.comments.push(Comment {
                    text: self.shared(trim(comment)),
                    span: Span::new(next.content_end - trimmed.len(), next.content_end),
                    in_continuation: true,
                });
                continue;
            }
            if trimmed.is_empty() {
                // Whitespace-only lines are dropped too, with BuildKit's warning.
                empty_continuation.get_or_insert(Span::new(next.start, next.content_end));
                continue;
            }
            let (kept, eol) = trim_continuation(text, self.file.escape);
            end_of_line = eol;
            pieces.push(next.start..next.start + kept);
        }
        let logical = Logical::new(self.buf, &pieces);
        self.pieces = pieces;
        let text = logical.text();
        let index = self.file.instructions.len();
        let (node, error) = grammar::node_from_line(text, text, self.file.escape);
        let heredocs = match error {
            // BuildKit stops at the error: no heredoc bodies are read.
            Some(error) => {
                let span = logical.span(&error.range);
                self.error(error.code, error.message, span, Some(index));
                Vec::new()
            }
            None => self.heredocs(&logical, &node, lines, &mut last, index),
        };
        if let Some(span) = empty_continuation {
            self.file.warnings.push(SyntaxWarning {
                message: format!("Empty continuation line found in: {text}"),
                span,
                instruction: index,
            });
        }
        self.file.nodes.push(Node {
            kind: NodeKind::Instruction(index),
            span: Span::new(node_start, last.end),
        });
        let extent = Extent {
            start_line,
            end_line: lines.count,
            end: last.content_end,
        };
        let mut instruction = build_instruction(&logical, &node, extent, heredocs);
        instruction.prev_comment = std::mem::take(&mut self.prev_comment);
        instruction.empty_continuation_line = empty_continuation.is_some();
        self.file.instructions.push(instruction);
    }

    /// The heredocs of an instruction (RUN, COPY, ADD, or ONBUILD of those, not in
    /// JSON form, with `<<` in the line): their bodies are the physical lines after
    /// the instruction, up to each delimiter in turn. `last` becomes the last line read.
    fn heredocs(
        &mut self,
        logical: &Logical,
        node: &LineNode<'_>,
        lines: &mut Lines<'_>,
        last: &mut Line,
        index: usize,
    ) -> Vec<Heredoc> {
        let target = match (&node.known, &node.sub) {
            (Some(Keyword::Onbuild), Some(sub)) => sub,
            _ => node,
        };
        let allowed = matches!(
            target.known,
            Some(Keyword::Run | Keyword::Copy | Keyword::Add)
        ) && !target.json;
        if !allowed || !logical.text().contains("<<") {
            return Vec::new();
        }
        let markers = match heredoc::markers(logical.text()) {
            Ok(markers) => markers,
            Err(e) => {
                let span = logical.span(&e.range);
                self.error(ErrorCode::HeredocDelimiter, e.message, span, Some(index));
                return Vec::new();
            }
        };
        let mut heredocs = Vec::new();
        for marker in markers {
            let body_start = last.end;
            let mut content_end = body_start;
            let mut terminated = false;
            while let Some(next) = lines.next() {
                *last = next;
                let mut text = lines.text(&next);
                if marker.chomp {
                    text = text.trim_start_matches('\t');
                }
                if text == marker.name {
                    terminated = true;
                    break;
                }
                content_end = next.end;
            }
            let marker_span = logical.span(&marker.range);
            if !terminated {
                self.error(
                    ErrorCode::UnterminatedHeredoc,
                    "unterminated heredoc".to_string(),
                    marker_span,
                    Some(index),
                );
            }
            heredocs.push(Heredoc {
                name: SharedStr::from(marker.name),
                file_descriptor: marker.file_descriptor,
                expand: marker.expand,
                chomp: marker.chomp,
                content: SharedStr::slice(self.buf, body_start..content_end),
                marker_span,
                span: Span::new(body_start, last.content_end.max(body_start)),
            });
            if !terminated {
                break;
            }
        }
        heredocs
    }

    /// `text`, a slice of the source, as a [`SharedStr`].
    fn shared(&self, text: &str) -> SharedStr {
        SharedStr::slice(self.buf, range_in(self.src, text))
    }

    fn error(&mut self, code: ErrorCode, message: String, span: Span, instruction: Option<usize>) {
        self.file.errors.push(SyntaxError {
            code,
            message,
            span,
            instruction,
        });
    }
}

/// The [`Instruction`] of a parsed logical line (ONBUILD's trigger included; the
/// scanner fills in the comments before it and the continuation warning).
fn build_instruction(
    logical: &Logical,
    node: &LineNode<'_>,
    extent: Extent,
    heredocs: Vec<Heredoc>,
) -> Instruction {
    let text = logical.text();
    let keyword_range = range_in(text, node.keyword);
    let keyword = node
        .known
        .clone()
        .unwrap_or_else(|| Keyword::Unknown(node.keyword.to_string()));
    let keyword_span = logical.span(&keyword_range);
    let span_end = extent.end.max(keyword_span.start);
    let onbuild = match (&keyword, &node.sub) {
        (Keyword::Onbuild, Some(sub)) => {
            let sub_extent = Extent {
                end: span_end,
                ..extent
            };
            let mut trigger = build_instruction(logical, sub, sub_extent, heredocs.clone());
            trigger.original = logical.shared(&range_in(text, node.rest));
            Some(Box::new(trigger))
        }
        _ => None,
    };
    Instruction {
        keyword,
        keyword_text: logical.shared(&keyword_range),
        keyword_span,
        span: Span::new(keyword_span.start, span_end),
        start_line: extent.start_line,
        end_line: extent.end_line,
        original: logical.shared(&(0..text.len())),
        flags: node.flags.iter().map(|f| flag(logical, f)).collect(),
        args: node
            .args
            .iter()
            .map(|arg| Word {
                value: logical.value(arg),
                span: logical.span(&arg.range),
            })
            .collect(),
        json: node.json,
        heredocs,
        prev_comment: Vec::new(),
        onbuild,
        command: None,
        empty_continuation_line: false,
    }
}

/// A flag token as a [`Flag`]: `--name[=value]`.
fn flag(logical: &Logical, token: &Token<'_>) -> Flag {
    let text = logical.value(token);
    let body = text.strip_prefix("--").unwrap_or(&text);
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (text.substr_of(name), Some(text.substr_of(value))),
        None => (text.substr_of(body), None),
    };
    Flag {
        name,
        value,
        span: logical.span(&token.range),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_offsets_map_into_the_last_piece_starting_before_them() {
        let source: Arc<str> = Arc::from("0123456789".repeat(10));
        // Pieces of a joined line, an empty one among them.
        let pieces = [10..15, 40..44, 60..60, 70..75, 90..96];
        let logical = Logical::new(&source, &pieces);
        assert_eq!(logical.text(), "01234012301234012345");
        let want = [
            (0, 10),
            (4, 14),
            (5, 40),
            (8, 43),
            (9, 70),
            (13, 74),
            (14, 90),
            (19, 95),
            (20, 96),
        ];
        for (offset, source) in want {
            assert_eq!(logical.to_source(offset), source, "{offset}");
        }
        assert_eq!(logical.span(&(3..10)), Span::new(13, 71));
        assert_eq!(logical.span(&(9..9)), Span::new(70, 70));
    }

    #[test]
    fn continuation_follows_the_regexp() {
        for (text, want) in [
            ("RUN a \\", (6, false)),
            ("RUN a \\  \t", (6, false)),
            ("\\", (0, false)),
            ("\\\\", (2, true)),
            ("a\\\\ ", (4, true)),
            ("a", (1, true)),
            ("", (0, true)),
            ("é\\", (2, false)),
        ] {
            assert_eq!(trim_continuation(text, '\\'), want, "{text:?}");
        }
        assert_eq!(trim_continuation("a `", '`'), (2, false));
        assert_eq!(trim_continuation("a \\", '`'), (3, true));
    }
}
