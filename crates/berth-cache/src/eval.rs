//! Evaluating a Dockerfile against a build context: the stage graph, the state of each
//! stage (env, ARGs, user, cwd, shell) instruction by instruction, and a cache key for
//! every step, modelled on BuildKit (`reference/buildkit.md` C, DESIGN.md section 4).
//!
//! Every build step gets two keys. `key` is BuildKit's definition key: a hash chain over
//! the step's parent, its operation and the content of what it reads from the context.
//! `alt_key` is the same chain, except that content read from another stage's result
//! (`COPY --from`, `RUN --mount=from=`) is assumed unchanged. A step whose `key` was
//! recorded is cached; one whose `alt_key` was recorded is `maybe`: it is cached only if
//! the stages it reads produce byte-identical files, which berth cannot know offline.

use std::collections::{BTreeMap, BTreeSet};

use berth_syntax::expand::Lexer;
use berth_syntax::{Command, Dockerfile, Instruction, Keyword, MountKind, ShellOrExec};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::select::{selection_digest, Selection};
use crate::snapshot::{hex, Snapshot};
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
    pub stage_index: usize,
    pub line: usize,
    pub end_line: usize,
    /// The instruction's source text (continuations joined).
    pub instruction: String,
    pub keyword: String,
    pub kind: StepKind,
    /// For build steps: keys and what went into them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<Op>,
}

/// What a build step depends on.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Op {
    pub key: String,
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
    /// Names of ARGs declared in the stage (so env changes can be told apart).
    #[serde(default)]
    pub arg_names: BTreeSet<String>,
    /// Context selections read (COPY/ADD sources, bind mounts), with their digests.
    #[serde(default)]
    pub selections: Vec<(Selection, String)>,
    /// Stages whose result the step reads, with the path read.
    #[serde(default)]
    pub stage_inputs: Vec<(usize, String)>,
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
pub struct EvalInput<'a> {
    pub dockerfile: &'a Dockerfile,
    /// Name of the Dockerfile, for messages.
    pub file_name: &'a str,
    pub snapshot: &'a Snapshot,
    /// An evaluation made against this very snapshot (the record, when the context is
    /// unchanged since): the digests of the selections it made are reused rather than
    /// hashing the selected entries again.
    pub same_snapshot: Option<&'a Evaluation>,
    pub build_args: &'a [(String, String)],
    pub target: Option<&'a str>,
}

fn h(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for p in parts {
        hasher.update((p.len() as u64).to_le_bytes());
        hasher.update(p.as_bytes());
    }
    hex(&hasher.finalize())
}

/// The automatic platform args of the machine berth runs on (BuildKit sets them from
/// the build and target platforms; berth assumes a native build).
fn automatic_args() -> Vec<(String, String)> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    let platform = format!("linux/{arch}");
    vec![
        ("BUILDPLATFORM".into(), platform.clone()),
        ("BUILDOS".into(), "linux".into()),
        ("BUILDARCH".into(), arch.into()),
        ("BUILDVARIANT".into(), String::new()),
        ("TARGETPLATFORM".into(), platform),
        ("TARGETOS".into(), "linux".into()),
        ("TARGETARCH".into(), arch.into()),
        ("TARGETVARIANT".into(), String::new()),
    ]
}

/// Sets `key` in an ordered environment; re-setting moves it to the end (BuildKit).
fn set_env(env: &mut Vec<(String, String)>, key: &str, value: String) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_string(), value));
}

/// The state of a stage after some of its instructions.
#[derive(Clone, Debug, Default)]
struct StageState {
    key: String,
    alt_key: String,
    env: Vec<(String, String)>,
    arg_names: BTreeSet<String>,
    user: String,
    cwd: String,
    shell: Vec<String>,
    last_line: Option<usize>,
}

struct StageInfo {
    name: Option<String>,
    display: String,
    /// Index of the FROM instruction and one past the last instruction.
    range: (usize, usize),
    base: Base,
}

#[derive(Clone, Debug)]
enum Base {
    Image(String),
    Stage(usize),
    Scratch,
}

fn syntax_error(input: &EvalInput, ins: &Instruction, message: String) -> Error {
    let (line, column) = input.dockerfile.line_col(ins.span.start);
    Error::Rejected {
        file: input.file_name.to_string(),
        line,
        column,
        message,
    }
}

/// Evaluates every instruction of the Dockerfile for the target.
pub fn evaluate(input: &EvalInput) -> Result<Evaluation, Error> {
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
    let lexer = Lexer::new(df.escape);
    let build_args: BTreeMap<&str, &str> = input
        .build_args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();

    // Global scope: automatic args, then meta ARGs with build-arg overrides.
    let mut globals = automatic_args();
    for (k, v) in &build_args {
        if globals.iter().any(|(g, _)| g == k) {
            set_env(&mut globals, k, v.to_string());
        }
    }
    let first_from = df
        .instructions
        .iter()
        .position(|i| i.keyword == Keyword::From)
        .ok_or_else(|| Error::Rejected {
            file: input.file_name.to_string(),
            line: 1,
            column: 1,
            message: "the Dockerfile has no FROM instruction".into(),
        })?;
    for ins in &df.instructions[..first_from] {
        if let Some(Command::Arg(decls)) = &ins.command {
            for d in decls {
                let value = match (build_args.get(d.name.as_str()), &d.default) {
                    (Some(v), _) => Some(v.to_string()),
                    (None, Some(def)) => Some(
                        lexer
                            .expand_word(def, &globals)
                            .map_err(|e| syntax_error(input, ins, e.to_string()))?
                            .value,
                    ),
                    (None, None) => None,
                };
                if let Some(v) = value {
                    set_env(&mut globals, &d.name, v);
                }
            }
        }
    }

    // Stages and their bases.
    let mut stages: Vec<StageInfo> = vec![];
    for st in df.stages() {
        let ins = &df.instructions[st.from];
        let Some(Command::From(from)) = &ins.command else {
            return Err(syntax_error(input, ins, "invalid FROM instruction".into()));
        };
        let image = lexer
            .expand_word(&from.image, &globals)
            .map_err(|e| syntax_error(input, ins, e.to_string()))?
            .value;
        if image.is_empty() {
            return Err(syntax_error(
                input,
                ins,
                "base name (".to_string() + &from.image + ") should not be blank",
            ));
        }
        let lower = image.to_ascii_lowercase();
        let base = if lower == "scratch" {
            Base::Scratch
        } else if let Some(i) = stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            Base::Stage(i)
        } else if st.name.as_deref().map(str::to_ascii_lowercase) == Some(lower.clone()) {
            return Err(syntax_error(
                input,
                ins,
                format!("circular dependency detected on stage: {lower}"),
            ));
        } else {
            Base::Image(image.clone())
        };
        let name = st.name.as_ref().map(|n| n.to_ascii_lowercase());
        stages.push(StageInfo {
            display: name.clone().unwrap_or_else(|| st.index.to_string()),
            name,
            range: (st.instructions.start, st.instructions.end),
            base,
        });
    }

    // Stage references of COPY --from and RUN --mount from=.
    let find_stage = |value: &str,
                      current: usize,
                      ins: &Instruction|
     -> Result<Option<usize>, Error> {
        let lower = value.to_ascii_lowercase();
        if let Some(i) = stages
            .iter()
            .position(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            if i >= current {
                return Err(syntax_error(
                    input,
                    ins,
                    format!(
                        "cannot copy from stage \"{value}\", it needs to be defined before current stage \"{}\"",
                        stages[current].display
                    ),
                ));
            }
            return Ok(Some(i));
        }
        if let Ok(n) = value.parse::<usize>() {
            if n >= current {
                return Err(syntax_error(input, ins, format!("invalid stage index {n}")));
            }
            return Ok(Some(n));
        }
        let looks_like_stage = !value.contains(['/', ':', '.', '@']);
        if looks_like_stage {
            if let Some(near) = stages
                .iter()
                .filter_map(|s| s.name.as_deref())
                .find(|n| levenshtein(n, &lower) <= 2)
            {
                let (line, column) = input.dockerfile.line_col(ins.span.start);
                return Err(Error::UnknownStage {
                    file: input.file_name.to_string(),
                    line,
                    column,
                    name: value.to_string(),
                    hint: format!(
                        " (did you mean `{near}`? BuildKit would try to pull `{value}` as an image)"
                    ),
                });
            }
        }
        Ok(None)
    };

    // Dependencies and reachability.
    let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); stages.len()];
    for (si, st) in stages.iter().enumerate() {
        if let Base::Stage(b) = st.base {
            deps[si].insert(b);
        }
        for ins in &df.instructions[st.range.0 + 1..st.range.1] {
            for from in stage_refs(ins) {
                if let Some(d) = find_stage(&from, si, ins)? {
                    deps[si].insert(d);
                }
            }
        }
    }
    let target_index = match input.target {
        None => stages.len() - 1,
        Some(t) => {
            let lower = t.to_ascii_lowercase();
            stages
                .iter()
                .position(|s| s.name.as_deref() == Some(lower.as_str()))
                .ok_or_else(|| Error::UnknownTarget {
                    target: t.to_string(),
                    known: stages.iter().filter_map(|s| s.name.clone()).collect(),
                })?
        }
    };
    let mut reachable = BTreeSet::new();
    let mut todo = vec![target_index];
    while let Some(s) = todo.pop() {
        if reachable.insert(s) {
            todo.extend(deps[s].iter().copied());
        }
    }

    let mut finals: Vec<StageState> = vec![];
    let mut steps = vec![];
    for ins in &df.instructions[..first_from] {
        steps.push(EvalStep {
            stage: String::new(),
            stage_index: 0,
            line: ins.start_line,
            end_line: ins.end_line,
            instruction: ins.original.to_string(),
            keyword: ins.keyword.as_upper().into_owned(),
            kind: StepKind::Metadata,
            op: None,
        });
    }
    for (si, st) in stages.iter().enumerate() {
        let mut state = match &st.base {
            Base::Stage(b) => finals[*b].clone(),
            _ => StageState {
                shell: vec!["/bin/sh".into(), "-c".into()],
                cwd: "/".into(),
                ..StageState::default()
            },
        };
        let skipped = !reachable.contains(&si);
        let mut ordinal = 0;
        for (ii, ins) in df.instructions[st.range.0..st.range.1].iter().enumerate() {
            let mut step = EvalStep {
                stage: st.display.clone(),
                stage_index: si,
                line: ins.start_line,
                end_line: ins.end_line,
                instruction: ins.original.to_string(),
                keyword: ins.keyword.as_upper().into_owned(),
                kind: StepKind::Metadata,
                op: None,
            };
            let ctx = OpContext {
                input,
                lexer: &lexer,
                build_args: &build_args,
                globals: &globals,
                stages: &stages,
                finals: &finals,
                stage_index: si,
            };
            let op = if ii == 0 {
                ctx.from(ins, &st.base, &mut state)?
            } else {
                ctx.instruction(ins, &mut state, &find_stage)?
            };
            if let Some(mut op) = op {
                ordinal += 1;
                op.ordinal = ordinal;
                op.parent_line = state.last_line;
                state.key = op.key.clone();
                state.alt_key = op.alt_key.clone();
                state.last_line = Some(ins.start_line);
                step.kind = StepKind::Op;
                step.op = Some(op);
            }
            if skipped {
                step.kind = StepKind::Skipped;
            }
            steps.push(step);
        }
        finals.push(state);
    }
    Ok(Evaluation {
        target: stages[target_index].display.clone(),
        steps,
        stages: stages.iter().map(|s| s.display.clone()).collect(),
    })
}

/// `--from` values of COPY and of RUN mounts.
fn stage_refs(ins: &Instruction) -> Vec<String> {
    match &ins.command {
        Some(Command::Copy(c)) => c.from.iter().map(String::from).collect(),
        Some(Command::Run(r)) => r
            .mounts
            .iter()
            .filter_map(|m| m.from.as_ref().map(String::from))
            .collect(),
        _ => vec![],
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Joins a path onto the working directory and cleans it (keeping a trailing `/`).
fn resolve_path(cwd: &str, path: &str) -> String {
    let trailing = path.ends_with('/') && path.len() > 1;
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{cwd}/{path}")
    };
    let mut parts: Vec<&str> = vec![];
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

struct OpContext<'a, 'b> {
    input: &'a EvalInput<'b>,
    lexer: &'a Lexer,
    build_args: &'a BTreeMap<&'a str, &'a str>,
    globals: &'a Vec<(String, String)>,
    stages: &'a [StageInfo],
    finals: &'a [StageState],
    stage_index: usize,
}

type FindStage<'f> = dyn Fn(&str, usize, &Instruction) -> Result<Option<usize>, Error> + 'f;

impl OpContext<'_, '_> {
    /// The digest of a context selection (see [`EvalInput::same_snapshot`]).
    fn selection_digest(&self, sel: &Selection) -> String {
        self.input
            .same_snapshot
            .into_iter()
            .flat_map(|e| &e.steps)
            .filter_map(|s| s.op.as_ref())
            .flat_map(|op| &op.selections)
            .find(|(known, _)| known == sel)
            .map(|(_, digest)| digest.clone())
            .unwrap_or_else(|| selection_digest(self.input.snapshot, sel))
    }

    fn expand(
        &self,
        ins: &Instruction,
        word: &str,
        env: &[(String, String)],
        uses: &mut BTreeSet<String>,
    ) -> Result<String, Error> {
        let out = self
            .lexer
            .expand_word(word, env)
            .map_err(|e| syntax_error(self.input, ins, e.to_string()))?;
        uses.extend(out.matched);
        Ok(out.value)
    }

    fn from(
        &self,
        ins: &Instruction,
        base: &Base,
        state: &mut StageState,
    ) -> Result<Option<Op>, Error> {
        let Some(Command::From(from)) = &ins.command else {
            return Ok(None);
        };
        match base {
            Base::Stage(_) | Base::Scratch => {
                if let Base::Scratch = base {
                    state.key = h(&["scratch"]);
                    state.alt_key = state.key.clone();
                }
                Ok(None)
            }
            Base::Image(image) => {
                let mut uses = BTreeSet::new();
                let platform = match &from.platform {
                    Some(p) => self.expand(ins, p, self.globals, &mut uses)?,
                    None => String::new(),
                };
                let _ = self.expand(ins, &from.image, self.globals, &mut uses)?;
                let key = h(&["from", image, &platform]);
                let note = if image.contains("@sha256:") {
                    None
                } else {
                    Some(format!(
                        "`{image}` is a tag: if it moved in the registry since the record, the build pulls the new image and re-runs everything after it (berth cannot check this offline; pin it with @sha256:)"
                    ))
                };
                Ok(Some(Op {
                    alt_key: key.clone(),
                    op_digest: key.clone(),
                    key,
                    uses,
                    note,
                    ..Op::default()
                }))
            }
        }
    }

    fn instruction(
        &self,
        ins: &Instruction,
        state: &mut StageState,
        find_stage: &FindStage,
    ) -> Result<Option<Op>, Error> {
        let Some(cmd) = &ins.command else {
            return Ok(None);
        };
        let mut uses = BTreeSet::new();
        match cmd {
            Command::Env(pairs) => {
                let before = state.env.clone();
                for kv in pairs {
                    let key = self.expand(ins, &kv.key, &before, &mut uses)?;
                    let value = self.expand(ins, &kv.value, &before, &mut uses)?;
                    state.arg_names.remove(&key);
                    set_env(&mut state.env, &key, value);
                }
                Ok(None)
            }
            Command::Arg(decls) => {
                for d in decls {
                    let value = match (self.build_args.get(d.name.as_str()), &d.default) {
                        (Some(v), _) => Some(v.to_string()),
                        (None, Some(def)) => Some(self.expand(ins, def, &state.env, &mut uses)?),
                        (None, None) => self
                            .globals
                            .iter()
                            .rev()
                            .find(|(k, _)| k == &d.name)
                            .map(|(_, v)| v.clone()),
                    };
                    if let Some(v) = value {
                        state.arg_names.insert(d.name.to_string());
                        set_env(&mut state.env, &d.name, v);
                    }
                }
                Ok(None)
            }
            Command::User(u) => {
                state.user = self.expand(ins, u, &state.env, &mut uses)?;
                Ok(None)
            }
            Command::Shell(sh) => {
                state.shell = sh.iter().map(String::from).collect();
                Ok(None)
            }
            Command::Workdir(w) => {
                let value = self.expand(ins, w, &state.env, &mut uses)?;
                state.cwd = resolve_path(&state.cwd, &value);
                if state.cwd == "/" {
                    return Ok(None);
                }
                let op_digest = h(&["workdir", &state.cwd, &state.user]);
                Ok(Some(Op {
                    key: h(&[&state.key, &op_digest]),
                    alt_key: h(&[&state.alt_key, &op_digest]),
                    op_digest,
                    uses,
                    ..Op::default()
                }))
            }
            Command::Run(run) => self.run(ins, run, state, find_stage).map(Some),
            Command::Copy(c) => {
                let from = match &c.from {
                    Some(f) => {
                        Some(find_stage(f, self.stage_index, ins)?.ok_or_else(|| f.to_string()))
                    }
                    None => None,
                };
                let flags = [
                    ("chown", c.chown.as_ref().map(String::from)),
                    ("chmod", c.chmod.as_ref().map(String::from)),
                    ("link", Some(c.link.to_string())),
                    ("parents", Some(c.parents.to_string())),
                    ("exclude", Some(c.exclude.join("\0"))),
                ];
                let sources: Vec<(String, Option<String>)> = c
                    .sources
                    .iter()
                    .map(|s| (s.path.to_string(), s.heredoc.map(|i| heredoc_body(ins, i))))
                    .collect();
                self.copy(
                    ins,
                    "copy",
                    &sources,
                    &c.dest,
                    &flags,
                    from,
                    &strings(&c.exclude),
                    None,
                    state,
                )
                .map(Some)
            }
            Command::Add(a) => {
                let flags = [
                    ("chown", a.chown.as_ref().map(String::from)),
                    ("chmod", a.chmod.as_ref().map(String::from)),
                    ("link", Some(a.link.to_string())),
                    ("keep-git-dir", a.keep_git_dir.map(|b| b.to_string())),
                    ("unpack", a.unpack.map(|b| b.to_string())),
                    ("checksum", a.checksum.as_ref().map(String::from)),
                    ("exclude", Some(a.exclude.join("\0"))),
                ];
                let sources: Vec<(String, Option<String>)> = a
                    .sources
                    .iter()
                    .map(|s| (s.path.to_string(), s.heredoc.map(|i| heredoc_body(ins, i))))
                    .collect();
                self.copy(
                    ins,
                    "add",
                    &sources,
                    &a.dest,
                    &flags,
                    None,
                    &strings(&a.exclude),
                    a.checksum.as_deref(),
                    state,
                )
                .map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Content token of a path read from another stage's result, or from an image.
    fn stage_token(
        &self,
        from: &Result<usize, String>,
        path: &str,
    ) -> (String, String, Option<(usize, String)>) {
        match from {
            Ok(s) => {
                let fin = &self.finals[*s];
                (
                    h(&["stage", &fin.key, path]),
                    h(&["stage", &self.stages[*s].display, path]),
                    Some((*s, path.to_string())),
                )
            }
            Err(image) => {
                let t = h(&["image", image, path]);
                (t.clone(), t, None)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn copy(
        &self,
        ins: &Instruction,
        kind: &str,
        sources: &[(String, Option<String>)],
        dest: &str,
        flags: &[(&str, Option<String>)],
        from: Option<Result<usize, String>>,
        exclude: &[String],
        checksum: Option<&str>,
        state: &mut StageState,
    ) -> Result<Op, Error> {
        let mut uses = BTreeSet::new();
        let mut op = Op::default();
        let dest = self.expand(ins, dest, &state.env, &mut uses)?;
        let dest = resolve_path(&state.cwd, &dest);
        let mut desc: Vec<String> = vec![kind.into(), dest.clone()];
        for (name, value) in flags {
            let v = match value {
                Some(v) if *name == "chown" || *name == "chmod" || *name == "checksum" => {
                    self.expand(ins, v, &state.env, &mut uses)?
                }
                Some(v) => v.clone(),
                None => "-".into(),
            };
            desc.push(format!("{name}={v}"));
        }
        let (mut key_tokens, mut alt_tokens) = (vec![], vec![]);
        for (src, heredoc) in sources {
            if let Some(body) = heredoc {
                let t = h(&["heredoc", body]);
                key_tokens.push(t.clone());
                alt_tokens.push(t);
                desc.push(format!("src={src}"));
                continue;
            }
            let path = self.expand(ins, src, &state.env, &mut uses)?;
            let base = path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string();
            desc.push(format!("src={base}"));
            if let Some(from) = &from {
                let (k, a, input) = self.stage_token(from, &path);
                key_tokens.push(k);
                alt_tokens.push(a);
                op.stage_inputs.extend(input);
                continue;
            }
            if kind == "add" && is_remote(&path) {
                match checksum {
                    Some(sum) => {
                        let t = h(&["remote", &path, sum]);
                        key_tokens.push(t.clone());
                        alt_tokens.push(t);
                    }
                    None => {
                        // The download's Last-Modified header is part of BuildKit's key:
                        // berth cannot see it offline.
                        key_tokens.push(h(&["remote-unpinned", &path, &unique_token()]));
                        alt_tokens.push(h(&["remote", &path]));
                        op.unknowable = Some(format!(
                            "ADD {path} without --checksum: the cache key includes the remote file's Last-Modified header, which berth cannot check offline"
                        ));
                    }
                }
                continue;
            }
            let sel = Selection::new(&path, exclude);
            let digest = self.selection_digest(&sel);
            key_tokens.push(digest.clone());
            alt_tokens.push(digest.clone());
            op.selections.push((sel, digest));
        }
        op.op_digest = h(&desc.iter().map(String::as_str).collect::<Vec<_>>());
        let mut k = vec![state.key.as_str(), op.op_digest.as_str()];
        k.extend(key_tokens.iter().map(String::as_str));
        let mut a = vec![state.alt_key.as_str(), op.op_digest.as_str()];
        a.extend(alt_tokens.iter().map(String::as_str));
        op.key = h(&k);
        op.alt_key = h(&a);
        op.uses = uses;
        Ok(op)
    }

    fn run(
        &self,
        ins: &Instruction,
        run: &berth_syntax::Run,
        state: &mut StageState,
        find_stage: &FindStage,
    ) -> Result<Op, Error> {
        let mut op = Op::default();
        let mut uses = BTreeSet::new();
        let mut desc: Vec<String> = vec!["run".into()];
        match &run.cmd {
            ShellOrExec::Shell(cmd) => {
                desc.extend(state.shell.iter().cloned());
                desc.push(cmd.to_string());
            }
            ShellOrExec::Exec(argv) => {
                desc.push("exec".into());
                desc.extend(argv.iter().map(String::from));
            }
        }
        for hd in &ins.heredocs {
            desc.push(format!("heredoc {} {}", hd.name, hd.content));
        }
        // Only declared ARGs and ENVs are in the environment: undeclared build args,
        // including the predefined proxy args, never enter the key.
        let env = state.env.clone();
        for (k, v) in &env {
            desc.push(format!("env {k}={v}"));
        }
        desc.push(format!("cwd {}", state.cwd));
        desc.push(format!("user {}", state.user));
        desc.push(format!("network {}", run.network.as_deref().unwrap_or("")));
        desc.push(format!(
            "security {}",
            run.security.as_deref().unwrap_or("")
        ));
        let (mut key_tokens, mut alt_tokens) = (vec![], vec![]);
        for m in &run.mounts {
            let mut ex = |v: &Option<berth_syntax::SharedStr>| -> Result<String, Error> {
                match v {
                    Some(v) => self.expand(ins, v, &state.env, &mut uses),
                    None => Ok(String::new()),
                }
            };
            let target = resolve_path(&state.cwd, &ex(&m.target)?);
            let source = ex(&m.source)?;
            let id = ex(&m.id)?;
            let mut mdesc = format!(
                "mount {} target={target} ro={} id={id} sharing={:?} mode={:?} uid={:?} gid={:?} required={} size={:?} env={:?}",
                m.kind.as_str(),
                m.readonly,
                m.sharing,
                m.mode,
                m.uid,
                m.gid,
                m.required,
                m.size,
                m.env
            );
            if m.kind == MountKind::Bind || (m.kind == MountKind::Cache && m.from.is_some()) {
                mdesc.push_str(&format!(" source={source}"));
                match &m.from {
                    Some(f) => {
                        let from =
                            find_stage(f, self.stage_index, ins)?.ok_or_else(|| f.to_string());
                        let path = if source.is_empty() {
                            "/".to_string()
                        } else {
                            source.clone()
                        };
                        let (k, a, input) = self.stage_token(&from, &path);
                        key_tokens.push(k);
                        alt_tokens.push(a);
                        op.stage_inputs.extend(input);
                    }
                    None if m.kind == MountKind::Bind => {
                        let path = if source.is_empty() {
                            ".".to_string()
                        } else {
                            source.clone()
                        };
                        let sel = Selection::new(&path, &[]);
                        let digest = self.selection_digest(&sel);
                        key_tokens.push(digest.clone());
                        alt_tokens.push(digest.clone());
                        op.selections.push((sel, digest));
                    }
                    None => {}
                }
            }
            desc.push(mdesc);
        }
        op.op_digest = h(&desc.iter().map(String::as_str).collect::<Vec<_>>());
        let mut k = vec![state.key.as_str(), op.op_digest.as_str()];
        k.extend(key_tokens.iter().map(String::as_str));
        let mut a = vec![state.alt_key.as_str(), op.op_digest.as_str()];
        a.extend(alt_tokens.iter().map(String::as_str));
        op.key = h(&k);
        op.alt_key = h(&a);
        op.env = env;
        op.arg_names = state.arg_names.clone();
        op.uses = uses;
        Ok(op)
    }
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

/// Owned copies of the parser's strings.
fn strings(values: &[berth_syntax::SharedStr]) -> Vec<String> {
    values.iter().map(String::from).collect()
}

fn heredoc_body(ins: &Instruction, index: usize) -> String {
    ins.heredocs
        .get(index)
        .map(|h| h.content.to_string())
        .unwrap_or_default()
}

/// ADD sources BuildKit downloads or clones instead of reading from the context.
fn is_remote(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("git@")
        || lower.starts_with("git://")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compare, evaluate_text, Options, Status};

    fn statuses(
        before: &str,
        after: &str,
        args_before: &[(&str, &str)],
        args_after: &[(&str, &str)],
    ) -> Vec<(usize, Status)> {
        let snap = Snapshot::default();
        let opts = |a: &[(&str, &str)]| Options {
            build_args: a
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Options::default()
        };
        let old = evaluate_text(before, &snap, &opts(args_before)).unwrap();
        let new = evaluate_text(after, &snap, &opts(args_after)).unwrap();
        compare(&new, &snap, Some((&old, &snap)))
            .steps
            .iter()
            .map(|s| (s.line, s.status))
            .collect()
    }

    fn error(text: &str, target: Option<&str>) -> String {
        let opts = Options {
            target: target.map(str::to_string),
            ..Options::default()
        };
        evaluate_text(text, &Snapshot::default(), &opts)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn stage_graph_errors() {
        assert!(error("FROM a AS a\nRUN x\n", None)
            .contains("circular dependency detected on stage: a"));
        assert!(error("FROM busybox AS one\n", Some("two"))
            .contains("target stage \"two\" could not be found"));
        assert!(error(
            "FROM busybox\nCOPY --from=later /a /b\nFROM busybox AS later\n",
            None
        )
        .contains("needs to be defined before"));
        assert!(
            error("FROM busybox\nCOPY --from=3 /a /b\n", None).contains("invalid stage index 3")
        );
        assert!(error(
            "FROM busybox AS build\nFROM busybox\nCOPY --from=biuld /a /b\n",
            None
        )
        .contains("did you mean `build`"));
        assert!(error("RUN x\n", None).contains(":1:1:"));
    }

    #[test]
    fn unreachable_stages_are_skipped_and_images_in_copy_from_are_allowed() {
        let text = "FROM busybox AS unused\nRUN a\nFROM busybox AS used\nRUN b\nFROM busybox\nCOPY --from=used /x /x\nCOPY --from=nginx:1 /y /y\n";
        let eval = evaluate_text(text, &Snapshot::default(), &Options::default()).unwrap();
        let kinds: Vec<StepKind> = eval.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds[..2], [StepKind::Skipped, StepKind::Skipped]);
        assert!(kinds[2..].iter().all(|k| *k == StepKind::Op));
        assert_eq!(eval.target, "2");
    }

    #[test]
    fn arg_scoping() {
        let df = "ARG G=1\nFROM busybox\nRUN echo $G\nARG L\nRUN echo\n";
        // A global ARG not re-declared in the stage changes nothing.
        let s = statuses(df, df, &[("G", "1")], &[("G", "2")]);
        assert!(
            s.iter()
                .all(|(_, st)| matches!(st, Status::Cached | Status::Metadata)),
            "{s:?}"
        );
        // A declared ARG re-runs the RUNs after it only.
        let s = statuses(df, df, &[("L", "1")], &[("L", "2")]);
        assert_eq!(s[2], (3, Status::Cached));
        assert_eq!(s[4], (5, Status::Rebuild));
        // Proxy args change nothing unless declared.
        let s = statuses(df, df, &[("HTTP_PROXY", "a")], &[("HTTP_PROXY", "b")]);
        assert!(s
            .iter()
            .all(|(_, st)| matches!(st, Status::Cached | Status::Metadata)));
    }

    #[test]
    fn remote_add_is_maybe_unless_pinned() {
        let df = "FROM busybox\nADD https://example.invalid/a.tgz /a\nADD --checksum=sha256:0123 https://example.invalid/b.tgz /b\n";
        let s = statuses(df, df, &[], &[]);
        assert_eq!(s[1], (2, Status::Maybe));
        // The pinned download would be cached, but it is chained on a maybe.
        assert_eq!(s[2], (3, Status::Maybe));
        let pinned = "FROM busybox\nADD --checksum=sha256:0123 https://example.invalid/b.tgz /b\n";
        assert_eq!(statuses(pinned, pinned, &[], &[])[1], (2, Status::Cached));
    }

    #[test]
    fn from_reference_and_metadata() {
        let a = "FROM busybox:1.36\nLABEL a=1\nRUN x\n";
        let b = "FROM busybox@sha256:abc\nLABEL a=2\nRUN x\n";
        let s = statuses(a, b, &[], &[]);
        assert_eq!(
            s,
            [
                (1, Status::Rebuild),
                (2, Status::Metadata),
                (3, Status::Rebuild)
            ]
        );
        let eval = evaluate_text(a, &Snapshot::default(), &Options::default()).unwrap();
        assert!(eval.steps[0]
            .op
            .as_ref()
            .unwrap()
            .note
            .as_ref()
            .unwrap()
            .contains("cannot check this offline"));
    }

    #[test]
    fn copy_ignores_env_but_run_sees_it() {
        let a = "FROM busybox\nENV X=1\nCOPY --chmod=644 . /a\nRUN x\n";
        let b = "FROM busybox\nENV X=2\nCOPY --chmod=644 . /a\nRUN x\n";
        let s = statuses(a, b, &[], &[]);
        assert_eq!(s[2], (3, Status::Cached));
        assert_eq!(s[3], (4, Status::Rebuild));
        let c = "FROM busybox\nENV X=1\nCOPY --chmod=755 . /a\nRUN x\n";
        assert_eq!(statuses(a, c, &[], &[])[2], (3, Status::Rebuild));
    }

    #[test]
    fn resolve_path_joins_and_cleans() {
        assert_eq!(resolve_path("/app", "src/"), "/app/src/");
        assert_eq!(resolve_path("/app", "./x"), "/app/x");
        assert_eq!(resolve_path("/app", "/abs/../y"), "/y");
        assert_eq!(resolve_path("/", "."), "/");
        assert_eq!(resolve_path("/a", "../.."), "/");
    }

    #[test]
    fn levenshtein_distances() {
        assert_eq!(levenshtein("build", "buidl"), 2);
        assert_eq!(levenshtein("build", "build"), 0);
        assert_eq!(levenshtein("", "ab"), 2);
    }

    #[test]
    fn set_env_moves_reassigned_keys_last() {
        let mut env = vec![
            ("A".to_string(), "1".to_string()),
            ("B".to_string(), "2".to_string()),
        ];
        set_env(&mut env, "A", "3".into());
        assert_eq!(
            env,
            vec![
                ("B".to_string(), "2".to_string()),
                ("A".to_string(), "3".to_string())
            ]
        );
    }
}
