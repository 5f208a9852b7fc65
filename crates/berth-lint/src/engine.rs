//! The rule engine: parse once, run the enabled rules over the instructions (each rule only
//! sees the instructions whose keywords it declared), then apply pragmas, per-file ignores,
//! severity overrides and BuildKit's `# check=` configuration, and sort. A rule that panics
//! is caught for its file (see [`crate::guard`]).

use std::borrow::Cow;
use std::cell::Cell;

use berth_syntax::{Dockerfile, Instruction, Keyword, Span};
use globset::{Glob, GlobMatcher};

use crate::context::{FileFacts, LintContext, StageInfo};
use crate::diagnostic::{Diagnostic, Severity};
use crate::evidence::BuildContext;
use crate::guard;
use crate::meta::{Family, KeywordSet, Meta};
use crate::pragma::{self, Pragma, PragmaKind, Suppressions};
use crate::registry;
use crate::rule::RuleEntry;
use crate::rules;
use crate::same_problem;
use crate::settings::{CheckConfig, Settings};

/// The result of linting one file.
#[derive(Debug)]
pub struct LintResult {
    /// The parsed file (its `line_index` renders the spans).
    pub dockerfile: Dockerfile,
    /// Findings, sorted by position then code.
    pub diagnostics: Vec<Diagnostic>,
}

impl LintResult {
    /// True when BuildKit would reject the file (there is at least one DL1000 finding).
    pub fn rejected(&self) -> bool {
        !self.dockerfile.errors.is_empty() || self.diagnostics.iter().any(|d| d.code == "DL1000")
    }

    /// The internal-error finding (BR000) when berth failed on this file (a rule panicked):
    /// its findings are incomplete, and a command line exits 2.
    pub fn internal_error(&self) -> Option<&Diagnostic> {
        self.diagnostics
            .iter()
            .find(|d| d.code == rules::meta::BR000.code)
    }
}

/// Lints one Dockerfile's text with `settings`.
///
/// ```
/// use berth_lint::{lint, Settings};
/// let result = lint("FROM alpine\nADD https://example.com/tool.tgz /opt/\n", &Settings::default());
/// let codes: Vec<&str> = result.diagnostics.iter().map(|d| d.code.as_ref()).collect();
/// assert!(codes.contains(&"BR104"), "{codes:?}");
/// ```
pub fn lint(source: &str, settings: &Settings) -> LintResult {
    Linter::new(settings).lint(source, "Dockerfile", None)
}

/// A reusable linter: the enabled rule set and compiled per-file globs, built once per run.
///
/// ```
/// use berth_lint::{Linter, Settings};
/// let mut settings = Settings::default();
/// settings.ignore.push("BR104".into());
/// let linter = Linter::new(&settings);
/// let result = linter.lint("FROM alpine\nADD https://example.com/t.tgz /opt/\n", "Dockerfile", None);
/// assert!(result.diagnostics.iter().all(|d| d.code != "BR104"));
/// ```
pub struct Linter<'s> {
    settings: &'s Settings,
    enabled: Vec<&'static RuleEntry>,
    per_file: Vec<(GlobMatcher, Vec<String>)>,
}

impl<'s> Linter<'s> {
    /// The linter for `settings` with every registered rule the settings enable.
    pub fn new(settings: &'s Settings) -> Self {
        let enabled = registry::all()
            .filter(|entry| settings.enables(entry.meta))
            .collect();
        Self::with_rules(settings, enabled)
    }

    /// A linter running exactly `rules` (used by the rule tests).
    pub fn with_rules(settings: &'s Settings, rules: Vec<&'static RuleEntry>) -> Self {
        let per_file = settings
            .per_file_ignores
            .iter()
            .filter_map(|(glob, codes)| {
                let matcher = Glob::new(glob).ok()?.compile_matcher();
                Some((matcher, codes.clone()))
            })
            .collect();
        Linter {
            settings,
            enabled: rules,
            per_file,
        }
    }

    /// Parses and lints `source`, reported as `path`, with optional build-context evidence.
    pub fn lint(&self, source: &str, path: &str, context: Option<&BuildContext>) -> LintResult {
        let dockerfile = berth_syntax::parse(source);
        let diagnostics = self.lint_parsed(&dockerfile, path, context);
        LintResult {
            dockerfile,
            diagnostics,
        }
    }

    /// Lints an already parsed file.
    ///
    /// A rule that panics does not take the caller down: the file's findings are then one
    /// internal-error finding (BR000) naming the rule and the panic, and nothing else (the
    /// run was cut short). [`quiet_rule_panics`](crate::quiet_rule_panics) keeps the
    /// panic's own message off standard error.
    pub fn lint_parsed(
        &self,
        dockerfile: &Dockerfile,
        path: &str,
        context: Option<&BuildContext>,
    ) -> Vec<Diagnostic> {
        let running = Cell::new(None);
        guard::catch(|| self.lint_unguarded(dockerfile, path, context, &running))
            .unwrap_or_else(|panic| vec![internal_error(dockerfile, running.get(), panic)])
    }

    /// [`Linter::lint_parsed`] without the guard; `running` is kept up to date with the
    /// rule being called and the index of the instruction it looks at.
    fn lint_unguarded(
        &self,
        dockerfile: &Dockerfile,
        path: &str,
        context: Option<&BuildContext>,
        running: &Running,
    ) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        let (pragmas, mut pragma_findings) = collect_pragmas(dockerfile);
        let facts = FileFacts {
            dockerfile,
            path,
            settings: self.settings,
            stage_of: stage_of(dockerfile),
            stages: stages(dockerfile, &pragmas),
            pragmas,
            build_context: context,
            shared: Default::default(),
        };
        let checks = self.check_config(dockerfile, &mut diagnostics);
        let mut active: Vec<&'static RuleEntry> = self
            .enabled
            .iter()
            .copied()
            .filter(|e| !is_build_check(e.meta) || !checks.skips(e.meta.code))
            .collect();
        // BuildKit's experimental checks (off by default) run when `experimental=` names them.
        let experimental: Vec<&'static RuleEntry> = registry::all()
            .filter(|e| {
                e.meta.family == Family::BuildKit
                    && !e.meta.default_enabled
                    && checks.runs_experimental(e.meta.code)
                    && !self.settings.drops_code(e.meta.code)
                    && !active.iter().any(|a| a.meta.code == e.meta.code)
            })
            .collect();
        active.extend(experimental);
        run_rules(&facts, &active, &mut diagnostics, running);
        running.set(None);

        let suppressions = (!self.settings.disable_ignore_pragma).then(|| {
            let from_lines: Vec<usize> = facts
                .stages
                .iter()
                .map(|s| dockerfile.instructions[s.from].start_line)
                .collect();
            Suppressions::new(&facts.pragmas, &from_lines)
        });
        let file_ignores: Vec<&String> = self
            .per_file
            .iter()
            .filter(|(glob, _)| glob.is_match(path))
            .flat_map(|(_, codes)| codes)
            .collect();
        let is_buildkit = |code: &str| registry::find(code).is_some_and(|e| is_build_check(e.meta));

        diagnostics.append(&mut pragma_findings);
        diagnostics.extend(syntax_findings(dockerfile));
        let mut kept = Vec::with_capacity(diagnostics.len());
        // Findings the file or the configuration silenced by code: the same problem under the
        // other family's code is silenced with them (one problem, one finding).
        let mut silenced: Vec<(usize, Cow<'static, str>)> = Vec::new();
        for mut d in diagnostics {
            let anchor = anchor_instruction(dockerfile, d.span.start);
            let anchor_line = anchor
                .map(|i| dockerfile.instructions[i].start_line)
                .unwrap_or_else(|| dockerfile.line_index.line_col(d.span.start).0);
            if suppressions
                .as_ref()
                .is_some_and(|s| s.ignores(anchor_line, &d.code))
            {
                silenced.push((anchor_line, d.code));
                continue;
            }
            if file_ignores
                .iter()
                .any(|p| crate::settings::pattern_specificity(p, &d.code).is_some())
            {
                silenced.push((anchor_line, d.code));
                continue;
            }
            if self.settings.drops_code(&d.code) {
                continue;
            }
            if is_buildkit(&d.code) {
                let skipped_here = anchor.is_some_and(|i| {
                    instruction_check(&dockerfile.instructions[i]).is_some_and(|c| c.skips(&d.code))
                });
                if skipped_here {
                    continue;
                }
                if checks.error {
                    d.severity = Severity::Error;
                }
            }
            match self.settings.level_of(&d.code, d.severity, true) {
                Some(severity) => d.severity = severity,
                None => continue,
            }
            let line_of = |offset: usize| {
                anchor_instruction(dockerfile, offset)
                    .map(|i| dockerfile.instructions[i].start_line)
                    .unwrap_or_else(|| dockerfile.line_index.line_col(offset).0)
            };
            let mut lines = vec![anchor_line];
            lines.extend(d.labels.iter().map(|l| line_of(l.span.start)));
            kept.push((lines, d));
        }
        kept.retain(|(lines, d)| {
            !same_problem::partners(&d.code).any(|partner| {
                silenced
                    .iter()
                    .any(|(l, code)| lines.contains(l) && code == partner)
            })
        });
        let hadolint_in_play = facts
            .pragmas
            .iter()
            .any(|p| p.tool == crate::pragma::Tool::Hadolint);
        let buildkit_in_play = self.settings.buildkit_check.is_some()
            || dockerfile.directives.iter().any(|d| d.name == "check");
        let keep = self
            .settings
            .prefer_family
            .unwrap_or_else(|| same_problem::preference(hadolint_in_play, buildkit_in_play));
        let mut kept: Vec<Diagnostic> = same_problem::merge(kept, keep, &dockerfile.source)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        if checks.error && !self.settings.drops_code(rules::buildkit::BUILD_ERROR) {
            // `error=true`: once its checks ran, BuildKit fails the build naming the checks
            // that fired (in Go map order; berth names them in order of appearance).
            let mut fired: Vec<&str> = Vec::new();
            for d in &kept {
                if is_buildkit(&d.code) && !fired.contains(&d.code.as_ref()) {
                    fired.push(&d.code);
                }
            }
            if !fired.is_empty() {
                let message = format!("lint violation found for rules: {}", fired.join(", "));
                let span = dockerfile
                    .directives
                    .iter()
                    .find(|d| d.name == "check")
                    .map_or(Span::new(0, 0), |d| d.value_span);
                kept.push(Diagnostic::new(
                    rules::buildkit::BUILD_ERROR,
                    Severity::Error,
                    span,
                    message,
                ));
            }
        }
        let index = &dockerfile.line_index;
        kept.sort_by(|a, b| {
            (index.line_col(a.span.start), a.span.end, &a.code).cmp(&(
                index.line_col(b.span.start),
                b.span.end,
                &b.code,
            ))
        });
        kept.dedup();
        kept
    }

    /// The file's `# check=` directive, replaced by the settings' `BUILDKIT_DOCKERFILE_CHECK`.
    /// A malformed directive fails the build in BuildKit, so it is a DL1000 finding.
    fn check_config(&self, dockerfile: &Dockerfile, out: &mut Vec<Diagnostic>) -> CheckConfig {
        if let Some(config) = &self.settings.buildkit_check {
            return config.clone();
        }
        let Some(directive) = dockerfile.directives.iter().find(|d| d.name == "check") else {
            return CheckConfig::default();
        };
        let value = directive.value.split(' ').next().unwrap_or("");
        match CheckConfig::parse(value) {
            Ok(config) => config,
            Err(message) => {
                out.push(Diagnostic::new(
                    rules::meta::DL1000.code,
                    Severity::Error,
                    directive.value_span,
                    format!("failed to parse check options: {message}"),
                ));
                CheckConfig::default()
            }
        }
    }
}

/// Whether `# check=` (skip lists, `error=true`) applies to the rule: BuildKit's build
/// checks do; its build errors (BuildError, BuildArgRequired) and berth's other rules do not.
fn is_build_check(meta: &Meta) -> bool {
    meta.family == Family::BuildKit && !rules::buildkit::BUILD_ERRORS.contains(&meta.code)
}

/// A `# check=...` comment right above an instruction (BuildKit merges its skip list for that
/// instruction only).
fn instruction_check(instruction: &Instruction) -> Option<CheckConfig> {
    instruction.prev_comment.iter().find_map(|c| {
        let rest = c.trim().strip_prefix('#').unwrap_or(c.trim()).trim_start();
        let rest = rest.strip_prefix("check")?.trim_start().strip_prefix('=')?;
        CheckConfig::parse(rest.trim().split(' ').next().unwrap_or("")).ok()
    })
}

/// The rule being called, with the index of the instruction it looks at (`None` in
/// `finish`); `None` outside the rules.
type Running = Cell<Option<(&'static str, Option<usize>)>>;

/// The finding that replaces a file's findings when berth panicked on it.
fn internal_error(
    dockerfile: &Dockerfile,
    running: Option<(&'static str, Option<usize>)>,
    panic: guard::Panic,
) -> Diagnostic {
    let at = running
        .and_then(|(_, index)| dockerfile.instructions.get(index?))
        .map_or(Span::new(0, 0), |i| i.keyword_span);
    let who = match running {
        Some((code, _)) => format!("rule {code} panicked"),
        None => "the linter panicked".to_string(),
    };
    let location = panic
        .location
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    Diagnostic::new(
        rules::meta::BR000.code,
        rules::meta::BR000.severity,
        at,
        format!(
            "internal error: {who}{location}: {}; no other finding is reported for this file",
            panic.message
        ),
    )
    .with_help("this is a bug in berth: please report it with this Dockerfile")
}

/// Calls every active rule on the instructions whose keywords it declared, then `finish`.
fn run_rules(
    facts: &FileFacts,
    active: &[&'static RuleEntry],
    out: &mut Vec<Diagnostic>,
    running: &Running,
) {
    // The rules to call for each keyword, by the keyword's slot in a `KeywordSet`.
    let mut by_keyword: [Vec<usize>; KeywordSet::SLOTS] = Default::default();
    for (r, entry) in active.iter().enumerate() {
        for (slot, rules) in by_keyword.iter_mut().enumerate() {
            if entry.meta.kinds.contains_slot(slot) {
                rules.push(r);
            }
        }
    }
    let mut instances: Vec<_> = active.iter().map(|e| (e.new)()).collect();
    fn ctx<'a>(
        facts: &'a FileFacts<'a>,
        meta: &'static Meta,
        index: Option<usize>,
        in_onbuild: bool,
        diagnostics: &'a mut Vec<Diagnostic>,
    ) -> LintContext<'a> {
        LintContext {
            facts,
            meta,
            index,
            in_onbuild,
            diagnostics,
        }
    }
    for (i, instruction) in facts.dockerfile.instructions.iter().enumerate() {
        for &r in &by_keyword[KeywordSet::slot(&instruction.keyword)] {
            running.set(Some((active[r].meta.code, Some(i))));
            let mut c = ctx(facts, active[r].meta, Some(i), false, out);
            instances[r].check(instruction, &mut c);
        }
        if let Some(inner) = instruction.onbuild.as_deref() {
            for &r in &by_keyword[KeywordSet::slot(&inner.keyword)] {
                running.set(Some((active[r].meta.code, Some(i))));
                let mut c = ctx(facts, active[r].meta, Some(i), true, out);
                instances[r].check(inner, &mut c);
            }
        }
    }
    for (r, instance) in instances.iter_mut().enumerate() {
        running.set(Some((active[r].meta.code, None)));
        let mut c = ctx(facts, active[r].meta, None, false, out);
        instance.finish(&mut c);
    }
}

/// Index of the instruction whose span contains `offset`.
fn anchor_instruction(dockerfile: &Dockerfile, offset: usize) -> Option<usize> {
    let instructions = &dockerfile.instructions;
    let i = instructions
        .partition_point(|ins| ins.span.start <= offset)
        .checked_sub(1)?;
    (offset <= instructions[i].span.end).then_some(i)
}

fn stage_of(dockerfile: &Dockerfile) -> Vec<Option<usize>> {
    let mut current = None;
    let mut next = 0;
    dockerfile
        .instructions
        .iter()
        .map(|ins| {
            if ins.keyword == Keyword::From {
                current = Some(next);
                next += 1;
            }
            current
        })
        .collect()
}

fn stages(dockerfile: &Dockerfile, pragmas: &[Pragma]) -> Vec<StageInfo> {
    let shell_pragmas: Vec<(usize, &str)> = pragmas
        .iter()
        .filter_map(|p| match &p.kind {
            PragmaKind::Shell(name) => Some((p.line, name.as_str())),
            _ => None,
        })
        .collect();
    // hadolint: a shell pragma before any ARG/ENV/SHELL/FROM is the default for every stage;
    // one between an ARG and the first FROM is lost.
    let first_relevant = dockerfile
        .instructions
        .iter()
        .find(|i| {
            matches!(
                i.keyword,
                Keyword::Arg | Keyword::Env | Keyword::Shell | Keyword::From
            )
        })
        .map_or(usize::MAX, |i| i.start_line);
    let default_shell = shell_pragmas
        .iter()
        .rev()
        .find(|(line, _)| *line < first_relevant)
        .map(|(_, s)| s.to_string());

    let mut out: Vec<StageInfo> = Vec::new();
    let syntax_stages = dockerfile.stages();
    for (n, stage) in syntax_stages.iter().enumerate() {
        let from = &dockerfile.instructions[stage.from];
        let (image, image_span) = match &from.command {
            Some(berth_syntax::Command::From(f)) => (f.image.clone(), f.image_span),
            _ => from
                .args
                .first()
                .map(|w| (w.value.clone(), w.span))
                .unwrap_or_default(),
        };
        let parent = out.iter().position(|s: &StageInfo| {
            s.name
                .as_deref()
                .is_some_and(|name| name.eq_ignore_ascii_case(&image))
        });
        let start_line = from.start_line;
        let end_line = syntax_stages.get(n + 1).map_or(usize::MAX, |next| {
            dockerfile.instructions[next.from].start_line
        });
        let own_shell = shell_pragmas
            .iter()
            .rev()
            .find(|(line, _)| *line > start_line && *line < end_line)
            .map(|(_, s)| s.to_string());
        let shell_pragma = own_shell
            .or_else(|| parent.and_then(|p| out[p].shell_pragma.clone()))
            .or_else(|| default_shell.clone());
        out.push(StageInfo {
            index: stage.index,
            name: stage.name.as_deref().map(str::to_string),
            image: image.to_string(),
            image_span,
            from: stage.from,
            instructions: stage.instructions.clone(),
            parent,
            shell_pragma,
        });
    }
    out
}

/// Pragmas from the file's standalone comments, plus BR001/BR002 findings for the bad ones.
fn collect_pragmas(dockerfile: &Dockerfile) -> (Vec<Pragma>, Vec<Diagnostic>) {
    let mut pragmas = Vec::new();
    let mut findings = Vec::new();
    for comment in dockerfile.comments.iter().filter(|c| !c.in_continuation) {
        let Some(parsed) = pragma::parse_comment(&comment.text) else {
            continue;
        };
        let line = dockerfile.line_index.line_col(comment.span.start).0;
        match parsed {
            Ok((tool, kind)) => {
                if let PragmaKind::Ignore { codes, .. } = &kind {
                    match check_codes(codes) {
                        CodeCheck::Ok => {}
                        CodeCheck::WrongCase(code, right) => {
                            findings.push(
                                Diagnostic::new(
                                    rules::meta::BR001.code,
                                    rules::meta::BR001.severity,
                                    comment.span,
                                    format!("Malformed pragma: rule codes are case-sensitive, `{code}` is not a code; the pragma is ignored"),
                                )
                                .with_help(format!("write `{right}`")),
                            );
                            continue;
                        }
                        CodeCheck::Unknown(unknown) => findings.push(
                            Diagnostic::new(
                                rules::meta::BR002.code,
                                rules::meta::BR002.severity,
                                comment.span,
                                format!(
                                    "Unknown rule code{} {} in pragma",
                                    if unknown.len() > 1 { "s" } else { "" },
                                    unknown
                                        .iter()
                                        .map(|c| format!("`{c}`"))
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            )
                            .with_help("`berth rule` lists every rule code"),
                        ),
                    }
                }
                pragmas.push(Pragma {
                    tool,
                    kind,
                    line,
                    span: comment.span,
                });
            }
            Err(error) => {
                let mut d = Diagnostic::new(
                    rules::meta::BR001.code,
                    rules::meta::BR001.severity,
                    comment.span,
                    format!("Malformed pragma: {}; the pragma is ignored", error.message),
                );
                d.help = error.help;
                findings.push(d);
            }
        }
    }
    (pragmas, findings)
}

enum CodeCheck {
    Ok,
    WrongCase(String, &'static str),
    Unknown(Vec<String>),
}

fn check_codes(codes: &[String]) -> CodeCheck {
    let mut unknown = Vec::new();
    for code in codes {
        if registry::is_known_code(code) {
            continue;
        }
        if let Some(entry) = registry::find_ignore_case(code) {
            return CodeCheck::WrongCase(code.clone(), entry.meta.code);
        }
        unknown.push(code.clone());
    }
    if unknown.is_empty() {
        CodeCheck::Ok
    } else {
        CodeCheck::Unknown(unknown)
    }
}

/// DL1000 findings for what BuildKit rejects: the parser's first error (BuildKit stops there)
/// DL1000 findings for what BuildKit rejects: the parser's first error (BuildKit stops there)
/// and every instructions-layer error, in BuildKit's words: its instructions layer prefixes
/// the errors of one instruction with `dockerfile parse error on line N:`, and an empty file
/// is `the Dockerfile cannot be empty`. "No build stage" is one problem however many
/// instructions precede the first FROM: it is reported once, at the first of them (BuildKit
/// stops there too).
fn syntax_findings(dockerfile: &Dockerfile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut parser_error_seen = false;
    let mut no_stage_seen = false;
    for error in &dockerfile.errors {
        if error.is_parser_error() {
            if parser_error_seen {
                continue;
            }
            parser_error_seen = true;
        }
        if error.code == berth_syntax::ErrorCode::NoBuildStage {
            if no_stage_seen {
                continue;
            }
            no_stage_seen = true;
        }
        let message = if dockerfile.source.is_empty() {
            "the Dockerfile cannot be empty".to_string()
        } else if error.code.is_instruction_error() {
            let line = error
                .instruction
                .map(|i| dockerfile.instructions[i].start_line)
                .unwrap_or_else(|| dockerfile.line_col(error.span.start).0);
            format!("dockerfile parse error on line {line}: {}", error.message)
        } else {
            error.message.clone()
        };
        out.push(Diagnostic::new(
            rules::meta::DL1000.code,
            Severity::Error,
            error.span,
            message,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Level;
    use crate::testing::RuleTest;

    const ADD_URL: &str = "ADD https://example.com/a.tgz /opt/\n";

    #[test]
    fn run_text_that_hangs_the_shell_parser_is_linted() {
        // An exec-form RUN ending in `<<` and a carriage return made brush-parser 0.4 loop
        // until memory ran out; berth-shell now sends such text to its fallback tokenizer.
        let source = "FROM alpine:3.19\nRUN [\"sh\", \"-c\", \"cat <<\\r\\t\"]\n";
        assert_eq!(codes(source, &Settings::default()), Vec::<String>::new());
        // A here-document whose body can never start (the last backslash sits in a comment)
        // looped the same way; it never reaches brush-parser now.
        let source = "FROM alpine:3.19\nRUN [\"sh\", \"-c\", \"echo $(cat <<\\\"\\\" #\\\\\"]\n";
        let result = lint(source, &Settings::default());
        assert!(
            result.dockerfile.errors.is_empty(),
            "{:?}",
            result.dockerfile.errors
        );
        assert!(result.diagnostics.iter().all(|d| d.code != "BR000"));
    }

    fn codes(source: &str, settings: &Settings) -> Vec<String> {
        let result = Linter::new(settings).lint(source, "sub/Dockerfile", None);
        result
            .diagnostics
            .iter()
            .map(|d| {
                let (line, _) = result.dockerfile.line_col(d.span.start);
                format!("{line}:{}:{}", d.code, d.severity)
            })
            .collect()
    }

    #[test]
    fn inline_global_and_stage_pragmas() {
        let s = Settings::default();
        let src = format!("FROM a:1\n# hadolint ignore=BR104\n{ADD_URL}{ADD_URL}");
        assert_eq!(codes(&src, &s), ["4:BR104:warning"]);
        let src = format!("FROM a:1\n{ADD_URL}# berth global ignore=BR104 # vendored\n");
        assert!(codes(&src, &s).is_empty());
        let src =
            format!("FROM a:1\n# hadolint stage ignore=BR104\nRUN x\n{ADD_URL}FROM b:1\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["6:BR104:warning"]);
        // A blank line breaks an inline pragma.
        let src = format!("FROM a:1\n# hadolint ignore=BR104\n\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["4:BR104:warning"]);
        // Pragmas can be switched off.
        let s = Settings {
            disable_ignore_pragma: true,
            ..Settings::default()
        };
        let src = format!("FROM a:1\n# hadolint ignore=BR104\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["3:BR104:warning"]);
    }

    #[test]
    fn bad_pragmas_are_findings() {
        let s = Settings::default();
        let src = format!("FROM a:1\n# hadolint ignore=BR104 vendored\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["2:BR001:warning", "3:BR104:warning"]);
        let src = format!("FROM a:1\n# hadolint ignore=br104\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["2:BR001:warning", "3:BR104:warning"]);
        let src = format!("FROM a:1\n# hadolint ignore=BR104,DL9999\n{ADD_URL}");
        assert_eq!(codes(&src, &s), ["2:BR002:warning"]);
        let src = "FROM a:1\n# hadolint ignore=SC2086\nRUN echo $x\n";
        assert!(codes(src, &s).is_empty());
        // Comments inside continuation lines are not pragmas (BuildKit drops them).
        let src = "FROM a:1\nRUN echo \\\n# hadolint ignore=nonsense here\n  hi\n";
        assert!(codes(src, &s).is_empty());
    }

    #[test]
    fn config_filters_and_overrides() {
        let src = format!("FROM a:1\n{ADD_URL}");
        let s = Settings {
            overrides: vec![("BR1".into(), Level::On(Severity::Error))],
            ..Settings::default()
        };
        assert_eq!(codes(&src, &s), ["2:BR104:error"]);
        let s = Settings {
            per_file_ignores: vec![("sub/*".into(), vec!["BR".into()])],
            ..Settings::default()
        };
        assert!(codes(&src, &s).is_empty());
        let s = Settings {
            select: vec!["DL".into()],
            ..Settings::default()
        };
        assert!(codes(&src, &s).is_empty());
    }

    #[test]
    fn buildkit_rejections_are_dl1000() {
        let s = Settings::default();
        assert_eq!(
            codes("FROM a:1\nCMD [\"echo\", 1]\n", &s),
            ["2:DL1000:error"]
        );
        // hadolint's DL3061 names the same problem (an instruction before the first FROM).
        assert_eq!(codes("RUN x\n", &s), ["1:DL3061:error", "1:DL1000:error"]);
        // A file without FROM is one problem: BuildKit stops at its first instruction, and
        // so does DL1000 (hadolint's DL3061 still names every line, as hadolint does).
        let no_from = codes(
            "LABEL a=b\nCOPY . /x\nCMD [\"x\"]\n",
            &Settings {
                select: vec!["DL1000".into()],
                ..Settings::default()
            },
        );
        assert_eq!(no_from, ["1:DL1000:error"]);
        // Other rejections are each their own problem.
        assert_eq!(
            codes("FROM a:1\nCMD [\"echo\", 1]\nCOPY --nope=1 . /x\n", &s),
            ["2:DL1000:error", "3:DL1000:error"]
        );
        let result = lint("FROM a:1\nCMD [\"echo\", 1]\n", &s);
        assert!(result.rejected());
        // A malformed `# check=` directive fails BuildKit's build too.
        assert_eq!(
            codes("# check=skip=all;frobnicate=1\nFROM a:1\n", &s),
            ["1:DL1000:error"]
        );
        // `error=true`: the checks that fired become errors and the build fails naming them.
        let result =
            Linter::new(&s).lint("# check=error=true\nFROM a:1 as b\n", "Dockerfile", None);
        let found: Vec<(&str, &str)> = result
            .diagnostics
            .iter()
            .map(|d| (d.code.as_ref(), d.message.as_str()))
            .collect();
        assert!(
            found.contains(&("BuildError", "lint violation found for rules: FromAsCasing")),
            "{found:?}"
        );
        // Skipping a check does not skip the build errors.
        assert_eq!(
            codes("# check=skip=all\nARG base\nFROM ${base}:1\n", &s),
            ["3:BuildArgRequired:style"]
        );
    }

    crate::declare_rule! {
        /// ## What it does
        /// Panics on a RUN that says `boom` (a test of the engine's guard).
        /// ## Why is this bad?
        /// ## Example
        /// ## How to fix
        pub struct Panicky {}
        meta {
            code: "BR999",
            family: Berth,
            severity: Error,
            kinds: [Run],
            summary: "panics",
        }
    }

    impl crate::Rule for Panicky {
        fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
            if ctx.text(instruction.span).contains("boom") {
                let words: Vec<&str> = Vec::new();
                let _ = words[instruction.args.len()];
            }
        }
    }

    static PANICKY: RuleEntry = RuleEntry {
        meta: &<Panicky as crate::rule::RuleMeta>::META,
        new: crate::rule::new_boxed::<Panicky>,
    };

    #[test]
    fn a_panicking_rule_becomes_an_internal_error_for_its_file_only() {
        crate::quiet_rule_panics();
        let settings = Settings {
            // BR000 is not a finding users can switch off.
            ignore: vec!["BR000".into()],
            ..Settings::default()
        };
        let br104 = registry::find("BR104").expect("BR104");
        let linter = Linter::with_rules(&settings, vec![&PANICKY, br104]);
        let broken = linter.lint(
            &format!("FROM a:1\n{ADD_URL}RUN echo boom\n"),
            "a/Dockerfile",
            None,
        );
        let error = broken.internal_error().expect("an internal error");
        assert_eq!(broken.diagnostics.len(), 1, "{:?}", broken.diagnostics);
        assert!(
            error
                .message
                .starts_with("internal error: rule BR999 panicked at ")
                && error.message.contains("engine.rs:")
                && error.message.contains("index out of bounds"),
            "{}",
            error.message
        );
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(broken.dockerfile.line_col(error.span.start), (3, 1));
        // The same linter goes on with the next file as if nothing happened.
        let fine = linter.lint(
            &format!("FROM a:1\n{ADD_URL}RUN echo fine\n"),
            "b/Dockerfile",
            None,
        );
        assert!(fine.internal_error().is_none());
        assert_eq!(fine.diagnostics.len(), 1);
        assert_eq!(fine.diagnostics[0].code, "BR104");
    }

    #[test]
    fn rule_test_helpers_take_settings_and_context() {
        let settings = Settings {
            overrides: vec![("BR104".into(), Level::On(Severity::Info))],
            ..Settings::default()
        };
        let test = RuleTest::new::<crate::rules::berth::br104::Br104>()
            .name("unused")
            .settings(settings)
            .context(BuildContext::default());
        let found = test.findings(&format!("FROM a:1\n{ADD_URL}"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
    }
}
