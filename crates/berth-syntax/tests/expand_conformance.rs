//! BuildKit's own expansion tables (`../shared/conformance/buildkit-shell`), read at test
//! time. Every applicable line must pass; the counts are printed.

use std::path::PathBuf;

use berth_syntax::expand::Lexer;

/// The shared conformance directory: `$BERTH_SHARED_DIR`, else `../shared` beside the
/// workspace root, else two levels up (a git worktree under a `wt/` folder).
fn shell_tables_dir() -> Option<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let candidates = std::env::var_os("BERTH_SHARED_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain([root.join("../shared"), root.join("../../shared")]);
    for shared in candidates {
        let dir = shared.join("conformance/buildkit-shell");
        if dir.join("envVarTest").is_file() && dir.join("wordsTest").is_file() {
            return Some(dir);
        }
    }
    None
}

/// The text of one table, or `None` (with a message) when the shared data is absent.
fn read_table(name: &str) -> Option<String> {
    let Some(dir) = shell_tables_dir() else {
        eprintln!("SKIPPED: ../shared/conformance/buildkit-shell not found (set BERTH_SHARED_DIR)");
        return None;
    };
    let path = dir.join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display())))
}

#[test]
fn env_var_test_table() {
    let Some(text) = read_table("envVarTest") else {
        return;
    };
    let env = [
        ("PWD", "/home"),
        ("SHELL", "bash"),
        ("KOREAN", "한국어"),
        ("NULL", ""),
    ];
    let lexer = Lexer::new('\\');
    let (mut passed, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(
            fields.len(),
            3,
            "envVarTest:{number}: malformed line {line:?}"
        );
        let (platform, input, expected) = (fields[0].trim(), fields[1].trim(), fields[2].trim());
        if platform == "W" {
            skipped += 1;
            continue;
        }
        let outcome = lexer.expand_word(input, env.as_slice());
        let ok = match (&outcome, expected) {
            (Err(_), "error") => true,
            (Ok(out), expected) => expected != "error" && out.value == expected,
            (Err(_), _) => false,
        };
        if ok {
            passed += 1;
        } else {
            failures.push(format!(
                "envVarTest:{number}: {input:?} expected {expected:?}, got {outcome:?}"
            ));
        }
    }
    println!(
        "envVarTest: {passed} passed, {} failed, {skipped} Windows-only lines skipped",
        failures.len()
    );
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert!(passed > 200, "too few cases read: {passed}");
}

#[test]
fn words_test_table() {
    let Some(text) = read_table("wordsTest") else {
        return;
    };
    let lexer = Lexer::new('\\');
    let mut env: Vec<(String, String)> = Vec::new();
    let mut passed = 0;
    let mut failures = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        if line.starts_with('#') {
            continue;
        }
        if let Some(assignment) = line.strip_prefix("ENV ") {
            let assignment = assignment.trim_start_matches(' ');
            let (name, value) = assignment.split_once('=').unwrap_or((assignment, ""));
            env.push((name.to_string(), value.to_string()));
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(
            fields.len(),
            2,
            "wordsTest:{number}: malformed line {line:?}"
        );
        let input = fields[0].trim();
        let expected: Vec<&str> = fields[1].trim_start_matches(' ').split(',').collect();
        let got = match lexer.expand_words(input, &env) {
            Ok(out) => out.words,
            Err(_) => vec!["error".to_string()],
        };
        if got == expected {
            passed += 1;
        } else {
            failures.push(format!(
                "wordsTest:{number}: {input:?} expected {expected:?}, got {got:?}"
            ));
        }
    }
    println!("wordsTest: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
    assert!(passed > 20, "too few cases read: {passed}");
}
