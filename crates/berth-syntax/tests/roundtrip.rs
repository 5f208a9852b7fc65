//! proptest: any text round-trips through the tree byte for byte, nothing panics,
//! and every span lies inside the source.

use berth_syntax::{parse, parse_bytes, Span};
use proptest::prelude::*;

fn check(text: &str) {
    let file = parse(text);
    assert_eq!(file.to_source(), text);
    assert_eq!(file.line_index, berth_syntax::LineIndex::new(text));
    let ok = |s: Span| {
        s.start <= s.end
            && s.end <= text.len()
            && text.is_char_boundary(s.start)
            && text.is_char_boundary(s.end)
    };
    let mut pos = 0;
    for node in &file.nodes {
        assert_eq!(node.span.start, pos, "nodes must tile the source");
        pos = node.span.end;
    }
    assert_eq!(pos, text.len());
    for ins in &file.instructions {
        assert!(ok(ins.span) && ok(ins.keyword_span));
        assert!(ins.args.iter().all(|w| ok(w.span)));
        assert!(ins.flags.iter().all(|f| ok(f.span)));
        assert!(ins.heredocs.iter().all(|h| ok(h.span) && ok(h.marker_span)));
        assert!(ins.start_line <= ins.end_line);
    }
    assert!(file.errors.iter().all(|e| ok(e.span)));
    let _ = berth_syntax::buildkit::dump(&file);
    let _ = berth_syntax::buildkit::to_json(&file);
}

/// Dockerfile-flavoured pieces, so the generator reaches the interesting paths.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM a AS b\n".to_string()),
        Just("RUN echo \\\n".to_string()),
        Just("# escape=`\n".to_string()),
        Just("# comment\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("COPY <<EOF /x\n".to_string()),
        Just("EOF\n".to_string()),
        Just("RUN <<-'A' 3<<B\n".to_string()),
        Just("\tA\n".to_string()),
        Just("CMD [\"a\", 1]\n".to_string()),
        Just("ENV a=\"b c\" d\n".to_string()),
        Just("ONBUILD RUN --mount=type=cache,target=/x <<X\n".to_string()),
        Just("HEALTHCHECK --interval=1s CMD [\"x\"]\n".to_string()),
        Just("`\n".to_string()),
        "[ -~\t]{0,20}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_string_round_trips(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn dockerfile_like_text_round_trips(pieces in prop::collection::vec(piece(), 0..24)) {
        check(&pieces.concat());
    }

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let file = parse_bytes(&bytes);
        prop_assert_eq!(file.to_source(), file.source.clone());
    }
}
