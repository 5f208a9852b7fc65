//! Every rule, one file each, grouped by family. See `crates/berth-lint/RULES.md`.

pub mod berth;
pub mod buildkit;
pub mod hadolint;
pub mod meta;
#[cfg(feature = "test-rules")]
pub mod test_rules;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `dir`, recursively.
    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The rule modules a family's `mod.rs` registers (`dl3020 => Dl3020` gives `dl3020`).
    fn registered_modules(family_mod: &str) -> Vec<String> {
        let Some(start) = family_mod.find("rule_family!") else {
            return Vec::new();
        };
        let body = &family_mod[start..];
        let body = &body[..body.find('}').unwrap_or(body.len())];
        body.lines()
            .filter_map(|line| line.split_once("=>"))
            .map(|(module, _)| module.trim().to_string())
            .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .collect()
    }

    /// Whether `text` names `module` as a path segment (`dl3006::FromParts`,
    /// `super::dl3006`), outside of a longer identifier.
    fn names_module(text: &str, module: &str) -> bool {
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        text.match_indices(module).any(|(at, _)| {
            let before = &text[..at];
            let after = &text[at + module.len()..];
            let bounded = !before.bytes().last().is_some_and(ident)
                && !after.bytes().next().is_some_and(ident);
            bounded && (before.ends_with("::") || after.starts_with("::"))
        })
    }

    #[test]
    fn no_rule_file_imports_another() {
        let rules = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src/rules"));
        let mut files = Vec::new();
        rust_files(&rules, &mut files);
        let mut modules = BTreeSet::new();
        for file in files.iter().filter(|f| f.ends_with("mod.rs")) {
            let text = std::fs::read_to_string(file).expect("readable");
            modules.extend(registered_modules(&text));
        }
        assert!(
            modules.contains("dl3006")
                && modules.contains("br103")
                && modules.contains("undefined_var"),
            "the rule modules were not found: {modules:?}"
        );
        let mut offences = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("readable");
            // This file and the family registries name every rule module on purpose.
            if *file == rules.join("mod.rs") || text.contains("rule_family! {") {
                continue;
            }
            let own = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            for module in modules.iter().filter(|m| m.as_str() != own) {
                if names_module(&text, module) {
                    let at = file.strip_prefix(&rules).unwrap_or(file);
                    offences.push(format!("{} reaches into {module}", at.display()));
                }
            }
        }
        assert!(
            offences.is_empty(),
            "rule files must not import each other; move what they share into a helper \
             module (rules/<family>/helpers/ or support.rs):\n{}",
            offences.join("\n")
        );
    }

    #[test]
    fn the_import_check_sees_imports() {
        assert!(names_module("use super::dl3006::{FromParts};", "dl3006"));
        assert!(names_module(
            "use crate::rules::hadolint::dl3052;",
            "dl3052"
        ));
        assert!(names_module("x = br102::is_proxy_arg(y)", "br102"));
        assert!(!names_module("use super::dl30061::X;", "dl3006"));
        assert!(!names_module("DL3006 and dl3006 in prose", "dl3006"));
        assert_eq!(
            registered_modules("crate::rule_family! {\n    a1 => A1,\n    b_c => BC,\n}\n"),
            ["a1", "b_c"]
        );
    }
}
