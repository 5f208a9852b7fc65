//! Compose's variable interpolation (compose-go's `template` package), reproduced with its
//! quirks rather than a shell's rules:
//!
//! - `$$` is a literal `$`; `$VAR` and `${VAR}` (names `[_A-Za-z][_A-Za-z0-9]*`) expand to
//!   the value or to nothing; a `$` before anything else stays as written.
//! - `${VAR:-d}` / `${VAR-d}` default when unset-or-empty / unset; `${VAR:+r}` / `${VAR+r}`
//!   replace when set-and-non-empty / set; `${VAR:?msg}` / `${VAR?msg}` fail. The default,
//!   replacement and message are themselves interpolated, so defaults nest
//!   (`${A:-${B:-c}}`).
//! - `${` that does not open one of those forms is an error ("invalid interpolation
//!   format"), where a shell would often print it.
//! - Unlike a shell: no `${#VAR}`, `${VAR%...}` or `${VAR/...}` (errors), no word
//!   splitting, no `~`, and braces inside a default are counted, so in
//!   `${A:-{x}}` the default is `{x}`.
//!
//! How a match is found follows compose's regular expression: a braced form with an
//! operator runs to the LAST `}` on its line; the first variable is then cut at its own
//! closing brace (braces counted) and the text after it is interpolated on its own.

/// Why interpolation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationError {
    /// `${` that opens no valid form (compose: "invalid interpolation format").
    Invalid,
    /// `${VAR:?msg}` / `${VAR?msg}` with `VAR` missing (or empty, for `:?`).
    MissingRequired {
        /// The variable.
        variable: String,
        /// The message written after `?` (interpolated), possibly empty.
        reason: String,
    },
}

impl std::fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InterpolationError::Invalid => write!(
                f,
                "invalid interpolation format (escape a literal `$` as `$$`)"
            ),
            InterpolationError::MissingRequired { variable, reason } if reason.is_empty() => {
                write!(f, "required variable {variable} is missing a value")
            }
            InterpolationError::MissingRequired { variable, reason } => {
                write!(
                    f,
                    "required variable {variable} is missing a value: {reason}"
                )
            }
        }
    }
}

/// Interpolates `template`, looking variables up with `lookup` (`None`: unset).
///
/// ```
/// use berth_compose::interpolate::interpolate;
/// let env = |name: &str| (name == "TAG").then(|| "1.2".to_string());
/// assert_eq!(interpolate("app:${TAG:-latest} $$HOME", &env).unwrap(), "app:1.2 $HOME");
/// assert_eq!(interpolate("${MISSING:-${TAG}}", &env).unwrap(), "1.2");
/// ```
pub fn interpolate(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    let mut out = String::with_capacity(template.len());
    let mut first_error = None;
    let bytes = template.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        let Some(m) = find_match(template, i) else {
            i += 1;
            continue;
        };
        out.push_str(&template[copied..i]);
        let replaced = match m {
            Match::Escaped => Ok("$".to_string()),
            Match::Named(end) => Ok(lookup(&template[i + 1..end]).unwrap_or_default()),
            Match::Braced(end) => replace_braced(&template[i..end], lookup),
            Match::Invalid => Err(InterpolationError::Invalid),
        };
        match replaced {
            Ok(text) => out.push_str(&text),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
        i = match m {
            Match::Escaped => i + 2,
            Match::Named(end) | Match::Braced(end) => end,
            Match::Invalid => i + 2,
        };
        copied = i;
    }
    out.push_str(&template[copied..]);
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

#[derive(Clone, Copy, Debug)]
enum Match {
    /// `$$`
    Escaped,
    /// `$NAME`, ending at the byte index.
    Named(usize),
    /// `${...}`, ending after the closing brace.
    Braced(usize),
    /// `${` opening nothing valid.
    Invalid,
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

/// The match of compose's pattern at `start` (a `$`), if any.
fn find_match(s: &str, start: usize) -> Option<Match> {
    let b = s.as_bytes();
    let next = *b.get(start + 1)?;
    if next == b'$' {
        return Some(Match::Escaped);
    }
    if is_name_start(next) {
        let mut end = start + 2;
        while end < b.len() && is_name_char(b[end]) {
            end += 1;
        }
        return Some(Match::Named(end));
    }
    if next != b'{' {
        return None;
    }
    let name_start = start + 2;
    if !b.get(name_start).copied().is_some_and(is_name_start) {
        return Some(Match::Invalid);
    }
    let mut p = name_start + 1;
    while p < b.len() && is_name_char(b[p]) {
        p += 1;
    }
    // An operator: `:` optional, then one of `-+?`, then `.*` (no newline) and `}`.
    let operand = match (b.get(p), b.get(p + 1)) {
        (Some(b':'), Some(c)) if b"-+?".contains(c) => Some(p + 2),
        (Some(c), _) if b"-+?".contains(c) => Some(p + 1),
        _ => None,
    };
    if let Some(from) = operand {
        let line_end = s[from..].find('\n').map_or(s.len(), |n| from + n);
        if let Some(close) = s[from..line_end].rfind('}') {
            return Some(Match::Braced(from + close + 1));
        }
    }
    if b.get(p) == Some(&b'}') {
        return Some(Match::Braced(p + 1));
    }
    Some(Match::Invalid)
}

/// The operators, in the order compose checks them.
const OPERATORS: [&str; 6] = [":?", "?", ":-", "-", ":+", "+"];

/// Replaces one braced match (`${...}` up to the brace the pattern ended at).
fn replace_braced(
    matched: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, InterpolationError> {
    // The operator is the one written first in the whole match.
    let operator = OPERATORS
        .iter()
        .filter_map(|op| matched.find(op).map(|at| (at, *op)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, op)| op);
    // Cut the first variable at its own closing brace; the rest is interpolated alone.
    let (first, rest) = match first_closing_brace(matched) {
        Some(at) => (&matched[..=at], &matched[at + 1..]),
        None => (matched, ""),
    };
    // The first variable must itself be a braced form.
    let inner = match find_match(first, 0) {
        Some(Match::Braced(end)) if end == first.len() => &first[2..first.len() - 1],
        _ => return Err(InterpolationError::Invalid),
    };
    if let Some(op) = operator.filter(|op| inner.contains(op)) {
        let (name, operand) = inner.split_once(op).unwrap_or((inner, ""));
        let value = lookup(name);
        let replaced = match op {
            ":?" | "?" => {
                let missing = match &value {
                    None => true,
                    Some(v) => op == ":?" && v.is_empty(),
                };
                if missing {
                    return Err(InterpolationError::MissingRequired {
                        variable: name.to_string(),
                        reason: interpolate(operand, lookup)?,
                    });
                }
                value.unwrap_or_default()
            }
            ":-" | "-" => {
                let use_default = match &value {
                    None => true,
                    Some(v) => op == ":-" && v.is_empty(),
                };
                if use_default {
                    interpolate(operand, lookup)?
                } else {
                    value.unwrap_or_default()
                }
            }
            _ => {
                let replace = match &value {
                    None => false,
                    Some(v) => op == "+" || !v.is_empty(),
                };
                if replace {
                    interpolate(operand, lookup)?
                } else {
                    value.unwrap_or_default()
                }
            }
        };
        return Ok(replaced + &interpolate(rest, lookup)?);
    }
    Ok(lookup(inner).unwrap_or_default())
}

/// compose's `getFirstBraceClosingIndex`: the `}` closing the first `{`, counting nested
/// braces (the character after each `{` is skipped).
fn first_closing_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut open = 0i32;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            "TAG" => Some("1.2".into()),
            "lower" => Some("low".into()),
            _ => None,
        }
    }

    fn run(t: &str) -> Result<String, InterpolationError> {
        interpolate(t, &env)
    }

    /// (template, compose's result). Cases marked "shell:" differ from POSIX sh.
    #[test]
    fn interpolation_table() {
        let table: &[(&str, &str)] = &[
            ("plain text", "plain text"),
            ("$SET", "value"),
            ("${SET}", "value"),
            ("${UNSET}", ""),
            ("$UNSET-x", "-x"),
            ("$$", "$"),
            ("$$SET", "$SET"),
            ("$${SET}", "${SET}"),
            ("a$", "a$"),
            // shell: `$1`, `$-`, `$ ` are special parameters; compose keeps them literally.
            ("$1 $- $ x", "$1 $- $ x"),
            ("${UNSET:-d}", "d"),
            ("${EMPTY:-d}", "d"),
            ("${EMPTY-d}", ""),
            ("${UNSET-d}", "d"),
            ("${SET:-d}", "value"),
            ("${SET:+r}", "r"),
            ("${EMPTY:+r}", ""),
            ("${EMPTY+r}", "r"),
            ("${UNSET+r}", ""),
            ("${SET?boom}", "value"),
            ("${EMPTY?boom}", ""),
            ("${UNSET:-${TAG}}", "1.2"),
            ("${UNSET:-${ALSO:-deep}}", "deep"),
            ("${UNSET:-${ALSO:-${TAG}}}", "1.2"),
            ("${UNSET:-a}-${SET}", "a-value"),
            ("${UNSET:-a} and ${UNSET2:-b}", "a and b"),
            ("x${SET}y${TAG}z", "xvaluey1.2z"),
            // The default is interpolated: `$$` in it is a literal `$`.
            ("${UNSET:-$$5}", "$5"),
            // shell: the default ends at the first unquoted `}`; compose counts braces.
            ("${UNSET:-{x}}", "{x}"),
            ("${UNSET:-a}b}", "ab}"),
            // shell: `${SET:-}` is fine in both; an empty default.
            ("${UNSET:-}", ""),
            ("${lower}", "low"),
            // Names are letters, digits and `_`: the dot ends `$SET`.
            ("$SET.x", "value.x"),
        ];
        for (template, want) in table {
            match run(template) {
                Ok(got) if got == *want => {}
                Ok(got) => panic!("{template:?}: got {got:?}, compose gives {want:?}"),
                Err(e) => panic!("{template:?}: error {e}, compose gives {want:?}"),
            }
        }
    }

    /// Forms a shell accepts that compose rejects, and the required-variable errors.
    #[test]
    fn interpolation_errors() {
        let invalid = [
            "${}",
            "${ SET}",
            "${SET",
            "${#SET}",    // shell: length
            "${SET%x}",   // shell: suffix removal
            "${SET/a/b}", // shell (bash): substitution
            "${SET:x}",   // bash: substring
            "${1}",
            // The operand runs to the last `}` of its line only.
            "${UNSET:-a\n}",
        ];
        for t in invalid {
            assert_eq!(run(t), Err(InterpolationError::Invalid), "{t:?}");
        }
        assert_eq!(
            run("${UNSET:?set UNSET first}"),
            Err(InterpolationError::MissingRequired {
                variable: "UNSET".into(),
                reason: "set UNSET first".into()
            })
        );
        assert_eq!(
            run("${EMPTY:?}"),
            Err(InterpolationError::MissingRequired {
                variable: "EMPTY".into(),
                reason: String::new()
            })
        );
        // The message is interpolated too.
        assert_eq!(
            run("${UNSET?need ${TAG}}"),
            Err(InterpolationError::MissingRequired {
                variable: "UNSET".into(),
                reason: "need 1.2".into()
            })
        );
        // An error in a nested default is reported.
        assert!(run("${UNSET:-${ALSO:?inner}}").is_err());
        let message = run("${UNSET:?why}").unwrap_err().to_string();
        assert_eq!(message, "required variable UNSET is missing a value: why");
    }
}
