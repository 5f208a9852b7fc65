//! Property tests for the `.dockerignore` matcher.

use berth_context::{parse_dockerignore, Engine, Matcher};
use proptest::prelude::*;

/// A path of 1..4 segments over a small alphabet, so patterns hit often.
fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        "[ab.]{1,3}".prop_filter("walked paths have no . or ..", |s| s != "." && s != ".."),
        1..4,
    )
    .prop_map(|s| s.join("/"))
}

/// A glob over the same alphabet with `*`, `?` and `**` segments.
fn glob() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[ab.]{1,3}",
            Just("*".to_string()),
            Just("**".to_string()),
            "[ab]\\*",
            "\\?[ab]",
        ],
        1..4,
    )
    .prop_map(|s| s.join("/"))
}

/// Reference semantics of one compiled pattern, written independently of the
/// implementation as a backtracking matcher over the pattern text: `*` is any run of
/// non-`/` characters, `?` one non-`/` character, `**/` (or `**` before more pattern)
/// any number of whole leading directories, a final `**` anything.
fn reference(p: &[u8], s: &[u8]) -> bool {
    if p.is_empty() {
        return s.is_empty();
    }
    if p.starts_with(b"**") {
        let rest = &p[2..];
        let rest = rest.strip_prefix(b"/").unwrap_or(rest);
        if rest.is_empty() {
            return true;
        }
        // (.*/)? : nothing, or any prefix ending in '/'.
        if reference(rest, s) {
            return true;
        }
        return (0..s.len()).any(|i| s[i] == b'/' && reference(rest, &s[i + 1..]));
    }
    match p[0] {
        b'*' => (0..=s.len())
            .take_while(|&i| i == 0 || s[i - 1] != b'/')
            .any(|i| reference(&p[1..], &s[i..])),
        b'?' => !s.is_empty() && s[0] != b'/' && reference(&p[1..], &s[1..]),
        b'\\' if p.len() > 1 => !s.is_empty() && s[0] == p[1] && reference(&p[2..], &s[1..]),
        c => !s.is_empty() && s[0] == c && reference(&p[1..], &s[1..]),
    }
}

/// MatchesOrParentMatches over the reference pattern semantics.
fn reference_excluded(p: &str, path: &str) -> bool {
    let mut prefix = String::new();
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            prefix.push('/');
        }
        prefix.push_str(seg);
        if reference(p.as_bytes(), prefix.as_bytes()) {
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn agrees_with_reference_semantics(p in glob(), path in path()) {
        // Skip patterns that cleaning would change (`.`/`..` segments), which the
        // reference does not model.
        prop_assume!(!p.split('/').any(|s| s == "." || s == ".."));
        let m = Matcher::new([&p]).unwrap();
        prop_assert_eq!(m.is_excluded(&path).unwrap(), reference_excluded(&p, &path), "pattern {:?} path {:?}", p, path);
    }

    #[test]
    fn never_panics(patterns in prop::collection::vec(any::<Vec<u8>>(), 0..4), path in any::<Vec<u8>>()) {
        for engine in Engine::ALL {
            if let Ok(m) = Matcher::for_engine(&patterns, engine) {
                let _ = m.is_excluded(&path);
                let _ = m.may_reinclude_below(&path);
            }
        }
    }

    #[test]
    fn exception_of_itself_reincludes(p in "[ab]{1,3}(/[ab]{1,3}){0,2}") {
        let m = Matcher::new([p.clone(), format!("!{p}")]).unwrap();
        prop_assert!(!m.is_excluded(&p).unwrap());
        let m = Matcher::new([format!("!{p}"), p.clone()]).unwrap();
        prop_assert!(m.is_excluded(&p).unwrap(), "an exception before its pattern has no effect");
    }

    #[test]
    fn leading_slash_and_dots_are_cleaned(p in "[ab]{1,3}(/[ab]{1,3}){0,2}", path in path()) {
        let plain = Matcher::new([p.clone()]).unwrap();
        // The `.dockerignore` reader cleans a line and drops its leading `/`.
        let line = format!(" /./{}/ \n", p.replace('/', "//"));
        let read: Vec<Vec<u8>> = parse_dockerignore(line.as_bytes()).into_iter().map(|(_, p)| p).collect();
        let messy = Matcher::new(read).unwrap();
        prop_assert_eq!(plain.is_excluded(&path).unwrap(), messy.is_excluded(&path).unwrap());
    }

    #[test]
    fn excluded_directory_excludes_everything_below(p in "[ab]{1,3}", rest in path()) {
        let m = Matcher::new([p.clone()]).unwrap();
        let below = format!("{}/{}", p, rest);
        prop_assert!(m.is_excluded(&below).unwrap());
    }
}
