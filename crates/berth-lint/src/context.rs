//! What a rule sees while it runs: the parsed file, the current stage, settings, pragmas,
//! optional build-context evidence, and a way to report findings.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use berth_syntax::{Command, Dockerfile, Instruction, Span};

use crate::diagnostic::{Diagnostic, Severity};
use crate::evidence::BuildContext;
use crate::meta::Meta;
use crate::pragma::Pragma;
use crate::settings::Settings;
use crate::shell::RunShell;

/// One build stage, with the facts rules keep asking for.
#[derive(Clone, Debug)]
pub struct StageInfo {
    /// 0-based stage index.
    pub index: usize,
    /// The `AS name` as written.
    pub name: Option<String>,
    /// The base image as written (`node:20`, `$BASE`, or an earlier stage's name).
    pub image: String,
    /// Span of the base image in the FROM line.
    pub image_span: Span,
    /// Index of the FROM instruction in `dockerfile.instructions`.
    pub from: usize,
    /// Indices of the stage's instructions (the FROM included).
    pub instructions: std::ops::Range<usize>,
    /// The earlier stage this one is built `FROM`, if its image names one (case-insensitive).
    pub parent: Option<usize>,
    /// Shell named by a `# hadolint shell=` / `# berth shell=` pragma in effect for this stage
    /// (inherited from the parent stage, or the file default).
    pub shell_pragma: Option<String>,
}

impl StageInfo {
    /// The name BuildKit uses for lookups (lower case), if the stage has one.
    pub fn lookup_name(&self) -> Option<String> {
        self.name.as_ref().map(|n| n.to_ascii_lowercase())
    }
}

/// Everything about one file that does not change while rules run.
pub(crate) struct FileFacts<'a> {
    pub dockerfile: &'a Dockerfile,
    pub path: &'a str,
    pub settings: &'a Settings,
    pub stages: Vec<StageInfo>,
    /// For each instruction, the index of its stage (`None` before the first FROM).
    pub stage_of: Vec<Option<usize>>,
    pub pragmas: Vec<Pragma>,
    pub build_context: Option<&'a BuildContext>,
    /// What several rules derive from the file, computed by the first that asks.
    pub shared: Shared,
}

/// Parsed RUNs by the span of their instruction.
type RunsBySpan<T> = RefCell<HashMap<(usize, usize), T>>;

/// Per-file results that several rules need and that are costly to compute (variable
/// scoping, shell parses of RUN text). The first rule that asks computes it; the rest reuse
/// it, so a file's RUNs are parsed once however many rules look inside them.
#[derive(Default)]
pub(crate) struct Shared {
    scope: OnceCell<Option<berth_syntax::scope::Scope>>,
    /// berth-cache's explanation of the file's steps (what each reads, what invalidates
    /// it), for the cache rules.
    cache: OnceCell<berth_cache::Explanation>,
    /// hadolint's view of each RUN, keyed by the instruction's span (an ONBUILD trigger has
    /// its own span inside the ONBUILD).
    run_shells: RunsBySpan<Arc<RunShell>>,
    /// berth's own view of each shell-form RUN, keyed the same way; `None` where a RUN has
    /// no shell text.
    run_scripts: RunsBySpan<Option<Arc<RunShell>>>,
}

impl Shared {
    /// The file's scope, computed by `make` on first use.
    pub fn scope(
        &self,
        make: impl FnOnce() -> Option<berth_syntax::scope::Scope>,
    ) -> Option<&berth_syntax::scope::Scope> {
        self.scope.get_or_init(make).as_ref()
    }

    /// The cache model's explanation of the file, computed by `make` on first use.
    pub fn cache(
        &self,
        make: impl FnOnce() -> berth_cache::Explanation,
    ) -> &berth_cache::Explanation {
        self.cache.get_or_init(make)
    }

    /// hadolint's parsed view of the RUN at `span`, computed by `make` on first use.
    pub fn run_shell(&self, span: Span, make: impl FnOnce() -> RunShell) -> Arc<RunShell> {
        once_per_span(&self.run_shells, span, || Arc::new(make()))
    }

    /// berth's parsed view of the RUN at `span`, computed by `make` on first use.
    pub fn run_script(
        &self,
        span: Span,
        make: impl FnOnce() -> Option<Arc<RunShell>>,
    ) -> Option<Arc<RunShell>> {
        once_per_span(&self.run_scripts, span, make)
    }
}

/// The value kept for `span`, made by `make` (which may itself consult other maps) when
/// there is none yet.
fn once_per_span<T: Clone>(map: &RunsBySpan<T>, span: Span, make: impl FnOnce() -> T) -> T {
    let key = (span.start, span.end);
    if let Some(hit) = map.borrow().get(&key) {
        return hit.clone();
    }
    let value = make();
    map.borrow_mut().insert(key, value.clone());
    value
}

/// The context passed to [`Rule::check`](crate::Rule::check) and
/// [`Rule::finish`](crate::Rule::finish).
pub struct LintContext<'a> {
    pub(crate) facts: &'a FileFacts<'a>,
    pub(crate) meta: &'static Meta,
    pub(crate) index: Option<usize>,
    pub(crate) in_onbuild: bool,
    pub(crate) diagnostics: &'a mut Vec<Diagnostic>,
}

impl<'a> LintContext<'a> {
    /// The parsed file.
    pub fn dockerfile(&self) -> &'a Dockerfile {
        self.facts.dockerfile
    }

    /// The file's text.
    pub fn source(&self) -> &'a str {
        &self.facts.dockerfile.source
    }

    /// Per-file results shared between rules.
    pub(crate) fn shared(&self) -> &'a Shared {
        &self.facts.shared
    }

    /// The path the file is reported under (`-` for stdin without `--stdin-filename`).
    pub fn path(&self) -> &'a str {
        self.facts.path
    }

    /// The resolved settings (trusted registries, label schema, strict labels, ...).
    pub fn settings(&self) -> &'a Settings {
        self.facts.settings
    }

    /// The text of a span.
    pub fn text(&self, span: Span) -> &'a str {
        self.source().get(span.start..span.end).unwrap_or("")
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.facts.dockerfile.line_index.line_col(offset)
    }

    /// Index (into `dockerfile().instructions`) of the instruction being checked. For an
    /// ONBUILD trigger this is the ONBUILD instruction's index. `None` in `finish`.
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// True when the instruction being checked is the trigger inside an `ONBUILD`.
    pub fn in_onbuild(&self) -> bool {
        self.in_onbuild
    }

    /// Every instruction of the file.
    pub fn instructions(&self) -> &'a [Instruction] {
        &self.facts.dockerfile.instructions
    }

    /// The instructions after the current one (empty in `finish`).
    pub fn following(&self) -> &'a [Instruction] {
        match self.index {
            Some(i) => &self.facts.dockerfile.instructions[i + 1..],
            None => &[],
        }
    }

    /// All stages, in order.
    pub fn stages(&self) -> &'a [StageInfo] {
        &self.facts.stages
    }

    /// The stage of the current instruction (`None` before the first FROM and in `finish`).
    pub fn stage(&self) -> Option<&'a StageInfo> {
        self.stage_of_index(self.index?)
    }

    /// The stage an instruction (by index) belongs to.
    pub fn stage_of_index(&self, index: usize) -> Option<&'a StageInfo> {
        let stage = (*self.facts.stage_of.get(index)?)?;
        self.facts.stages.get(stage)
    }

    /// True when the current instruction is in the last stage of the file.
    pub fn in_final_stage(&self) -> bool {
        self.stage()
            .is_some_and(|s| s.index + 1 == self.facts.stages.len())
    }

    /// The stage named `name` (case-insensitive, as BuildKit looks names up), or with that
    /// index when `name` is a number.
    pub fn stage_by_name(&self, name: &str) -> Option<&'a StageInfo> {
        let stages = &self.facts.stages;
        stages
            .iter()
            .find(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .or_else(|| name.parse::<usize>().ok().and_then(|i| stages.get(i)))
    }

    /// The shell pragma in effect for the current stage (or the file default).
    pub fn shell_pragma(&self) -> Option<&'a str> {
        match self.stage() {
            Some(stage) => stage.shell_pragma.as_deref(),
            None => self.facts.pragmas.iter().find_map(|p| match &p.kind {
                crate::pragma::PragmaKind::Shell(s) => Some(s.as_str()),
                _ => None,
            }),
        }
    }

    /// The file's valid pragmas (hadolint's DL1001 flags inline ignores).
    pub fn pragmas(&self) -> &'a [Pragma] {
        &self.facts.pragmas
    }

    /// The build context, when the linter was given one (the CLI passes the Dockerfile's
    /// directory). Rules must work without it and quote it as evidence when present.
    pub fn build_context(&self) -> Option<&'a BuildContext> {
        self.facts.build_context
    }

    /// The typed form of an instruction, or `None` when BuildKit rejects it.
    pub fn command<'i>(&self, instruction: &'i Instruction) -> Option<&'i Command> {
        instruction.command.as_ref()
    }

    /// Reports a finding of this rule at `span` with its default severity. Chain
    /// `.help(..)`, `.label(..)`, `.fix(..)` on the result.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let meta = self.meta;
        self.report_as(meta.code, meta.severity, span, message)
    }

    /// Reports a finding under another code and severity (ShellCheck's SC codes, or a rule
    /// that owns several codes).
    pub fn report_as(
        &mut self,
        code: impl Into<Cow<'static, str>>,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, severity, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }
}

/// Per-stage state for rules that reset at every FROM: `state.get_mut(ctx)` returns the value
/// for the current stage (slot 0 holds instructions before the first FROM).
///
/// ```
/// use berth_lint::context::PerStage;
/// let mut seen: PerStage<u32> = PerStage::default();
/// *seen.slot_mut(Some(1)) += 1;
/// assert_eq!(*seen.slot(Some(1)), 1);
/// assert_eq!(*seen.slot(None), 0);
/// ```
#[derive(Clone, Debug)]
pub struct PerStage<T> {
    slots: Vec<T>,
}

impl<T> Default for PerStage<T> {
    fn default() -> Self {
        PerStage { slots: Vec::new() }
    }
}

impl<T: Default> PerStage<T> {
    /// The value for the current stage of `ctx`.
    pub fn get_mut(&mut self, ctx: &LintContext) -> &mut T {
        self.slot_mut(ctx.stage().map(|s| s.index))
    }

    /// The value for a stage index (`None`: before the first FROM).
    pub fn slot_mut(&mut self, stage: Option<usize>) -> &mut T {
        let i = stage.map_or(0, |s| s + 1);
        if self.slots.len() <= i {
            self.slots.resize_with(i + 1, T::default);
        }
        &mut self.slots[i]
    }

    /// Read access for a stage index; a default value when the stage was never touched.
    pub fn slot(&self, stage: Option<usize>) -> std::borrow::Cow<'_, T>
    where
        T: Clone,
    {
        match self.slots.get(stage.map_or(0, |s| s + 1)) {
            Some(v) => std::borrow::Cow::Borrowed(v),
            None => std::borrow::Cow::Owned(T::default()),
        }
    }

    /// Every touched stage with its value (`None` = before the first FROM).
    pub fn iter(&self) -> impl Iterator<Item = (Option<usize>, &T)> {
        self.slots
            .iter()
            .enumerate()
            .map(|(i, v)| (i.checked_sub(1), v))
    }
}
