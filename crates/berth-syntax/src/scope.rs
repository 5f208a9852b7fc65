//! ARG and ENV scoping: the environment BuildKit's builder has in effect at every
//! instruction, and each instruction's operands after variable expansion.
//!
//! [`resolve`] walks a parsed [`Dockerfile`] the way BuildKit's dispatcher does:
//!
//! - **Global scope** ([`Scope::global`]): the automatic platform args, then the meta
//!   ARGs (those before the first FROM), each default expanded against the global scope
//!   so far, a `--build-arg` value replacing the default (not expanded). FROM image
//!   names and `--platform` values are expanded against this scope only.
//! - **Stages**: a stage starts with its base's environment: for an image, the image's
//!   ENV (unknown offline: see [`ScopeOptions::base_image_env`]) plus BuildKit's default
//!   `PATH` when the image sets none; for `FROM <earlier stage>`, that stage's final
//!   environment and declared ARGs. `ARG NAME[=default]` takes the build-arg value if one
//!   is given, else the default expanded against the stage environment, else the global
//!   value of that name, else stays unset; an ARG with a value enters the environment
//!   (except `BUILDKIT_SBOM_SCAN_*`). ENV pairs are all expanded against the
//!   environment from before the instruction; each default of a multi-name ARG sees the
//!   names declared before it on the same line.
//! - **Automatic args** default to a native build on the machine berth runs on
//!   ([`Platform::native`]: `BUILDPLATFORM=linux/amd64`, `BUILDOS=linux`,
//!   `BUILDARCH=amd64` on x86-64, variants and OS versions empty, the same for `TARGET*`)
//!   and `TARGETSTAGE` = the target stage's name (or `default`). Set
//!   [`ScopeOptions::build_platform`] / `target_platform` or pass a build arg of the same
//!   name to change them. Which of them exist depends on the engine
//!   ([`ScopeOptions::frontend`]).
//! - **The environment is ordered** as BuildKit's LLB state keeps it: setting a name
//!   again moves it to the end (so the same values in another order are another RUN
//!   key), and a stage built `FROM` an earlier stage re-applies that stage's image
//!   config ENV on top of its state (ARG-only variables first). Both measured on Docker
//!   28.5.2 and 20.10.24.
//! - **Proxy args** (`HTTP_PROXY`, `https_proxy`, ... given as build args) are collected
//!   in [`Scope::proxy_env`]: BuildKit gives them to every RUN without their entering
//!   the cache key, unless the Dockerfile declares them as ARG.
//!
//! What is expanded (B4 of the reference): ENV and LABEL keys and values, ARG defaults,
//! COPY/ADD sources, destination, `--chown`, `--chmod`, ADD `--checksum` and expandable
//! heredoc bodies (variables only, quotes kept), WORKDIR, USER, VOLUME, STOPSIGNAL,
//! EXPOSE (word splitting) and the values of `RUN --mount`. RUN, CMD, ENTRYPOINT,
//! SHELL, HEALTHCHECK and ONBUILD are not expanded by the builder.
//!
//! ```
//! use berth_syntax::{parse, scope::{resolve, Expansion, ScopeOptions}};
//!
//! let file = parse("\
//! ARG BASE=alpine:3.20
//! FROM $BASE AS build
//! ARG VERSION=1.0
//! ENV APP=/opt/app-$VERSION
//! COPY --chown=$USER src/ $APP/
//! RUN make
//! ");
//! let options = ScopeOptions::default().build_arg("VERSION", "2.0");
//! let scope = resolve(&file, &options);
//! let stage = &scope.stages[0];
//! assert_eq!(stage.base_name, "alpine:3.20");
//! let copy = stage.step(4).unwrap();
//! assert_eq!(copy.env.get("APP"), Some("/opt/app-2.0"));
//! match &copy.expansion {
//!     Some(Expansion::Copy(files)) => assert_eq!(files.dest, "/opt/app-2.0/"),
//!     other => panic!("{other:?}"),
//! }
//! // `$USER` is neither set nor a declared ARG: BuildKit's UndefinedVar case.
//! assert!(copy.undefined.contains("USER"));
//! // The RUN sees the ARG's value in its environment, so a new value re-runs it.
//! assert_eq!(stage.step(5).unwrap().env.get("VERSION"), Some("2.0"));
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::expand::{ExpandError, Lexer, Lookup};
use crate::{Command, Dockerfile, Instruction, Keyword};

/// Build args never put into a stage's environment.
const NON_ENV_ARGS: [&str; 2] = ["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// BuildKit's default `PATH` for Linux stages whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Proxy args BuildKit passes to RUN without declaring them (any case).
const PROXY_ARGS: [&str; 5] = [
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "FTP_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
];

/// An ordered environment (`KEY=value` list as BuildKit's LLB state keeps it): setting a
/// name again moves it to the end with its new value (`llb.EnvList.AddOrReplace`, in
/// BuildKit v0.8 and today). The order is part of a RUN's cache key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    /// An empty environment.
    pub fn new() -> Self {
        Env::default()
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Set `name` to `value`, moving it to the end.
    ///
    /// ```
    /// use berth_syntax::scope::Env;
    /// let mut env: Env = [("A", "1"), ("B", "2")].into_iter().collect();
    /// env.set("A", "1");
    /// assert_eq!(env.names().collect::<Vec<_>>(), ["B", "A"]);
    /// ```
    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.retain(|(key, _)| key != name);
        self.vars.push((name.to_string(), value.to_string()));
    }

    /// Set `name` to `value` where it stands (appended when new): how an image config's
    /// `Env` list is updated by ENV (BuildKit's `addEnv`).
    pub fn set_in_place(&mut self, name: &str, value: &str) {
        match self.vars.iter_mut().find(|(key, _)| key == name) {
            Some((_, old)) => *old = value.to_string(),
            None => self.vars.push((name.to_string(), value.to_string())),
        }
    }

    /// The variables in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(k, _)| k.as_str())
    }

    /// How many variables are set.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when no variable is set.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}

impl Lookup for Env {
    fn lookup(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

/// Collects pairs as an image config lists them: a repeated name keeps its first
/// position and takes its last value.
impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut env = Env::new();
        for (k, v) in iter {
            env.set_in_place(&k.into(), &v.into());
        }
        env
    }
}

/// An OS/architecture pair such as `linux/arm64/v8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `windows`, ...
    pub os: String,
    /// `amd64`, `arm64`, ...
    pub arch: String,
    /// `v7`, `v8`, ... or empty.
    pub variant: String,
    /// The OS version (Windows images), or empty.
    pub os_version: String,
}

impl Platform {
    /// The platform of the machine berth runs on, as the engine on it names its own:
    /// `docker build` without `--platform` builds for it, so the automatic platform args
    /// default to it.
    pub fn native() -> Self {
        let (arch, variant) = match std::env::consts::ARCH {
            "x86_64" => ("amd64", ""),
            "aarch64" => ("arm64", ""),
            "x86" => ("386", ""),
            "arm" => ("arm", "v7"),
            "powerpc64" if cfg!(target_endian = "little") => ("ppc64le", ""),
            "loongarch64" => ("loong64", ""),
            other => (other, ""),
        };
        Platform {
            os: "linux".into(),
            arch: arch.into(),
            variant: variant.into(),
            os_version: String::new(),
        }
    }

    /// `linux/amd64`, the default for both the build and the target platform.
    pub fn linux_amd64() -> Self {
        Platform {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: String::new(),
            os_version: String::new(),
        }
    }

    /// `os/arch[/variant]`.
    pub fn format(&self) -> String {
        if self.variant.is_empty() {
            format!("{}/{}", self.os, self.arch)
        } else {
            format!("{}/{}/{}", self.os, self.arch, self.variant)
        }
    }
}

impl Default for Platform {
    /// [`Platform::native`].
    fn default() -> Self {
        Platform::native()
    }
}

/// What the engine's Dockerfile frontend does where BuildKit versions differ (the engine
/// profiles of `berth_context::Engine` map onto it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frontend {
    /// `TARGETSTAGE` is an automatic arg (BuildKit v0.17 and later).
    pub target_stage_arg: bool,
    /// `BUILDOSVERSION` and `TARGETOSVERSION` are automatic args (BuildKit v0.19 and
    /// later).
    pub os_version_args: bool,
    /// `ARG BUILDKIT_SBOM_SCAN_CONTEXT` / `BUILDKIT_SBOM_SCAN_STAGE` never enter the
    /// environment (BuildKit v0.11 and later).
    pub sbom_args_outside_env: bool,
}

impl Frontend {
    /// Current BuildKit (Docker 28).
    pub const CURRENT: Frontend = Frontend {
        target_stage_arg: true,
        os_version_args: true,
        sbom_args_outside_env: true,
    };

    /// BuildKit v0.8, in Docker 20.10: measured there, `ARG TARGETSTAGE` and
    /// `ARG BUILDOSVERSION` stay unset and an `ARG BUILDKIT_SBOM_SCAN_STAGE` value is in
    /// RUN's environment.
    pub const BUILDKIT_0_8: Frontend = Frontend {
        target_stage_arg: false,
        os_version_args: false,
        sbom_args_outside_env: false,
    };
}

impl Default for Frontend {
    /// [`Frontend::CURRENT`].
    fn default() -> Self {
        Frontend::CURRENT
    }
}

/// Whether an ARG named `name` puts its value into the environment of later RUNs under
/// `frontend` (every ARG does, except `BUILDKIT_SBOM_SCAN_*` since BuildKit v0.11).
pub fn arg_enters_env(name: &str, frontend: Frontend) -> bool {
    !(frontend.sbom_args_outside_env && NON_ENV_ARGS.contains(&name))
}

/// Whether `name` is one of the predefined proxy args (`HTTP_PROXY`, `https_proxy`, ...,
/// any case): given as a build arg, BuildKit hands it to every RUN outside the cache key,
/// unless the Dockerfile declares it as an ARG.
///
/// ```
/// assert!(berth_syntax::scope::is_proxy_arg("https_proxy"));
/// assert!(!berth_syntax::scope::is_proxy_arg("PROXY"));
/// ```
pub fn is_proxy_arg(name: &str) -> bool {
    PROXY_ARGS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

/// Inputs of a build that decide the environment: build args, target and platforms.
#[derive(Clone, Debug, Default)]
pub struct ScopeOptions {
    /// `--build-arg K=V` values, in order (a later one wins).
    pub build_args: Vec<(String, String)>,
    /// `--target` (case-insensitive stage name); the last stage when `None`.
    pub target: Option<String>,
    /// The platform the build runs on (`BUILDPLATFORM`).
    pub build_platform: Platform,
    /// The platform the build is for (`TARGETPLATFORM`, `--platform`).
    pub target_platform: Platform,
    /// Which frontend's behaviour to follow where versions differ.
    pub frontend: Frontend,
    /// The ENV of base images, keyed by the image reference as expanded from FROM. An
    /// image missing here is treated as setting no variables (then BuildKit adds
    /// [`DEFAULT_PATH`]).
    pub base_image_env: BTreeMap<String, Vec<(String, String)>>,
}

impl ScopeOptions {
    /// Add a `--build-arg name=value`.
    pub fn build_arg(mut self, name: &str, value: &str) -> Self {
        self.build_args.push((name.to_string(), value.to_string()));
        self
    }

    /// Set `--target`.
    pub fn target(mut self, stage: &str) -> Self {
        self.target = Some(stage.to_string());
        self
    }

    fn build_arg_value(&self, name: &str) -> Option<&str> {
        self.build_args.as_slice().lookup(name)
    }
}

/// A meta ARG (declared before the first FROM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaArg {
    /// The declared name.
    pub name: String,
    /// The default as written.
    pub default: Option<String>,
    /// The value in the global scope: the build arg, else the expanded default.
    pub value: Option<String>,
    /// Index of the ARG instruction.
    pub instruction: usize,
    /// Names the default referenced that were set (the ARG's dependencies).
    pub deps: BTreeSet<String>,
}

/// What a stage is built on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base {
    /// `FROM scratch`.
    Scratch,
    /// An image reference (expanded).
    Image(String),
    /// An earlier stage, by index.
    Stage(usize),
}

/// One build stage.
#[derive(Clone, Debug)]
pub struct StageScope {
    /// 0-based stage index.
    pub index: usize,
    /// The `AS name` as written.
    pub name: Option<String>,
    /// Index of the FROM instruction.
    pub from: usize,
    /// The FROM image after expansion against the global scope.
    pub base_name: String,
    /// What the stage is built on.
    pub base: Base,
    /// `--platform` after expansion, if given.
    pub platform: Option<String>,
    /// Global names the FROM line (image and platform) referenced that were set.
    pub from_matched: BTreeSet<String>,
    /// Global names the FROM line referenced that were unset.
    pub from_unmatched: BTreeSet<String>,
    /// Whether building the target needs this stage (target, its bases, `COPY --from`
    /// and `RUN --mount from=` sources, transitively).
    pub reachable: bool,
    /// The ONBUILD triggers of the base stage (`FROM <stage>`), which BuildKit runs
    /// first, as steps of this stage, in the order the base stage declared them.
    pub triggers: Vec<Trigger>,
    /// The instructions after FROM, in order.
    pub steps: Vec<StepScope>,
    /// The environment at the end of the stage (what a stage built FROM it starts with).
    pub final_env: Env,
    /// The image config's ENV at the end of the stage (base image ENV, default `PATH`
    /// and ENV instructions, each name where it was first set): what a stage built FROM
    /// it re-applies on top of [`StageScope::final_env`].
    pub final_config_env: Env,
    /// The ARGs declared in scope at the end of the stage (inherited ones first).
    pub final_args: Vec<DeclaredArg>,
    /// Stages this one reads from (base, `COPY --from`, `RUN --mount from=`).
    pub depends_on: BTreeSet<usize>,
}

impl StageScope {
    /// The step for instruction `index` (an index into `Dockerfile::instructions`).
    pub fn step(&self, index: usize) -> Option<&StepScope> {
        self.steps.iter().find(|s| s.instruction == index)
    }
}

/// An ARG declared in a stage and its value there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeclaredArg {
    /// The declared name.
    pub name: String,
    /// Its value there (`None`: unset).
    pub value: Option<String>,
    /// Index of the declaring ARG instruction (in the stage or an ancestor stage).
    pub instruction: usize,
}

/// An ONBUILD trigger of a base stage, run as a step of the stage built FROM it.
#[derive(Clone, Debug)]
pub struct Trigger {
    /// The trigger's instruction, parsed from the ONBUILD's text as BuildKit parses it
    /// (its spans are offsets into that text, not into the Dockerfile).
    pub instruction: Instruction,
    /// Its scope in the child stage; `instruction` is the index of the ONBUILD in
    /// `Dockerfile::instructions`.
    pub step: StepScope,
}

/// One instruction of a stage, with the scope it sees.
#[derive(Clone, Debug)]
pub struct StepScope {
    /// Index into `Dockerfile::instructions`.
    pub instruction: usize,
    /// The environment before the instruction runs: base ENV, ENV instructions and ARG
    /// values in scope. This is the environment a RUN gets.
    pub env: Env,
    /// ARGs declared in scope before the instruction (inherited from base stages too).
    pub args: Vec<DeclaredArg>,
    /// The instruction's operands after expansion (`None` for instructions the builder
    /// does not expand, or when expansion failed).
    pub expansion: Option<Expansion>,
    /// Names the expansions referenced that were set.
    pub matched: BTreeSet<String>,
    /// Names the expansions referenced that were unset.
    pub unmatched: BTreeSet<String>,
    /// Unset names that are not declared ARGs either: BuildKit's `UndefinedVar` cases.
    pub undefined: BTreeSet<String>,
    /// The first expansion error (BuildKit fails the build there).
    pub error: Option<ExpandError>,
}

/// The expanded operands of one instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expansion {
    /// ENV pairs, expanded.
    Env(Vec<(String, String)>),
    /// LABEL pairs, expanded.
    Label(Vec<(String, String)>),
    /// Each declared name with the value it took (`None`: unset).
    Arg(Vec<(String, Option<String>)>),
    /// COPY operands.
    Copy(FileCopy),
    /// ADD operands.
    Add(FileCopy),
    /// The WORKDIR path as written after expansion (not yet cleaned or joined).
    Workdir(String),
    /// The USER.
    User(String),
    /// The VOLUME paths.
    Volume(Vec<String>),
    /// The STOPSIGNAL.
    Stopsignal(String),
    /// Ports after word splitting.
    Expose(Vec<String>),
    /// The `key=value` fields of each `--mount`, values expanded.
    Run {
        /// Per mount, its `(key, value)` fields (keys lower-cased).
        mounts: Vec<Vec<(String, String)>>,
    },
}

/// The expanded operands of COPY or ADD.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileCopy {
    /// Source paths (heredoc sources excluded; see `heredocs`).
    pub sources: Vec<String>,
    /// The destination.
    pub dest: String,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod`.
    pub chmod: Option<String>,
    /// ADD `--checksum`.
    pub checksum: Option<String>,
    /// `--from` as written (BuildKit does not expand it).
    pub from: Option<String>,
    /// Heredoc source bodies, expanded when their delimiter was unquoted.
    pub heredocs: Vec<String>,
}

/// An error found while resolving the scope (BuildKit stops the build at the first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeError {
    /// Index of the instruction.
    pub instruction: usize,
    /// BuildKit's message.
    pub message: String,
}

/// The result of [`resolve`].
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// What FROM lines see: automatic args and meta ARGs after build-arg overrides.
    pub global: Env,
    /// The global scope computed from defaults only, ignoring build args (BuildKit's
    /// check that base images stay valid without build args uses it).
    pub global_defaults: Env,
    /// The ARGs declared before the first FROM.
    pub meta_args: Vec<MetaArg>,
    /// Proxy build args handed to every RUN outside the cache key.
    pub proxy_env: Env,
    /// Every stage, in order.
    pub stages: Vec<StageScope>,
    /// Index of the target stage (`None`: no stage, or `--target` not found).
    pub target: Option<usize>,
    /// Errors found while resolving (BuildKit stops at the first).
    pub errors: Vec<ScopeError>,
    /// Every stage's name, lower-cased, by index.
    stage_names: Vec<Option<String>>,
}

impl Scope {
    /// The stage and step of instruction `index`.
    pub fn step(&self, index: usize) -> Option<(&StageScope, &StepScope)> {
        self.stages
            .iter()
            .find_map(|stage| stage.step(index).map(|step| (stage, step)))
    }

    /// What a `COPY --from` or `RUN --mount from=` value used in stage `current` refers
    /// to, as BuildKit decides it: a number is a stage index, else a stage name
    /// (case-insensitive), else an image reference. The error is BuildKit's message for
    /// an index out of range or a stage that is not defined before `current`.
    ///
    /// ```
    /// use berth_syntax::{parse, scope::{resolve, ScopeOptions, StageRef}};
    /// let file = parse("FROM alpine AS build\nFROM alpine\nCOPY --from=BUILD /a /a\n");
    /// let scope = resolve(&file, &ScopeOptions::default());
    /// assert_eq!(scope.stage_ref("BUILD", 1), Ok(StageRef::Stage(0)));
    /// assert_eq!(scope.stage_ref("nginx:1", 1), Ok(StageRef::Image("nginx:1".into())));
    /// assert!(scope.stage_ref("5", 1).unwrap_err().contains("invalid stage index 5"));
    /// ```
    pub fn stage_ref(&self, value: &str, current: usize) -> Result<StageRef, String> {
        stage_ref(&self.stage_names, value, current)
    }

    /// The stage named `name` (case-insensitive, as BuildKit looks names up).
    pub fn stage_by_name(&self, name: &str) -> Option<&StageScope> {
        let wanted = name.to_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref().map(str::to_lowercase) == Some(wanted.clone()))
    }
}

/// What a `--from` value refers to (see [`Scope::stage_ref`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StageRef {
    /// An earlier stage, by index.
    Stage(usize),
    /// An image reference, as written.
    Image(String),
}

/// [`Scope::stage_ref`] over the stage names.
fn stage_ref(names: &[Option<String>], value: &str, current: usize) -> Result<StageRef, String> {
    let current_name = || {
        names
            .get(current)
            .cloned()
            .flatten()
            .unwrap_or_else(|| format!("stage-{current}"))
    };
    let later = |_| {
        format!(
            "cannot copy from stage {value:?}, it needs to be defined before current stage {:?}",
            current_name()
        )
    };
    // Go's `strconv.Atoi`: an optional sign, then decimal digits.
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let index: i128 = value.parse().unwrap_or(i128::MAX);
        return match usize::try_from(index) {
            Ok(i) if i < names.len() && i < current => Ok(StageRef::Stage(i)),
            Ok(i) if i < names.len() => Err(later(i)),
            _ => Err(format!("invalid stage index {index}")),
        };
    }
    let lower = value.to_lowercase();
    match names
        .iter()
        .position(|n| n.as_deref() == Some(lower.as_str()))
    {
        Some(i) if i < current => Ok(StageRef::Stage(i)),
        Some(i) => Err(later(i)),
        None => Ok(StageRef::Image(value.to_string())),
    }
}

/// The `--from` values of a step: `COPY --from` and each `RUN --mount from=`.
fn from_values(step: &StepScope) -> Vec<String> {
    match &step.expansion {
        Some(Expansion::Copy(files)) => files.from.iter().cloned().collect(),
        Some(Expansion::Run { mounts }) => mounts
            .iter()
            .flat_map(|m| {
                m.iter()
                    .filter(|(k, _)| k == "from")
                    .map(|(_, v)| v.clone())
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Compute the scope of every stage and instruction of `file` for one build.
pub fn resolve(file: &Dockerfile, options: &ScopeOptions) -> Scope {
    Resolver::new(file, options).run()
}

struct Resolver<'a> {
    file: &'a Dockerfile,
    options: &'a ScopeOptions,
    lexer: Lexer,
    scope: Scope,
    /// Every stage's name, lower-cased, by index.
    stage_names: Vec<Option<String>>,
}

impl<'a> Resolver<'a> {
    fn new(file: &'a Dockerfile, options: &'a ScopeOptions) -> Self {
        Resolver {
            file,
            options,
            lexer: Lexer::new(file.escape),
            scope: Scope::default(),
            stage_names: Vec::new(),
        }
    }

    fn run(mut self) -> Scope {
        let stages = self.file.stages();
        self.stage_names = stages
            .iter()
            .map(|s| s.name.as_deref().map(str::to_lowercase))
            .collect();
        self.scope.stage_names = self.stage_names.clone();
        let target_name = match &self.options.target {
            Some(t) => Some(t.clone()),
            None => stages
                .last()
                .and_then(|s| s.name.as_deref().map(str::to_string)),
        };
        self.scope.target = match &self.options.target {
            Some(t) => stages
                .iter()
                .position(|s| s.name.as_deref().map(str::to_lowercase) == Some(t.to_lowercase())),
            None => stages.len().checked_sub(1),
        };
        let automatic = self.automatic_args(target_name.as_deref().unwrap_or(""));
        self.resolve_meta_args(automatic);
        self.scope.proxy_env = self
            .options
            .build_args
            .iter()
            .filter(|(k, _)| is_proxy_arg(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for stage in &stages {
            let resolved = self.resolve_stage(
                stage.index,
                stage.name.as_deref().map(str::to_string),
                stage.from,
                stage.instructions.clone(),
            );
            self.scope.stages.push(resolved);
        }
        self.mark_reachable();
        self.scope
    }

    fn automatic_args(&self, target_stage: &str) -> Env {
        let build = &self.options.build_platform;
        let target = &self.options.target_platform;
        let target_stage = if target_stage.is_empty() {
            "default".to_string()
        } else {
            target_stage.to_string()
        };
        let frontend = self.options.frontend;
        let pairs = [
            ("BUILDPLATFORM", build.format(), true),
            ("BUILDOS", build.os.clone(), true),
            (
                "BUILDOSVERSION",
                build.os_version.clone(),
                frontend.os_version_args,
            ),
            ("BUILDARCH", build.arch.clone(), true),
            ("BUILDVARIANT", build.variant.clone(), true),
            ("TARGETPLATFORM", target.format(), true),
            ("TARGETOS", target.os.clone(), true),
            (
                "TARGETOSVERSION",
                target.os_version.clone(),
                frontend.os_version_args,
            ),
            ("TARGETARCH", target.arch.clone(), true),
            ("TARGETVARIANT", target.variant.clone(), true),
            ("TARGETSTAGE", target_stage, frontend.target_stage_arg),
        ];
        let mut env = Env::new();
        for (name, value, defined) in pairs {
            if !defined {
                continue;
            }
            let value = self
                .options
                .build_arg_value(name)
                .unwrap_or(&value)
                .to_string();
            env.set(name, &value);
        }
        env
    }

    fn resolve_meta_args(&mut self, automatic: Env) {
        let mut global = automatic.clone();
        let mut defaults_only = automatic;
        let meta_end = self
            .file
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .unwrap_or(self.file.instructions.len());
        for index in 0..meta_end {
            let Some(Command::Arg(decls)) = &self.file.instructions[index].command else {
                continue;
            };
            for decl in decls {
                let mut deps = BTreeSet::new();
                if let Some(default) = &decl.default {
                    if let Ok(out) = self.lexer.expand_word(default, &defaults_only) {
                        defaults_only.set(&decl.name, &out.value);
                    }
                }
                let value = match (self.options.build_arg_value(&decl.name), &decl.default) {
                    (Some(given), _) => Some(given.to_string()),
                    (None, Some(default)) => match self.lexer.expand_word(default, &global) {
                        Ok(out) => {
                            deps = out.matched;
                            deps.remove(decl.name.as_str());
                            Some(out.value)
                        }
                        Err(err) => {
                            self.error(index, err.to_string());
                            None
                        }
                    },
                    (None, None) => None,
                };
                if let Some(value) = &value {
                    global.set(&decl.name, value);
                }
                self.scope.meta_args.push(MetaArg {
                    name: decl.name.to_string(),
                    default: decl.default.as_deref().map(str::to_string),
                    value,
                    instruction: index,
                    deps,
                });
            }
        }
        self.scope.global = global;
        self.scope.global_defaults = defaults_only;
    }

    fn error(&mut self, instruction: usize, message: String) {
        self.scope.errors.push(ScopeError {
            instruction,
            message,
        });
    }

    fn stage_index_by_name(&self, name: &str) -> Option<usize> {
        // BuildKit compares the expanded base name with the lower-cased stage names.
        self.scope
            .stages
            .iter()
            .position(|s| s.name.as_deref().map(str::to_lowercase).as_deref() == Some(name))
    }

    fn resolve_stage(
        &mut self,
        index: usize,
        name: Option<String>,
        from: usize,
        instructions: std::ops::Range<usize>,
    ) -> StageScope {
        let (image, platform) = match &self.file.instructions[from].command {
            Some(Command::From(f)) => (f.image.clone(), f.platform.clone()),
            _ => (crate::SharedStr::default(), None),
        };
        let mut from_matched = BTreeSet::new();
        let mut from_unmatched = BTreeSet::new();
        let base_name = match self.lexer.expand_word(&image, &self.scope.global) {
            Ok(out) => {
                from_matched.extend(out.matched);
                from_unmatched.extend(out.unmatched);
                if out.value.is_empty() {
                    self.error(from, format!("base name ({image}) should not be blank"));
                }
                out.value
            }
            Err(err) => {
                from_unmatched.extend(err.unmatched().iter().cloned());
                self.error(from, err.to_string());
                String::new()
            }
        };
        let platform =
            platform.and_then(|p| match self.lexer.expand_word(&p, &self.scope.global) {
                Ok(out) => {
                    from_matched.extend(out.matched);
                    from_unmatched.extend(out.unmatched);
                    if out.value.is_empty() {
                        self.error(from, format!("empty platform value from expression {p}"));
                    }
                    Some(out.value)
                }
                Err(err) => {
                    from_unmatched.extend(err.unmatched().iter().cloned());
                    self.error(from, err.to_string());
                    None
                }
            });
        let own_name = name.as_deref().map(str::to_lowercase);
        let base = if let Some(parent) = self.stage_index_by_name(&base_name) {
            Base::Stage(parent)
        } else if base_name == "scratch" {
            Base::Scratch
        } else {
            if own_name.as_deref() == Some(base_name.as_str()) {
                self.error(
                    from,
                    format!("circular dependency detected on stage: {base_name}"),
                );
            }
            Base::Image(base_name.clone())
        };
        // The image config's ENV (with BuildKit's default PATH when it sets none), then
        // the LLB state: a stage built FROM another starts from that stage's state and
        // re-applies its image config ENV on top (`AddEnv` moves each to the end).
        let (mut env, mut config, mut args) = match &base {
            Base::Stage(parent) => {
                let parent = &self.scope.stages[*parent];
                (
                    parent.final_env.clone(),
                    parent.final_config_env.clone(),
                    parent.final_args.clone(),
                )
            }
            Base::Image(image) => (
                Env::new(),
                self.options
                    .base_image_env
                    .get(image)
                    .map(|vars| vars.iter().cloned().collect())
                    .unwrap_or_default(),
                Vec::new(),
            ),
            Base::Scratch => (Env::new(), Env::new(), Vec::new()),
        };
        if config.get("PATH").is_none() {
            config.set_in_place("PATH", DEFAULT_PATH);
        }
        for (key, value) in config.iter() {
            env.set(key, value);
        }
        let mut depends_on = BTreeSet::new();
        if let Base::Stage(parent) = base {
            depends_on.insert(parent);
        }
        // The base stage's ONBUILD triggers run first, in the child's scope: BuildKit
        // parses each trigger's text on its own (default escape) and dispatches it.
        let onbuild: Vec<(usize, Instruction)> = match &base {
            Base::Stage(parent) => self.scope.stages[*parent]
                .steps
                .iter()
                .filter_map(|s| match &self.file.instructions[s.instruction].command {
                    Some(Command::Onbuild(text)) => {
                        let parsed = crate::parse(text);
                        // A trigger alone has no FROM: that error is the text's, not
                        // the trigger's.
                        let clean = parsed
                            .errors
                            .iter()
                            .all(|e| e.code == crate::ErrorCode::NoBuildStage);
                        let ins = parsed.instructions.into_iter().next()?;
                        (clean && ins.command.is_some()).then_some((s.instruction, ins))
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let mut triggers = Vec::new();
        for (ins_index, instruction) in onbuild {
            let step = self.dispatch_step(
                ins_index,
                &instruction,
                index,
                [&mut env, &mut config],
                &mut args,
                &mut depends_on,
            );
            triggers.push(Trigger { instruction, step });
        }
        let mut steps = Vec::new();
        let file = self.file;
        for ins_index in instructions.start + 1..instructions.end {
            let step = self.dispatch_step(
                ins_index,
                &file.instructions[ins_index],
                index,
                [&mut env, &mut config],
                &mut args,
                &mut depends_on,
            );
            steps.push(step);
        }
        StageScope {
            index,
            name,
            from,
            base_name,
            base,
            platform,
            from_matched,
            from_unmatched,
            reachable: false,
            triggers,
            steps,
            final_env: env,
            final_config_env: config,
            final_args: args,
            depends_on,
        }
    }

    /// Stages a step reads from: `COPY --from=<name|index>` and `RUN --mount from=`;
    /// a reference BuildKit rejects is recorded as an error of the instruction.
    /// Expands and dispatches one instruction run in stage `stage` (one of its own, or an
    /// ONBUILD trigger of its parent) against the stage's environment, config env and args so
    /// far; records its error and the stages it reads.
    fn dispatch_step(
        &mut self,
        ins_index: usize,
        instruction: &Instruction,
        stage: usize,
        [env, config]: [&mut Env; 2],
        args: &mut Vec<DeclaredArg>,
        depends_on: &mut BTreeSet<usize>,
    ) -> StepScope {
        let mut step = StepScope {
            instruction: ins_index,
            env: env.clone(),
            args: args.clone(),
            expansion: None,
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            undefined: BTreeSet::new(),
            error: None,
        };
        let mut expander = StepExpander {
            lexer: self.lexer,
            step: &mut step,
            env,
            config,
            args,
            options: self.options,
            global: &self.scope.global,
        };
        expander.dispatch(instruction);
        if let Some(err) = &step.error {
            self.error(ins_index, err.to_string());
        }
        depends_on.extend(self.stage_sources(&step, stage));
        step
    }

    fn stage_sources(&mut self, step: &StepScope, current: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for reference in from_values(step) {
            match stage_ref(&self.stage_names, &reference, current) {
                Ok(StageRef::Stage(i)) => out.push(i),
                Ok(StageRef::Image(_)) => {}
                Err(message) => self.error(step.instruction, message),
            }
        }
        out
    }

    fn mark_reachable(&mut self) {
        let Some(target) = self.scope.target else {
            return;
        };
        let mut pending = vec![target];
        while let Some(index) = pending.pop() {
            let Some(stage) = self.scope.stages.get_mut(index) else {
                continue;
            };
            if stage.reachable {
                continue;
            }
            stage.reachable = true;
            pending.extend(stage.depends_on.iter().copied());
        }
    }
}

/// Expands one instruction and applies its effect on the stage environment.
struct StepExpander<'s> {
    lexer: Lexer,
    step: &'s mut StepScope,
    env: &'s mut Env,
    config: &'s mut Env,
    args: &'s mut Vec<DeclaredArg>,
    options: &'s ScopeOptions,
    global: &'s Env,
}

impl StepExpander<'_> {
    /// Expand one word against the environment from before the instruction,
    /// recording the names it used. Returns `None` after the first error.
    fn word(&mut self, word: &str) -> Option<String> {
        self.with_lexer(self.lexer, word).map(|out| out.value)
    }

    fn with_lexer(&mut self, lexer: Lexer, word: &str) -> Option<crate::expand::Expanded> {
        if self.step.error.is_some() {
            return None;
        }
        match lexer.expand_word(word, &self.step.env) {
            Ok(out) => {
                self.record(&out.matched, &out.unmatched);
                Some(out)
            }
            Err(err) => {
                self.record(&BTreeSet::new(), err.unmatched());
                self.step.error = Some(err);
                None
            }
        }
    }

    fn record(&mut self, matched: &BTreeSet<String>, unmatched: &BTreeSet<String>) {
        self.step.matched.extend(matched.iter().cloned());
        for name in unmatched {
            self.step.unmatched.insert(name.clone());
            let declared = self.args.iter().any(|a| &a.name == name);
            if !declared && !NON_ENV_ARGS.contains(&name.as_str()) {
                self.step.undefined.insert(name.clone());
            }
        }
    }

    fn optional(&mut self, word: &Option<crate::SharedStr>) -> Option<Option<String>> {
        match word {
            Some(w) => self.word(w).map(Some),
            None => Some(None),
        }
    }

    fn dispatch(&mut self, instruction: &Instruction) {
        let expansion = match &instruction.command {
            Some(Command::Env(pairs)) => self.pairs(pairs).map(|expanded| {
                for (k, v) in &expanded {
                    self.env.set(k, v);
                    self.config.set_in_place(k, v);
                }
                Expansion::Env(expanded)
            }),
            Some(Command::Label(pairs)) => self.pairs(pairs).map(Expansion::Label),
            Some(Command::Arg(decls)) => Some(self.declare_args(decls)),
            Some(Command::Copy(copy)) => self
                .files(
                    &copy.sources,
                    &copy.dest,
                    &copy.chown,
                    &copy.chmod,
                    &None,
                    instruction,
                )
                .map(|mut files| {
                    files.from = copy.from.as_deref().map(str::to_string);
                    Expansion::Copy(files)
                }),
            Some(Command::Add(add)) => self
                .files(
                    &add.sources,
                    &add.dest,
                    &add.chown,
                    &add.chmod,
                    &add.checksum,
                    instruction,
                )
                .map(Expansion::Add),
            Some(Command::Workdir(path)) => self.word(path).map(Expansion::Workdir),
            Some(Command::User(user)) => self.word(user).map(Expansion::User),
            Some(Command::Stopsignal(signal)) => self.word(signal).map(Expansion::Stopsignal),
            Some(Command::Volume(volumes)) => volumes
                .iter()
                .map(|v| self.word(v))
                .collect::<Option<Vec<_>>>()
                .map(Expansion::Volume),
            Some(Command::Expose(ports)) => self.expose(ports),
            Some(Command::Run(_)) => self.run_mounts(instruction),
            _ => None,
        };
        self.step.expansion = if self.step.error.is_some() {
            None
        } else {
            expansion
        };
    }

    fn pairs(&mut self, pairs: &[crate::KeyValue]) -> Option<Vec<(String, String)>> {
        pairs
            .iter()
            .map(|kv| Some((self.word(&kv.key)?, self.word(&kv.value)?)))
            .collect()
    }

    /// BuildKit's `dispatchArg`: each name in turn, later defaults seeing earlier names.
    fn declare_args(&mut self, decls: &[crate::ArgDecl]) -> Expansion {
        let index = self.step.instruction;
        let mut declared = Vec::new();
        for decl in decls {
            let given = self.options.build_arg_value(&decl.name).map(str::to_string);
            let value = if let Some(given) = given {
                Some(given)
            } else if let Some(default) = &decl.default {
                if self.step.error.is_some() {
                    None
                } else {
                    match self.lexer.expand_word(default, &*self.env) {
                        Ok(out) => {
                            self.record(&out.matched, &out.unmatched);
                            Some(out.value)
                        }
                        Err(err) => {
                            self.record(&BTreeSet::new(), err.unmatched());
                            self.step.error = Some(err);
                            None
                        }
                    }
                }
            } else {
                self.global.get(&decl.name).map(str::to_string)
            };
            if let Some(v) = &value {
                if arg_enters_env(&decl.name, self.options.frontend) {
                    self.env.set(&decl.name, v);
                }
            }
            self.args.push(DeclaredArg {
                name: decl.name.to_string(),
                value: value.clone(),
                instruction: index,
            });
            declared.push((decl.name.to_string(), value));
        }
        Expansion::Arg(declared)
    }

    fn files(
        &mut self,
        sources: &[crate::Source],
        dest: &str,
        chown: &Option<crate::SharedStr>,
        chmod: &Option<crate::SharedStr>,
        checksum: &Option<crate::SharedStr>,
        instruction: &Instruction,
    ) -> Option<FileCopy> {
        let chown = self.optional(chown)?;
        let chmod = self.optional(chmod)?;
        let checksum = self.optional(checksum)?;
        let mut files = FileCopy {
            chown,
            chmod,
            checksum,
            ..FileCopy::default()
        };
        for source in sources {
            match source.heredoc.and_then(|i| instruction.heredocs.get(i)) {
                Some(heredoc) if heredoc.expand => {
                    // Heredoc bodies: variables only, quotes kept, escape always `\`.
                    let lexer = Lexer::new('\\').skip_process_quotes(true);
                    let out = self.with_lexer(lexer, &heredoc.data())?;
                    files.heredocs.push(out.value);
                }
                Some(heredoc) => files.heredocs.push(heredoc.data().into_owned()),
                None => files.sources.push(self.word(&source.path)?),
            }
        }
        files.dest = self.word(dest)?;
        Some(files)
    }

    /// EXPOSE: word-splitting mode. BuildKit does not report unset names here.
    fn expose(&mut self, ports: &[crate::SharedStr]) -> Option<Expansion> {
        let mut out = Vec::new();
        for port in ports {
            match self.lexer.expand_words(port, &self.step.env) {
                Ok(expanded) => {
                    self.step.matched.extend(expanded.matched);
                    out.extend(expanded.words);
                }
                Err(err) => {
                    self.step.error = Some(err);
                    return None;
                }
            }
        }
        Some(Expansion::Expose(out))
    }

    /// RUN: only the values of `--mount` fields are expanded.
    fn run_mounts(&mut self, instruction: &Instruction) -> Option<Expansion> {
        let mut mounts = Vec::new();
        for flag in instruction.flags.iter().filter(|f| f.name == "mount") {
            let mut fields = Vec::new();
            for field in csv_fields(flag.value.as_deref().unwrap_or("")) {
                let (key, value) = match field.split_once('=') {
                    Some((k, v)) => (k.to_lowercase(), v.to_string()),
                    None => {
                        fields.push((field.to_lowercase(), String::new()));
                        continue;
                    }
                };
                fields.push((key, self.word(&value)?));
            }
            mounts.push(fields);
        }
        Some(Expansion::Run { mounts })
    }
}

/// BuildKit's "did you mean" search (see [`crate::suggest`]): the option closest to
/// `name` by edit distance, if it is at most 2 edits away; `None` when an option
/// equals `name` exactly (then the problem is something else). With
/// `case_sensitive == false` the comparison ignores case and the suggestion takes the
/// case of `name` ([`crate::suggest::match_case`]).
///
/// ```
/// use berth_syntax::scope::suggest;
/// assert_eq!(suggest("PAHT", ["PATH", "HOME"], true).as_deref(), Some("PATH"));
/// assert_eq!(suggest("PATH", ["PATH"], true), None);
/// assert_eq!(suggest("XYZZY", ["PATH"], true), None);
/// assert_eq!(suggest("paht", ["PATH", "HOME"], false).as_deref(), Some("path"));
/// ```
pub fn suggest<'a>(
    name: &str,
    options: impl IntoIterator<Item = &'a str>,
    case_sensitive: bool,
) -> Option<String> {
    if case_sensitive {
        return crate::suggest::closest(name, options).map(str::to_string);
    }
    // BuildKit lower-cases the whole strings (`strings.ToLower`) before comparing.
    let lowered: Vec<String> = options.into_iter().map(str::to_lowercase).collect();
    let found = crate::suggest::closest(&name.to_lowercase(), lowered.iter().map(String::as_str))?;
    Some(crate::suggest::match_case(found, name))
}

/// Split a `--mount` value into CSV fields (double quotes group, `""` is a quote).
fn csv_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut at_field_start = true;
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted => {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    current.push('"');
                } else {
                    quoted = false;
                }
            }
            '"' if at_field_start => quoted = true,
            ',' if !quoted => {
                fields.push(std::mem::take(&mut current));
                at_field_start = true;
                continue;
            }
            other => current.push(other),
        }
        at_field_start = false;
    }
    fields.push(current);
    fields.retain(|f| !f.is_empty());
    fields
}

#[cfg(test)]
mod tests;
