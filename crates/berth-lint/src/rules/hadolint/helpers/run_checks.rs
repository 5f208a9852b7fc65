//! The shapes of most DL rules that look inside `RUN`: judge each `RUN` on its own from
//! hadolint's reading of it ([`shell_of`]), and report one finding per `RUN` at the first
//! offending word or command, the others as labels.

use berth_shell::Word;
use berth_syntax::{Instruction, MountKind, Run, Span};

use crate::context::LintContext;
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::shell::{run_of, shell_of, RunShell};

/// True when the `RUN` has a cache or tmpfs mount whose target contains `fragment`
/// (hadolint exempts such RUNs from its cache-cleanup rules).
pub(crate) fn has_cache_mount(run: &Run, fragment: &str) -> bool {
    run.mounts.iter().any(|m| {
        matches!(m.kind, MountKind::Cache | MountKind::Tmpfs)
            && m.target.as_deref().is_some_and(|t| t.contains(fragment))
    })
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
