//! DL3042: Avoid use of cache directory with pip

use std::collections::HashMap;

use berth_syntax::Command;
use berth_syntax::Instruction;

use super::helpers::pip::is_pip_install;
use super::helpers::run_checks::{has_cache_mount, report_at};
use crate::context::LintContext;
use crate::rule::Rule;
use crate::shell::{run_of, shell_of};

const MESSAGE: &str =
    "Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags a RUN with a pip install (as DL3013 recognises it, but not pipx or pipenv) without
    /// `--no-cache-dir`, unless `ENV PIP_NO_CACHE_DIR` is set to a true value in the stage (or
    /// the stage it is built FROM), the RUN text itself sets `PIP_NO_CACHE_DIR=` to a true
    /// value, or a cache or tmpfs mount covers `.cache/pip`.
    ///
    /// ## Why is this bad?
    /// pip's download cache stays in the layer and makes the image larger for nothing.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install requests==2.32.3
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir requests==2.32.3
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the pip command inside the RUN.
    pub struct Dl3042 {
    main: PipCache,
    /// ONBUILD instructions are checked among themselves.
    onbuild: PipCache,
}
    meta {
        code: "DL3042",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Env, Run],
        summary: "Avoid use of cache directory with pip",
    }
}

const TRUTHY: &[&str] = &[
    "1", "true", "True", "TRUE", "on", "On", "ON", "yes", "Yes", "YES",
];

/// hadolint's state: the current stage (by alias, else image name; `None` before any
/// FROM) and which stages set `PIP_NO_CACHE_DIR`.
#[derive(Default)]
pub struct PipCache {
    started: bool,
    current: Option<String>,
    no_cache: HashMap<Option<String>, bool>,
}

impl Rule for Dl3042 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let state = if ctx.in_onbuild() {
            &mut self.onbuild
        } else {
            &mut self.main
        };
        match &instruction.command {
            Some(Command::From(from)) => {
                let image = berth_syntax::image::without_tag(&from.image).to_string();
                let key = Some(from.name.as_deref().unwrap_or(&image).to_string());
                if state.started {
                    let parent = state.no_cache.get(&Some(image)).copied().unwrap_or(false);
                    state.no_cache.insert(key.clone(), parent);
                }
                state.started = true;
                state.current = key;
            }
            Some(Command::Env(pairs)) => {
                let set = pairs.iter().find(|p| p.key == "PIP_NO_CACHE_DIR");
                if set.is_some_and(|p| TRUTHY.contains(&unquote(&p.value))) {
                    state.started = true;
                    state.no_cache.insert(state.current.clone(), true);
                }
            }
            _ if run_of(instruction).is_some() => {
                if state.started && state.no_cache.get(&state.current) == Some(&true) {
                    return;
                }
                state.check_run(instruction, ctx);
            }
            _ => {}
        }
    }
}

impl PipCache {
    fn check_run(&self, instruction: &Instruction, ctx: &mut LintContext) {
        let (Some(shell), Some(run)) = (shell_of(instruction, ctx), run_of(instruction)) else {
            return;
        };
        if set_in_text(shell.script.text()) || has_cache_mount(run, ".cache/pip") {
            return;
        }
        let spans: Vec<_> = shell
            .script
            .commands()
            .filter(|c| is_pip_install(c) && !c.has_arg("--no-cache-dir") && !is_wrapper(c))
            .map(|c| shell.command_span(c))
            .collect();
        if !spans.is_empty() {
            report_at(ctx, instruction, &spans, MESSAGE, "here too");
        }
    }
}

/// The RUN text's first `PIP_NO_CACHE_DIR=` is followed by something starting with a true
/// value (`=10` counts, as in hadolint).
fn set_in_text(text: &str) -> bool {
    let Some(at) = text.find("PIP_NO_CACHE_DIR=") else {
        return false;
    };
    let rest = &text[at..];
    let value = rest.find('=').map_or("", |eq| &rest[eq + 1..]);
    TRUTHY.iter().any(|t| value.starts_with(t))
}

fn is_wrapper(c: &berth_shell::Command) -> bool {
    let name = c.name().unwrap_or("");
    let args: Vec<&str> = c.arg_values().collect();
    ["pipx", "pipenv"].iter().any(|w| {
        name.contains(w) || (name.starts_with("python") && args.windows(2).any(|a| a == ["-m", *w]))
    })
}

fn unquote(value: &str) -> &str {
    let v = value.trim();
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3042,
            pass: [
                "FROM python:3.12\nRUN pip install --no-cache-dir x==1\n",
                "FROM python:3.12\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1\n",
                "FROM python:3.12\nRUN PIP_NO_CACHE_DIR=true pip install x==1\n",
                "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install x==1\n",
                "FROM python:3.12\nRUN pipx install x\n",
                "FROM python:3.12 AS base\nENV PIP_NO_CACHE_DIR=yes\nFROM base\nRUN pip install x==1\n"
            ],
            fail: [
                "FROM python:3.12\nRUN pip install x==1\n",
                "FROM python:3.12\nENV PIP_NO_CACHE_DIR=0\nRUN python -m pip install x==1\n",
                "FROM python:3.12\nONBUILD RUN pip3 install x==1\n"
            ],
        );
    }
}
