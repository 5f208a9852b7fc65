//! No input makes the shell analysis panic, and every span it reports lies inside the text.

use berth_shell::{Script, SourceMap, Span};
use proptest::prelude::*;

fn check(text: &str) {
    let script = Script::parse(text);
    let in_text = |s: Span| s.start <= s.end && s.end <= text.len();
    for c in script.all_commands() {
        assert!(in_text(c.span), "command span {:?} in {text:?}", c.span);
        for w in c.assignments.iter().chain(&c.words) {
            assert!(in_text(w.span), "word span {:?} in {text:?}", w.span);
            assert!(text.is_char_boundary(w.span.start) && text.is_char_boundary(w.span.end));
        }
        let _ = c
            .drop_flag_values(&["t", "target-release"])
            .args_no_flags()
            .count();
        let _ = c.flag_values("u");
    }
    for p in script.pipes() {
        assert!(in_text(*p), "pipe span {p:?} in {text:?}");
    }
    let map = SourceMap::align(text, text, 7);
    let _ = map.span(Span::new(0, text.len()));
}

/// Fragments of real RUN lines and shell syntax, glued together at random.
fn shellish() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop::sample::select(vec![
            "apt-get",
            " install",
            " -y",
            " --no-install-recommends",
            " curl=1.0",
            " &&",
            " ||",
            " |",
            "|&",
            ";",
            ";;",
            "\n",
            " (",
            ")",
            " {",
            " }",
            "$(",
            "${",
            "`",
            "'",
            "\"",
            "\\",
            " <<EOF\n",
            "EOF\n",
            " > /dev/null",
            " 2>&1",
            " if",
            " then",
            " fi",
            " for x in",
            " do",
            " done",
            " case",
            " in",
            " esac",
            "$((",
            "))",
            "[[",
            "]]",
            " é",
            "#",
            "=",
            " $V",
            " *",
            "[",
            "]",
            "<",
            ">",
            "&",
            "!",
            " cd /tmp",
            " pip install",
            "$'",
            "<(",
        ]),
        0..40,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn shell_like_text_never_panics(text in shellish()) {
        check(&text);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    for opener in ["$(", "(", "{ ", "${", "\"$(", "`", "$((", "[["] {
        check(&opener.repeat(5000));
    }
    check(&"a | ".repeat(20000));
}

#[test]
fn corpus_dockerfiles_never_panic() {
    // `../shared` beside the workspace root, or beside the directory of a git worktree.
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let shared = std::env::var_os("BERTH_SHARED").map(std::path::PathBuf::from);
    let found = shared
        .into_iter()
        .chain([root.join("../shared"), root.join("../../shared")])
        .map(|p| p.join("corpus/dockerfiles"))
        .find(|p| p.is_dir());
    let Some(dir) = found else {
        eprintln!("SKIPPED: ../shared/corpus/dockerfiles not found (set BERTH_SHARED to run it)");
        return;
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut files = 0;
    let mut stack: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            // Each instruction line is shell-like text; so is the whole file.
            for line in text.lines() {
                check(line);
            }
            files += 1;
        }
    }
    eprintln!("{files} corpus files parsed line by line");
    assert!(files > 0);
}
