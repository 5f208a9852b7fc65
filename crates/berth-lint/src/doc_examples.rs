//! Executable rule docs (biome's rule: a documented example is a test). For every rule,
//! each ```` ```dockerfile ```` block under `## Example` must fire the rule, and each one
//! under `## How to fix` must not.
//!
//! A block whose first line names a file (`# .hadolint.yaml`) sets up what the examples
//! run with, as a user would: `# .hadolint.yaml` and `# berth.toml` are configuration files
//! (read by [`crate::config`]), `# .dockerignore` and `# build context` (one file path a
//! line) make a build context beside the Dockerfile. The example's files also hold for the
//! fix; a fix's own file replaces the example's of the same name. A fix made only of files
//! (a `.dockerignore` to add) is checked on the example's Dockerfiles.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::{self, Layer};
use crate::registry;
use crate::rule::RuleEntry;
use crate::{BuildContext, Linter};

/// The files a docs block can stand for, named on its first line (`# .dockerignore`).
const FILES: [&str; 4] = [
    ".hadolint.yaml",
    "berth.toml",
    ".dockerignore",
    "build context",
];

/// The fenced blocks of one `## ` section: (language, file name, text without the name).
fn blocks(docs: &str, section: &str) -> Vec<(String, Option<String>, String)> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut open: Option<(String, String)> = None;
    for line in docs.lines() {
        let fence = line.trim_start().strip_prefix("```");
        if let Some((_, text)) = open.as_mut() {
            if fence.is_none() {
                text.push_str(line);
                text.push('\n');
                continue;
            }
            let Some((language, text)) = open.take() else {
                continue;
            };
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let name = first
                .strip_prefix("# ")
                .filter(|n| FILES.contains(n))
                .map(str::to_string);
            let body = match name {
                Some(_) => rest.to_string(),
                None => text.clone(),
            };
            out.push((language, name, body));
        } else if let Some(heading) = line.strip_prefix("## ") {
            in_section = heading.trim() == section;
        } else if let (true, Some(info)) = (in_section, fence) {
            let language = info.split_whitespace().next().unwrap_or("").to_string();
            open = Some((language, String::new()));
        }
    }
    out
}

/// A section's Dockerfiles and the files titled blocks give them.
struct Section {
    dockerfiles: Vec<String>,
    files: BTreeMap<String, String>,
}

fn section(docs: &str, name: &str) -> Section {
    let mut dockerfiles = Vec::new();
    let mut files = BTreeMap::new();
    for (language, title, text) in blocks(docs, name) {
        match title {
            Some(title) => {
                files.insert(title, text);
            }
            None if language == "dockerfile" => dockerfiles.push(text),
            None => {}
        }
    }
    Section { dockerfiles, files }
}

/// The codes of the findings the rule of `entry` alone gives on `dockerfile`, with the
/// configuration files and build context of `files`.
fn findings(
    entry: &'static RuleEntry,
    dockerfile: &str,
    files: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut layers = Vec::new();
    for (title, text) in files {
        let layer: Layer = match title.as_str() {
            ".hadolint.yaml" => {
                config::parse_hadolint_yaml(text, Path::new(title))
                    .unwrap_or_else(|e| panic!("{}: {title}: {e}", entry.meta.code))
                    .0
            }
            "berth.toml" => config::parse_berth_toml(text, Path::new(title))
                .unwrap_or_else(|e| panic!("{}: {title}: {e}", entry.meta.code)),
            ".dockerignore" | "build context" => continue,
            other => unreachable!("{other} is not in FILES"),
        };
        layers.push(layer);
    }
    let settings = config::resolve(&layers).settings;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let context = build_context(dir.path(), dockerfile, files);
    let linter = Linter::with_rules(&settings, vec![entry]);
    let code = entry.meta.code;
    linter
        .lint(dockerfile, "Dockerfile", context.as_ref())
        .diagnostics
        .into_iter()
        .filter(|d| d.code == code || (code == "ShellCheck" && d.code.starts_with("SC")))
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

/// The build context of the docs' `build context` and `.dockerignore` blocks, written
/// under `dir` with the Dockerfile, as `berth lint` would read it; `None` without them.
fn build_context(
    dir: &Path,
    dockerfile: &str,
    files: &BTreeMap<String, String>,
) -> Option<BuildContext> {
    let listed = files.get("build context");
    let ignore = files.get(".dockerignore");
    if listed.is_none() && ignore.is_none() {
        return None;
    }
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
        std::fs::write(path, text).expect("a file");
    };
    write("Dockerfile", dockerfile);
    for path in listed
        .iter()
        .flat_map(|l| l.lines())
        .filter(|l| !l.trim().is_empty())
    {
        write(path.trim(), "");
    }
    if let Some(text) = ignore {
        write(".dockerignore", text);
    }
    BuildContext::load(dir, Some(&dir.join("Dockerfile")))
}

/// Rules whose docs cannot run here, and why.
const NOT_RUN: [(&str, &str); 2] = [
    ("BR000", "it reports berth's own bugs: no Dockerfile fires it (engine and CLI tests provoke it with BR999)"),
    ("BR999", "a test fixture that panics: the engine turns its panic into BR000"),
];

#[test]
fn examples_fire_and_fixes_do_not() {
    let shellcheck = std::process::Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_ok();
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in registry::all() {
        let code = entry.meta.code;
        if NOT_RUN.iter().any(|(c, _)| *c == code) {
            continue;
        }
        if code == "ShellCheck" && !shellcheck {
            eprintln!("SKIPPED: ShellCheck's docs (shellcheck is not on PATH)");
            continue;
        }
        let docs = entry.meta.docs_text();
        let example = section(&docs, "Example");
        let fix = section(&docs, "How to fix");
        if example.dockerfiles.is_empty() {
            problems.push(format!("{code}: `## Example` has no ```dockerfile block"));
        }
        for dockerfile in &example.dockerfiles {
            if findings(entry, dockerfile, &example.files).is_empty() {
                problems.push(format!("{code}: the example does not fire:\n{dockerfile}"));
            }
        }
        let mut fix_files = example.files.clone();
        fix_files.extend(fix.files.clone());
        // A fix made only of files is checked on the example's Dockerfiles.
        let fixed = match (fix.dockerfiles.is_empty(), fix.files.is_empty()) {
            (true, false) => &example.dockerfiles,
            _ => &fix.dockerfiles,
        };
        for dockerfile in fixed {
            let found = findings(entry, dockerfile, &fix_files);
            if !found.is_empty() {
                problems.push(format!(
                    "{code}: the fix still fires:\n{dockerfile}{found:?}"
                ));
            }
        }
        checked += 1;
    }
    assert!(checked > 100, "only {checked} rules checked");
    assert!(
        problems.is_empty(),
        "{} rule docs do not do what they say:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn blocks_are_read_with_their_titles() {
    let docs = "## Example\n```yaml\n# .hadolint.yaml\nstrict-labels: true\n```\n```dockerfile\n# a comment\nFROM a\n```\n## How to fix\n```text\nnot a dockerfile\n```\n";
    let example = section(docs, "Example");
    assert_eq!(example.dockerfiles, ["# a comment\nFROM a\n"]);
    assert_eq!(example.files[".hadolint.yaml"], "strict-labels: true\n");
    let fix = section(docs, "How to fix");
    assert!(fix.dockerfiles.is_empty() && fix.files.is_empty());
}
