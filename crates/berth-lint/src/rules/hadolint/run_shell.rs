//! What the DL rules that look inside `RUN` share: the analysed text of a `RUN` (chosen
//! as hadolint chooses it), parsed once per instruction with berth-shell, with a map from
//! the parsed text back to the Dockerfile so findings point at the exact word.

use std::sync::Arc;

use berth_shell::run::{exec_form_text, shell_source, ShellSource};
use berth_shell::{Script, SourceMap, Word};
use berth_syntax::{Command, Instruction, MountKind, Run, Span};

use crate::context::LintContext;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};

/// A `RUN`'s analysed shell text, parsed.
pub(crate) struct RunShell {
    pub script: Script,
    map: SourceMap,
    /// The text came from an exec-form `RUN ["..."]`.
    pub exec_form: bool,
    /// Where the parsed text is written in the Dockerfile.
    at: Span,
}

impl RunShell {
    /// Whether this parse is exactly what [`parse_lenient_at`] would give for `text` written
    /// at `at`: the same shell-form text, read in full by the shell parser.
    pub fn reads_as(&self, text: &str, at: Span) -> bool {
        !self.exec_form && self.at == at && self.script.text() == text && self.script.fully_parsed()
    }

    /// Dockerfile span of a span of the parsed text.
    pub fn span(&self, span: berth_shell::Span) -> Span {
        let s = self.map.span(span);
        Span::new(s.start, s.end)
    }

    /// Dockerfile span of a word.
    pub fn word_span(&self, word: &Word) -> Span {
        self.span(word.span)
    }

    /// Dockerfile span of a command.
    pub fn command_span(&self, command: &berth_shell::Command) -> Span {
        self.span(command.span)
    }
}

/// The typed `RUN` of an instruction.
pub(crate) fn run_of(instruction: &Instruction) -> Option<&Run> {
    match &instruction.command {
        Some(Command::Run(run)) => Some(run),
        _ => None,
    }
}

/// True when the `RUN` has a cache or tmpfs mount whose target contains `fragment`
/// (hadolint exempts such RUNs from its cache-cleanup rules).
pub(crate) fn has_cache_mount(run: &Run, fragment: &str) -> bool {
    run.mounts.iter().any(|m| {
        matches!(m.kind, MountKind::Cache | MountKind::Tmpfs)
            && m.target.as_deref().is_some_and(|t| t.contains(fragment))
    })
}

/// The analysed shell text of a `RUN` (or of the `RUN` inside an `ONBUILD`), parsed once
/// per file and shared by the 30-odd rules that look inside it. `None` for other
/// instructions.
pub(crate) fn shell_of(instruction: &Instruction, ctx: &LintContext) -> Option<Arc<RunShell>> {
    run_of(instruction)?;
    Some(
        ctx.shared()
            .run_shell(instruction.span, || analyse(instruction, ctx.source())),
    )
}

/// Parse any shell text written at `span` of `source` (SHELL's arguments, for DL4006).
pub(crate) fn parse_at(text: &str, source: &str, span: Span) -> RunShell {
    // Like hadolint, a script the shell parser rejects (PowerShell, templates) has no
    // commands; the fallback tokenizer would find commands hadolint never sees.
    parse_text(Script::parse_strict(text), source, span)
}

/// Parse shell text written at `span` of `source`, reading what the shell parser rejects
/// with the fallback tokenizer (berth's own rules want every command they can find).
pub(crate) fn parse_lenient_at(text: &str, source: &str, span: Span) -> RunShell {
    parse_text(Script::parse(text), source, span)
}

fn parse_text(script: Script, source: &str, span: Span) -> RunShell {
    let written = source.get(span.start..span.end).unwrap_or("");
    RunShell {
        map: SourceMap::align(script.text(), written, span.start),
        script,
        exec_form: false,
        at: span,
    }
}

fn analyse(instruction: &Instruction, source: &str) -> RunShell {
    let args_span = match (instruction.args.first(), instruction.args.last()) {
        (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
        _ => Span::new(instruction.span.end, instruction.span.end),
    };
    let values: Vec<&str> = instruction.args.iter().map(|w| w.value.as_str()).collect();
    let line = exec_form_text(&values);
    if instruction.json {
        let mut shell = parse_at(&line, source, args_span);
        shell.exec_form = true;
        return shell;
    }
    let first_heredoc = instruction.heredocs.first();
    match shell_source(&line, first_heredoc.map(|h| h.content.as_str())) {
        ShellSource::Heredoc { body, start, end } => {
            let heredoc_span = first_heredoc.map_or(args_span, |h| h.span);
            let text = &body[start..end];
            let at = Span::new(heredoc_span.start, heredoc_span.end);
            parse_at(text, source, at)
        }
        ShellSource::CommandLine { start, end } => parse_at(&line[start..end], source, args_span),
    }
}

/// Report one finding for a `RUN`: at the first of `spans` (the offending words or
/// commands), with the others as labels; at the whole instruction when there is none.
pub(crate) fn report_at<'c>(
    ctx: &'c mut LintContext,
    instruction: &Instruction,
    spans: &[Span],
    message: &str,
    label: &str,
) -> &'c mut Diagnostic {
    let first = spans.first().copied().unwrap_or(instruction.span);
    let diagnostic = ctx.report(first, message);
    for span in spans.iter().skip(1) {
        diagnostic.label(*span, label);
    }
    diagnostic
}

/// For the rules that judge each `RUN` on its own: `offending` returns the spans of what
/// is wrong (empty when the `RUN` is fine); one finding is reported per `RUN`, as hadolint
/// does, at the first of them. Returns that finding, for a fix to be attached.
pub(crate) fn check_run<'c>(
    instruction: &Instruction,
    ctx: &'c mut LintContext,
    message: &str,
    label: &str,
    offending: impl FnOnce(&RunShell, &Run) -> Vec<Span>,
) -> Option<&'c mut Diagnostic> {
    let (Some(shell), Some(run)) = (shell_of(instruction, ctx), run_of(instruction)) else {
        return None;
    };
    let spans = offending(&shell, run);
    if spans.is_empty() {
        return None;
    }
    Some(report_at(ctx, instruction, &spans, message, label))
}

/// Spans of the name words of the commands `select` picks.
pub(crate) fn command_names_where(
    shell: &RunShell,
    mut select: impl FnMut(&berth_shell::Command) -> bool,
) -> Vec<Span> {
    shell
        .script
        .commands()
        .filter(|c| select(c))
        .filter_map(|c| c.name_word().map(|w| shell.word_span(w)))
        .collect()
}

/// Spans of the package arguments `is_unpinned` rejects, over the commands `packages`
/// lists them for.
pub(crate) fn unpinned_words<'s>(
    shell: &'s RunShell,
    packages: impl Fn(&'s berth_shell::Command) -> Vec<Word>,
    is_unpinned: impl Fn(&str) -> bool,
) -> Vec<Span> {
    shell
        .script
        .commands()
        .flat_map(packages)
        .filter(|w| is_unpinned(&w.value))
        .map(|w| shell.word_span(&w))
        .collect()
}

/// For the version-pinning rules (DL3008, DL3013, ...): one finding per `RUN` at the
/// first package argument `is_unpinned` rejects, the other unpinned ones as labels.
pub(crate) fn check_pinned_packages(
    instruction: &Instruction,
    ctx: &mut LintContext,
    message: &str,
    packages: impl Fn(&berth_shell::Command) -> Vec<Word>,
    is_unpinned: impl Fn(&str) -> bool,
) {
    check_run(
        instruction,
        ctx,
        message,
        "not pinned either",
        |shell, _| unpinned_words(shell, packages, is_unpinned),
    );
}

/// hadolint's stage facts for rules that report at the end only for RUNs of the final
/// stage or of a stage used as a later base image (DL3009, DL3060): true when a `RUN` in
/// the stage starting at FROM instruction `from` (`None`: before any FROM) is reported.
pub(crate) fn reported_at_end(ctx: &LintContext, from: Option<usize>) -> bool {
    let instructions = ctx.instructions();
    let froms: Vec<&berth_syntax::From> = instructions
        .iter()
        .filter_map(|i| match &i.command {
            Some(Command::From(f)) => Some(&**f),
            _ => None,
        })
        .collect();
    let this = from.and_then(|i| match &instructions.get(i)?.command {
        Some(Command::From(f)) => Some(f),
        _ => None,
    });
    match (this, froms.last()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(this), Some(last)) => {
            // hadolint compares the parsed FROMs, so an identical earlier FROM counts too.
            let same = this.image == last.image
                && this.platform == last.platform
                && this.name == last.name;
            let used_as_base = this
                .name
                .as_deref()
                .is_some_and(|alias| froms.iter().any(|f| image_name(&f.image) == alias));
            same || used_as_base
        }
    }
}

/// An image reference without its tag and digest (`node:20@sha256:..` is `node`).
pub(crate) fn image_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rfind(':') {
        Some(colon) if !no_digest[colon..].contains('/') => &no_digest[..colon],
        _ => no_digest,
    }
}

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
        let name = image_name(&from.image);
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

/// For rules that flag commands: one finding per `RUN`, at the first command `offends`
/// picks, unless a cache or tmpfs mount covers one of `mount_exemptions`.
pub(crate) fn check_commands(
    instruction: &Instruction,
    ctx: &mut LintContext,
    message: &str,
    mount_exemptions: &[&str],
    offends: impl Fn(&berth_shell::Command) -> bool,
) {
    fn no_fix(_: &berth_shell::Command) -> Option<(&Word, &'static str)> {
        None
    }
    check_commands_fixing(instruction, ctx, message, mount_exemptions, offends, no_fix);
}

/// [`check_commands`], with a fix: `insert` names, for an offending command, the word
/// after which a text goes and that text (`("install", " -y")`). The fix is unsafe (the
/// command then does something else) and offered only when every offending command can
/// take its insertion where it is written.
pub(crate) fn check_commands_fixing(
    instruction: &Instruction,
    ctx: &mut LintContext,
    message: &str,
    mount_exemptions: &[&str],
    offends: impl Fn(&berth_shell::Command) -> bool,
    insert: impl Fn(&berth_shell::Command) -> Option<(&Word, &'static str)>,
) {
    let source = ctx.source();
    let mut edits: Option<Vec<Edit>> = None;
    let finding = check_run(instruction, ctx, message, "here too", |shell, run| {
        if mount_exemptions.iter().any(|m| has_cache_mount(run, m)) {
            return Vec::new();
        }
        let offending: Vec<_> = shell.script.commands().filter(|c| offends(c)).collect();
        edits = offending
            .iter()
            .map(|c| {
                let (word, text) = insert(c)?;
                let at = shell.word_span(word);
                // Only where the word is written as the shell read it (no quotes, escapes
                // or line breaks in it), so the insertion lands right after it.
                (source.get(at.start..at.end) == Some(word.value.as_str())).then(|| Edit {
                    span: Span::new(at.end, at.end),
                    replacement: text.to_string(),
                })
            })
            .collect();
        offending.iter().map(|c| shell.command_span(c)).collect()
    });
    if let (Some(finding), Some(edits)) = (finding, edits) {
        let what = edits[0].replacement.trim().to_string();
        finding.fix(Fix {
            message: format!("Add `{what}`"),
            edits,
            applicability: Applicability::Unsafe,
        });
    }
}

/// For rules that flag commands by name (`sudo`, `cd`, ...): one finding per `RUN`, at the
/// first such command's name.
pub(crate) fn check_command_names(
    instruction: &Instruction,
    ctx: &mut LintContext,
    message: &str,
    names: &[&str],
) {
    check_run(instruction, ctx, message, "here too", |shell, _| {
        command_names_where(shell, |c| c.name().is_some_and(|n| names.contains(&n)))
    });
}

/// A command test.
pub(crate) type Predicate = fn(&berth_shell::Command) -> bool;

/// For the cache clean-up rules (DL3032, DL3036, DL3040): each `(installs, cleans)` pair
/// needs its first clean-up after its first install; one finding per `RUN`, at the
/// install, unless a cache or tmpfs mount covers one of `mount_exemptions`.
pub(crate) fn check_cleanup(
    instruction: &Instruction,
    ctx: &mut LintContext,
    message: &str,
    mount_exemptions: &[&str],
    checks: &[(Predicate, Predicate)],
) {
    check_run(
        instruction,
        ctx,
        message,
        "installs here too",
        |shell, run| {
            if mount_exemptions.iter().any(|m| has_cache_mount(run, m)) {
                return Vec::new();
            }
            let script = &shell.script;
            checks
                .iter()
                .filter_map(|(installs, cleans)| {
                    let install = script.find_command_index(installs)?;
                    match script.find_command_index(cleans) {
                        Some(clean) if install < clean => None,
                        _ => script
                            .commands()
                            .nth(install)
                            .map(|c| shell.command_span(c)),
                    }
                })
                .collect()
        },
    );
}

/// DL3009 and DL3060: RUNs remembered during the file and reported at the end only when
/// their stage is the final one or a later FROM's base (ONBUILD ones always).
#[derive(Default)]
pub(crate) struct FinalStageFindings {
    /// Index of the current stage's FROM.
    from: Option<usize>,
    pending: Vec<(Span, Option<usize>)>,
    onbuild: Vec<Span>,
}

impl FinalStageFindings {
    /// Feed an instruction: a FROM is noted; a `RUN` is returned parsed, with its flags.
    pub fn instruction<'i>(
        &mut self,
        instruction: &'i Instruction,
        ctx: &LintContext,
    ) -> Option<(Arc<RunShell>, &'i Run)> {
        let Some(run) = run_of(instruction) else {
            if !ctx.in_onbuild() {
                self.from = ctx.index();
            }
            return None;
        };
        Some((shell_of(instruction, ctx)?, run))
    }

    /// Remember a finding at `span` of the current instruction.
    pub fn push(&mut self, ctx: &LintContext, span: Span) {
        if ctx.in_onbuild() {
            self.onbuild.push(span);
        } else {
            self.pending.push((span, self.from));
        }
    }

    /// Report the findings that survive the stage filter.
    pub fn finish(&self, ctx: &mut LintContext, message: &str) {
        let kept: Vec<Span> = self
            .pending
            .iter()
            .filter(|(_, from)| reported_at_end(ctx, *from))
            .map(|(span, _)| *span)
            .chain(self.onbuild.iter().copied())
            .collect();
        for span in kept {
            ctx.report(span, message);
        }
    }
}
