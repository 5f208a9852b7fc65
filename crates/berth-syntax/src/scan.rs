//! The line scanner: BuildKit's `Parse` loop (`parser.go`) over physical lines,
//! building the lossless node list, directives, comments and instructions.

use std::borrow::Cow;
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::sync::Arc;

use crate::ast::{Comment, Dockerfile, Flag, Heredoc, Instruction, Keyword, Node, NodeKind, Word};
use crate::directive::DirectiveParser;
use crate::error::{ErrorCode, SyntaxError, SyntaxWarning};
use crate::heredoc;
use crate::line::{node_from_line, trim_range, trim_start, LineNode, Value};
use crate::shared::SharedStr;
use crate::span::{LineIndex, Span};

/// Go's `bufio.Scanner` default maximum token size, minus one.
pub const MAX_LINE_LEN: usize = 65535;

/// One physical line.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    /// End of the text with all trailing `\r` and `\n` removed (Go's `trimNewline`).
    content_end: usize,
    /// After the `\n` (or end of file).
    end: usize,
}

/// Physical lines, stopping (like Go's scanner) at a line longer than the limit.
struct Lines<'a> {
    src: &'a str,
    pos: usize,
    /// Number of lines returned so far (= 1-based number of the last one).
    count: usize,
    /// Start of a line that exceeded [`MAX_LINE_LEN`].
    too_long: Option<usize>,
    /// Start of every line of the file (found in one pass; also the [`LineIndex`]).
    line_starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> Option<Line> {
        // `pos` is at the end once every line was read or a too-long line was met.
        let src = self.src.as_bytes();
        if self.pos >= src.len() {
            return None;
        }
        // The current line is number `count` (0-based) and starts at `pos`.
        let start = self.pos;
        let (text_end, end) = match self.line_starts.get(self.count + 1) {
            Some(&next) => (next - 1, next),
            None => (src.len(), src.len()),
        };
        if text_end - start > MAX_LINE_LEN {
            self.too_long = Some(start);
            self.pos = src.len();
            return None;
        }
        // Go's `trimNewline` removes every trailing `\r` and `\n`; the text found
        // here holds no `\n` (its own is at `next - 1`, outside it), so only `\r`s
        // can be left at its end, and most lines have none (one test).
        let content_end = if text_end > start && src[text_end - 1] == b'\r' {
            let text = &src[start..text_end];
            start + text.iter().rposition(|&b| b != b'\r').map_or(0, |i| i + 1)
        } else {
            text_end
        };
        self.pos = end;
        self.count += 1;
        Some(Line {
            start,
            content_end,
            end,
        })
    }

    /// `src[start..end]` for offsets of lines this scanner returned: a line's
    /// `start` or `content_end`, or 3 (the end of a BOM at the start of the file).
    ///
    /// Runs for every physical line, and the character-boundary checks of `&str`
    /// slicing were a tenth of the scan loop's own instructions.
    fn text(&self, start: usize, end: usize) -> &'a str {
        let src = self.src;
        debug_assert!(start <= end && src.is_char_boundary(start) && src.is_char_boundary(end));
        // SAFETY: `start..end` lies within `src` and both ends are character
        // boundaries of `src`, as `str::get_unchecked` requires. Each end is one of:
        // 0 or `src.len()`; just after a `\n` (a line start); at a `\n` or `\r` byte
        // (a `content_end`, where `next` stopped trimming); or 3, past a byte-order
        // mark that `src` starts with (the caller checks). A character boundary lies
        // before every ASCII byte (`\n`, `\r`) and after it, and the BOM is one
        // 3-byte character. `next` keeps `start <= content_end <= end <= src.len()`
        // for every line, and a caller passing 3 passes `content_end.max(3)`, which
        // is at most `src.len()` as `src` starts with the BOM.
        unsafe { src.get_unchecked(start..end) }
    }
}

/// The joined logical line and the map from its offsets back to the source.
struct Logical<'s> {
    /// The buffer holding the text: the source itself when the line is a single
    /// piece (borrowed: no reference counting per instruction), else the joined pieces.
    buf: Cow<'s, Arc<str>>,
    /// Where the text lies in `buf`.
    range: Range<usize>,
    /// Source offset of the text when it is a single piece.
    base: usize,
    /// `(logical offset, source offset)` of each joined piece, in order (empty
    /// when the text is a single piece starting at `base`).
    segments: &'s [(usize, usize)],
    /// The piece of the last offset mapped: tokens are mapped in order, so the next
    /// one is usually in the same piece or the one after (see [`Logical::to_source`]).
    /// Held by reference: a `Cell` inside the struct would make every method reload
    /// the other fields after each call.
    piece: &'s Cell<usize>,
}

impl Logical<'_> {
    fn text(&self) -> &str {
        &self.buf[self.range.clone()]
    }

    /// The text of a logical range, sharing the buffer.
    fn shared(&self, r: &Range<usize>) -> SharedStr {
        SharedStr::slice(
            &self.buf,
            self.range.start + r.start..self.range.start + r.end,
        )
    }

    /// A token's value as a [`SharedStr`].
    fn value(&self, value: Value) -> SharedStr {
        match value {
            Value::Range(r) => self.shared(&r),
            Value::Owned(text) => SharedStr::from(text),
        }
    }

    /// The whole logical line, BuildKit's `Original`. A joined line's buffer is
    /// handed over rather than shared: each reference-count update is an atomic
    /// operation, and this one came right after the instruction was written, where
    /// it stalled on the pending stores (visible in profiles of the parser).
    fn into_original(self) -> SharedStr {
        match self.buf {
            Cow::Owned(buf) if self.range == (0..buf.len()) => SharedStr::from(buf),
            buf => SharedStr::slice(&buf, self.range),
        }
    }

    /// The same line, borrowing this one's buffer (no reference counting).
    fn borrowed(&self) -> Logical<'_> {
        Logical {
            buf: Cow::Borrowed(&*self.buf),
            range: self.range.clone(),
            base: self.base,
            segments: self.segments,
            piece: self.piece,
        }
    }

    /// The source offset of a logical offset: in the last piece that starts at or
    /// before it (the first piece starts at 0). Tokens are mapped in order, so the
    /// piece of the previous lookup is tried first, inline; the others are found by
    /// [`Logical::to_source_elsewhere`].
    #[inline(always)]
    fn to_source(&self, offset: usize) -> usize {
        let segments = self.segments;
        if segments.is_empty() {
            return self.base + offset;
        }
        // Always a piece of this line (0, or one set by `to_source_elsewhere`).
        let last = self.piece.get();
        let (l, s) = segments[last];
        let before_next = match segments.get(last + 1) {
            Some(next) => offset < next.0,
            None => true,
        };
        if l <= offset && before_next {
            return s + (offset - l);
        }
        self.to_source_elsewhere(offset, last)
    }

    /// [`Logical::to_source`] for an offset outside the piece `last`: a binary
    /// search of the pieces on the side the offset lies (usually just the next one).
    #[inline(never)]
    fn to_source_elsewhere(&self, offset: usize, last: usize) -> usize {
        let segments = self.segments;
        let at_or_before = |s: &(usize, usize)| s.0 <= offset;
        let i = if !at_or_before(&segments[last]) {
            segments[..last]
                .partition_point(at_or_before)
                .saturating_sub(1)
        } else {
            // The piece after `last` starts at or before `offset` (else it would be in
            // `last`).
            last + 1 + segments[last + 2..].partition_point(at_or_before)
        };
        self.piece.set(i);
        let (l, s) = segments[i];
        s + (offset - l)
    }

    /// Source span of a logical range (the end stays in the piece of the last byte).
    /// Inlined, with the single-piece case (most instructions) a plain shift: it
    /// runs for every token, and the call cost more than the work.
    #[inline]
    fn span(&self, r: &Range<usize>) -> Span {
        if self.segments.is_empty() {
            return Span::new(self.base + r.start, self.base + r.end.max(r.start));
        }
        self.joined_span(r)
    }

    /// [`Logical::span`] for a line joined from several pieces.
    #[inline(never)]
    fn joined_span(&self, r: &Range<usize>) -> Span {
        let start = self.to_source(r.start);
        if r.start >= r.end {
            return Span::new(start, start);
        }
        Span::new(start, self.to_source(r.end - 1) + 1)
    }
}

/// Does `text` contain `<<` (a possible heredoc)? A `memchr` per `<` is cheaper here
/// than setting up a substring searcher for every RUN, COPY and ADD line.
fn has_double_lt(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(b'<', b).any(|i| b.get(i + 1) == Some(&b'<'))
}

/// The text of a comment after its `#`, trimmed of Unicode whitespace on both sides
/// (`str::trim`, Go's `TrimSpace`) by [`trim_range`], which looks at bytes while they
/// are ASCII: `trim` decodes characters and cost about 70 instructions per comment line.
fn trim_comment(text: &str) -> &str {
    &text[trim_range(text, 0..text.len())]
}

/// `trimContinuationCharacter`: the end of the kept text and whether the line ends
/// the instruction (`([^E])E[ \t]*$|^E[ \t]*$`).
fn trim_continuation(text: &str, escape: char) -> (usize, bool) {
    // The escape character is `\\` or `` ` `` (ASCII), so bytes suffice.
    let b = text.as_bytes();
    let esc = escape as u8;
    // Most lines end in their last word or in the escape character itself, which
    // the last byte tells apart; only blanks at the end need a loop.
    let mut end = b.len();
    match b.last() {
        Some(&last) if last == esc => {}
        Some(b' ' | b'\t') => {
            while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
                end -= 1;
            }
            if end == 0 || b[end - 1] != esc {
                return (b.len(), true);
            }
        }
        _ => return (b.len(), true),
    }
    // `b[end - 1]` is the escape character: it continues the line unless escaped.
    if end >= 2 && b[end - 2] == esc {
        return (b.len(), true);
    }
    (end - 1, false)
}

/// Buffers the scanner needs for every file, kept per thread between files: that
/// saves about six allocations (and their growth) per file, and most files are small.
#[derive(Default)]
struct Scratch {
    /// Comments since the last instruction (each instruction gets an exactly sized
    /// copy: one allocation, and none without comments).
    prev_comment: Vec<SharedStr>,
    /// Source ranges of the pieces of the current instruction.
    pieces: Vec<(usize, usize)>,
    /// The joined text of a multi-line instruction and its pieces' offsets.
    joined: String,
    segments: Vec<(usize, usize)>,
    /// The parsed line.
    node: LineNode,
}

impl Scratch {
    /// Empty every buffer, keeping its capacity.
    fn clear(&mut self) {
        self.prev_comment.clear();
        self.pieces.clear();
        self.joined.clear();
        self.segments.clear();
        self.node.clear();
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

struct Builder<'s> {
    src: &'s str,
    /// `src` as a shared buffer, for the tokens that are slices of it.
    buf: &'s Arc<str>,
    file: &'s mut Dockerfile,
}

/// Parse `source` (already valid UTF-8).
pub(crate) fn parse(source: Arc<str>) -> Dockerfile {
    // One pass over the file for the line starts, rather than a search per line.
    // Counting the lines first (a vectorised count) sizes every vector below, which
    // otherwise grew, reallocating and copying, in most files of the corpus.
    let line_starts = crate::span::line_starts(source.as_bytes());
    let lines = line_starts.len();
    let mut file = Dockerfile {
        source: SharedStr::default(),
        escape: '\\',
        directives: Vec::new(),
        // At most one instruction per line, and about one per three lines or fewer in
        // most files of the corpus (the others grow once or twice).
        instructions: Vec::with_capacity(lines / 2 + 2),
        // At most one comment per line; half the lines or fewer in 99% of the corpus.
        comments: Vec::with_capacity(lines / 2 + 1),
        // At most one node per line, plus the BOM and the unparsed tail.
        nodes: Vec::with_capacity(lines + 2),
        errors: Vec::new(),
        warnings: Vec::new(),
        line_index: LineIndex::from_line_starts(Vec::new()),
    };
    Builder {
        src: &source,
        buf: &source,
        file: &mut file,
    }
    .run(line_starts);
    file.source = SharedStr::from(source);
    crate::command::check_file(&mut file);
    file
}

impl<'s> Builder<'s> {
    /// Scan the file, given the start of each of its lines.
    fn run(&mut self, line_starts: Vec<usize>) {
        let src = self.src;
        let mut lines = Lines {
            src,
            pos: 0,
            count: 0,
            too_long: None,
            line_starts,
        };
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.scan(&mut lines, &mut scratch),
            // Only if a parse ever ran inside another on this thread.
            Err(_) => self.scan(&mut lines, &mut Scratch::default()),
        });
        if self.file.instructions.is_empty() {
            // BuildKit names the last line it read: the one a final newline ends.
            let last_line = src.len() - usize::from(src.ends_with('\n'));
            let at = lines.too_long.unwrap_or(last_line);
            self.error(
                ErrorCode::NoInstructions,
                "file with no instructions".to_string(),
                Span::new(at, at),
                None,
            );
        }
        // Every line, including those after a too-long line that BuildKit never reads
        // (indexed for rendering only).
        self.file.line_index = LineIndex::from_line_starts(std::mem::take(&mut lines.line_starts));
        if let Some(start) = lines.too_long {
            let end = src[start..].find('\n').map_or(src.len(), |i| start + i);
            self.error(
                ErrorCode::LineTooLong,
                format!("dockerfile line greater than max allowed size of {MAX_LINE_LEN}"),
                Span::new(start, end),
                None,
            );
            self.file.nodes.push(Node {
                kind: NodeKind::Unparsed,
                span: Span::new(start, src.len()),
            });
        }
    }

    /// BuildKit's line loop: directives, comments, blank lines and instructions
    /// (with their continuation lines and heredoc bodies), into `self.file`.
    fn scan(&mut self, lines: &mut Lines<'_>, scratch: &mut Scratch) {
        let src = self.src;
        let mut dirs = DirectiveParser::default();
        scratch.clear();
        let Scratch {
            prev_comment,
            pieces,
            joined,
            segments,
            node,
        } = scratch;
        while let Some(line) = lines.next() {
            let mut start = line.start;
            if start == 0 && src.starts_with('\u{feff}') {
                self.file.nodes.push(Node {
                    kind: NodeKind::Bom,
                    span: Span::new(0, 3),
                });
                start = 3;
            }
            let content = lines.text(start, line.content_end.max(start));
            let trimmed = trim_start(content);
            let t_start = line.content_end.max(start) - trimmed.len();
            let node_span = Span::new(start, line.end);

            let directive = if dirs.active() {
                dirs.parse_line(trimmed, t_start, self.buf)
            } else {
                Ok(None)
            };
            match directive {
                Ok(Some(d)) => {
                    if d.name == "escape" {
                        match d.value.as_str() {
                            "\\" => self.file.escape = '\\',
                            "`" => self.file.escape = '`',
                            v => self.error(
                                ErrorCode::InvalidEscapeToken,
                                format!("invalid escape token '{v}' does not match ` or \\"),
                                d.value_span,
                                None,
                            ),
                        }
                    }
                    self.file.nodes.push(Node {
                        kind: NodeKind::Directive(self.file.directives.len()),
                        span: node_span,
                    });
                    self.file.directives.push(d);
                    continue;
                }
                Ok(None) => {}
                Err((message, span)) => {
                    self.error(ErrorCode::DuplicateDirective, message, span, None);
                    self.file.nodes.push(Node {
                        kind: NodeKind::Comment(self.file.comments.len()),
                        span: node_span,
                    });
                    self.file.comments.push(Comment {
                        text: self.shared(trim_comment(&trimmed[1..])),
                        span: Span::new(t_start, line.content_end),
                        in_continuation: false,
                    });
                    continue;
                }
            }
            if let Some(comment) = trimmed.strip_prefix('#') {
                let text = self.shared(trim_comment(comment));
                if text.is_empty() {
                    prev_comment.clear();
                } else {
                    prev_comment.push(text.clone());
                }
                self.file.nodes.push(Node {
                    kind: NodeKind::Comment(self.file.comments.len()),
                    span: node_span,
                });
                self.file.comments.push(Comment {
                    text,
                    span: Span::new(t_start, line.content_end),
                    in_continuation: false,
                });
                continue;
            }
            let (kept, mut end_of_line) = trim_continuation(trimmed, self.file.escape);
            if end_of_line && kept == 0 {
                self.file.nodes.push(Node {
                    kind: NodeKind::Blank,
                    span: node_span,
                });
                continue;
            }
            // An instruction: gather its continuation lines.
            let start_line = lines.count;
            // The first piece stays here unless continuation lines add others.
            let first = (t_start, t_start + kept);
            pieces.clear();
            let mut last = line;
            let mut empty_continuation: Option<Span> = None;
            while !end_of_line {
                let Some(next) = lines.next() else { break };
                last = next;
                let text = lines.text(next.start, next.content_end);
                let trimmed = trim_start(text);
                if let Some(comment) = trimmed.strip_prefix('#') {
                    self.file.comments.push(Comment {
                        text: self.shared(trim_comment(comment)),
                        span: Span::new(next.content_end - trimmed.len(), next.content_end),
                        in_continuation: true,
                    });
                    continue;
                }
                if trimmed.is_empty() {
                    empty_continuation.get_or_insert(Span::new(next.start, next.content_end));
                    continue;
                }
                let (kept, eol) = trim_continuation(text, self.file.escape);
                end_of_line = eol;
                if pieces.is_empty() {
                    pieces.push(first);
                }
                pieces.push((next.start, next.start + kept));
            }
            let piece = Cell::new(0);
            let logical = if pieces.is_empty() {
                Logical {
                    buf: Cow::Borrowed(self.buf),
                    range: first.0..first.1,
                    base: t_start,
                    segments: &[],
                    piece: &piece,
                }
            } else {
                joined.clear();
                joined.reserve(pieces.iter().map(|&(a, z)| z - a).sum());
                segments.clear();
                for &(a, z) in pieces.iter() {
                    segments.push((joined.len(), a));
                    joined.push_str(&src[a..z]);
                }
                Logical {
                    buf: Cow::Owned(Arc::from(joined.as_str())),
                    range: 0..joined.len(),
                    base: t_start,
                    segments,
                    piece: &piece,
                }
            };
            let text = logical.text();
            let index = self.file.instructions.len();
            let err = node_from_line(text, 0..text.len(), self.file.escape, node);
            let mut failed = false;
            if let Some(err) = err {
                failed = true;
                self.error(err.code, err.message, logical.span(&err.range), Some(index));
            }
            // Heredocs: RUN, COPY, ADD (or ONBUILD of those), not in JSON form.
            let target = node
                .sub
                .as_deref()
                .filter(|_| node.known == Some(Keyword::Onbuild))
                .unwrap_or(node);
            let heredoc_ok = matches!(
                target.known,
                Some(Keyword::Run | Keyword::Copy | Keyword::Add)
            ) && !target.json;
            let mut heredocs = Vec::new();
            if !failed && heredoc_ok && has_double_lt(text) {
                match heredoc::markers(text) {
                    Err(e) => {
                        self.error(
                            ErrorCode::HeredocDelimiter,
                            e.message,
                            logical.span(&e.range),
                            Some(index),
                        );
                    }
                    Ok(markers) => {
                        for m in markers {
                            let body_start = last.end;
                            let mut terminated = false;
                            let mut content_end = body_start;
                            while let Some(next) = lines.next() {
                                last = next;
                                let mut text = lines.text(next.start, next.content_end);
                                if m.chomp {
                                    text = text.trim_start_matches('\t');
                                }
                                if text == m.name {
                                    terminated = true;
                                    break;
                                }
                                content_end = next.end;
                            }
                            let marker_span = logical.span(&m.range);
                            if !terminated {
                                self.error(
                                    ErrorCode::UnterminatedHeredoc,
                                    "unterminated heredoc".to_string(),
                                    marker_span,
                                    Some(index),
                                );
                            }
                            heredocs.push(Heredoc {
                                name: SharedStr::from(m.name),
                                file_descriptor: m.file_descriptor,
                                expand: m.expand,
                                chomp: m.chomp,
                                content: SharedStr::slice(self.buf, body_start..content_end),
                                marker_span,
                                span: Span::new(body_start, last.content_end.max(body_start)),
                            });
                            if !terminated {
                                break;
                            }
                        }
                    }
                }
            }
            if let Some(span) = empty_continuation {
                self.file.warnings.push(SyntaxWarning {
                    message: format!("Empty continuation line found in: {text}"),
                    span,
                    instruction: index,
                });
            }
            self.file.nodes.push(Node {
                kind: NodeKind::Instruction(index),
                span: Span::new(start, last.end),
            });
            let mut comments = Vec::with_capacity(prev_comment.len());
            comments.append(prev_comment);
            // The instruction is written straight into the vector's next slot: built
            // elsewhere and pushed, its 288 bytes were copied once more.
            let instructions = &mut self.file.instructions;
            instructions.reserve(1);
            let len = instructions.len();
            instruction(
                &mut instructions.spare_capacity_mut()[0],
                logical,
                node,
                Extent {
                    start_line,
                    end_line: lines.count,
                    end: last.content_end,
                },
                comments,
                heredocs,
                empty_continuation.is_some(),
            );
            // SAFETY: `instruction` wrote slot `len` (the first spare one, which
            // `reserve(1)` guarantees exists), so the first `len + 1` elements are
            // initialised.
            unsafe { instructions.set_len(len + 1) };
        }
        // Nothing of this file may stay behind (the comments hold its text).
        scratch.clear();
    }

    /// `text`, a slice of the source, as a [`SharedStr`].
    fn shared(&self, text: &str) -> SharedStr {
        let start = text.as_ptr() as usize - self.src.as_ptr() as usize;
        SharedStr::slice(self.buf, start..start + text.len())
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

/// The flags of a parsed line, taken out of it.
fn flags(logical: &Logical<'_>, node: &mut LineNode) -> Vec<Flag> {
    node.flags
        .drain(..)
        .map(|(flag, range)| {
            let flag = logical.value(flag);
            let body = flag.strip_prefix("--").unwrap_or(&flag);
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (flag.substr_of(n), Some(flag.substr_of(v))),
                None => (flag.substr_of(body), None),
            };
            Flag {
                name,
                value,
                text: flag,
                span: logical.span(&range),
            }
        })
        .collect()
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

/// Build an [`Instruction`] from a parsed logical line into `out` (always written),
/// taking the line over for its `original` (see [`Logical::into_original`]).
///
/// `original` is set in the struct literal, once: the instruction is 288 bytes, and
/// setting it afterwards on a local or in the vector cost copies of the whole struct
/// and a load of the fresh slot (to drop the placeholder) that stalled on the
/// pending stores of the copy (6% of the scan loop's cycles).
fn instruction<'o>(
    out: &'o mut MaybeUninit<Instruction>,
    logical: Logical<'_>,
    node: &mut LineNode,
    extent: Extent,
    prev_comment: Vec<SharedStr>,
    heredocs: Vec<Heredoc>,
    empty_continuation_line: bool,
) -> &'o mut Instruction {
    let text = logical.text();
    let keyword = node
        .known
        .take()
        .unwrap_or_else(|| Keyword::Unknown(text[node.keyword.clone()].to_string()));
    let keyword_span = logical.span(&node.keyword);
    // Most instructions have no flags: no collecting (and its call) for those.
    let flags = if node.flags.is_empty() {
        Vec::new()
    } else {
        flags(&logical, node)
    };
    let mut args = Vec::with_capacity(node.args.len());
    for (value, range) in node.args.drain(..) {
        args.push(Word {
            value: logical.value(value),
            span: logical.span(&range),
        });
    }
    let span_end = extent.end.max(keyword_span.start);
    let onbuild = match (&keyword, node.sub.take()) {
        (Keyword::Onbuild, Some(mut sub)) => {
            let inner_extent = Extent {
                end: span_end,
                ..extent
            };
            let mut inner = MaybeUninit::uninit();
            // Rare (ONBUILD), so a placeholder overwritten is fine here.
            instruction(
                &mut inner,
                logical.borrowed(),
                &mut sub,
                inner_extent,
                Vec::new(),
                heredocs.clone(),
                false,
            )
            .original = logical.shared(&node.rest);
            // SAFETY: `instruction` always writes its `out` (its last statement).
            Some(Box::new(unsafe { inner.assume_init() }))
        }
        _ => None,
    };
    let keyword_text = logical.shared(&node.keyword);
    out.write(Instruction {
        keyword,
        keyword_text,
        keyword_span,
        span: Span::new(keyword_span.start, span_end),
        start_line: extent.start_line,
        end_line: extent.end_line,
        original: logical.into_original(),
        flags,
        args,
        json: node.json,
        heredocs,
        prev_comment,
        onbuild,
        command: None,
        empty_continuation_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_offsets_map_like_a_binary_search_in_any_order() {
        // Pieces of a joined line, an empty one among them (two pieces starting at
        // the same logical offset).
        let segments = [(0, 10), (5, 40), (9, 60), (9, 70), (14, 90)];
        let buf: Arc<str> = Arc::from("x".repeat(20));
        let logical = Logical {
            buf: Cow::Borrowed(&buf),
            range: 0..20,
            base: 10,
            segments: &segments,
            piece: &Cell::new(0),
        };
        let by_search = |offset: usize| {
            let i = segments
                .partition_point(|s| s.0 <= offset)
                .saturating_sub(1);
            segments[i].1 + (offset - segments[i].0)
        };
        // Forwards, backwards and jumping about.
        let offsets: Vec<usize> = (0..20)
            .chain((0..20).rev())
            .chain([3, 17, 0, 9, 8, 19, 5, 4, 14, 13, 2])
            .collect();
        for offset in offsets {
            assert_eq!(logical.to_source(offset), by_search(offset), "{offset}");
        }
    }

    /// `trimContinuationCharacter` as first written here: blanks trimmed, then the
    /// escape character looked at.
    fn trim_continuation_by_loop(text: &str, escape: char) -> (usize, bool) {
        let b = text.as_bytes();
        let esc = escape as u8;
        let mut end = b.len();
        while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        if end == 0 || b[end - 1] != esc || (end >= 2 && b[end - 2] == esc) {
            return (text.len(), true);
        }
        (end - 1, false)
    }

    #[test]
    fn continuation_is_found_like_the_plain_loop() {
        // Every text of up to five bytes from blanks, both escape characters and
        // another byte.
        let alphabet = [' ', '\t', '\\', '`', 'a'];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            let longer: Vec<String> = texts
                .iter()
                .filter(|t| t.len() == texts.last().map_or(0, String::len))
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        for text in &texts {
            for escape in ['\\', '`'] {
                assert_eq!(
                    trim_continuation(text, escape),
                    trim_continuation_by_loop(text, escape),
                    "{text:?} {escape:?}"
                );
            }
        }
    }

    #[test]
    fn comments_are_trimmed_like_str_trim() {
        let mut texts: Vec<String> = [
            "",
            " ",
            "x",
            " x ",
            "\tx\r",
            " \u{a0}x\u{a0} ",
            "x \u{2003}",
            "\u{2003} \t",
            "é ",
            " \u{85}",
            "x\u{b}\u{c}",
            "\u{1c}x\u{1f}",
            "a b",
            "\u{feff}x\u{feff}",
            "x\u{3000}\t ",
        ]
        .map(String::from)
        .to_vec();
        // Every ASCII byte and a few non-ASCII characters on either side.
        for c in (0u8..0x80)
            .map(char::from)
            .chain(['\u{a0}', '\u{2028}', 'é', '\u{180e}'])
        {
            texts.push(format!("{c}x{c}"));
            texts.push(format!(" {c}"));
            texts.push(format!("{c} "));
        }
        for text in &texts {
            let trimmed = trim_comment(text);
            assert_eq!(trimmed, text.trim(), "{text:?}");
            // A slice of `text` (the caller maps it back to a source offset).
            let offset = trimmed.as_ptr() as usize - text.as_ptr() as usize;
            assert!(offset + trimmed.len() <= text.len(), "{text:?}");
        }
    }
}
