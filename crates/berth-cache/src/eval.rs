//! Evaluating a Dockerfile for one build: a cache key for every step, computed from the
//! one model of the Dockerfile (`berth_syntax::scope`: stages, ARG/ENV in effect,
//! expanded operands) and the one model of the context (`berth_context`: the digests of
//! what each step reads), as BuildKit forms them (`reference/buildkit.md` C, DESIGN.md
//! section 4).
//!
//! Every build step gets two keys. `key` is BuildKit's definition key: a hash chain over
//! the step's parent, its operation and the content of what it reads from the context.
//! `alt_key` is the same chain, except that content read from another stage's result
//! (`COPY --from`, `RUN --mount=from=`) is assumed unchanged. A step whose `key` was
//! recorded is cached; one whose `alt_key` was recorded is `maybe`: it is cached only if
//! the stages it reads produce byte-identical files, which berth cannot know offline.
//!
//! Without a snapshot (the linter's case) the same walk gives the structure of the build
//! (what each step reads, what it is chained on, which args and env it sees) and keys
//! that are not meant to be compared.

use std::collections::{BTreeMap, BTreeSet};

use berth_context::{Digest, Engine, Snapshot};
use berth_syntax::scope::{self, Base, Expansion, FileCopy, Scope, StageRef, StepScope};
use berth_syntax::{Command, Dockerfile, Instruction, Keyword, MountKind, ShellOrExec};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::Error;

/// What berth decided an instruction is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A build step (FROM image, RUN, COPY, ADD, WORKDIR).
    Op,
    /// No build step of its own (ENV, ARG, LABEL, `FROM <stage>`, ...).
    Metadata,
    /// Its stage is not needed for the target.
    Skipped,
}

/// One instruction of the Dockerfile, evaluated.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EvalStep {
    /// Stage name, or its index when unnamed.
    pub stage: String,
    /// The stage's index.
    pub stage_index: usize,
    /// Index of the instruction in `Dockerfile::instructions`.
    pub instruction_index: usize,
    /// First line of the instruction.
    pub line: usize,
    /// Last line of the instruction (continuations and heredoc bodies included).
    pub end_line: usize,
    /// The instruction's source text (continuations joined).
    pub instruction: String,
    /// The keyword, upper case.
    pub keyword: String,
    /// Build step, metadata or skipped.
    pub kind: StepKind,
    /// For build steps: keys and what went into them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
}

/// One source a step reads from the build context (a COPY/ADD source, a bind mount),
/// as the build reads it: variables expanded, relative to the context root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextRead {
    /// The source path.
    pub source: String,
    /// `--exclude` patterns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// BuildKit's digest of the selection; `None` when the path is not in the context
    /// (BuildKit fails the build there), or when the evaluation had no snapshot.
    pub digest: Option<Digest>,
}

/// One source a step reads from a named build context (`COPY --from=NAME`,
/// `RUN --mount=from=NAME`, `FROM NAME` where NAME is no stage), as [`ContextRead`] is
/// for the main context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedRead {
    /// The named context (`--build-context NAME=...`, compose's `additional_contexts`).
    pub context: String,
    /// The source path, relative to that context's root.
    pub source: String,
    /// BuildKit's digest of the selection; `None` when the path is not there, when the
    /// context is not a local directory, or when the evaluation had no snapshot.
    pub digest: Option<Digest>,
}

impl ContextRead {
    /// The source as a user wrote it, for summaries (`.` for the whole context).
    pub fn describe(&self) -> &str {
        match self.source.trim_start_matches(['/', '.']) {
            "" => ".",
            _ => &self.source,
        }
    }
}

/// What a build step depends on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Op {
    /// BuildKit's definition key, as a hash chain (hex).
    pub key: String,
    /// The same chain with other stages' outputs assumed unchanged (hex).
    pub alt_key: String,
    /// Position among the build steps of its stage (1 = the first), to pair steps of
    /// two evaluations.
    pub ordinal: usize,
    /// Line of the step it is chained on (the previous build step of its stage or of
    /// its base stage), if any.
    pub parent_line: Option<usize>,
    /// Digest of the operation itself (command, flags, destination, env, ...), without
    /// the parent and the content it reads.
    pub op_digest: String,
    /// Environment the step sees (RUN only): ordered `KEY=VALUE` pairs.
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// The build args a new value of which changes this step: for a RUN, those its
    /// environment derives from (an ARG in effect, or an ENV whose value uses one); for
    /// other steps, those its own arguments use.
    #[serde(default)]
    pub arg_names: BTreeSet<String>,
    /// Variables an ENV instruction of the stage (or its base stages) set.
    #[serde(default)]
    pub env_names: BTreeSet<String>,
    /// What the step reads from the build context.
    #[serde(default)]
    pub reads: Vec<ContextRead>,
    /// What the step reads from named build contexts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_reads: Vec<NamedRead>,
    /// Stages whose result the step reads, with the path read.
    #[serde(default)]
    pub stage_inputs: Vec<(usize, String)>,
    /// For each of `stage_inputs`, the steps of that stage that wrote what is read:
    /// their lines, and whether the step can write anywhere (a RUN, whose output berth
    /// cannot know: reading after it is `maybe` when it re-runs).
    #[serde(default)]
    pub stage_writers: Vec<Vec<(usize, bool)>>,
    /// Why the step can never be known cached offline (ADD of an unpinned URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknowable: Option<String>,
    /// Variables that the instruction's own arguments use (COPY/ADD/WORKDIR/FROM).
    #[serde(default)]
    pub uses: BTreeSet<String>,
    /// Note for the reason of a cached FROM (moving tag).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The evaluation of a Dockerfile for one target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Evaluation {
    /// The target stage's display name.
    pub target: String,
    /// Every instruction, in file order.
    pub steps: Vec<EvalStep>,
    /// Stage display names by index.
    pub stages: Vec<String>,
}

/// Inputs of an evaluation.
pub(crate) struct EvalInput<'a> {
    pub dockerfile: &'a Dockerfile,
    /// Name of the Dockerfile, for messages.
    pub file_name: &'a str,
    /// The scope of the build (resolved with [`crate::scope_options`]).
    pub scope: &'a Scope,
    /// The digested context; `None` for the structure only.
    pub snapshot: Option<&'a Snapshot>,
    /// An evaluation made against this very snapshot (the record, when the context is
    /// unchanged since): the digests of the selections it made are reused rather than
    /// hashing the selected entries again.
    pub same_snapshot: Option<&'a Evaluation>,
    /// The named build contexts of the build (empty for the linter and `--since`'s
    /// past evaluations that have none).
    pub named: &'a [(String, crate::Named)],
    /// The engine profile.
    pub engine: Engine,
    /// Carry on past what BuildKit would reject (the linter's case: it reports those
    /// problems itself and still wants the structure of the rest).
    pub lenient: bool,
    /// Keep each instruction's text (for plans and explanations a person reads; the
    /// linter has the text already).
    pub texts: bool,
}

fn h(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update((p.len() as u64).to_le_bytes());
        hasher.update(p.as_bytes());
    }
    hex(&hasher.finalize())
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The builder state of a stage after some of its instructions (what `scope` does not
/// model: the key chain, working directory, user and shell).
#[derive(Clone, Debug, Default)]
struct StageState {
    key: String,
    alt_key: String,
    /// For each variable of the environment, the build args its value derives from: an
    /// ARG's own name; for an ENV, the args of the variables its value uses (an
    /// `ENV X=const` after `ARG X` makes X constant again, `ENV X=$X` does not).
    arg_deps: BTreeMap<String, BTreeSet<String>>,
    env_names: BTreeSet<String>,
    user: String,
    /// The working directory, cleaned: what relative paths resolve against.
    cwd: String,
    /// The working directory a RUN gets: an absolute WORKDIR as written (BuildKit's
    /// `llb.Dir` keeps `/app/`), a relative one joined onto the previous and cleaned.
    run_cwd: String,
    shell: Vec<String>,
    last_line: Option<usize>,
    /// What the stage's steps wrote, in order: what a `COPY --from` or a mount of this
    /// stage reads is known from the writes that touch its path.
    writes: Vec<Write>,
}

/// One step's effect on a stage's filesystem, for reading the stage's result.
#[derive(Clone, Debug)]
struct Write {
    /// The cleaned absolute path written (a COPY destination, a WORKDIR, `/` for the
    /// base image); `None` for a step that can write anywhere (a RUN, an ADD of an
    /// unpinned URL).
    path: Option<String>,
    /// What was written, for the key: the operation and the content it copied; for a
    /// step that can write anywhere, its own key (its output is the same only when it
    /// is taken from the cache).
    key: String,
    /// The same with other stages' and RUN outputs assumed unchanged.
    alt: String,
    /// The instruction's line.
    line: usize,
    /// For a COPY of one context path: that source, so that a read of a path inside
    /// what it wrote is keyed by the matching part of the context only.
    context: Option<ContextWrite>,
}

/// The context source of a COPY, for [`Write::context`].
#[derive(Clone, Debug)]
struct ContextWrite {
    /// The source path (cleaned, no wildcard).
    source: String,
    /// Its `--exclude` patterns.
    exclude: Vec<String>,
    /// The COPY's operation digest.
    op_digest: String,
    /// The destination ended with `/`: a file source lands inside it under its name.
    into_dir: bool,
    /// The named build context the source is in (`FROM NAME`); `None` for the main one.
    named: Option<String>,
}

/// Whether two cleaned absolute paths are the same or one contains the other.
fn overlaps(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        outer == "/"
            || inner == outer
            || (inner.starts_with(outer) && inner.as_bytes().get(outer.len()) == Some(&b'/'))
    };
    within(a, b) || within(b, a)
}

/// The part of a `COPY --from` source or mount source that names fixed directories: the
/// path cleaned and cut before the first component with a wildcard.
fn fixed_prefix(path: &str) -> String {
    let cleaned = berth_context::path::clean_str(&format!("/{path}"));
    let mut out = String::new();
    for component in cleaned.split('/').filter(|c| !c.is_empty()) {
        if component.contains(['*', '?', '[', '\\']) {
            break;
        }
        out.push('/');
        out.push_str(component);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

impl StageState {
    /// The build args the values of `names` derive from.
    fn args_of(&self, names: &BTreeSet<String>) -> BTreeSet<String> {
        names
            .iter()
            .filter_map(|n| self.arg_deps.get(n))
            .flatten()
            .cloned()
            .collect()
    }
}

fn rejected(input: &EvalInput, instruction: usize, message: String) -> Error {
    let offset = input
        .dockerfile
        .instructions
        .get(instruction)
        .map_or(0, |i| i.span.start);
    let (line, column) = input.dockerfile.line_col(offset);
    Error::Rejected {
        file: input.file_name.to_string(),
        line,
        column,
        message,
    }
}

/// What an ADD source is when it is not read from the build context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Remote {
    /// An `http://` or `https://` URL, downloaded on every build to compute the key.
    Http,
    /// A git repository (`git@...`, `git://...`), keyed by the commit it resolves to.
    Git,
}

/// Whether an ADD source is downloaded or cloned rather than read from the context.
///
/// ```
/// use berth_cache::{remote_source, Remote};
/// assert_eq!(remote_source("HTTPS://example.com/a.tgz"), Some(Remote::Http));
/// assert_eq!(remote_source("git@github.com:moby/buildkit.git"), Some(Remote::Git));
/// assert_eq!(remote_source("./https-proxy.conf"), None);
/// ```
pub fn remote_source(path: &str) -> Option<Remote> {
    let head = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    if head.starts_with("http://") || head.starts_with("https://") {
        Some(Remote::Http)
    } else if head.starts_with("git@") || head.starts_with("git://") {
        Some(Remote::Git)
    } else {
        None
    }
}

/// The first error BuildKit would stop at, if any: a parse error, no stage, an error at
/// a meta ARG or FROM line, an unknown target, then any other expansion or stage
/// reference error. Returns the target stage.
fn first_error(input: &EvalInput, target_name: Option<&str>) -> Result<usize, Error> {
    let df = input.dockerfile;
    if let Some(err) = df.errors.first() {
        let (line, column) = df.line_col(err.span.start);
        return Err(Error::Rejected {
            file: input.file_name.to_string(),
            line,
            column,
            message: err.message.clone(),
        });
    }
    let scope = input.scope;
    if scope.stages.is_empty() {
        return Err(Error::Rejected {
            file: input.file_name.to_string(),
            line: 1,
            column: 1,
            message: "the Dockerfile has no FROM instruction".into(),
        });
    }
    let at_from = |i: usize| {
        df.instructions
            .get(i)
            .is_some_and(|ins| ins.keyword == Keyword::From)
            || scope.meta_args.iter().any(|m| m.instruction == i)
    };
    if let Some(err) = scope.errors.iter().find(|e| at_from(e.instruction)) {
        return Err(rejected(input, err.instruction, err.message.clone()));
    }
    let Some(target) = scope.target else {
        return Err(Error::UnknownTarget {
            target: target_name.unwrap_or_default().to_string(),
            known: scope.stages.iter().filter_map(|s| s.name.clone()).collect(),
        });
    };
    if let Some(err) = scope.errors.first() {
        return Err(rejected(input, err.instruction, err.message.clone()));
    }
    Ok(target)
}

/// Evaluates every instruction of the Dockerfile for the target.
pub(crate) fn evaluate(input: &EvalInput, target_name: Option<&str>) -> Result<Evaluation, Error> {
    let df = input.dockerfile;
    let scope = input.scope;
    let target_index = if input.lenient {
        match scope.stages.len() {
            0 => {
                return Ok(Evaluation {
                    target: String::new(),
                    steps: Vec::new(),
                    stages: Vec::new(),
                })
            }
            n => scope.target.unwrap_or(n - 1),
        }
    } else {
        first_error(input, target_name)?
    };
    let display: Vec<String> = scope
        .stages
        .iter()
        .map(|s| {
            s.name
                .as_deref()
                .map_or_else(|| s.index.to_string(), str::to_lowercase)
        })
        .collect();
    let mut steps = vec![];
    let first_from = scope.stages[0].from;
    let texts = input.texts;
    for (index, ins) in df.instructions[..first_from].iter().enumerate() {
        steps.push(step_of(ins, index, String::new(), 0, texts));
    }
    let mut finals: Vec<StageState> = vec![];
    for (si, stage) in scope.stages.iter().enumerate() {
        let mut state = match &stage.base {
            Base::Stage(b) => finals[*b].clone(),
            Base::Scratch | Base::Image(_) => StageState {
                shell: vec!["/bin/sh".into(), "-c".into()],
                cwd: "/".into(),
                run_cwd: "/".into(),
                ..StageState::default()
            },
        };
        let ctx = OpContext {
            input,
            scope,
            finals: &finals,
            stage_index: si,
        };
        let mut ordinal = 0;
        let mut from_step = step_of(
            &df.instructions[stage.from],
            stage.from,
            display[si].clone(),
            si,
            texts,
        );
        let from_op = ctx.from(stage, &mut state);
        let mut record = |step: &mut EvalStep, op: Option<Op>, state: &mut StageState| {
            if let Some(mut op) = op {
                ordinal += 1;
                op.ordinal = ordinal;
                op.parent_line = state.last_line;
                op.arg_names = if step.keyword == "RUN" {
                    // RUN sees the whole environment.
                    state.arg_deps.values().flatten().cloned().collect()
                } else {
                    state.args_of(&op.uses)
                };
                op.env_names.clone_from(&state.env_names);
                state.key = op.key.clone();
                state.alt_key = op.alt_key.clone();
                state.last_line = Some(step.line);
                step.kind = StepKind::Op;
                step.op = Some(op);
            }
            if !stage.reachable {
                step.kind = StepKind::Skipped;
            }
        };
        record(&mut from_step, from_op, &mut state);
        steps.push(from_step);
        // The base stage's ONBUILD triggers run first, as this stage's steps; each is
        // shown at its ONBUILD line (once, for the first stage that runs it: every
        // stage built FROM the same base runs the same steps).
        for trigger in &stage.triggers {
            let at = trigger.step.instruction;
            let mut step = step_of(&df.instructions[at], at, display[si].clone(), si, texts);
            let op = ctx.instruction(&trigger.instruction, &trigger.step, &mut state)?;
            record(&mut step, op, &mut state);
            if let Some(shown) = steps.iter_mut().find(|s| s.instruction_index == at) {
                if shown.kind != StepKind::Op && step.kind == StepKind::Op {
                    *shown = step;
                }
            }
        }
        for step_scope in &stage.steps {
            let ins = &df.instructions[step_scope.instruction];
            let mut step = step_of(ins, step_scope.instruction, display[si].clone(), si, texts);
            let op = ctx.instruction(ins, step_scope, &mut state)?;
            record(&mut step, op, &mut state);
            steps.push(step);
        }
        finals.push(state);
    }
    Ok(Evaluation {
        target: display[target_index].clone(),
        steps,
        stages: display,
    })
}

fn step_of(
    ins: &Instruction,
    index: usize,
    stage: String,
    stage_index: usize,
    texts: bool,
) -> EvalStep {
    EvalStep {
        stage,
        stage_index,
        instruction_index: index,
        line: ins.start_line,
        end_line: ins.end_line,
        instruction: if texts {
            ins.original.to_string()
        } else {
            String::new()
        },
        keyword: ins.keyword.as_upper().into_owned(),
        kind: StepKind::Metadata,
        op: None,
    }
}

struct OpContext<'a, 'b> {
    input: &'a EvalInput<'b>,
    scope: &'a Scope,
    finals: &'a [StageState],
    stage_index: usize,
}

/// What a `--from` value reads: a stage's result, or an image.
type FromValue = Result<usize, String>;

impl OpContext<'_, '_> {
    /// Whether the evaluation computes keys (it has a snapshot), or only the structure.
    fn keys(&self) -> bool {
        self.input.snapshot.is_some()
    }

    /// [`h`], or nothing when the evaluation is for the structure only.
    fn h(&self, parts: &[&str]) -> String {
        if self.keys() {
            h(parts)
        } else {
            String::new()
        }
    }

    /// The digest of one context source (see [`EvalInput::same_snapshot`]).
    fn read(&self, source: &str, exclude: &[String]) -> ContextRead {
        let mut read = ContextRead {
            source: source.to_string(),
            exclude: exclude.to_vec(),
            digest: None,
        };
        let Some(snapshot) = self.input.snapshot else {
            return read;
        };
        let known = self
            .input
            .same_snapshot
            .into_iter()
            .flat_map(|e| &e.steps)
            .filter_map(|s| s.op.as_ref())
            .flat_map(|op| &op.reads)
            .find(|r| r.source == read.source && r.exclude == read.exclude);
        read.digest = match known {
            Some(known) => known.digest,
            None => snapshot
                .select_source(source, exclude)
                .ok()
                .map(|s| s.digest),
        };
        read
    }

    /// The key token of a context read.
    fn read_token(read: &ContextRead) -> String {
        match read.digest {
            Some(d) => d.to_string(),
            None => format!("missing:{}", read.source),
        }
    }

    /// Resolve a `--from` value, with berth's hint for a near-miss of a stage name.
    fn resolve_from(&self, value: &str, instruction: usize) -> Result<FromValue, Error> {
        if self.input.lenient {
            return Ok(match self.scope.stage_ref(value, self.stage_index) {
                Ok(StageRef::Stage(i)) => Ok(i),
                _ => Err(value.to_string()),
            });
        }
        match self.scope.stage_ref(value, self.stage_index) {
            Ok(StageRef::Stage(i)) => Ok(Ok(i)),
            Ok(StageRef::Image(image)) if self.named(&image).is_some() => Ok(Err(image)),
            Ok(StageRef::Image(image)) => {
                let looks_like_stage = !image.contains(['/', ':', '.', '@']);
                let names = self.scope.stages.iter().filter_map(|s| s.name.as_deref());
                let near = looks_like_stage
                    .then(|| scope::suggest(&image.to_lowercase(), names, false))
                    .flatten();
                if let Some(near) = near {
                    let offset = self.input.dockerfile.instructions[instruction].span.start;
                    let (line, column) = self.input.dockerfile.line_col(offset);
                    return Err(Error::UnknownStage {
                        file: self.input.file_name.to_string(),
                        line,
                        column,
                        name: value.to_string(),
                        hint: format!(
                            " (did you mean `{near}`? BuildKit would try to pull `{value}` as an image)"
                        ),
                    });
                }
                Ok(Err(image))
            }
            Err(message) => Err(rejected(self.input, instruction, message)),
        }
    }

    /// The named build context called `name`, if the build has one.
    fn named(&self, name: &str) -> Option<&crate::Named> {
        self.input
            .named
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, named)| named)
    }

    /// The content tokens (key, alternative key) of `path` read from a named build
    /// context (when `from` names one), recording the read on `op`: the digest of the
    /// selection, as for the main context; for a context berth cannot read (an image, a
    /// target, a URL) a key token that never matches (the step is `maybe`, as an ADD of
    /// an unpinned URL), with the reason on `op`.
    fn named_read(&self, from: &FromValue, path: &str, op: &mut Op) -> Option<(String, String)> {
        let Err(name) = from else {
            return None;
        };
        let named = self.named(name)?;
        let source = match path.trim_start_matches('/') {
            "" => ".".to_string(),
            rest => rest.to_string(),
        };
        match named {
            crate::Named::Local(snapshot) => {
                let digest = snapshot
                    .select_source(&source, &[] as &[&str])
                    .ok()
                    .map(|s| s.digest);
                let token = match digest {
                    Some(d) => d.to_string(),
                    None => format!("missing:{source}"),
                };
                op.named_reads.push(NamedRead {
                    context: name.clone(),
                    source,
                    digest,
                });
                let token = self.h(&["named", name, &token]);
                Some((token.clone(), token))
            }
            crate::Named::Elsewhere(value) => {
                op.named_reads.push(NamedRead {
                    context: name.clone(),
                    source,
                    digest: None,
                });
                op.unknowable = Some(format!(
                    "reads build context `{name}` ({value}), which berth cannot read before the build"
                ));
                let unknown = if self.keys() {
                    unique_token()
                } else {
                    String::new()
                };
                Some((
                    self.h(&["named-elsewhere", name, value, &unknown]),
                    self.h(&["named-elsewhere", name, value]),
                ))
            }
        }
    }

    fn from(&self, stage: &scope::StageScope, state: &mut StageState) -> Option<Op> {
        match &stage.base {
            Base::Image(image) if self.named(image).is_some() => {
                // `FROM NAME` of a named context: the stage starts from its files.
                let mut op = Op {
                    uses: stage.from_matched.clone(),
                    ..Op::default()
                };
                let (token, alt_token) = self
                    .named_read(&Err(image.clone()), "/", &mut op)
                    .unwrap_or_default();
                let key = self.h(&["from-context", image, &token]);
                let alt = self.h(&["from-context", image, &alt_token]);
                op.op_digest = self.h(&["from-context", image]);
                // A path read from the stage later is keyed by its own content, as
                // for a COPY of the main context.
                let context =
                    matches!(self.named(image), Some(crate::Named::Local(_))).then(|| {
                        ContextWrite {
                            source: ".".into(),
                            exclude: vec![],
                            op_digest: op.op_digest.clone(),
                            into_dir: false,
                            named: Some(image.clone()),
                        }
                    });
                state.writes.push(Write {
                    path: Some("/".into()),
                    key: key.clone(),
                    alt: alt.clone(),
                    line: self.input.dockerfile.instructions[stage.from].start_line,
                    context,
                });
                op.alt_key = alt;
                op.key = key;
                Some(op)
            }
            Base::Stage(_) => None,
            Base::Scratch => {
                state.key = self.h(&["scratch"]);
                state.alt_key = state.key.clone();
                None
            }
            Base::Image(image) => {
                let platform = stage.platform.clone().unwrap_or_default();
                let key = self.h(&["from", image, &platform]);
                state.writes.push(Write {
                    path: Some("/".into()),
                    key: key.clone(),
                    alt: key.clone(),
                    line: self.input.dockerfile.instructions[stage.from].start_line,
                    context: None,
                });
                let note = (!image.contains("@sha256:")).then(|| {
                    format!(
                        "`{image}` is a tag: if it moved in the registry since the record, the build pulls the new image and re-runs everything after it (berth cannot check this offline; pin it with @sha256:)"
                    )
                });
                Some(Op {
                    alt_key: key.clone(),
                    op_digest: key.clone(),
                    key,
                    uses: stage.from_matched.clone(),
                    note,
                    ..Op::default()
                })
            }
        }
    }

    fn instruction(
        &self,
        ins: &Instruction,
        step: &StepScope,
        state: &mut StageState,
    ) -> Result<Option<Op>, Error> {
        let Some(cmd) = &ins.command else {
            return Ok(None);
        };
        match (cmd, &step.expansion) {
            (Command::Env(pairs), expansion) => {
                // The names the values use, set or not (an ARG without a value yet).
                let used: BTreeSet<String> = step.matched.union(&step.unmatched).cloned().collect();
                let derived = state.args_of(&used);
                let keys: Vec<String> = match expansion {
                    Some(Expansion::Env(expanded)) => {
                        expanded.iter().map(|(k, _)| k.clone()).collect()
                    }
                    // An ENV BuildKit would reject (the linter's lenient evaluation).
                    _ => pairs.iter().map(|kv| kv.key.to_string()).collect(),
                };
                for key in keys {
                    state.arg_deps.insert(key.clone(), derived.clone());
                    state.env_names.insert(key);
                }
                Ok(None)
            }
            (Command::Arg(decls), _) => {
                // Every declared ARG (with a value or not): a build arg gives it one.
                let frontend = crate::frontend(self.input.engine);
                for decl in decls {
                    if scope::arg_enters_env(&decl.name, frontend) {
                        state
                            .arg_deps
                            .entry(decl.name.to_string())
                            .or_default()
                            .insert(decl.name.to_string());
                    }
                }
                Ok(None)
            }
            (Command::User(_), Some(Expansion::User(user))) => {
                state.user = user.clone();
                Ok(None)
            }
            (Command::Shell(sh), _) => {
                state.shell = sh.iter().map(String::from).collect();
                Ok(None)
            }
            (Command::Workdir(_), Some(Expansion::Workdir(dir))) => {
                // The directory made is cleaned (FileOp normalizes its path), but a RUN
                // runs in an absolute WORKDIR as written: `WORKDIR /app/` and
                // `WORKDIR /app` are the same step, and the RUNs after them are not.
                let joined = berth_context::path::resolve(&state.cwd, dir);
                state.cwd = berth_context::path::clean_str(&joined);
                state.run_cwd = if dir.starts_with('/') {
                    dir.clone()
                } else {
                    state.cwd.clone()
                };
                if state.cwd == "/" {
                    return Ok(None);
                }
                let op_digest = self.h(&["workdir", &state.cwd, &state.user]);
                state.writes.push(Write {
                    path: Some(state.cwd.clone()),
                    key: op_digest.clone(),
                    alt: op_digest.clone(),
                    line: ins.start_line,
                    context: None,
                });
                Ok(Some(Op {
                    key: self.h(&[&state.key, &op_digest]),
                    alt_key: self.h(&[&state.alt_key, &op_digest]),
                    op_digest,
                    uses: step.matched.clone(),
                    ..Op::default()
                }))
            }
            (Command::Run(run), Some(Expansion::Run { mounts })) => {
                self.run(ins, run, step, mounts, state).map(Some)
            }
            (Command::Copy(c), Some(Expansion::Copy(files))) => {
                let from = match &files.from {
                    Some(f) => Some(self.resolve_from(f, step.instruction)?),
                    None => None,
                };
                // `--link` is not in the key: without the merge operation (Docker 28's
                // default image store) BuildKit makes a linked COPY a plain copy.
                let flags = [
                    ("chown", files.chown.clone()),
                    ("chmod", files.chmod.as_deref().map(chmod_value)),
                    ("parents", Some(c.parents.to_string())),
                    ("exclude", Some(c.exclude.join("\0"))),
                ];
                let exclude: Vec<String> = c.exclude.iter().map(String::from).collect();
                let copy = Copy {
                    kind: "copy",
                    sources: sources(&c.sources, &ins.heredocs, files),
                    files,
                    flags: &flags,
                    from,
                    exclude: &exclude,
                };
                Ok(Some(self.copy(&copy, ins.start_line, step, state)))
            }
            (Command::Add(a), Some(Expansion::Add(files))) => {
                let flags = [
                    ("chown", files.chown.clone()),
                    ("chmod", files.chmod.as_deref().map(chmod_value)),
                    ("keep-git-dir", a.keep_git_dir.map(|b| b.to_string())),
                    ("unpack", a.unpack.map(|b| b.to_string())),
                    ("checksum", files.checksum.clone()),
                    ("exclude", Some(a.exclude.join("\0"))),
                ];
                let exclude: Vec<String> = a.exclude.iter().map(String::from).collect();
                let copy = Copy {
                    kind: "add",
                    sources: sources(&a.sources, &ins.heredocs, files),
                    files,
                    flags: &flags,
                    from: None,
                    exclude: &exclude,
                };
                Ok(Some(self.copy(&copy, ins.start_line, step, state)))
            }
            _ => Ok(None),
        }
    }

    /// Content token of a path read from another stage's result, or from an image. A
    /// stage's path is known from the writes that touch it (its base image, COPYs and
    /// WORKDIRs there, with the content they copied), except where a RUN (or another
    /// step that can write anywhere) ran before: that part of the key is the RUN's own
    /// key, and of the alternative key a constant (cached only if the RUN, re-run,
    /// writes the same bytes).
    fn stage_token(&self, from: &FromValue, path: &str) -> (String, String, Option<StageInput>) {
        match from {
            Ok(s) => {
                let fin = &self.finals[*s];
                let wanted = fixed_prefix(path);
                let touching: Vec<&Write> = fin
                    .writes
                    .iter()
                    .filter(|w| w.path.as_deref().is_none_or(|p| overlaps(p, &wanted)))
                    .collect();
                let parts: Vec<(String, String)> = touching
                    .iter()
                    .map(|w| match self.context_part(w, &wanted) {
                        Some(token) => (token.clone(), token),
                        None => (w.key.clone(), w.alt.clone()),
                    })
                    .collect();
                let mut key = vec!["stage", path];
                key.extend(parts.iter().map(|(k, _)| k.as_str()));
                let mut alt = vec!["stage", path];
                alt.extend(parts.iter().map(|(_, a)| a.as_str()));
                let input = StageInput {
                    stage: *s,
                    path: path.to_string(),
                    writers: touching
                        .iter()
                        .map(|w| (w.line, w.path.is_none()))
                        .collect(),
                };
                (self.h(&key), self.h(&alt), Some(input))
            }
            Err(image) => {
                let t = self.h(&["image", image, path]);
                (t.clone(), t, None)
            }
        }
    }

    /// The key of the part of a context COPY's output at `wanted`, a path strictly
    /// inside what it wrote: the digest of the matching context path only (a COPY of
    /// `src/` to `/src/` puts `src/a` at `/src/a`). `None` when the part cannot be
    /// told apart (the whole write then counts).
    fn context_part(&self, write: &Write, wanted: &str) -> Option<String> {
        let context = write.context.as_ref()?;
        let written = write.path.as_deref()?;
        let rel = match written {
            "/" => wanted.strip_prefix('/')?,
            _ => wanted.strip_prefix(written)?.strip_prefix('/')?,
        };
        let name = context.source.rsplit('/').next().unwrap_or_default();
        let mut candidates = vec![format!("{}/{rel}", context.source)];
        if context.into_dir {
            if rel == name {
                candidates.push(context.source.clone());
            } else if let Some(inner) = rel.strip_prefix(name).and_then(|r| r.strip_prefix('/')) {
                candidates.push(format!("{}/{inner}", context.source));
            }
        }
        let candidates = candidates
            .into_iter()
            .map(|c| berth_context::path::clean_str(&c));
        for candidate in candidates {
            let digest = match &context.named {
                Some(name) => match self.named(name) {
                    Some(crate::Named::Local(snapshot)) => snapshot
                        .select_source(&candidate, &[] as &[&str])
                        .ok()
                        .map(|s| s.digest),
                    _ => None,
                },
                None => self.read(&candidate, &context.exclude).digest,
            };
            if let Some(digest) = digest {
                return Some(self.h(&[
                    "context-part",
                    &context.op_digest,
                    &candidate,
                    &digest.to_string(),
                ]));
            }
        }
        None
    }

    fn copy(&self, copy: &Copy, line: usize, step: &StepScope, state: &mut StageState) -> Op {
        let mut op = Op::default();
        let mut desc = Desc::new(self.keys(), copy.kind);
        let dest = berth_context::path::resolve(&state.cwd, &copy.files.dest);
        desc.push(|| dest.clone());
        for (name, value) in copy.flags {
            desc.push(|| format!("{name}={}", value.as_deref().unwrap_or("-")));
        }
        let (mut key_tokens, mut alt_tokens) = (vec![], vec![]);
        for source in &copy.sources {
            let path = match source {
                CopySource::Heredoc(name, body) => {
                    // BuildKit writes the body to a file named after the delimiter in
                    // a scratch state and copies that: the name is part of the key,
                    // whatever the destination.
                    let t = self.h(&["heredoc", name, body]);
                    key_tokens.push(t.clone());
                    alt_tokens.push(t);
                    desc.push(|| format!("src=<<{name}"));
                    continue;
                }
                CopySource::Path(path) => path,
            };
            // A context or stage path is cleaned before it is used (`src/.` is `src`);
            // URLs are kept as written. The operation's key names a source by its base
            // name only (BuildKit's FileOp cache map: the content checksum covers the
            // rest), so `one/f` and `two/f` of the same content are one step.
            let cleaned;
            let path: &str = if remote_source(path).is_some() {
                path
            } else {
                cleaned = berth_context::path::clean_str(path);
                &cleaned
            };
            desc.push(|| format!("src={}", path.rsplit('/').next().unwrap_or(path)));
            if let Some(from) = &copy.from {
                if let Some((key, alt)) = self.named_read(from, path, &mut op) {
                    key_tokens.push(key);
                    alt_tokens.push(alt);
                    continue;
                }
                let (k, a, input) = self.stage_token(from, path);
                key_tokens.push(k);
                alt_tokens.push(a);
                if let Some(input) = input {
                    op.stage_inputs.push((input.stage, input.path));
                    op.stage_writers.push(input.writers);
                }
                continue;
            }
            if copy.kind == "add" && remote_source(path).is_some() {
                match &copy.files.checksum {
                    Some(sum) => {
                        let t = self.h(&["remote", path, sum]);
                        key_tokens.push(t.clone());
                        alt_tokens.push(t);
                    }
                    None => {
                        // The download's Last-Modified header is part of BuildKit's key:
                        // berth cannot see it offline.
                        let unknown = if self.keys() {
                            unique_token()
                        } else {
                            String::new()
                        };
                        key_tokens.push(self.h(&["remote-unpinned", path, &unknown]));
                        alt_tokens.push(self.h(&["remote", path]));
                        op.unknowable = Some(format!(
                            "ADD {path} without --checksum: the cache key includes the remote file's Last-Modified header, which berth cannot check offline"
                        ));
                    }
                }
                continue;
            }
            let read = self.read(path, copy.exclude);
            let token = Self::read_token(&read);
            key_tokens.push(token.clone());
            alt_tokens.push(token);
            op.reads.push(read);
        }
        op.op_digest = desc.digest();
        self.chain(&mut op, state, &key_tokens, &alt_tokens);
        op.uses = step.matched.clone();
        let mut key = vec![op.op_digest.as_str()];
        key.extend(key_tokens.iter().map(String::as_str));
        let mut alt = vec![op.op_digest.as_str()];
        alt.extend(alt_tokens.iter().map(String::as_str));
        let context = match (&copy.from, copy.sources.as_slice(), op.reads.as_slice()) {
            (None, [CopySource::Path(_)], [read]) if !read.source.contains(['*', '?', '[']) => {
                Some(ContextWrite {
                    source: read.source.clone(),
                    exclude: read.exclude.clone(),
                    op_digest: op.op_digest.clone(),
                    into_dir: dest.ends_with('/'),
                    named: None,
                })
            }
            _ => None,
        };
        state.writes.push(Write {
            path: Some(berth_context::path::clean_str(&dest)),
            key: self.h(&key),
            alt: self.h(&alt),
            line,
            context,
        });
        op
    }

    /// The keys of `op`: its parent's, its operation digest and the content tokens.
    fn chain(&self, op: &mut Op, state: &StageState, key_tokens: &[String], alt_tokens: &[String]) {
        let mut k = vec![state.key.as_str(), op.op_digest.as_str()];
        k.extend(key_tokens.iter().map(String::as_str));
        let mut a = vec![state.alt_key.as_str(), op.op_digest.as_str()];
        a.extend(alt_tokens.iter().map(String::as_str));
        op.key = self.h(&k);
        op.alt_key = self.h(&a);
    }

    fn run(
        &self,
        ins: &Instruction,
        run: &berth_syntax::Run,
        step: &StepScope,
        mounts: &[Vec<(String, String)>],
        state: &mut StageState,
    ) -> Result<Op, Error> {
        let mut op = Op::default();
        let mut desc = Desc::new(self.keys(), "run");
        // The command line the process gets: a shell form is the shell's words plus
        // the command, so an exec form spelling out the same words is the same step.
        match &run.cmd {
            ShellOrExec::Shell(cmd) => {
                let cmd = run_heredoc_command(cmd, &ins.heredocs);
                for word in &state.shell {
                    desc.push(|| word.clone());
                }
                desc.push(|| cmd.clone());
            }
            ShellOrExec::Exec(argv) => {
                for word in argv {
                    desc.push(|| word.to_string());
                }
            }
        }
        // The environment of the LLB state: image config ENV (default PATH included),
        // declared ARGs with a value and ENVs, in BuildKit's order. Undeclared build
        // args, including the predefined proxy args, never enter the key.
        let env: Vec<(String, String)> = if self.keys() {
            step.env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        } else {
            Vec::new()
        };
        for (k, v) in &env {
            desc.push(|| format!("env {k}={v}"));
        }
        desc.push(|| format!("cwd {}", state.run_cwd));
        desc.push(|| format!("user {}", state.user));
        desc.push(|| format!("network {}", run.network.as_deref().unwrap_or("")));
        desc.push(|| format!("security {}", run.security.as_deref().unwrap_or("")));
        let (mut key_tokens, mut alt_tokens) = (vec![], vec![]);
        for (i, m) in run.mounts.iter().enumerate() {
            let fields = mounts.get(i).map_or(&[][..], Vec::as_slice);
            let field = |names: &[&str]| -> String {
                fields
                    .iter()
                    .rev()
                    .find(|(k, _)| names.contains(&k.as_str()))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let written_target = field(&["target", "dst", "destination"]);
            let target = berth_context::path::clean_str(&berth_context::path::resolve(
                &state.cwd,
                &written_target,
            ));
            let source = field(&["source", "src"]);
            let reads_source =
                m.kind == MountKind::Bind || (m.kind == MountKind::Cache && m.from.is_some());
            desc.push(|| {
                let written = MountFields {
                    target: &target,
                    written_target: &written_target,
                    source: &source,
                    id: &field(&["id"]),
                    env: &field(&["env"]),
                };
                let mut mdesc = mount_key(m, &written, self.input.engine);
                if reads_source {
                    let source = berth_context::path::clean_str(&format!("/{source}"));
                    mdesc.push_str(&format!(" source={source}"));
                }
                mdesc
            });
            if reads_source {
                match &m.from {
                    Some(_) => {
                        let from = self.resolve_from(&field(&["from"]), step.instruction)?;
                        let path = berth_context::path::clean_str(&format!("/{source}"));
                        if let Some((key, alt)) = self.named_read(&from, &path, &mut op) {
                            key_tokens.push(key);
                            alt_tokens.push(alt);
                            continue;
                        }
                        let (k, a, input) = self.stage_token(&from, &path);
                        key_tokens.push(k);
                        alt_tokens.push(a);
                        if let Some(input) = input {
                            op.stage_inputs.push((input.stage, input.path));
                            op.stage_writers.push(input.writers);
                        }
                    }
                    None if m.kind == MountKind::Bind => {
                        let path = if source.is_empty() { "." } else { &source };
                        let read = self.read(path, &[]);
                        let token = Self::read_token(&read);
                        key_tokens.push(token.clone());
                        alt_tokens.push(token);
                        op.reads.push(read);
                    }
                    None => {}
                }
            }
        }
        op.op_digest = desc.digest();
        self.chain(&mut op, state, &key_tokens, &alt_tokens);
        op.env = env;
        op.uses = step.matched.clone();
        // A RUN can write anywhere: what a later step reads from this stage is the same
        // only when the RUN is taken from the cache.
        state.writes.push(Write {
            path: None,
            key: op.key.clone(),
            alt: self.h(&["run-output"]),
            line: ins.start_line,
            context: None,
        });
        Ok(op)
    }
}

/// The command BuildKit runs for a shell-form RUN with heredocs. A RUN that is only a
/// heredoc marker (`RUN <<EOF`) runs the body itself (`<<-` tabs stripped): the
/// delimiter's name and quoting are not part of the step, unless the body starts with a
/// shebang. Otherwise the command line and
/// every body followed by its delimiter are handed to the shell, as written.
fn run_heredoc_command(cmd: &str, heredocs: &[berth_syntax::Heredoc]) -> String {
    let Some(first) = heredocs.first() else {
        return cmd.to_string();
    };
    if heredocs.len() == 1 && is_bare_heredoc_marker(cmd) {
        let data = first.data();
        if data.starts_with("#!") {
            // A script with a shebang: BuildKit writes it to a file named after the
            // delimiter, mounts it at /dev/pipes/ and runs that path, so here the name
            // is part of the step.
            return format!("/dev/pipes/{}\0{data}", first.name);
        }
        return data.into_owned();
    }
    let mut script = cmd.to_string();
    for heredoc in heredocs {
        script.push('\n');
        script.push_str(&heredoc.content);
        script.push_str(&heredoc.name);
    }
    script
}

/// Whether a command is nothing but one heredoc marker (BuildKit's
/// `^(\d*)<<(-?)\s*([^<]*)$` with a single word after it).
fn is_bare_heredoc_marker(cmd: &str) -> bool {
    let rest = cmd.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(rest) = rest.strip_prefix("<<") else {
        return false;
    };
    let word = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    !word.is_empty() && !word.contains('<') && word.split_whitespace().count() == 1
}

/// The written string fields of a mount (expanded), and its target resolved.
struct MountFields<'a> {
    target: &'a str,
    written_target: &'a str,
    source: &'a str,
    id: &'a str,
    env: &'a str,
}

/// A mount as it enters the RUN's key, with BuildKit's defaults filled in: a secret's
/// id defaults to its source or the target's base name and its target to
/// `/run/secrets/<id>`; a cache mount's id to its target (cleaned as written). Current
/// BuildKit drops a cache mount's id and sharing from the key unless the mount is the
/// Dockerfile default (id = target, shared); BuildKit v0.8 (Docker 20.10) keeps both.
fn mount_key(m: &berth_syntax::Mount, f: &MountFields, engine: Engine) -> String {
    let octal = |v: Option<u32>| v.map_or("-".to_string(), |v| format!("{v:o}"));
    let number = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
    let base = |p: &str| {
        let clean = berth_context::path::clean_str(p);
        clean.rsplit('/').next().unwrap_or_default().to_string()
    };
    match m.kind {
        MountKind::Secret => {
            let id = if !f.source.is_empty() {
                f.source.to_string()
            } else if !f.id.is_empty() {
                f.id.to_string()
            } else {
                base(f.written_target)
            };
            let target = match (f.env.is_empty(), f.written_target.is_empty()) {
                (false, true) => "-".to_string(),
                (_, false) => f.written_target.to_string(),
                (true, true) => format!("/run/secrets/{}", base(&id)),
            };
            // A file option is given when any of uid, gid, mode is; mode then
            // defaults to 0400.
            let file = if m.uid.is_some() || m.gid.is_some() || m.mode.is_some() {
                format!(
                    "{}:{}:{:o}",
                    m.uid.unwrap_or(0),
                    m.gid.unwrap_or(0),
                    m.mode.unwrap_or(0o400)
                )
            } else {
                "-".into()
            };
            format!(
                "mount secret id={id} target={target} required={} env={} file={file}",
                m.required, f.env
            )
        }
        MountKind::Cache => {
            let written_id = if f.id.is_empty() {
                berth_context::path::clean_str(f.written_target)
            } else {
                f.id.to_string()
            };
            // The cache id BuildKit gives the worker: the namespace (empty), `/`, id.
            let id = format!("/{written_id}");
            let sharing = match m.sharing {
                None | Some(berth_syntax::Sharing::Shared) => "shared",
                Some(berth_syntax::Sharing::Private) => "private",
                Some(berth_syntax::Sharing::Locked) => "locked",
            };
            let dockerfile_default =
                (id == f.target || written_id == f.target) && sharing == "shared";
            let (id, sharing) = match engine {
                Engine::BuildKit if !dockerfile_default => (String::new(), "shared"),
                _ => (id, sharing),
            };
            format!(
                "mount cache target={} ro={} id={id} sharing={sharing} mode={} uid={} gid={}",
                f.target,
                m.readonly,
                octal(m.mode),
                number(m.uid),
                number(m.gid)
            )
        }
        _ => format!(
            "mount {} target={} ro={} id={} mode={} uid={} gid={} required={} size={} env={}",
            m.kind.as_str(),
            f.target,
            m.readonly,
            f.id,
            octal(m.mode),
            number(m.uid),
            number(m.gid),
            m.required,
            m.size.as_deref().unwrap_or("-"),
            f.env
        ),
    }
}

/// What an operation's digest is taken over, part by part. An evaluation without keys
/// (the structure only) keeps nothing and never formats a part.
struct Desc {
    parts: Option<Vec<String>>,
}

impl Desc {
    fn new(keys: bool, first: &str) -> Desc {
        Desc {
            parts: keys.then(|| vec![first.to_string()]),
        }
    }

    fn push(&mut self, part: impl FnOnce() -> String) {
        if let Some(parts) = &mut self.parts {
            parts.push(part());
        }
    }

    fn digest(&self) -> String {
        match &self.parts {
            Some(parts) => h(&parts.iter().map(String::as_str).collect::<Vec<_>>()),
            None => String::new(),
        }
    }
}

/// A COPY or ADD, with its operands expanded.
struct Copy<'a> {
    kind: &'static str,
    sources: Vec<CopySource<'a>>,
    files: &'a FileCopy,
    flags: &'a [(&'a str, Option<String>)],
    from: Option<FromValue>,
    exclude: &'a [String],
}

/// One source of a COPY or ADD.
enum CopySource<'a> {
    /// A path (or URL), expanded.
    Path(&'a str),
    /// A heredoc: the delimiter's name (the file's name) and the body (`<<-` tabs
    /// stripped, expanded when the delimiter was not quoted).
    Heredoc(&'a str, &'a str),
}

/// The sources in the order written: `files.sources` holds the paths and
/// `files.heredocs` the heredoc bodies, each in order.
fn sources<'a>(
    written: &[berth_syntax::Source],
    heredocs: &'a [berth_syntax::Heredoc],
    files: &'a FileCopy,
) -> Vec<CopySource<'a>> {
    let mut paths = files.sources.iter();
    let mut bodies = files.heredocs.iter();
    written
        .iter()
        .filter_map(|s| match s.heredoc {
            Some(i) => {
                let name = heredocs.get(i).map_or("", |h| &h.name);
                bodies.next().map(|b| CopySource::Heredoc(name, b))
            }
            None => paths.next().map(|p| CopySource::Path(p)),
        })
        .collect()
}

/// A `--chmod` value as BuildKit reads it: an octal number is a mode (`755` and `0755`
/// are one), anything else a symbolic mode kept as written.
fn chmod_value(value: &str) -> String {
    match u32::from_str_radix(value, 8) {
        Ok(mode) if mode <= 0o7777 => format!("{mode:o}"),
        _ => value.to_string(),
    }
}

/// A stage path a step reads, and the steps of that stage that wrote it.
struct StageInput {
    stage: usize,
    path: String,
    writers: Vec<(usize, bool)>,
}

/// A token no other evaluation produces: the key of a step whose real key berth
/// cannot know, so that it never matches a record.
fn unique_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
