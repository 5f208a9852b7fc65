//! No input makes compose reading panic: interpolation, `.env` parsing and whole compose
//! files built from compose-like fragments (the fuzz target `compose` does the same with
//! coverage guidance).

use proptest::prelude::*;

fn env(name: &str) -> Option<String> {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| format!("<{name}>"))
}

/// Text made of the pieces interpolation and YAML care about.
fn compose_like() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "$",
        "$$",
        "${",
        "}",
        "{",
        ":-",
        "-",
        ":?",
        "?",
        ":+",
        "+",
        "A",
        "_b",
        "1",
        " ",
        "\n",
        "  ",
        "services:",
        "build:",
        "context:",
        "args:",
        "- ",
        "<<:",
        "&a",
        "*a",
        "'",
        "\"",
        "#",
        ":",
        "x-",
        "include:",
        "extends:",
        "!reset",
        "!override",
        "[",
        "]",
        ",",
        "=",
        "\\",
        "|",
        ">",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn interpolation_and_dotenv_never_panic(text in compose_like()) {
        let _ = berth_compose::interpolate::interpolate(&text, &env);
        let _ = berth_compose::dotenv::parse(&text, &env);
    }

    #[test]
    fn arbitrary_text_interpolates_or_errs(text in ".{0,80}") {
        let _ = berth_compose::interpolate::interpolate(&text, &env);
        let _ = berth_compose::dotenv::parse(&text, &env);
    }

    #[test]
    fn compose_files_load_or_err(text in compose_like()) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("compose.yaml");
        std::fs::write(&file, &text).unwrap();
        let options = berth_compose::LoadOptions::new(vec![file], Default::default());
        if let Ok(project) = berth_compose::load(&options) {
            if let Ok(builds) = project.builds(&[]) {
                for b in builds {
                    let _ = b.check_context();
                }
            }
        }
    }
}
