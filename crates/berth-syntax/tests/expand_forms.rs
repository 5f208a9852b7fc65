//! The `${name#pat}`, `%`, `/` forms, error messages, raw modes and the
//! matched/unmatched bookkeeping.

use std::collections::BTreeSet;

use berth_syntax::expand::{ExpandErrorKind, Expanded, Lexer};

fn expand(word: &str, env: &[(&str, &str)]) -> Expanded {
    Lexer::new('\\')
        .expand_word(word, env)
        .unwrap_or_else(|err| panic!("{word:?}: {err}"))
}

fn value(word: &str, env: &[(&str, &str)]) -> String {
    expand(word, env).value
}

fn error(word: &str, env: &[(&str, &str)]) -> String {
    match Lexer::new('\\').expand_word(word, env) {
        Ok(out) => panic!("{word:?} expanded to {:?}, expected an error", out.value),
        Err(err) => err.message(),
    }
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const PATH: &[(&str, &str)] = &[("P", "/usr/local/lib/file.tar.gz")];

#[test]
fn remove_prefix_shortest_and_longest() {
    assert_eq!(value("${P#*/}", PATH), "usr/local/lib/file.tar.gz");
    assert_eq!(value("${P##*/}", PATH), "file.tar.gz");
    assert_eq!(value("${P#/usr}", PATH), "/local/lib/file.tar.gz");
    assert_eq!(value("${P#nomatch}", PATH), "/usr/local/lib/file.tar.gz");
    assert_eq!(value("${P#}", PATH), "/usr/local/lib/file.tar.gz");
    assert_eq!(value("${P##}", PATH), "/usr/local/lib/file.tar.gz");
    // A lone shortest star matches nothing; the longest eats everything.
    assert_eq!(value("${P#*}", PATH), "/usr/local/lib/file.tar.gz");
    assert_eq!(value("${P##*}", PATH), "");
    assert_eq!(value("${P#/?sr}", PATH), "/local/lib/file.tar.gz");
}

#[test]
fn remove_suffix_shortest_and_longest() {
    assert_eq!(value("${P%.*}", PATH), "/usr/local/lib/file.tar");
    assert_eq!(value("${P%%.*}", PATH), "/usr/local/lib/file");
    assert_eq!(value("${P%/*}", PATH), "/usr/local/lib");
    assert_eq!(value("${P%%/*}", PATH), "");
    assert_eq!(value("${P%gz}", PATH), "/usr/local/lib/file.tar.");
    assert_eq!(value("${P%}", PATH), "/usr/local/lib/file.tar.gz");
}

#[test]
fn patterns_treat_regex_characters_literally() {
    let env = [("V", "a.b+c(d)[e]{f}|g^h$i")];
    assert_eq!(value("${V#a.b+c(d)}", &env), "[e]{f}|g^h$i");
    // `$` would start a variable: quote it. `\$` is not a pattern escape.
    assert_eq!(value("${V%{f\\}|g^h'$'i}", &env), "a.b+c(d)[e]");
    assert_eq!(value("${V%{f\\}|g^h$i}", &env), "a.b+c(d)[e]{f}|g^h$i");
    assert_eq!(
        error("${V%\\$i}", &env),
        "invalid pattern (\\$i) in substitution: invalid escape '\\$'"
    );
    assert_eq!(value("${V#a?b}", &env), "+c(d)[e]{f}|g^h$i");
    let stars = [("S", "x**y*")];
    assert_eq!(value("${S%\\*}", &stars), "x**y");
    assert_eq!(value("${S#x\\*}", &stars), "*y*");
    assert_eq!(value("${S%%\\**}", &stars), "x");
}

#[test]
fn patterns_come_from_expanded_words() {
    let env = [("V", "release-1.2"), ("SEP", "-")];
    assert_eq!(value("${V#*$SEP}", &env), "1.2");
    assert_eq!(value("${V%${SEP}*}", &env), "release");
    assert_eq!(value("${V#\"release\"}", &env), "-1.2");
}

#[test]
fn replace_first_and_all() {
    let env = [("V", "a-b-c"), ("R", "+")];
    assert_eq!(value("${V/-/+}", &env), "a+b-c");
    assert_eq!(value("${V//-/+}", &env), "a+b+c");
    assert_eq!(value("${V//-/$R$R}", &env), "a++b++c");
    assert_eq!(error("${V//-}", &env), "syntax error: missing '/' in ${}");
    assert_eq!(value("${V/*-/X}", &env), "Xc");
    assert_eq!(value("${V/b?c/X}", &env), "a-X");
    assert_eq!(value("${V//x/y}", &env), "a-b-c");
    assert_eq!(value("${V///}", &env), "a-b-c");
    assert_eq!(value("${UNSET//a/b}", &env), "");
    // `\/` is a slash in the pattern; the backslash stays in the replacement.
    let path = [("D", "/tmp/x")];
    assert_eq!(value("${D//\\//:}", &path), ":tmp:x");
    assert_eq!(value("${D//\\//\\/}", &path), "\\/tmp\\/x");
}

#[test]
fn replace_all_reads_the_replacement_as_a_go_template() {
    let env = [("V", "ab")];
    // `$0` in the replacement is the match; `$$` is a dollar (reached through `\$`).
    assert_eq!(value("${V//?/<\\$0>}", &env), "<\\a><\\b>");
    assert_eq!(value("${V/?/<\\$0>}", &env), "<\\$0>b");
}

#[test]
fn modifier_errors_have_buildkit_messages() {
    let env = [("V", "x")];
    assert_eq!(
        error("${V:#x}", &env),
        "unsupported modifier (:#) in substitution"
    );
    assert_eq!(
        error("${V:%%x}", &env),
        "unsupported modifier (:%) in substitution"
    );
    assert_eq!(
        error("${V=x}", &env),
        "unsupported modifier (=) in substitution"
    );
    assert_eq!(
        error("${V:=x}", &env),
        "unsupported modifier (:=) in substitution"
    );
    assert_eq!(error("${}", &env), "syntax error: bad substitution");
    assert_eq!(error("${:-x}", &env), "syntax error: bad substitution");
    assert_eq!(error("${{V}", &env), "syntax error: bad substitution");
    assert_eq!(error("${", &env), "syntax error: missing '}'");
    assert_eq!(error("${V:-x", &env), "syntax error: missing '}'");
    assert_eq!(error("${V:-'x}", &env), "syntax error: missing '}'");
    assert_eq!(error("${V/x", &env), "syntax error: missing '/' in ${}");
    assert_eq!(error("${V/x/y", &env), "syntax error: missing '}'");
    assert_eq!(
        error("${V#a\\b}", &env),
        "invalid pattern (a\\b) in substitution: invalid escape '\\b'"
    );
    assert_eq!(
        error("'x", &env),
        "unexpected end of statement while looking for matching single-quote"
    );
    assert_eq!(
        error("\"x", &env),
        "unexpected end of statement while looking for matching double-quote"
    );
    assert_eq!(error("${U?}", &env), "U: is not allowed to be unset");
    assert_eq!(
        error("${E:?}", &[("E", "")]),
        "E: is not allowed to be empty"
    );
    assert_eq!(
        error("${U?set U with --build-arg $V}", &env),
        "U: set U with --build-arg x"
    );
}

#[test]
fn error_display_names_the_word() {
    let err = Lexer::new('\\').expand_word("a ${b", &()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "failed to process \"a ${b\": unsupported modifier (\u{fffd}) in substitution"
    );
    assert_eq!(err.word(), "a ${b");
    assert_eq!(err.offset(), 5);
    assert!(matches!(
        err.kind(),
        ExpandErrorKind::UnsupportedModifier(_)
    ));
}

#[test]
fn matched_and_unmatched_names() {
    let env = [("SET", "1"), ("EMPTY", "")];
    let out = expand(
        "$SET ${EMPTY} ${MISSING:-$ALSO_MISSING} '$QUOTED' \\$ESCAPED",
        &env,
    );
    assert_eq!(out.matched, names(&["EMPTY", "SET"]));
    assert_eq!(out.unmatched, names(&["ALSO_MISSING", "MISSING"]));

    // A name is looked up even when its modifier word decides the result.
    let out = expand("${SET:+x}${EMPTY-y}${NOPE+z}", &env);
    assert_eq!(out.value, "x");
    assert_eq!(out.matched, names(&["EMPTY", "SET"]));
    assert_eq!(out.unmatched, names(&["NOPE"]));

    // Pattern words and replacements are expanded and recorded too.
    let out = expand("${SET#$PRE}${SET/$PAT/$REP}", &env);
    assert_eq!(out.matched, names(&["SET"]));
    assert_eq!(out.unmatched, names(&["PAT", "PRE", "REP"]));

    // Positional and special parameters are names like any other.
    let out = expand("$1 $@ ${#}", &env);
    assert_eq!(out.unmatched, names(&["#", "1", "@"]));

    let out = expand("plain text", &env);
    assert!(out.matched.is_empty() && out.unmatched.is_empty());
}

#[test]
fn backtick_escape() {
    let lexer = Lexer::new('`');
    let env = [("V", "x")];
    assert_eq!(lexer.expand_word("a`$V", &env).unwrap().value, "a$V");
    assert_eq!(
        lexer.expand_word("C:\\dir\\$V", &env).unwrap().value,
        "C:\\dir\\x"
    );
    assert_eq!(lexer.expand_word("\"a`\"b\"", &env).unwrap().value, "a\"b");
    assert_eq!(lexer.expand_word("\"a\\b\"", &env).unwrap().value, "a\\b");
    assert_eq!(
        lexer.expand_words("a` b c", &env).unwrap().words,
        ["a b", "c"]
    );
}

#[test]
fn raw_modes() {
    let raw = Lexer::new('\\').raw_quotes(true).raw_escapes(true);
    let env = [("V", "x")];
    assert_eq!(
        raw.expand_word("'$V' \"$V\" \\$V", &env).unwrap().value,
        "'$V' \"x\" \\$V"
    );
    let keep = Lexer::new('\\').skip_unset_env(true);
    assert_eq!(
        keep.expand_word("$U ${U} ${U:-d} ${U#p} ${U//a/b} $V", &env)
            .unwrap()
            .value,
        "$U ${U} ${U:-d} ${U#p} ${U/a/b} x"
    );
    let quotes_literal = Lexer::new('\\').skip_process_quotes(true);
    assert_eq!(
        quotes_literal
            .expand_word("'$V' \"$V\"", &env)
            .unwrap()
            .value,
        "'x' \"x\""
    );
}

#[test]
fn heredoc_spacing_keeps_the_operator_with_its_word() {
    let lexer = Lexer::new('\\')
        .raw_quotes(true)
        .raw_escapes(true)
        .skip_unset_env(true);
    assert_eq!(
        lexer.expand_words("cat << EOF", &()).unwrap().words,
        ["cat", "<<", "EOF"]
    );
    let spaced = lexer.heredoc_spacing(true);
    assert_eq!(
        spaced.expand_words("cat << EOF", &()).unwrap().words,
        ["cat", "<< EOF"]
    );
    assert_eq!(
        spaced.expand_words("a < b <<c", &()).unwrap().words,
        ["a", "<", "b", "<<c"]
    );
    assert_eq!(
        spaced.expand_word("cat << EOF", &()).unwrap().value,
        "cat << EOF"
    );
}

#[test]
fn word_splitting() {
    let env = [("V", " a  b "), ("E", "")];
    let words = |w: &str| Lexer::new('\\').expand_words(w, &env).unwrap().words;
    assert_eq!(words("x${V}y"), ["x", "a", "b", "y"]);
    assert_eq!(words("x\"$V\"y"), ["x a  b y"]);
    assert_eq!(words("$E"), Vec::<String>::new());
    assert_eq!(words("\"\""), Vec::<String>::new());
    assert_eq!(words("a\\ b  c\t d"), ["a b", "c", "d"]);
    // BuildKit v0.12 keeps the text before a modifier in the same word.
    assert_eq!(words("a${U:-b c}d"), ["ab", "cd"]);
}

#[test]
fn names_follow_go_unicode_classes() {
    let env = [("한국어", "k"), ("x١", "arabic-digit")];
    assert_eq!(value("$한국어!", &env), "k!");
    assert_eq!(value("$x١", &env), "arabic-digit");
    // A combining mark is Alphabetic in Rust but not a Go letter: it ends the name.
    assert_eq!(value("$x\u{301}", &[("x", "1")]), "1\u{301}");
}
