//! "Did you mean ...?": BuildKit's suggestion search (`util/suggest`), the one home
//! of edit distances in berth.
//!
//! BuildKit suggests the option closest to a mistyped word by Levenshtein distance,
//! if it is at most 2 edits away, and suggests nothing when an option equals the word
//! (then the problem lies elsewhere).
//!
//! ```
//! use berth_syntax::suggest;
//!
//! assert_eq!(suggest::distance("kitten", "sitting"), 3);
//! assert_eq!(suggest::closest("fromm", ["chown", "from"]), Some("from"));
//! assert_eq!(suggest::closest("from", ["chown", "from"]), None);
//! assert_eq!(suggest::closest("zzzzzz", ["from"]), None);
//! assert_eq!(suggest::closest_ignoring_case("Workdirr", ["RUN", "WORKDIR"]), Some("WORKDIR"));
//! ```

/// The most edits a suggestion may be away from the word.
pub const MAX_DISTANCE: usize = 2;

/// The Levenshtein distance between `a` and `b`, in characters: the fewest
/// insertions, deletions and substitutions that turn one into the other.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    levenshtein(&a, &b, &mut Rows::default())
}

/// The two rows of the distance table [`levenshtein`] fills in: `previous` for the
/// characters of `b` before the current one, `current` for the current one. Kept
/// between the candidates of one search.
#[derive(Default)]
struct Rows {
    previous: Vec<usize>,
    current: Vec<usize>,
}

/// [`distance`] of two words as characters.
fn levenshtein(a: &[char], b: &[char], rows: &mut Rows) -> usize {
    let Rows { previous, current } = rows;
    previous.clear();
    previous.extend(0..=a.len());
    current.clear();
    current.resize(a.len() + 1, 0);
    for (j, &cb) in b.iter().enumerate() {
        current[0] = j + 1;
        for (i, &ca) in a.iter().enumerate() {
            let substitution = previous[i] + usize::from(ca != cb);
            let deletion = previous[i + 1] + 1;
            let insertion = current[i] + 1;
            current[i + 1] = substitution.min(deletion).min(insertion);
        }
        std::mem::swap(previous, current);
    }
    previous[a.len()]
}

/// The candidate closest to `word`, if it is at most [`MAX_DISTANCE`] edits away
/// (the first of equally close ones); `None` when a candidate equals `word`.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    closest_by(word, candidates, |text, chars| chars.extend(text.chars()))
}

/// [`closest`], comparing lower-cased characters; returns the candidate as given.
pub fn closest_ignoring_case<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    closest_by(word, candidates, |text, chars| {
        if text.is_ascii() {
            chars.extend(text.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            chars.extend(text.chars().flat_map(char::to_lowercase));
        }
    })
}

/// [`closest`] of the characters `chars_of` gives for the word and each candidate.
fn closest_by<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    chars_of: impl Fn(&str, &mut Vec<char>),
) -> Option<&'c str> {
    let mut wanted = Vec::new();
    chars_of(word, &mut wanted);
    let mut candidate_chars = Vec::new();
    let mut rows = Rows::default();
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        candidate_chars.clear();
        chars_of(candidate, &mut candidate_chars);
        // A length more than the limit away is more edits away than that: no table
        // (an unknown word can be a whole broken line).
        if candidate_chars.len().abs_diff(wanted.len()) > MAX_DISTANCE {
            continue;
        }
        let d = levenshtein(&wanted, &candidate_chars, &mut rows);
        if d == 0 {
            return None;
        }
        if d <= MAX_DISTANCE && best.is_none_or(|(best, _)| d < best) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// A suggestion spelt in the case of the word it replaces, as BuildKit's
/// `matchCase` does: lower case for a lower-case word, upper case for an upper-case
/// one, else lower case.
pub fn match_case(suggestion: &str, word: &str) -> String {
    if word == word.to_lowercase() {
        suggestion.to_lowercase()
    } else if word == word.to_uppercase() {
        suggestion.to_uppercase()
    } else {
        suggestion.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole edit-distance table, the textbook way.
    fn full_table_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in table.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in table[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                table[i][j] = (table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(table[i - 1][j] + 1)
                    .min(table[i][j - 1] + 1);
            }
        }
        table[a.len()][b.len()]
    }

    #[test]
    fn two_rows_give_the_full_table_distance() {
        let mut words = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|w| ['a', 'b', 'é'].map(|c| format!("{w}{c}")))
                .collect();
            words.extend(last.iter().cloned());
        }
        for a in &words {
            for b in &words {
                assert_eq!(distance(a, b), full_table_distance(a, b), "{a:?} {b:?}");
            }
        }
        assert_eq!(distance("PAHT", "PATH"), 2);
    }

    #[test]
    fn closest_candidate_within_two_edits() {
        let keywords = ["ADD", "ARG", "RUN", "WORKDIR"];
        assert_eq!(closest("RUNN", keywords), Some("RUN"));
        // The first of equally close candidates.
        assert_eq!(closest("A", keywords), Some("ADD"));
        // An exact match means the problem is something else.
        assert_eq!(closest("RUNN", ["RUN", "RUNN"]), None);
        assert_eq!(closest("run", keywords), None);
        assert_eq!(closest_ignoring_case("run", keywords), None);
        assert_eq!(closest_ignoring_case("ÉNV", ["ENV"]), Some("ENV"));
        assert_eq!(closest_ignoring_case("wrkdir", keywords), Some("WORKDIR"));
        assert_eq!(closest("", ["id", "ro"]), Some("id"));
        assert_eq!(closest(&"x".repeat(10_000), keywords), None);
    }

    #[test]
    fn suggestions_take_the_case_of_the_word() {
        assert_eq!(match_case("WORKDIR", "workdirr"), "workdir");
        assert_eq!(match_case("workdir", "WORKDIRR"), "WORKDIR");
        assert_eq!(match_case("WORKDIR", "Workdirr"), "workdir");
        assert_eq!(match_case("PATH", "123"), "path");
    }
}
