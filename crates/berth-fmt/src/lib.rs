//! berth-fmt: the Dockerfile formatter behind `berth fmt` and the language server's
//! formatting requests (one code path for both).
//!
//! It changes only what BuildKit (or the shell that runs a command) ignores:
//!
//! - instruction keywords in upper case (`from` → `FROM`, the inner keyword of `ONBUILD` too,
//!   and the `AS` of `FROM image AS name`);
//! - no indentation before an instruction's keyword;
//! - exactly one space between the keyword and what follows it;
//! - continuation lines indented by one unit (four spaces unless told otherwise): the least
//!   indented line of a continuation block gets exactly one unit and deeper lines keep their
//!   extra depth, so a hand-made nested layout survives.
//!
//! Heredoc bodies, comments, directives, blank lines and everything inside an instruction's
//! arguments are left as written. Every edit is checked: the formatted text is parsed again
//! and compared with the original instruction by instruction (flags, arguments, heredocs,
//! exec form); an instruction whose meaning would change (a continuation line inside a quoted
//! string, say) keeps its original layout. Formatting is idempotent.
//!
//! Re-indenting the continuation lines of a shell-form `RUN` changes whitespace inside its
//! command text: the shell runs the same command, but BuildKit's cache key is the text, so
//! the next build re-runs that step once.
//!
//! ```
//! use berth_fmt::{format, Options};
//! let text = "  from alpine:3.20 as build\nrun   apk add curl \\\n&& rm -rf /var/cache/apk/*\n";
//! let formatted = format(text, &Options::default());
//! assert_eq!(formatted, "FROM alpine:3.20 AS build\nRUN apk add curl \\\n    && rm -rf /var/cache/apk/*\n");
//! assert_eq!(format(&formatted, &Options::default()), formatted);
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

use berth_syntax::{Command, Dockerfile, Instruction, Keyword, ShellOrExec, Span};

/// How to format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// One level of continuation indentation (default four spaces).
    pub indent: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            indent: "    ".to_string(),
        }
    }
}

impl Options {
    /// Indentation from an editor's settings: `tab_size` spaces, or a tab.
    pub fn from_editor(tab_size: u32, insert_spaces: bool) -> Self {
        let indent = if insert_spaces {
            " ".repeat(tab_size.clamp(1, 16) as usize)
        } else {
            "\t".to_string()
        };
        Options { indent }
    }
}

/// One replacement: the bytes `span` of the original text become `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Byte range of the original text.
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// The formatted text.
pub fn format(source: &str, options: &Options) -> String {
    apply(source, &edits(source, options))
}

/// The edits that format `source`, sorted by position and never overlapping. Empty when the
/// text is already formatted.
pub fn edits(source: &str, options: &Options) -> Vec<Edit> {
    let file = berth_syntax::parse(source);
    edits_for(&file, options)
}

/// [`edits`] for an already parsed file.
pub fn edits_for(file: &Dockerfile, options: &Options) -> Vec<Edit> {
    let source: &str = &file.source;
    // Per instruction: the keyword edits, and the continuation layout edits (reverted
    // first when the check below finds a difference).
    let mut keyword: Vec<Vec<Edit>> = Vec::with_capacity(file.instructions.len());
    let mut layout: Vec<Vec<Edit>> = Vec::with_capacity(file.instructions.len());
    for ins in &file.instructions {
        let (k, l) = instruction_edits(file, ins, options);
        keyword.push(k);
        layout.push(l);
    }
    // Check the result: an instruction whose parse changed loses its layout edits, then its
    // keyword edits. Another round catches the (theoretical) case where reverting one
    // instruction changes how a neighbour reads.
    for _ in 0..4 {
        let candidate: Vec<Edit> = keyword
            .iter()
            .zip(&layout)
            .flat_map(|(k, l)| k.iter().chain(l))
            .cloned()
            .collect();
        if candidate.is_empty() {
            return candidate;
        }
        let formatted = berth_syntax::parse(&apply(source, &candidate));
        if formatted.instructions.len() != file.instructions.len()
            || formatted.errors.len() != file.errors.len()
        {
            return Vec::new();
        }
        let mut reverted = false;
        for (i, (old, new)) in file
            .instructions
            .iter()
            .zip(&formatted.instructions)
            .enumerate()
        {
            if same_meaning(old, new) {
                continue;
            }
            if !layout[i].is_empty() {
                layout[i].clear();
            } else {
                keyword[i].clear();
            }
            reverted = true;
        }
        if !reverted {
            return candidate;
        }
    }
    Vec::new()
}

/// `source` with non-overlapping `edits` applied.
pub fn apply(source: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for edit in sorted {
        if edit.span.start < at || edit.span.end > source.len() {
            continue;
        }
        out.push_str(&source[at..edit.span.start]);
        out.push_str(&edit.replacement);
        at = edit.span.end;
    }
    out.push_str(&source[at..]);
    out
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Offset of the start of the physical line holding `offset`.
fn line_start(source: &str, offset: usize) -> usize {
    source[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The keyword edits and the continuation layout edits of one instruction.
fn instruction_edits(
    file: &Dockerfile,
    ins: &Instruction,
    options: &Options,
) -> (Vec<Edit>, Vec<Edit>) {
    let source: &str = &file.source;
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    // Indentation before the keyword (unless the keyword sits on a continuation line).
    let start = line_start(source, ins.keyword_span.start);
    if start < ins.keyword_span.start
        && start <= ins.span.start
        && bytes[start..ins.keyword_span.start]
            .iter()
            .all(|&b| is_blank(b))
    {
        out.push(Edit {
            span: Span::new(start, ins.keyword_span.start),
            replacement: String::new(),
        });
    }
    keyword_edits(file, ins, &mut out);
    if let Some(inner) = &ins.onbuild {
        keyword_edits(file, inner, &mut out);
    }
    let mut layout = Vec::new();
    continuation_edits(file, ins, options, &mut layout);
    (out, layout)
}

/// Upper-case keyword (and FROM's `AS`), one space after it.
fn keyword_edits(file: &Dockerfile, ins: &Instruction, out: &mut Vec<Edit>) {
    let source: &str = &file.source;
    let bytes = source.as_bytes();
    if matches!(ins.keyword, Keyword::Unknown(_)) {
        return;
    }
    let keyword = ins.keyword_span.text(source);
    let upper = ins.keyword.as_upper();
    if keyword != upper {
        out.push(Edit {
            span: ins.keyword_span,
            replacement: upper.into_owned(),
        });
    }
    let gap_start = ins.keyword_span.end;
    let mut gap_end = gap_start;
    while gap_end < bytes.len() && is_blank(bytes[gap_end]) {
        gap_end += 1;
    }
    let at_line_end = gap_end >= bytes.len() || matches!(bytes[gap_end], b'\n' | b'\r');
    if gap_end > gap_start && !at_line_end && &source[gap_start..gap_end] != " " {
        out.push(Edit {
            span: Span::new(gap_start, gap_end),
            replacement: " ".to_string(),
        });
    }
    if ins.keyword == Keyword::From {
        if let [_, as_word, _] = ins.args.as_slice() {
            let text = as_word.span.text(source);
            if text.eq_ignore_ascii_case("as") && text != "AS" {
                out.push(Edit {
                    span: as_word.span,
                    replacement: "AS".to_string(),
                });
            }
        }
    }
}

/// Re-indents the continuation lines of a multi-line instruction (heredoc bodies and
/// whitespace-only lines excluded).
fn continuation_edits(
    file: &Dockerfile,
    ins: &Instruction,
    options: &Options,
    out: &mut Vec<Edit>,
) {
    if ins.end_line <= ins.start_line {
        return;
    }
    let source: &str = &file.source;
    let bytes = source.as_bytes();
    let in_heredoc = |offset: usize| {
        ins.heredocs
            .iter()
            .chain(ins.onbuild.iter().flat_map(|o| o.heredocs.iter()))
            .any(|h| h.span.start <= offset && offset <= h.span.end)
    };
    // (indentation span) of every continuation line that has text.
    let mut lines: Vec<Span> = Vec::new();
    for line in ins.start_line + 1..=ins.end_line {
        let Some(start) = file.line_index.line_start(line) else {
            break;
        };
        if start <= ins.keyword_span.start || start > ins.span.end || in_heredoc(start) {
            continue;
        }
        let mut end = start;
        while end < bytes.len() && is_blank(bytes[end]) {
            end += 1;
        }
        if end >= bytes.len() || matches!(bytes[end], b'\n' | b'\r') {
            continue;
        }
        lines.push(Span::new(start, end));
    }
    let Some(common) = lines.iter().map(|s| s.end - s.start).min() else {
        return;
    };
    for span in lines {
        let extra = &source[span.start + common..span.end];
        let wanted = format!("{}{extra}", options.indent);
        if span.text(source) != wanted {
            out.push(Edit {
                span,
                replacement: wanted,
            });
        }
    }
}

/// Whether two parses of one instruction mean the same to BuildKit and to the shell.
fn same_meaning(old: &Instruction, new: &Instruction) -> bool {
    if old.keyword != new.keyword
        || old.json != new.json
        || old.command.is_some() != new.command.is_some()
        || old.flags.len() != new.flags.len()
        || old.args.len() != new.args.len()
        || old.heredocs.len() != new.heredocs.len()
        || old.start_line != new.start_line
        || old.end_line != new.end_line
    {
        return false;
    }
    if old
        .flags
        .iter()
        .zip(&new.flags)
        .any(|(a, b)| a.text != b.text)
    {
        return false;
    }
    if old.heredocs.iter().zip(&new.heredocs).any(|(a, b)| {
        a.name != b.name || a.content != b.content || a.file_descriptor != b.file_descriptor
    }) {
        return false;
    }
    let shell_text = !old.json && takes_shell_text(&old.keyword);
    for (i, (a, b)) in old.args.iter().zip(&new.args).enumerate() {
        let same = if shell_text {
            shell_equivalent(&a.value, &b.value)
        } else if old.keyword == Keyword::From && i == 1 {
            a.value.eq_ignore_ascii_case(&b.value)
        } else {
            a.value == b.value
        };
        if !same {
            return false;
        }
    }
    if let (Some(Command::Run(a)), Some(Command::Run(b))) = (&old.command, &new.command) {
        if let (ShellOrExec::Exec(x), ShellOrExec::Exec(y)) = (&a.cmd, &b.cmd) {
            if x != y {
                return false;
            }
        }
    }
    match (&old.onbuild, &new.onbuild) {
        (Some(a), Some(b)) => same_meaning(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Instructions whose shell form is one command string for the shell.
fn takes_shell_text(keyword: &Keyword) -> bool {
    matches!(
        keyword,
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck
    )
}

/// Whether two command strings are the same to a shell: equal once every run of unquoted,
/// unescaped whitespace is one space (whitespace inside quotes must match exactly).
///
/// ```
/// use berth_fmt::shell_equivalent;
/// assert!(shell_equivalent("apt-get update   &&  apt-get install", "apt-get update && apt-get install"));
/// assert!(!shell_equivalent("echo 'a   b'", "echo 'a b'"));
/// assert!(!shell_equivalent("echo a\\  b", "echo a\\ b"));
/// ```
pub fn shell_equivalent(a: &str, b: &str) -> bool {
    shell_normal_form(a) == shell_normal_form(b)
}

fn shell_normal_form(text: &str) -> String {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = String::with_capacity(text.len());
    let mut quote = Quote::None;
    let mut chars = text.trim().chars();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        if quote == Quote::None && (c == ' ' || c == '\t') {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        match (&quote, c) {
            (Quote::None, '\'') => quote = Quote::Single,
            (Quote::Single, '\'') => quote = Quote::None,
            (Quote::None, '"') => quote = Quote::Double,
            (Quote::Double, '"') => quote = Quote::None,
            (Quote::None | Quote::Double, '\\') => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        format(text, &Options::default())
    }

    #[test]
    fn keywords_spacing_and_indentation() {
        let text = "\
# syntax=docker/dockerfile:1
ARG   V=1
\tfrom   alpine:3 as build
run echo one \\
        && echo two \\
            && echo three
onbuild   run  echo hi
COPY <<EOF /x
   keep  this   body
EOF
Cmd [\"a\",   \"b\"]
";
        let want = "\
# syntax=docker/dockerfile:1
ARG V=1
FROM alpine:3 AS build
RUN echo one \\
    && echo two \\
        && echo three
ONBUILD RUN echo hi
COPY <<EOF /x
   keep  this   body
EOF
CMD [\"a\",   \"b\"]
";
        assert_eq!(fmt(text), want);
        assert_eq!(fmt(want), want);
        assert!(edits(want, &Options::default()).is_empty());
    }

    #[test]
    fn a_continuation_inside_quotes_keeps_its_layout() {
        let text = "FROM a\nrun echo \"one \\\n      two\" \\\n  && true\n";
        // Re-indenting would change the quoted string: only the keyword changes.
        assert_eq!(
            fmt(text),
            "FROM a\nRUN echo \"one \\\n      two\" \\\n  && true\n"
        );
        let env = "FROM a\nENV A=\"x \\\n   y\"\n";
        assert_eq!(fmt(env), env);
    }

    #[test]
    fn windows_escape_crlf_and_tabs() {
        let text = "# escape=`\r\nfrom mcr.microsoft.com/windows:ltsc2022\r\nrun  dir `\r\n   && echo hi\r\n";
        assert_eq!(
            fmt(text),
            "# escape=`\r\nFROM mcr.microsoft.com/windows:ltsc2022\r\nRUN dir `\r\n    && echo hi\r\n"
        );
        let tabs = Options::from_editor(4, false);
        assert_eq!(
            format("FROM a\nRUN a \\\n  b\n", &tabs),
            "FROM a\nRUN a \\\n\tb\n"
        );
    }

    #[test]
    fn comments_blank_lines_and_rejected_files_are_safe() {
        let text = "FROM a\nRUN a \\\n  # a comment\n\n  b\n";
        assert_eq!(fmt(text), "FROM a\nRUN a \\\n    # a comment\n\n    b\n");
        // BuildKit rejects the file: whatever is formatted still parses the same way.
        let bad = "from a\nCMD [\"echo\", 1]\nfrobnicate   x\n";
        let out = fmt(bad);
        assert_eq!(
            berth_syntax::parse(&out).errors.len(),
            berth_syntax::parse(bad).errors.len()
        );
        assert!(out.starts_with("FROM a\n"), "{out}");
    }

    #[test]
    fn edits_never_overlap_and_apply_in_any_order() {
        let text = "  run  a \\\n b\n";
        let mut e = edits(text, &Options::default());
        e.reverse();
        assert_eq!(apply(text, &e), "RUN a \\\n    b\n");
    }

    proptest::proptest! {
        #[test]
        fn idempotent_on_generated_files(lines in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::string::string_regex("[ \t]{0,3}(run|FROM|copy|Env|onbuild run)[ \t]{1,3}[a-z\"'= ]{0,12}( \\\\)?").unwrap(),
                proptest::string::string_regex("[ \t]{0,4}[a-z&\"' ]{0,10}( \\\\)?").unwrap(),
                proptest::string::string_regex("#[ a-z=]{0,10}").unwrap(),
            ], 0..12)) {
            let text = lines.join("\n");
            let once = fmt(&text);
            let twice = fmt(&once);
            proptest::prop_assert_eq!(&once, &twice);
            let before = berth_syntax::parse(&text);
            let after = berth_syntax::parse(&once);
            proptest::prop_assert_eq!(before.instructions.len(), after.instructions.len());
            for (a, b) in before.instructions.iter().zip(&after.instructions) {
                proptest::prop_assert!(same_meaning(a, b), "{:?} vs {:?}", a.original, b.original);
            }
        }
    }
}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
