//! The syntax tree: a flat list of instructions plus the trivia (comments, blank
//! lines, directives) around them, all carrying byte spans into the source.

use std::ops::Range;

use crate::command::Command;
use crate::error::{SyntaxError, SyntaxWarning};
use crate::shared::SharedStr;
use crate::span::{LineIndex, Span};

/// A parsed Dockerfile. Built by [`crate::parse`]; never fails to build.
#[derive(Clone, Debug)]
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
    pub line_index: LineIndex,
}

/// One piece of the lossless tiling of the source. Spans cover whole physical lines,
/// line terminators included (except the BOM node, which covers the 3 BOM bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// What the node holds.
    pub kind: NodeKind,
    /// The lines it covers.
    pub span: Span,
}

/// What a [`Node`] holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: SharedStr,
    /// The value, trailing whitespace removed.
    pub value: SharedStr,
    /// The whole directive line (without line terminator).
    pub span: Span,
    /// Where the name was written.
    pub name_span: Span,
    /// Where the value was written.
    pub value_span: Span,
}

/// A comment line (`# text`).
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Keyword {
    /// `ADD`.
    Add,
    /// `ARG`.
    Arg,
    /// `CMD`.
    Cmd,
    /// `COPY`.
    Copy,
    /// `ENTRYPOINT`.
    Entrypoint,
    /// `ENV`.
    Env,
    /// `EXPOSE`.
    Expose,
    /// `FROM`.
    From,
    /// `HEALTHCHECK`.
    Healthcheck,
    /// `LABEL`.
    Label,
    /// `MAINTAINER`.
    Maintainer,
    /// `ONBUILD`.
    Onbuild,
    /// `RUN`.
    Run,
    /// `SHELL`.
    Shell,
    /// `STOPSIGNAL`.
    Stopsignal,
    /// `USER`.
    User,
    /// `VOLUME`.
    Volume,
    /// `WORKDIR`.
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

    /// The known keyword `text` spells (ASCII case ignored).
    pub(crate) fn known(text: &str) -> Option<Keyword> {
        let index = Keyword::ALL
            .iter()
            .position(|keyword| keyword.eq_ignore_ascii_case(text))?;
        Some(Keyword::KNOWN[index].clone())
    }

    /// The known keywords, in the order of [`Keyword::ALL`].
    const KNOWN: [Keyword; 18] = [
        Keyword::Add,
        Keyword::Arg,
        Keyword::Cmd,
        Keyword::Copy,
        Keyword::Entrypoint,
        Keyword::Env,
        Keyword::Expose,
        Keyword::From,
        Keyword::Healthcheck,
        Keyword::Label,
        Keyword::Maintainer,
        Keyword::Onbuild,
        Keyword::Run,
        Keyword::Shell,
        Keyword::Stopsignal,
        Keyword::User,
        Keyword::Volume,
        Keyword::Workdir,
    ];

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

/// One instruction, as BuildKit's parser reads it, plus its typed form.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// The keyword as written (`from`, `From`, ...).
    pub keyword_text: SharedStr,
    /// Where the keyword was written.
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The name without dashes (`from` for `--from=build`).
    pub name: SharedStr,
    /// The value after `=`, or `None` for a bare `--name`.
    pub value: Option<SharedStr>,
    /// The flag as BuildKit reports it (`--from=build`), quotes and escapes removed.
    pub text: SharedStr,
    /// Where the flag was written.
    pub span: Span,
}

/// An argument node: its value (as BuildKit's parser produces it) and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The value BuildKit's parser gives the argument.
    pub value: SharedStr,
    /// The source text the value came from (for a JSON element, the quoted string;
    /// for an ENV separator of the legacy form, an empty span between key and value).
    pub span: Span,
}

/// A heredoc (`<<EOF` ... `EOF`).
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl Heredoc {
    /// The body as BuildKit uses it: for `<<-`, the leading tabs of every line removed
    /// (`parser.ChompHeredocContent`), else the body as written.
    ///
    /// ```
    /// let file = berth_syntax::parse("FROM a\nCOPY <<-EOF /f\n\tone\n\t\ttwo\n\tEOF\n");
    /// assert_eq!(file.instructions[1].heredocs[0].data(), "one\ntwo\n");
    /// ```
    pub fn data(&self) -> std::borrow::Cow<'_, str> {
        if !self.chomp {
            return std::borrow::Cow::Borrowed(&self.content);
        }
        let mut out = String::with_capacity(self.content.len());
        for line in self.content.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        std::borrow::Cow::Owned(out)
    }
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Clone, Debug, PartialEq, Eq)]
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

    #[test]
    fn keywords_are_recognised_in_any_ascii_case_only() {
        for k in Keyword::ALL {
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
            for spelling in [k.to_string(), k.to_lowercase(), mixed] {
                let keyword = Keyword::from_text(&spelling);
                assert_eq!(keyword.as_upper(), k, "{spelling}");
                assert!(!matches!(keyword, Keyword::Unknown(_)), "{spelling}");
            }
            assert!(Keyword::known(&format!("{k} ")).is_none());
            assert!(Keyword::known(&k[1..]).is_none());
        }
        // The Kelvin sign lower-cases to `k`, but only ASCII case is ignored.
        assert!(Keyword::known("\u{212a}").is_none());
        assert_eq!(Keyword::known("wOrKdIr"), Some(Keyword::Workdir));
        assert_eq!(
            Keyword::from_text("nosuch"),
            Keyword::Unknown("nosuch".into())
        );
        assert_eq!(Keyword::from_text("nosuch").as_upper(), "NOSUCH");
    }
}
