//! `berth lint compose.yaml`: every service with a `build:` section is linted with its own
//! context (for `.dockerignore` and context evidence), Dockerfile or `dockerfile_inline`,
//! args (`BUILDKIT_DOCKERFILE_CHECK` replaces the file's `# check=`, as in BuildKit) and
//! target (an unknown one fails the build, so it is reported). Findings of an inline
//! Dockerfile point at its lines in the compose file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use berth_compose::{Build, Context, Dockerfile};
use berth_lint::{CheckConfig, Diagnostic, Linter, Settings};
use berth_syntax::Span;

use super::{decode, fix, Linted};
use crate::cmd::compose::{display, error_text};

/// What linting the compose projects gave.
#[derive(Default)]
pub(super) struct Outcome {
    pub linted: Vec<Linted>,
    /// Problems that make the run exit 2 (bad compose files, missing Dockerfiles).
    pub errors: Vec<String>,
    /// Builds BuildKit would refuse (an unknown target): exit 1.
    pub rejected: Vec<String>,
    /// The Dockerfiles the services use (canonical), so a directory walk skips them.
    pub dockerfiles: HashSet<PathBuf>,
}

/// How to lint (shared with the Dockerfile inputs).
pub(super) struct Setup<'a> {
    pub settings: &'a Settings,
    pub wants_context: bool,
    pub contexts: &'a berth_lint::evidence::ContextCache,
    pub fix: bool,
    pub unsafe_fixes: bool,
}

/// Lints the services of each project (a list of compose files merged as `-f a -f b`).
pub(super) fn lint_projects(projects: &[Vec<PathBuf>], setup: &Setup) -> Outcome {
    let mut out = Outcome::default();
    for files in projects {
        let builds = berth_compose_builds(files);
        let builds = match builds {
            Ok(b) => b,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        for build in &builds {
            if let Err(e) = lint_build(build, setup, &mut out) {
                out.errors.push(e);
            }
        }
    }
    out
}

fn berth_compose_builds(files: &[PathBuf]) -> Result<Vec<Build>, String> {
    let project = crate::cmd::compose::load(files.to_vec(), &[]).map_err(|e| error_text(&e))?;
    project.builds(&[]).map_err(|e| error_text(&e))
}

fn lint_build(build: &Build, setup: &Setup, out: &mut Outcome) -> Result<(), String> {
    build.check_context().map_err(|e| error_text(&e))?;
    let service = &build.service;
    let key = format!("services.{service}.build");
    let at =
        |pos: &berth_compose::Pos| format!("{}:{}:{}", display(&pos.file), pos.line, pos.column);
    // BuildKit's build arg replaces the file's `# check=` directive.
    let mut settings = setup.settings.clone();
    if let Some((_, value)) = build
        .args
        .iter()
        .find(|(k, _)| k == "BUILDKIT_DOCKERFILE_CHECK")
    {
        settings.buildkit_check = Some(CheckConfig::parse(value).map_err(|e| {
            format!(
                "{}: {key}.args.BUILDKIT_DOCKERFILE_CHECK: {e}",
                at(&build.pos)
            )
        })?);
    }
    let linter = Linter::new(&settings);
    let context_dir = match &build.context {
        Context::Local(dir) => Some(dir.as_path()),
        Context::Remote(url) => {
            if let Dockerfile::File(_) = build.dockerfile {
                eprintln!(
                    "berth: note: service `{service}` builds the remote context {url}: its Dockerfile cannot be read before the build, so it is not linted"
                );
                return Ok(());
            }
            None
        }
    };
    let evidence = match context_dir {
        Some(dir) if setup.wants_context => setup.contexts.get(dir, build.dockerfile_path()),
        _ => None,
    };
    let linted = match &build.dockerfile {
        Dockerfile::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                format!(
                    "{}: {key}.dockerfile: cannot read the Dockerfile {}: {e}",
                    at(&build.pos),
                    display(path)
                )
            })?;
            if let Ok(canonical) = path.canonicalize() {
                out.dockerfiles.insert(canonical);
            }
            let shown = display(path);
            let (source, exact) = decode(bytes);
            let (result, fixed) = if setup.fix && exact {
                let outcome = linter.fix(&source, &shown, evidence.as_deref(), setup.unsafe_fixes);
                if outcome.applied > 0 {
                    fix::write_in_place(path, &outcome.source)?;
                }
                (outcome.result, outcome.applied)
            } else {
                (linter.lint(&source, &shown, evidence.as_deref()), 0)
            };
            check_target(build, &result.dockerfile, out);
            Linted {
                rejected: result.rejected(),
                internal_error: result.internal_error().map(|d| d.message.clone()),
                path: shown,
                source: result.dockerfile.source.to_string(),
                diagnostics: result.diagnostics,
                fixed,
                diff: String::new(),
                from_stdin: false,
                service: Some(service.clone()),
            }
        }
        Dockerfile::Inline {
            text,
            pos,
            first_line,
        } => {
            let compose_path: &Path = &pos.file;
            let compose_text = std::fs::read_to_string(compose_path)
                .map_err(|e| format!("{}: cannot read: {e}", display(compose_path)))?;
            let shown = display(compose_path);
            let result = linter.lint(text, &shown, evidence.as_deref());
            check_target(build, &result.dockerfile, out);
            let rejected = result.rejected();
            let internal_error = result.internal_error().map(|d| d.message.clone());
            let diagnostics = result
                .diagnostics
                .into_iter()
                .map(|d| to_compose_file(d, text, &compose_text, *first_line))
                .collect();
            Linted {
                rejected,
                internal_error,
                path: shown,
                source: compose_text,
                diagnostics,
                fixed: 0,
                diff: String::new(),
                from_stdin: false,
                service: Some(service.clone()),
            }
        }
    };
    out.linted.push(linted);
    Ok(())
}

/// `target:` must name a stage, or the build fails.
fn check_target(build: &Build, dockerfile: &berth_syntax::Dockerfile, out: &mut Outcome) {
    let Some(target) = &build.target else {
        return;
    };
    let names: Vec<String> = dockerfile
        .stages()
        .iter()
        .filter_map(|s| s.name.as_ref().map(|n| n.to_string()))
        .collect();
    if names.iter().any(|n| n.eq_ignore_ascii_case(target)) {
        return;
    }
    let pos = build.target_pos.as_ref().unwrap_or(&build.pos);
    out.rejected.push(format!(
        "{}:{}:{}: services.{}.build.target: target stage \"{target}\" could not be found in {} ({})",
        display(&pos.file),
        pos.line,
        pos.column,
        build.service,
        crate::cmd::compose::dockerfile_label(build),
        if names.is_empty() {
            "it has no named stages".to_string()
        } else {
            format!("stages: {}", names.join(", "))
        }
    ));
}

/// Moves a finding of an inline Dockerfile onto the compose file's text. Fixes are
/// dropped: they would edit the compose file.
fn to_compose_file(
    mut d: Diagnostic,
    inline: &str,
    compose: &str,
    first_line: usize,
) -> Diagnostic {
    let map = |span: Span| {
        Span::new(
            offset(span.start, inline, compose, first_line),
            offset(span.end, inline, compose, first_line),
        )
    };
    d.span = map(d.span);
    for label in &mut d.labels {
        label.span = map(label.span);
    }
    d.fix = None;
    d
}

/// The compose-file offset of byte `at` of the inline text: the same line of text,
/// `first_line` lines down, shifted by the block's indentation.
fn offset(at: usize, inline: &str, compose: &str, first_line: usize) -> usize {
    let at = at.min(inline.len());
    let line = inline[..at].matches('\n').count();
    let line_start = inline[..at].rfind('\n').map_or(0, |i| i + 1);
    let column = at - line_start;
    let inline_line = inline[line_start..].split('\n').next().unwrap_or("");
    let target = first_line.saturating_sub(1) + line;
    let mut start = 0;
    for (i, l) in compose.split_inclusive('\n').enumerate() {
        if i == target {
            let text = l.trim_end_matches(['\n', '\r']);
            let indent = if text.ends_with(inline_line) {
                text.len() - inline_line.len()
            } else {
                text.len() - text.trim_start().len()
            };
            let mut out = (start + indent + column).min(start + text.len());
            while !compose.is_char_boundary(out) {
                out -= 1;
            }
            return out;
        }
        start += l.len();
    }
    compose.len()
}

#[cfg(test)]
mod tests {
    use super::offset;

    #[test]
    fn inline_offsets_land_on_the_compose_lines() {
        let compose = "services:\n  web:\n    build:\n      dockerfile_inline: |\n        FROM busybox\n        RUN  true\n";
        let inline = "FROM busybox\nRUN  true\n";
        let run = inline.find("RUN").unwrap();
        let at = offset(run, inline, compose, 5);
        assert_eq!(&compose[at..at + 9], "RUN  true");
        let at = offset(2, inline, compose, 5);
        assert_eq!(&compose[at..at + 2], "OM");
    }
}
