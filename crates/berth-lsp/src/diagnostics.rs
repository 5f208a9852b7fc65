//! Linting a document exactly as `berth lint` would in the document's folder, and berth's
//! findings as LSP diagnostics.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use berth_lint::config::{self, Layer};
use berth_lint::{BuildContext, Linter, Settings, Severity};
use serde_json::{json, Value};

use crate::position::Encoding;
use crate::server::{Shared, Snapshot};

/// What a lint of one document needs: the settings discovered for it, the path it is reported
/// as (per-file ignores match it), and the build context evidence.
pub struct LintSetup {
    pub settings: Settings,
    pub path: String,
    pub context: Option<Arc<BuildContext>>,
    /// The build context folder (for the cache explanation), when there is one.
    pub context_dir: Option<PathBuf>,
}

/// The folder a document's configuration is discovered from: its own folder, else the first
/// workspace folder, else the server's working directory.
pub fn home_dir(shared: &Shared, snapshot: &Snapshot) -> PathBuf {
    if let Some(parent) = snapshot.path.as_deref().and_then(Path::parent) {
        return parent.to_path_buf();
    }
    shared
        .roots
        .read()
        .ok()
        .and_then(|r| r.first().cloned())
        .unwrap_or_else(|| shared.env.cwd.clone())
}

/// Discovers the configuration as `cd <document folder> && berth lint <file>` would.
pub fn setup(shared: &Shared, snapshot: &Snapshot) -> LintSetup {
    let dir = home_dir(shared, snapshot);
    let server = shared
        .settings
        .read()
        .map(|s| s.clone())
        .unwrap_or_default();
    let mut env = shared.env.clone();
    env.cwd = dir.clone();
    let explicit = server.config.as_ref().map(|c| dir.join(c));
    let loaded =
        match config::discover(&env, explicit.as_deref(), server.isolated, Layer::default()) {
            Ok(loaded) => loaded,
            Err(e) => {
                shared.show_once(
                    1,
                    &format!("berth: {e} (linting with the default settings)"),
                );
                config::Loaded::default()
            }
        };
    for warning in &loaded.warnings {
        shared.show_once(2, &format!("berth: {warning}"));
    }
    // Per-file ignores are written relative to the berth.toml that holds them.
    let file_name = snapshot
        .path
        .as_deref()
        .and_then(Path::file_name)
        .map_or_else(
            || "Dockerfile".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
    let path = loaded
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "toml"))
        .find_map(|toml| {
            let base = toml.parent()?;
            let rel = snapshot.path.as_deref()?.strip_prefix(base).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        })
        .unwrap_or(file_name);
    let settings = loaded.config.settings;
    let context_dir = if server.no_context {
        None
    } else {
        snapshot.path.as_ref().map(|_| match &server.context {
            Some(c) => dir.join(c),
            None => dir.clone(),
        })
    };
    let context = match (&context_dir, &snapshot.path) {
        (Some(ctx), Some(file)) if settings.reads_build_context() => {
            shared.contexts.get(ctx, Some(file))
        }
        _ => None,
    };
    LintSetup {
        settings,
        path,
        context,
        context_dir,
    }
}

/// Lints the snapshot and publishes its diagnostics.
pub fn publish(shared: &Shared, snapshot: &Snapshot) {
    let diagnostics = lint(shared, snapshot);
    shared.notify(
        "textDocument/publishDiagnostics",
        json!({"uri": snapshot.uri, "version": snapshot.version, "diagnostics": diagnostics}),
    );
}

/// The document's findings as LSP diagnostics.
pub fn lint(shared: &Shared, snapshot: &Snapshot) -> Vec<Value> {
    let setup = setup(shared, snapshot);
    let linter = Linter::new(&setup.settings);
    let result = linter.lint(&snapshot.text, &setup.path, setup.context.as_deref());
    let encoding = shared.encoding();
    result
        .diagnostics
        .iter()
        .map(|d| to_lsp(d, snapshot, encoding))
        .collect()
}

/// One finding as an LSP diagnostic.
pub fn to_lsp(d: &berth_lint::Diagnostic, snapshot: &Snapshot, encoding: Encoding) -> Value {
    let text = &snapshot.text;
    let range = snapshot.lines.range(text, d.span, encoding);
    let severity = match d.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
        Severity::Style => 4,
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let mut out = json!({
        "range": range,
        "severity": severity,
        "code": d.code,
        "source": "berth",
        "message": message,
    });
    if let Some(href) = rule_page(&d.code) {
        out["codeDescription"] = json!({"href": href});
    }
    if matches!(d.code.as_ref(), "MaintainerDeprecated" | "DL4000") {
        out["tags"] = json!([2]);
    }
    if !d.labels.is_empty() {
        out["relatedInformation"] = d
            .labels
            .iter()
            .map(|l| {
                json!({
                    "location": {"uri": snapshot.uri, "range": snapshot.lines.range(text, l.span, encoding)},
                    "message": l.message,
                })
            })
            .collect();
    }
    out
}

/// The public page of a rule, where it has one: hadolint's wiki for DL3xxx/DL4xxx, Docker's
/// build-checks reference for BuildKit's checks, ShellCheck's wiki for SC codes. berth's own
/// rules have none (`berth rule CODE` explains them).
pub fn rule_page(code: &str) -> Option<String> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(n) = code.strip_prefix("DL") {
        return (digits(n) && (n.starts_with('3') || n.starts_with('4')))
            .then(|| format!("https://github.com/hadolint/hadolint/wiki/{code}"));
    }
    if code.strip_prefix("SC").is_some_and(digits) {
        return Some(format!("https://www.shellcheck.net/wiki/{code}"));
    }
    let entry = berth_lint::registry::find(code)?;
    (entry.meta.family == berth_lint::Family::BuildKit).then(|| {
        format!(
            "https://docs.docker.com/reference/build-checks/{}/",
            kebab(code)
        )
    })
}

/// `StageNameCasing` → `stage-name-casing`.
fn kebab(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 4);
    for (i, c) in code.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_pages() {
        assert_eq!(
            rule_page("DL3008").as_deref(),
            Some("https://github.com/hadolint/hadolint/wiki/DL3008")
        );
        assert_eq!(
            rule_page("StageNameCasing").as_deref(),
            Some("https://docs.docker.com/reference/build-checks/stage-name-casing/")
        );
        assert_eq!(
            rule_page("SC2086").as_deref(),
            Some("https://www.shellcheck.net/wiki/SC2086")
        );
        assert_eq!(rule_page("BR101"), None);
        assert_eq!(rule_page("DL1000"), None);
    }
}
