//! Which files `berth lint` reads: explicit files as given, directories searched recursively
//! for Dockerfile names (honouring .gitignore), `-` for standard input.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::Input;

/// Whether a file name is a Dockerfile: `Dockerfile`, `Containerfile`, `Dockerfile.*`,
/// `Containerfile.*`, `*.Dockerfile`, `*.Containerfile` or `*.dockerfile` (but not BuildKit's
/// per-Dockerfile `Dockerfile.dockerignore`).
pub(crate) fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") {
        return false;
    }
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.starts_with("Containerfile.")
        || (name.len() > ".Dockerfile".len()
            && (name.ends_with(".Dockerfile")
                || name.ends_with(".dockerfile")
                || name.ends_with(".Containerfile")))
}

/// The inputs in order: arguments in the order given, each directory's findings sorted by
/// path; duplicates removed. Also returns an error message per path that does not exist.
pub(crate) fn inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<String>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            if seen.insert(PathBuf::from("-")) {
                out.push(Input::Stdin);
            }
        } else if path.is_dir() {
            let mut found = walk(path, &mut errors);
            found.sort();
            for f in found {
                if seen.insert(f.clone()) {
                    out.push(Input::File(f));
                }
            }
        } else if path.exists() {
            if seen.insert(path.clone()) {
                out.push(Input::File(path.clone()));
            }
        } else {
            errors.push(format!("{}: no such file or directory", path.display()));
        }
    }
    (out, errors)
}

fn walk(dir: &Path, errors: &mut Vec<String>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        // Dockerfiles often live in hidden directories (.devcontainer, .github).
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                let is_file = entry.file_type().is_some_and(|t| t.is_file());
                if is_file && entry.file_name().to_str().is_some_and(is_dockerfile_name) {
                    found.push(entry.into_path());
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "Dockerfile.prod",
            "api.Dockerfile",
            "api.dockerfile",
            "Containerfile.dev",
        ] {
            assert!(is_dockerfile_name(yes), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            ".dockerignore",
            "dockerfile-notes.txt",
            "Dockerfiles",
            ".Dockerfile",
            "README.md",
        ] {
            assert!(!is_dockerfile_name(no), "{no}");
        }
    }

    #[test]
    fn discovery_respects_gitignore_and_sorts() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for f in [
            "b/Dockerfile",
            "a/api.Dockerfile",
            "a/Dockerfile.dev",
            ".devcontainer/Dockerfile",
            "ignored/Dockerfile",
            "a/Dockerfile.dockerignore",
            "notes.txt",
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "FROM scratch\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ignored/\n").unwrap();
        let (found, errors) = inputs(&[root.to_path_buf(), root.join("b/Dockerfile")]);
        assert!(errors.is_empty());
        let names: Vec<String> = found
            .iter()
            .map(|i| match i {
                Input::File(p) => p.strip_prefix(root).unwrap().display().to_string(),
                Input::Stdin => "-".into(),
            })
            .collect();
        assert_eq!(
            names,
            [
                ".devcontainer/Dockerfile",
                "a/Dockerfile.dev",
                "a/api.Dockerfile",
                "b/Dockerfile"
            ]
        );
        let (_, errors) = inputs(&[root.join("missing")]);
        assert_eq!(errors.len(), 1);
    }
}
