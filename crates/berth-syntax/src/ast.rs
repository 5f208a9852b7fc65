//! The syntax tree: a flat list of instructions plus the trivia (comments, blank
//! lines, directives) around them, all carrying byte spans into the source.

use std::ops::Range;

use serde::Serialize;

use crate::command::Command;
use crate::error::{SyntaxError, SyntaxWarning};
use crate::shared::SharedStr;
use crate::span::{LineIndex, Span};

/// A parsed Dockerfile. Built by [`crate::parse`]; never fails to build.
#[derive(Clone, Debug, Serialize)]
pub struct Dockerfile {
    /// The text that was parsed (for [`crate::parse_bytes`], the lossily decoded text).
    /// Every token of the tree is a slice of it (or of a joined logical line).
    pub source: SharedStr,
    /// The escape character in effect (`\` or `` ` ``), from the `escape` directive.
    pub escape: char,
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`, `# check=`).
    pub directives: Vec<Directive>,
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
    /// Every comment line, including those inside continuation lines and
    /// excluding directive lines.
    pub comments: Vec<Comment>,
    /// Nodes that tile the whole source: concatenating their spans gives it back.
    pub nodes: Vec<Node>,
    /// Every error found, in the order BuildKit would meet them (the first
    /// [`SyntaxError::is_parser_error`] one is the error BuildKit's parser reports).
    pub errors: Vec<SyntaxError>,
    /// Parser warnings (empty continuation lines).
    pub warnings: Vec<SyntaxWarning>,
    /// Line index of `source`, for rendering spans as line:column.
    #[serde(skip)]
    pub line_index: LineIndex,
}

/// One piece of the lossless tiling of the source. Spans cover whole physical lines,
/// line terminators included (except the BOM node, which covers the 3 BOM bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

/// What a [`Node`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "index", rename_all = "snake_case")]
pub enum NodeKind {
    /// The UTF-8 byte-order mark at the start of the file.
    Bom,
    /// A parser directive line; index into [`Dockerfile::directives`].
    Directive(usize),
    /// A comment line between instructions; index into [`Dockerfile::comments`].
    Comment(usize),
    /// A whitespace-only line between instructions.
    Blank,
    /// An instruction with its continuation lines (and the comment and blank lines
    /// inside them) and heredoc bodies; index into [`Dockerfile::instructions`].
    Instruction(usize),
    /// Text BuildKit never reads: a line longer than 65535 bytes and everything after it.
    Unparsed,
}

/// A parser directive such as `# escape=\``.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: SharedStr,
    /// The value, trailing whitespace removed.
    pub value: SharedStr,
    /// The whole directive line (without line terminator).
    pub span: Span,
    pub name_span: Span,
    pub value_span: Span,
}

/// A comment line (`# text`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: SharedStr,
    /// From `#` to the end of the line (without line terminator).
    pub span: Span,
    /// True when the comment sits inside an instruction's continuation lines
    /// (BuildKit drops it from the instruction's text).
    pub in_continuation: bool,
}

/// An instruction keyword.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Anything else, as written (BuildKit's parser accepts it; the instructions
    /// layer rejects it with `unknown instruction`).
    Unknown(String),
}

impl Keyword {
    /// Every known keyword, upper case, in alphabetical order.
    pub const ALL: [&'static str; 18] = [
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    ];

    /// Classify a keyword as written (case-insensitive).
    pub fn from_text(text: &str) -> Keyword {
        Keyword::known(text).unwrap_or_else(|| Keyword::Unknown(text.to_string()))
    }

    /// The known keyword `text` spells (case-insensitive), without allocating.
    ///
    /// Runs once per instruction: the length picks a handful of candidates and the
    /// text, folded into one number, is compared with each in a single test.
    #[inline]
    pub(crate) fn known(text: &str) -> Option<Keyword> {
        Keyword::known_bytes(text.as_bytes())
    }

    /// [`Keyword::known`] for the bytes of a keyword (the line parser has bytes at
    /// hand: slicing its text would check character boundaries for nothing).
    #[inline]
    pub(crate) fn known_bytes(w: &[u8]) -> Option<Keyword> {
        if !(3..=11).contains(&w.len()) {
            return None;
        }
        let key = keyword_key(w);
        const fn k(keyword: &str) -> u128 {
            keyword_key_const(keyword.as_bytes())
        }
        const ADD: u128 = k("ADD");
        const ARG: u128 = k("ARG");
        const CMD: u128 = k("CMD");
        const ENV: u128 = k("ENV");
        const RUN: u128 = k("RUN");
        const COPY: u128 = k("COPY");
        const FROM: u128 = k("FROM");
        const USER: u128 = k("USER");
        const LABEL: u128 = k("LABEL");
        const SHELL: u128 = k("SHELL");
        const EXPOSE: u128 = k("EXPOSE");
        const VOLUME: u128 = k("VOLUME");
        const ONBUILD: u128 = k("ONBUILD");
        const WORKDIR: u128 = k("WORKDIR");
        const ENTRYPOINT: u128 = k("ENTRYPOINT");
        const MAINTAINER: u128 = k("MAINTAINER");
        const STOPSIGNAL: u128 = k("STOPSIGNAL");
        const HEALTHCHECK: u128 = k("HEALTHCHECK");
        Some(match w.len() {
            3 => match key {
                ADD => Keyword::Add,
                ARG => Keyword::Arg,
                CMD => Keyword::Cmd,
                ENV => Keyword::Env,
                RUN => Keyword::Run,
                _ => return None,
            },
            4 => match key {
                COPY => Keyword::Copy,
                FROM => Keyword::From,
                USER => Keyword::User,
                _ => return None,
            },
            5 => match key {
                LABEL => Keyword::Label,
                SHELL => Keyword::Shell,
                _ => return None,
            },
            6 => match key {
                EXPOSE => Keyword::Expose,
                VOLUME => Keyword::Volume,
                _ => return None,
            },
            7 => match key {
                ONBUILD => Keyword::Onbuild,
                WORKDIR => Keyword::Workdir,
                _ => return None,
            },
            10 => match key {
                ENTRYPOINT => Keyword::Entrypoint,
                MAINTAINER => Keyword::Maintainer,
                STOPSIGNAL => Keyword::Stopsignal,
                _ => return None,
            },
            11 if key == HEALTHCHECK => Keyword::Healthcheck,
            _ => return None,
        })
    }

    /// The keyword in upper case (`Unknown` keeps its own spelling, upper-cased).
    pub fn as_upper(&self) -> std::borrow::Cow<'static, str> {
        use std::borrow::Cow;
        Cow::Borrowed(match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown(text) => return Cow::Owned(text.to_uppercase()),
        })
    }
}

/// The bytes of `w` (3 to 16 of them) as two overlapping little-endian windows
/// (the first and the last 2, 4 or 8 bytes), every byte with bit 5 cleared. For a
/// given length the windows cover every byte, and clearing bit 5 maps exactly an
/// upper-case letter and its lower case to the upper case (no other byte gives a
/// letter), so two texts of one length have the same key exactly when they are
/// equal ignoring ASCII case, as long as one of them is all letters.
#[inline]
fn keyword_key(w: &[u8]) -> u128 {
    let n = w.len();
    let (first, last) = if n >= 8 {
        (le_u64(&w[..8]), le_u64(&w[n - 8..]))
    } else if n >= 4 {
        (le_u32(&w[..4]), le_u32(&w[n - 4..]))
    } else {
        (le_u16(&w[..2]), le_u16(&w[n - 2..]))
    };
    (first as u128 | (last as u128) << 64) & FOLD_CASE
}

/// Every byte but bit 5 (`b'a' ^ b'A'`).
const FOLD_CASE: u128 = u128::from_ne_bytes([0xdf; 16]);

fn le_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
}

fn le_u32(b: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
}

fn le_u16(b: &[u8]) -> u64 {
    u64::from(u16::from_le_bytes(b.try_into().unwrap_or([0; 2])))
}

/// [`keyword_key`] at compile time, for the keywords themselves.
const fn keyword_key_const(w: &[u8]) -> u128 {
    let n = w.len();
    let width = if n >= 8 {
        8
    } else if n >= 4 {
        4
    } else {
        2
    };
    let mut key = 0u128;
    let mut i = 0;
    while i < width {
        key |= (w[i] as u128) << (8 * i);
        key |= (w[n - width + i] as u128) << (64 + 8 * i);
        i += 1;
    }
    key & FOLD_CASE
}

/// One instruction, as BuildKit's parser reads it, plus its typed form.
#[derive(Clone, Debug, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    /// The keyword as written (`from`, `From`, ...).
    pub keyword_text: SharedStr,
    pub keyword_span: Span,
    /// From the keyword to the end of the last physical line the instruction
    /// consumed (continuation lines and heredoc bodies included), without the
    /// final line terminator.
    pub span: Span,
    /// 1-based physical line of the keyword.
    pub start_line: usize,
    /// 1-based last physical line consumed (continuations and heredoc bodies included).
    pub end_line: usize,
    /// BuildKit's `Original`: the logical line with continuations joined (escape
    /// characters and comment lines removed), without heredoc bodies.
    pub original: SharedStr,
    /// Leading `--flag[=value]` words.
    pub flags: Vec<Flag>,
    /// BuildKit's argument nodes (see [`Word`]). For ENV and LABEL these are
    /// `key, value, separator` triples; for ONBUILD it is empty (see `onbuild`).
    pub args: Vec<Word>,
    /// True when the arguments were written as a JSON array (exec form).
    pub json: bool,
    /// Heredocs of this instruction (for ONBUILD, of the wrapped instruction).
    pub heredocs: Vec<Heredoc>,
    /// Comment lines right before the instruction (BuildKit's `PrevComment`).
    pub prev_comment: Vec<SharedStr>,
    /// ONBUILD: the wrapped instruction.
    pub onbuild: Option<Box<Instruction>>,
    /// The typed, validated form; `None` when the instructions layer rejects it
    /// (the reason is in [`Dockerfile::errors`]).
    pub command: Option<Command>,
    /// True when whitespace-only lines occurred inside the continuation lines.
    pub empty_continuation_line: bool,
}

/// A `--name[=value]` flag word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The name without dashes (`from` for `--from=build`).
    pub name: SharedStr,
    /// The value after `=`, or `None` for a bare `--name`.
    pub value: Option<SharedStr>,
    /// The flag as BuildKit reports it (`--from=build`), quotes and escapes removed.
    pub text: SharedStr,
    pub span: Span,
}

/// An argument node: its value (as BuildKit's parser produces it) and where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Word {
    pub value: SharedStr,
    /// The source text the value came from (for a JSON element, the quoted string;
    /// for an ENV separator of the legacy form, an empty span between key and value).
    pub span: Span,
}

/// A heredoc (`<<EOF` ... `EOF`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: SharedStr,
    /// The file descriptor written before `<<` (`3<<EOF`), else 0.
    pub file_descriptor: u32,
    /// False when any part of the delimiter was quoted (the body is then not expanded).
    pub expand: bool,
    /// True for `<<-` (leading tabs are stripped later).
    pub chomp: bool,
    /// The body lines, terminators included, exactly as written.
    pub content: SharedStr,
    /// The `<<EOF` marker in the instruction line (best effort for markers produced by
    /// continuation joining).
    pub marker_span: Span,
    /// The body and the terminator line (without the terminator's line ending).
    pub span: Span,
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// 0-based stage index.
    pub index: usize,
    /// The `AS name` as written, if any.
    pub name: Option<SharedStr>,
    /// Index of the FROM instruction in [`Dockerfile::instructions`].
    pub from: usize,
    /// Indices of the stage's instructions, the FROM included.
    pub instructions: Range<usize>,
}

impl Dockerfile {
    /// Rebuild the exact source text from the nodes (the lossless property).
    pub fn to_source(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        for node in &self.nodes {
            out.push_str(node.span.text(&self.source));
        }
        out
    }

    /// True when BuildKit's parser (the first stage, what `docker build` runs
    /// before anything else) rejects the file.
    pub fn is_rejected_by_parser(&self) -> bool {
        self.errors.iter().any(SyntaxError::is_parser_error)
    }

    /// The error BuildKit's parser reports, if it rejects the file.
    pub fn parser_error(&self) -> Option<&SyntaxError> {
        self.errors.iter().find(|e| e.is_parser_error())
    }

    /// The instructions before the first FROM (BuildKit's meta ARGs when valid).
    pub fn meta_instructions(&self) -> &[Instruction] {
        let end = self
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .unwrap_or(self.instructions.len());
        &self.instructions[..end]
    }

    /// The build stages, in order.
    pub fn stages(&self) -> Vec<Stage> {
        let mut stages: Vec<Stage> = Vec::new();
        for (i, ins) in self.instructions.iter().enumerate() {
            if ins.keyword == Keyword::From {
                if let Some(last) = stages.last_mut() {
                    last.instructions.end = i;
                }
                let name = match &ins.command {
                    Some(Command::From(from)) => from.name.clone(),
                    _ => from_stage_name(&ins.args),
                };
                stages.push(Stage {
                    index: stages.len(),
                    name,
                    from: i,
                    instructions: i..self.instructions.len(),
                });
            }
        }
        stages
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.line_index.line_col(offset)
    }
}

fn from_stage_name(args: &[Word]) -> Option<SharedStr> {
    match args {
        [_, as_kw, name] if as_kw.value.eq_ignore_ascii_case("as") => Some(name.value.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `Keyword::known` must compute: an ASCII-case-insensitive lookup.
    fn known_by_lookup(text: &str) -> Option<String> {
        Keyword::ALL
            .iter()
            .find(|k| k.eq_ignore_ascii_case(text))
            .map(|k| k.to_string())
    }

    #[test]
    fn keywords_are_recognised_in_any_ascii_case_only() {
        let mut words: Vec<String> = Vec::new();
        for k in Keyword::ALL {
            words.push(k.to_string());
            words.push(k.to_lowercase());
            let mixed: String = k
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }
                })
                .collect();
            words.push(mixed);
            // Near misses: one more byte, one less, bytes that equal a letter once
            // bit 5 is cleared, non-ASCII.
            words.push(format!("{k} "));
            words.push(format!("{k}\0"));
            words.push(k[1..].to_string());
            words.push(k.replace('R', "\u{72}\u{20}"));
            words.push(k.replacen(|c: char| c.is_ascii_uppercase(), "\u{c5}", 1));
            words.push(k.replace('A', "\u{1}"));
            // Every ASCII byte in every position.
            for i in 0..k.len() {
                for b in 0..0x80u8 {
                    let mut w = k.as_bytes().to_vec();
                    w[i] = b;
                    words.push(String::from_utf8(w).unwrap_or_default());
                }
            }
        }
        words.extend(["", "x", "RU", "RUNN", "@DD", "ADD\u{feff}", "\u{212a}"].map(String::from));
        for w in &words {
            let got = Keyword::known(w).map(|k| k.as_upper().into_owned());
            assert_eq!(got, known_by_lookup(w), "{w:?}");
        }
    }
}
