//! DL3033 (yum) and DL3041 (dnf): whether the packages a `RUN` installs are pinned, with the
//! ENV and ARG variables a version may come from tracked per stage as hadolint tracks them.

use berth_syntax::image::without_tag;
use berth_syntax::{Command, Instruction};

use super::run_checks::report_at;
use crate::context::LintContext;
use crate::shell::shell_of;

/// DL3033 (yum) and DL3041 (dnf): the variables a package version may come from, tracked
/// as hadolint tracks them (ENV per stage, inherited by `FROM <stage>`; ARG for the rest of
/// the file), and the check of each RUN's install commands.
#[derive(Default)]
pub(crate) struct RpmPins {
    started: bool,
    stage: usize,
    /// Stage number → its alias (`""` when unnamed).
    aliases: Vec<(usize, String)>,
    /// Stage number → ENV keys set in it.
    envs: std::collections::HashMap<usize, Vec<String>>,
    args: Vec<String>,
}

impl RpmPins {
    /// Feed one instruction. `tools` are the package managers (`yum`; `dnf`, `microdnf`);
    /// commands with one of `skip` as an argument (`module`, `group`) list no packages.
    pub fn observe(
        &mut self,
        instruction: &Instruction,
        ctx: &mut LintContext,
        tools: &[&str],
        skip: &[&str],
        message: &str,
    ) {
        match &instruction.command {
            Some(Command::Env(pairs)) => {
                self.start(0, "");
                let keys = pairs.iter().map(|p| p.key.to_string());
                if let Some(set) = self.envs.get_mut(&self.stage) {
                    set.extend(keys);
                }
            }
            Some(Command::Arg(decls)) => {
                self.start(0, "");
                self.args.extend(decls.first().map(|d| d.name.to_string()));
            }
            Some(Command::From(from)) => self.from(from),
            Some(Command::Run(_)) => self.check_run(instruction, ctx, tools, skip, message),
            _ => {}
        }
    }

    fn start(&mut self, stage: usize, alias: &str) {
        if !self.started {
            self.started = true;
            self.stage = stage;
            self.aliases = vec![(stage, alias.to_string())];
            self.envs.insert(stage, Vec::new());
        }
    }

    fn from(&mut self, from: &berth_syntax::From) {
        let alias = from.name.clone().unwrap_or_default();
        if !self.started {
            self.start(1, &alias);
            return;
        }
        let new = self.stage + 1;
        let name = without_tag(&from.image);
        let parent = self
            .aliases
            .iter()
            .filter(|(_, a)| a == name)
            .map(|(i, _)| *i)
            .min()
            .unwrap_or(new);
        let inherited = self.envs.get(&parent).cloned().unwrap_or_default();
        self.aliases.retain(|(i, _)| *i != new);
        self.aliases.push((new, alias.to_string()));
        self.envs.insert(new, inherited);
        self.stage = new;
    }

    fn defined(&self, package: &str) -> bool {
        let used = |v: &String| package.contains(&format!("${{{v}}}"));
        self.started
            && (self
                .envs
                .get(&self.stage)
                .is_some_and(|e| e.iter().any(used))
                || self.args.iter().any(used))
    }

    fn pinned(&self, package: &str) -> bool {
        let parts: Vec<&str> = package.split('-').collect();
        if parts.len() <= 1 {
            return false;
        }
        if package.ends_with(".rpm") {
            return true;
        }
        if package.contains('$') {
            return self.defined(package);
        }
        let version_char = |c: char| c.is_ascii_alphanumeric() || ".~^_:+".contains(c);
        let rest = &parts[1..];
        rest.iter().all(|p| p.chars().all(version_char))
            && rest
                .iter()
                .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
    }

    fn check_run(
        &self,
        instruction: &Instruction,
        ctx: &mut LintContext,
        tools: &[&str],
        skip: &[&str],
        message: &str,
    ) {
        let Some(shell) = shell_of(instruction, ctx) else {
            return;
        };
        let installs = |c: &&berth_shell::Command| {
            c.name().is_some_and(|n| tools.contains(&n)) && c.has_arg("install")
        };
        let mut spans = Vec::new();
        for c in shell.script.commands().filter(installs) {
            let modules = c.has_arg("module");
            let listed = c
                .args_no_flags()
                .filter(|w| w.value != "install" && w.value != "module");
            for w in listed {
                let bad = if modules {
                    !w.value.contains(':')
                } else {
                    !c.has_any_arg(skip) && !self.pinned(&w.value)
                };
                if bad {
                    spans.push(shell.word_span(w));
                }
            }
        }
        if !spans.is_empty() {
            report_at(ctx, instruction, &spans, message, "not pinned either");
        }
    }
}
