//! Properties of expansion over arbitrary input.

use berth_syntax::expand::Lexer;
use proptest::prelude::*;

/// Words built mostly from the characters the lexer treats specially.
fn tricky_word() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("$".to_string()),
            Just("${".to_string()),
            Just("}".to_string()),
            Just(":".to_string()),
            Just("-".to_string()),
            Just("+".to_string()),
            Just("?".to_string()),
            Just("#".to_string()),
            Just("%".to_string()),
            Just("/".to_string()),
            Just("*".to_string()),
            Just("\\".to_string()),
            Just("`".to_string()),
            Just("'".to_string()),
            Just("\"".to_string()),
            Just("<<".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("A".to_string()),
            Just("B".to_string()),
            Just("E".to_string()),
            Just("1".to_string()),
            Just("한".to_string()),
            "\\PC",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("A", "a*b?c"),
        ("B", " spaced  value "),
        ("E", ""),
        ("S", "/x/y/z"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_input_panics(word in tricky_word(), escape in prop_oneof![Just('\\'), Just('`')],
                       raw in any::<bool>(), keep in any::<bool>(), spacing in any::<bool>()) {
        let lexer = Lexer::new(escape)
            .raw_quotes(raw)
            .raw_escapes(raw)
            .skip_unset_env(keep)
            .heredoc_spacing(spacing);
        if let Err(err) = lexer.expand(&word, &env()) {
            prop_assert!(err.offset() <= word.len());
            prop_assert!(!err.message().is_empty());
        }
    }

    #[test]
    fn arbitrary_strings_do_not_panic(word in any::<String>()) {
        let _ = Lexer::new('\\').expand(&word, &env());
    }

    #[test]
    fn plain_text_expands_to_itself(word in "[^$'\"\\\\\u{feff}]*") {
        let out = Lexer::new('\\').expand_word(&word, &env()).unwrap();
        prop_assert_eq!(&out.value, &word);
        prop_assert!(out.matched.is_empty() && out.unmatched.is_empty());
        let split: Vec<&str> = word.split(char::is_whitespace).filter(|w| !w.is_empty()).collect();
        prop_assert_eq!(out.words, split);
    }

    #[test]
    fn single_quotes_are_literal(body in "[^']*") {
        let out = Lexer::new('\\').expand_word(&format!("'{body}'"), &env()).unwrap();
        prop_assert_eq!(out.value, body);
    }
}
