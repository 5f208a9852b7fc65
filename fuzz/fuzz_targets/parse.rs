//! Fuzz the Dockerfile parser: no input may panic, the node list must tile the
//! source exactly (lossless round trip), and every span must lie inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let file = berth_syntax::parse_bytes(data);
    assert_eq!(file.to_source(), file.source);
    let len = file.source.len();
    let check = |s: berth_syntax::Span| {
        assert!(s.start <= s.end && s.end <= len, "span {s:?} outside 0..{len}");
        assert!(file.source.is_char_boundary(s.start) && file.source.is_char_boundary(s.end));
    };
    for ins in &file.instructions {
        check(ins.span);
        check(ins.keyword_span);
        ins.flags.iter().for_each(|f| check(f.span));
        ins.args.iter().for_each(|w| check(w.span));
        ins.heredocs.iter().for_each(|h| {
            check(h.span);
            check(h.marker_span);
        });
    }
    file.errors.iter().for_each(|e| check(e.span));
    file.comments.iter().for_each(|c| check(c.span));
    let _ = berth_syntax::buildkit::dump(&file);
    let _ = berth_syntax::buildkit::to_json(&file);
    let _ = file.stages();
});
