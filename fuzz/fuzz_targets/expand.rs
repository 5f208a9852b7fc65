//! Variable expansion never panics, never loops, and keeps its invariants on any input.
//!
//! The first byte picks the lexer's modes; the rest is the word (lossy UTF-8, as a
//! Dockerfile's bytes would be read).
#![no_main]

use berth_syntax::expand::Lexer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&modes, rest)) = data.split_first() else {
        return;
    };
    let word = String::from_utf8_lossy(rest);
    let escape = if modes & 1 == 0 { '\\' } else { '`' };
    let lexer = Lexer::new(escape)
        .raw_quotes(modes & 2 != 0)
        .raw_escapes(modes & 4 != 0)
        .skip_process_quotes(modes & 8 != 0)
        .skip_unset_env(modes & 16 != 0)
        .heredoc_spacing(modes & 32 != 0);
    let env = [
        ("A", "a*b?c"),
        ("B", " spaced  value "),
        ("E", ""),
        ("S", "/x/y/z"),
        ("N", "line\nbreak"),
    ];
    match lexer.expand(&word, &env) {
        Ok(out) => {
            assert!(out.matched.is_disjoint(&out.unmatched));
            let plain = !word
                .chars()
                .any(|c| matches!(c, '$' | '\'' | '"' | '\u{feff}') || c == escape);
            if plain && modes & 32 == 0 {
                assert_eq!(out.value, word);
            }
        }
        Err(err) => {
            assert!(err.offset() <= word.len());
            let _ = err.to_string();
        }
    }
});
