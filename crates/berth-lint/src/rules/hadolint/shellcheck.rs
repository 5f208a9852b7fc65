//! ShellCheck: SC findings on RUN commands, as hadolint reports them.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};

use berth_shell::run::{has_unsupported_shebang, is_non_posix_shell};
use berth_syntax::{Command, Instruction, Span};
use serde_json::Value;

use crate::context::LintContext;
use crate::diagnostic::Severity;
use crate::rule::Rule;
use crate::shell::{run_of, shell_of};

crate::declare_rule! {
    /// ## What it does
    /// Runs [ShellCheck](https://www.shellcheck.net) on the shell text of every RUN (shell
    /// form and heredoc scripts, also inside ONBUILD) and reports its findings under their
    /// own codes (`SC2086`, ...), at the exact line and column inside the RUN. It runs only
    /// when enabled (`berth lint --shellcheck`, or `shellcheck = true` under `[lint]` in
    /// `berth.toml`) and a `shellcheck` binary is on PATH; otherwise it says nothing.
    ///
    /// As in hadolint, the script starts with the stage's shell (`#!/bin/sh`, or the first
    /// word of `SHELL`, or the `# hadolint shell=` pragma) and declares the proxy variables
    /// and every ARG and ENV of the stage (a stage built `FROM` another inherits its shell
    /// and variables), so `$VAR` from the Dockerfile is not reported as unassigned.
    /// PowerShell and cmd stages, exec-form RUNs and heredoc scripts in other languages
    /// (`#!/usr/bin/env python3`) are skipped. SC1090, SC1091 and SC2187 are never reported.
    ///
    /// ## Why is this bad?
    /// RUN commands are shell scripts with the usual shell pitfalls: unquoted expansions,
    /// `cd` without a fallback, useless `cat`s. They fail only at build time, or worse,
    /// succeed wrongly.
    ///
    /// ## Example
    /// ```toml
    /// # berth.toml
    /// [lint]
    /// shellcheck = true
    /// ```
    /// ```dockerfile
    /// FROM debian:12
    /// ARG VERSION
    /// RUN cd /opt && echo $HOME
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// WORKDIR /opt
    /// RUN echo "$HOME"
    /// ```
    ///
    /// ## Differences from hadolint
    /// hadolint keeps only one SC finding per RUN (the last one ShellCheck prints) and puts it
    /// on the RUN's first line; berth reports every finding where it is. An ARG or ENV after
    /// SHELL keeps the SHELL's dialect (hadolint 2.15.1 reset it to `/bin/sh`, fixed after).
    pub struct ShellCheck {
        /// The current stage's shell and variables.
        stage: StageShell,
        /// Index of the current stage.
        stage_index: Option<usize>,
        /// Final state of every stage seen, for stages built `FROM` it.
        finished: HashMap<usize, StageShell>,
        /// ONBUILD triggers see only each other.
        onbuild: StageShell,
        scripts: Vec<Script>,
    }
    meta {
        code: "ShellCheck",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Arg, Env, Shell, Run],
        summary: "ShellCheck findings on RUN commands (when enabled and shellcheck is on PATH)",
    }
}

const PROXY_VARIABLES: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// The shell and variables ShellCheck is told about, for one stage.
#[derive(Clone, Debug, Default)]
struct StageShell {
    /// The SHELL's first word; `None` means the default (or the stage's pragma).
    shell: Option<String>,
    variables: Vec<String>,
}

/// A RUN's script, waiting to be checked at the end of the file.
struct Script {
    text: String,
    /// Lines before the RUN text (shebang and exports).
    header_lines: usize,
    shell: std::sync::Arc<crate::shell::RunShell>,
}

impl Rule for ShellCheck {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !ctx.settings().shellcheck {
            return;
        }
        let onbuild = ctx.in_onbuild();
        match &instruction.command {
            Some(Command::From(_)) if !onbuild => {
                let ended = std::mem::take(&mut self.stage);
                if let Some(index) = self.stage_index {
                    self.finished.insert(index, ended);
                }
                let stage = ctx.stage();
                self.stage_index = stage.map(|s| s.index);
                // `FROM <stage>` starts with that stage's shell and variables.
                let parent = stage.and_then(|s| s.parent);
                self.stage = parent
                    .and_then(|p| self.finished.get(&p).cloned())
                    .unwrap_or_default();
            }
            Some(Command::Arg(decls)) => {
                let state = self.state(onbuild);
                state
                    .variables
                    .extend(decls.first().map(|d| d.name.to_string()));
            }
            Some(Command::Env(pairs)) => {
                let state = self.state(onbuild);
                state
                    .variables
                    .extend(pairs.iter().map(|p| p.key.to_string()));
            }
            Some(Command::Shell(args)) => {
                self.state(onbuild).shell = args.first().map(String::from);
            }
            Some(Command::Run(_)) => self.collect(instruction, ctx),
            _ => {}
        }
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        if self.scripts.is_empty() {
            return;
        }
        let Some(binary) = find_on_path("shellcheck") else {
            return;
        };
        for (script, comments) in self.scripts.iter().zip(run_batch(&binary, &self.scripts)) {
            for comment in comments {
                report(ctx, script, &comment);
            }
        }
    }
}

impl ShellCheck {
    fn state(&mut self, onbuild: bool) -> &mut StageShell {
        if onbuild {
            &mut self.onbuild
        } else {
            &mut self.stage
        }
    }

    fn collect(&mut self, instruction: &Instruction, ctx: &LintContext) {
        let Some(shell) = shell_of(instruction, ctx) else {
            return;
        };
        if shell.exec_form || run_of(instruction).is_none() {
            return;
        }
        let state = if ctx.in_onbuild() {
            &self.onbuild
        } else {
            &self.stage
        };
        let program = match &state.shell {
            Some(s) => s.clone(),
            None => ctx
                .shell_pragma()
                .map_or_else(|| "/bin/sh".to_string(), str::to_string),
        };
        let text = shell.script.text();
        if is_non_posix_shell(&program) || has_unsupported_shebang(text) {
            return;
        }
        let program = program
            .split_whitespace()
            .next()
            .unwrap_or("/bin/sh")
            .to_string();
        let mut variables: Vec<&str> = PROXY_VARIABLES.to_vec();
        variables.extend(state.variables.iter().map(String::as_str));
        variables.sort_unstable();
        variables.dedup();
        let mut script = format!("#!{program}\n");
        for v in &variables {
            script.push_str(&format!("export {v}=1\n"));
        }
        script.push_str(text);
        self.scripts.push(Script {
            text: script,
            header_lines: 1 + variables.len(),
            shell: shell.clone(),
        });
    }
}

/// Codes hadolint never reports: ash is not supported (SC2187), and `source`d files cannot
/// be followed from a Dockerfile (SC1090, SC1091).
const EXCLUDED: &str = "SC2187,SC1090,SC1091";

/// Run one `shellcheck` process over every script of the file; returns each script's
/// comments (empty when ShellCheck could not be run).
fn run_batch(binary: &Path, scripts: &[Script]) -> Vec<Vec<Value>> {
    let mut out = vec![Vec::new(); scripts.len()];
    let Some(dir) = scratch_dir() else {
        return out;
    };
    let paths: Vec<PathBuf> = (0..scripts.len())
        .map(|i| dir.join(format!("run{i}.sh")))
        .collect();
    let written = scripts.iter().zip(&paths).all(|(s, p)| {
        std::fs::File::create(p)
            .and_then(|mut f| f.write_all(s.text.as_bytes()))
            .is_ok()
    });
    if written {
        let output = Process::new(binary)
            .args(["-f", "json1", "-S", "style", "-e", EXCLUDED])
            .args(&paths)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        if let Ok(output) = output {
            let json: Value = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
            let comments = json.get("comments").and_then(Value::as_array);
            for comment in comments.into_iter().flatten() {
                let file = comment.get("file").and_then(Value::as_str).unwrap_or("");
                if let Some(i) = paths.iter().position(|p| p.to_str() == Some(file)) {
                    out[i].push(comment.clone());
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// A fresh private directory under the system's temporary directory.
fn scratch_dir() -> Option<PathBuf> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("berth-shellcheck-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Report one ShellCheck comment at its place in the Dockerfile.
fn report(ctx: &mut LintContext, script: &Script, comment: &Value) {
    let number = |key: &str| comment.get(key).and_then(Value::as_u64).unwrap_or(0) as usize;
    let code = format!("SC{}", number("code"));
    let severity = match comment.get("level").and_then(Value::as_str) {
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some("info") => Severity::Info,
        _ => Severity::Style,
    };
    let message = comment.get("message").and_then(Value::as_str).unwrap_or("");
    let text = script.shell.script.text();
    let start = offset(text, number("line"), number("column"), script.header_lines);
    let end = offset(
        text,
        number("endLine"),
        number("endColumn"),
        script.header_lines,
    )
    .max(start);
    let span: Span = script.shell.span(berth_shell::Span::new(start, end));
    ctx.report_as(code, severity, span, message);
}

/// Byte offset in the RUN text of ShellCheck's 1-based line and character column in the
/// script (whose first `header` lines are the shebang and exports).
fn offset(text: &str, line: usize, column: usize, header: usize) -> usize {
    let Some(line) = line.checked_sub(header + 1) else {
        return 0;
    };
    let mut start = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i == line {
            let within = l
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(l.len(), |(b, _)| b);
            return start + within;
        }
        start += l.len() + 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_skip_the_header_and_count_characters() {
        let text = "echo é $b\nls";
        assert_eq!(offset(text, 3, 8, 2), "echo é ".len());
        assert_eq!(offset(text, 4, 1, 2), text.len() - 2);
        assert_eq!(offset(text, 1, 1, 2), 0);
    }

    #[test]
    fn findings_when_enabled_and_available() {
        let Some(_) = find_on_path("shellcheck") else {
            eprintln!("SKIPPED: shellcheck is not on PATH");
            return;
        };
        let settings = crate::Settings {
            shellcheck: true,
            ..Default::default()
        };
        let source = "FROM debian:12\nARG v\nRUN echo $v $x && cd /tmp\n";
        let result = crate::Linter::new(&settings).lint(source, "Dockerfile", None);
        let codes: Vec<_> = result
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect();
        assert!(codes.contains(&"SC2086".to_string()), "{codes:?}");
        assert!(codes.contains(&"SC2164".to_string()), "{codes:?}");
        // $v is a declared ARG: no SC2154 for it, but $x is unknown.
        let x = result
            .diagnostics
            .iter()
            .find(|d| d.code == "SC2154")
            .expect("SC2154");
        assert_eq!(&source[x.span.start..x.span.end], "$x");
        // Disabled: silent.
        let quiet =
            crate::Linter::new(&crate::Settings::default()).lint(source, "Dockerfile", None);
        assert!(quiet.diagnostics.iter().all(|d| !d.code.starts_with("SC")));
    }
}
