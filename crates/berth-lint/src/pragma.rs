//! Inline pragmas: `# hadolint ignore=DL3003,DL3008`, `# hadolint global ignore=...`,
//! `# hadolint stage ignore=...`, `# hadolint shell=pwsh`, and the same with `berth` in place
//! of `hadolint`.
//!
//! Grammar (after the `#`): optional spaces/tabs, the lower-case word `hadolint` or `berth`,
//! at least one space/tab, then `ignore = LIST`, `global ignore = LIST`, `stage ignore = LIST` or
//! `shell = NAME`. Spaces/tabs may surround `=` and the commas of LIST. After the list (or NAME)
//! only spaces may follow, optionally a `#` and free text (a reason).
//!
//! Unlike hadolint, which drops a bad pragma without a word, a comment that clearly tries to be
//! a pragma but does not parse is reported (BR001), and so is a code no rule has (BR002).

use std::collections::{BTreeMap, HashMap};

use berth_syntax::Span;

/// Which findings an ignore pragma covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The instruction that starts on the next line.
    Next,
    /// The whole file.
    Global,
    /// From two lines below the pragma to the next FROM (hadolint's exact rule, see
    /// [`Suppressions`]).
    Stage,
}

/// Which word introduced the pragma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// `# hadolint ...`.
    Hadolint,
    /// `# berth ...`.
    Berth,
}

/// A parsed pragma.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PragmaKind {
    /// `ignore=CODES`, with `global` or `stage` before it for a wider scope.
    Ignore {
        /// Which instructions it applies to.
        scope: Scope,
        /// The codes it silences.
        codes: Vec<String>,
    },
    /// `shell=NAME`: the shell the RUNs of the stage are written for.
    Shell(String),
}

/// One pragma comment, with the 1-based line it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pragma {
    /// Which word introduced it.
    pub tool: Tool,
    /// What it says.
    pub kind: PragmaKind,
    /// Its 1-based line.
    pub line: usize,
    /// The comment.
    pub span: Span,
}

/// Why a pragma-looking comment was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PragmaError {
    /// What is wrong with it.
    pub message: String,
    /// How to write it instead, when berth can tell.
    pub help: Option<String>,
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn skip_blanks(s: &str) -> &str {
    s.trim_start_matches(is_blank)
}

fn error(message: impl Into<String>, help: &str) -> PragmaError {
    PragmaError {
        message: message.into(),
        help: Some(help.to_string()),
    }
}

/// The words a pragma can start with; a comment `# hadolint <word>=` or `# hadolint <keyword>`
/// is treated as an attempted pragma even when it does not parse.
const KEYWORDS: [&str; 4] = ["ignore", "global", "stage", "shell"];

/// Parses the text of one comment line (the text after `#`).
///
/// Returns `None` when the comment is not meant as a pragma (ordinary prose such as
/// `# hadolint is happy here`), `Some(Err)` when it clearly is one but is malformed.
///
/// ```
/// use berth_lint::pragma::{parse_comment, PragmaKind, Scope, Tool};
/// let (tool, kind) = parse_comment(" hadolint ignore=DL3003, DL3008 # needs cd").unwrap().unwrap();
/// assert_eq!(tool, Tool::Hadolint);
/// assert_eq!(kind, PragmaKind::Ignore { scope: Scope::Next, codes: vec!["DL3003".into(), "DL3008".into()] });
/// assert!(parse_comment(" hadolint ignore=DL3003 because").unwrap().is_err());
/// assert!(parse_comment(" just a comment").is_none());
/// ```
pub fn parse_comment(text: &str) -> Option<Result<(Tool, PragmaKind), PragmaError>> {
    let rest = skip_blanks(text);
    let (tool, rest) = if let Some(r) = rest.strip_prefix("hadolint") {
        (Tool::Hadolint, r)
    } else if let Some(r) = rest.strip_prefix("berth") {
        (Tool::Berth, r)
    } else {
        return None;
    };
    if !rest.starts_with(is_blank) {
        // `# hadolintX`, `# hadolint` alone, `# berth:` ... : not a pragma.
        return None;
    }
    let rest = skip_blanks(rest);
    let word_end = rest
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
        .unwrap_or(rest.len());
    let word = &rest[..word_end];
    let after_word = skip_blanks(&rest[word_end..]);
    let looks_like_pragma = KEYWORDS.contains(&word) || after_word.starts_with('=');
    if !looks_like_pragma {
        return None;
    }
    Some(parse_body(word, &rest[word_end..]).map(|kind| (tool, kind)))
}

fn parse_body(word: &str, rest: &str) -> Result<PragmaKind, PragmaError> {
    match word {
        "ignore" => parse_list(rest).map(|codes| PragmaKind::Ignore {
            scope: Scope::Next,
            codes,
        }),
        "global" | "stage" => {
            let scope = if word == "global" {
                Scope::Global
            } else {
                Scope::Stage
            };
            let r = rest
                .strip_prefix(is_blank)
                .map(skip_blanks)
                .and_then(|r| r.strip_prefix("ignore"))
                .ok_or_else(|| {
                    error(
                        format!("`{word}` must be followed by `ignore=`"),
                        &format!("write `# hadolint {word} ignore=DL3008`"),
                    )
                })?;
            parse_list(r).map(|codes| PragmaKind::Ignore { scope, codes })
        }
        "shell" => {
            let r = expect_equals(rest, "shell")?;
            let end = r.find(char::is_whitespace).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() {
                return Err(error(
                    "`shell=` needs a shell name",
                    "write `# hadolint shell=bash`",
                ));
            }
            check_tail(&r[end..])?;
            Ok(PragmaKind::Shell(name.to_string()))
        }
        other => Err(error(
            format!("unknown pragma `{other}`"),
            "pragmas are `ignore=`, `global ignore=`, `stage ignore=` and `shell=`",
        )),
    }
}

fn expect_equals<'a>(rest: &'a str, word: &str) -> Result<&'a str, PragmaError> {
    skip_blanks(rest)
        .strip_prefix('=')
        .map(skip_blanks)
        .ok_or_else(|| {
            error(
                format!("expected `=` after `{word}`"),
                &format!("write `{word}=CODE`"),
            )
        })
}

fn parse_list(rest: &str) -> Result<Vec<String>, PragmaError> {
    let mut r = expect_equals(rest, "ignore")?;
    let mut codes = Vec::new();
    loop {
        let end = r
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(r.len());
        if end == 0 {
            return Err(error(
                "expected a rule code",
                "list codes separated by commas: `ignore=DL3008,DL3015`",
            ));
        }
        codes.push(r[..end].to_string());
        r = &r[end..];
        let after = skip_blanks(r);
        if let Some(next) = after.strip_prefix(',') {
            r = skip_blanks(next);
        } else {
            check_tail(r)?;
            return Ok(codes);
        }
    }
}

fn check_tail(tail: &str) -> Result<(), PragmaError> {
    let tail = skip_blanks(tail);
    if tail.is_empty() || tail.starts_with('#') {
        Ok(())
    } else {
        Err(error(
            format!("unexpected text `{}` after the pragma", tail.trim_end()),
            "separate codes with commas, and put a reason after a second `#`: `# hadolint ignore=DL3003 # reason`",
        ))
    }
}

/// Which (line, code) pairs are ignored, built once per file from its pragmas.
///
/// Scoping follows hadolint 2.15.1 exactly. `anchor` is the first line of the instruction a
/// finding belongs to:
/// - inline: covers `anchor == pragma line + 1` (the pragma must be immediately above);
/// - global: covers every line;
/// - stage: entries keyed by `pragma line + 1` and by every FROM line (an empty entry unless a
///   pragma keyed it); a finding uses the entry with the greatest key strictly below `anchor`.
#[derive(Clone, Debug, Default)]
pub struct Suppressions {
    inline: HashMap<usize, Vec<String>>,
    global: Vec<String>,
    stage: BTreeMap<usize, Vec<String>>,
}

impl Suppressions {
    /// Builds the scopes from valid ignore pragmas and the 1-based lines of the FROM
    /// instructions.
    pub fn new(pragmas: &[Pragma], from_lines: &[usize]) -> Self {
        let mut s = Suppressions::default();
        for pragma in pragmas {
            let PragmaKind::Ignore { scope, codes } = &pragma.kind else {
                continue;
            };
            let target = match scope {
                Scope::Next => s.inline.entry(pragma.line + 1).or_default(),
                Scope::Global => &mut s.global,
                Scope::Stage => s.stage.entry(pragma.line + 1).or_default(),
            };
            target.extend(codes.iter().cloned());
        }
        for &line in from_lines {
            s.stage.entry(line).or_default();
        }
        s
    }

    /// Whether a finding with `code` whose instruction starts at `anchor` is ignored.
    pub fn ignores(&self, anchor: usize, code: &str) -> bool {
        let has = |codes: &Vec<String>| codes.iter().any(|c| c == code);
        self.global.iter().any(|c| c == code)
            || self.inline.get(&anchor).is_some_and(has)
            || self
                .stage
                .range(..anchor)
                .next_back()
                .is_some_and(|(_, codes)| has(codes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (Tool, PragmaKind) {
        parse_comment(text)
            .unwrap_or_else(|| panic!("not a pragma: {text}"))
            .unwrap_or_else(|e| panic!("rejected {text}: {e:?}"))
    }

    fn ignore(scope: Scope, codes: &[&str]) -> PragmaKind {
        PragmaKind::Ignore {
            scope,
            codes: codes.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn hadolint_grammar() {
        assert_eq!(
            ok("hadolint ignore=DL3003").1,
            ignore(Scope::Next, &["DL3003"])
        );
        assert_eq!(
            ok(" \thadolint\tignore = DL3003 ,DL3008 ,  SC2086  ").1,
            ignore(Scope::Next, &["DL3003", "DL3008", "SC2086"])
        );
        assert_eq!(
            ok(" hadolint global ignore=DL3006 # base images are pinned elsewhere").1,
            ignore(Scope::Global, &["DL3006"])
        );
        assert_eq!(
            ok(" hadolint stage   ignore=DL3002").1,
            ignore(Scope::Stage, &["DL3002"])
        );
        assert_eq!(
            ok(" hadolint shell=powershell").1,
            PragmaKind::Shell("powershell".into())
        );
        let (tool, kind) = ok(" berth ignore=BR101,StageNameCasing");
        assert_eq!(tool, Tool::Berth);
        assert_eq!(kind, ignore(Scope::Next, &["BR101", "StageNameCasing"]));
    }

    #[test]
    fn malformed_pragmas_are_reported() {
        for text in [
            " hadolint ignore=DL3003 reason without hash",
            " hadolint ignore DL3003",
            " hadolint ignore=DL3003 DL3008",
            " hadolint ignore=",
            " hadolint global DL3003",
            " hadolint disable=DL3003",
            " hadolint shell=",
            " berth ignore=,DL3003",
        ] {
            assert!(
                matches!(parse_comment(text), Some(Err(_))),
                "accepted: {text}"
            );
        }
    }

    #[test]
    fn prose_is_not_a_pragma() {
        for text in [
            " hadolint complains about this line",
            " Hadolint ignore=DL3003",
            " hadolintignore=DL3003",
            " the berth of a ship",
            " hadolint",
            "",
        ] {
            assert!(parse_comment(text).is_none(), "treated as pragma: {text}");
        }
    }

    fn pragma(line: usize, scope: Scope, codes: &[&str]) -> Pragma {
        Pragma {
            tool: Tool::Hadolint,
            kind: ignore(scope, codes),
            line,
            span: Span::default(),
        }
    }

    #[test]
    fn inline_scope_is_the_next_line_only() {
        let s = Suppressions::new(&[pragma(2, Scope::Next, &["DL3003"])], &[1]);
        assert!(s.ignores(3, "DL3003"));
        assert!(!s.ignores(4, "DL3003"));
        assert!(!s.ignores(3, "DL3008"));
    }

    #[test]
    fn global_scope_covers_every_line() {
        let s = Suppressions::new(&[pragma(9, Scope::Global, &["DL3006"])], &[1, 5]);
        assert!(s.ignores(1, "DL3006"));
        assert!(s.ignores(20, "DL3006"));
    }

    #[test]
    fn stage_scope_follows_hadolint() {
        // 1 FROM a
        // 2 RUN x
        // 3 # hadolint stage ignore=DL3059
        // 4 FROM b
        // 5 RUN y
        // 6 FROM c
        // 7 RUN z
        let s = Suppressions::new(&[pragma(3, Scope::Stage, &["DL3059"])], &[1, 4, 6]);
        assert!(!s.ignores(2, "DL3059"));
        assert!(
            !s.ignores(4, "DL3059"),
            "the FROM right below is not covered"
        );
        assert!(s.ignores(5, "DL3059"));
        assert!(
            s.ignores(6, "DL3059"),
            "the next stage's FROM line is covered"
        );
        assert!(!s.ignores(7, "DL3059"));
    }
}
