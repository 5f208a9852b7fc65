//! Shell analysis of RUN text never panics, never loops, and every span it reports lies
//! inside the text, on any input.
#![no_main]

use berth_shell::{Script, SourceMap, Span};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // brush-parser's panics are caught by berth-shell (the text goes to the fallback
    // tokenizer); keep libFuzzer's hook from counting those as crashes.
    berth_shell::quiet_shell_parser_panics();
    let text = String::from_utf8_lossy(data);
    let script = Script::parse(&text);
    let inside = |s: Span| s.start <= s.end && s.end <= text.len();
    for command in script.all_commands() {
        assert!(inside(command.span));
        for word in command.assignments.iter().chain(&command.words) {
            assert!(inside(word.span));
            assert!(text.is_char_boundary(word.span.start) && text.is_char_boundary(word.span.end));
        }
        let view = command.drop_flag_values(&["t"]);
        let _ = view.args_no_flags().count();
        let _ = command.flag_values("u");
    }
    assert!(script.pipes().iter().all(|p| inside(*p)));
    // Map the text onto itself with a prefix, as a RUN's joined text maps onto its lines.
    let map = SourceMap::align(&text, &text, 4);
    let whole = map.span(Span::new(0, text.len()));
    assert!(whole.start >= 4 && whole.end <= 4 + text.len());
});
