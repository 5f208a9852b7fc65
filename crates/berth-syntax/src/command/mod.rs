//! Typed instructions: what BuildKit's instructions layer
//! (`frontend/dockerfile/instructions`) makes of each parsed instruction. The
//! validation that builds them is in [`check`] (with [`flags`], [`mount`] and
//! [`healthcheck`] for the parts with rules of their own).
//!
//! Values are kept as written (before variable expansion and quote removal, which
//! happen later, per instruction, in BuildKit's builder; see [`crate::expand`]).

mod check;
mod flags;
mod healthcheck;
mod mount;

use std::time::Duration;

use crate::shared::SharedStr;
use crate::span::Span;

pub(crate) use check::check_file;
pub use healthcheck::parse_go_duration;

/// The typed, validated form of an instruction.
///
/// The large forms (FROM, RUN, COPY, ADD, HEALTHCHECK) are boxed so that the enum,
/// and with it every [`crate::Instruction`], stays small. Matching works as usual
/// (`Some(Command::Run(run))` gives a `&Box<Run>`, which dereferences to `&Run`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `FROM`.
    From(Box<From>),
    /// `RUN`.
    Run(Box<Run>),
    /// `CMD`.
    Cmd(ShellOrExec),
    /// `ENTRYPOINT`.
    Entrypoint(ShellOrExec),
    /// `SHELL ["sh", "-c"]` (always exec form).
    Shell(Vec<SharedStr>),
    /// `ENV` pairs.
    Env(Vec<KeyValue>),
    /// `LABEL` pairs.
    Label(Vec<KeyValue>),
    /// `ARG` declarations.
    Arg(Vec<ArgDecl>),
    /// `COPY`.
    Copy(Box<Copy>),
    /// `ADD`.
    Add(Box<Add>),
    /// `WORKDIR` path.
    Workdir(SharedStr),
    /// `USER` name (and group).
    User(SharedStr),
    /// `MAINTAINER` text.
    Maintainer(SharedStr),
    /// `STOPSIGNAL` signal.
    Stopsignal(SharedStr),
    /// Ports as written, sorted as BuildKit sorts them (string order).
    Expose(Vec<SharedStr>),
    /// `VOLUME` paths (each trimmed).
    Volume(Vec<SharedStr>),
    /// `HEALTHCHECK`.
    Healthcheck(Box<Healthcheck>),
    /// The trigger text (the instruction after `ONBUILD`, heredoc bodies appended),
    /// parsed again when a child build runs it.
    Onbuild(SharedStr),
}

/// `FROM [--platform=P] image [AS name]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct From {
    /// The image (or stage) as written.
    pub image: SharedStr,
    /// The `--platform` value.
    pub platform: Option<SharedStr>,
    /// The stage name as written (BuildKit lower-cases it for lookups).
    pub name: Option<SharedStr>,
    /// Where the image was written.
    pub image_span: Span,
    /// Where the stage name was written.
    pub name_span: Option<Span>,
}

/// Shell form (one string, run by the stage's shell) or exec form (argv).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShellOrExec {
    /// The command line, for the stage's shell.
    Shell(SharedStr),
    /// The argument vector (JSON form).
    Exec(Vec<SharedStr>),
}

/// `RUN [--mount=...] [--network=...] [--security=...] command`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The command.
    pub cmd: ShellOrExec,
    /// The `--mount` flags, in order.
    pub mounts: Vec<Mount>,
    /// `default`, `none` or `host` when given.
    pub network: Option<SharedStr>,
    /// `sandbox` or `insecure` when given.
    pub security: Option<SharedStr>,
    /// `--device` values (labs feature; accepted by the parser).
    pub devices: Vec<SharedStr>,
}

/// Kind of a `RUN --mount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MountKind {
    /// `type=bind` (the default): files of a stage, image or the context.
    Bind,
    /// `type=cache`: a directory kept between builds.
    Cache,
    /// `type=tmpfs`: an empty in-memory directory.
    Tmpfs,
    /// `type=secret`: a secret file or variable.
    Secret,
    /// `type=ssh`: an SSH agent socket.
    Ssh,
}

impl MountKind {
    /// The kind a `type=` value names (lower case).
    fn from_text(s: &str) -> Option<MountKind> {
        Some(match s {
            "bind" => MountKind::Bind,
            "cache" => MountKind::Cache,
            "tmpfs" => MountKind::Tmpfs,
            "secret" => MountKind::Secret,
            "ssh" => MountKind::Ssh,
            _ => return None,
        })
    }

    /// The name BuildKit uses.
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Cache => "cache",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Secret => "secret",
            MountKind::Ssh => "ssh",
        }
    }
}

/// Cache mount sharing mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sharing {
    /// `shared` (the default): concurrent builds use the cache at once.
    Shared,
    /// `private`: a concurrent build gets a new cache.
    Private,
    /// `locked`: a concurrent build waits.
    Locked,
}

/// One `RUN --mount=...` (values as written, before variable expansion).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// `type=`.
    pub kind: MountKind,
    /// `from=`: the stage or image to mount from.
    pub from: Option<SharedStr>,
    /// `source=` / `src=`.
    pub source: Option<SharedStr>,
    /// `target=` / `dst=` / `destination=`.
    pub target: Option<SharedStr>,
    /// Effective read-only flag (defaults: bind/secret/ssh read-only, cache/tmpfs not).
    pub readonly: bool,
    /// `id=`.
    pub id: Option<SharedStr>,
    /// `sharing=` (cache mounts).
    pub sharing: Option<Sharing>,
    /// `mode=` (octal).
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
    /// `required` (secret and ssh mounts).
    pub required: bool,
    /// `size=` (tmpfs mounts).
    pub size: Option<SharedStr>,
    /// `env=` (secret mounts).
    pub env: Option<SharedStr>,
    /// The `--mount=...` flag.
    pub span: Span,
}

/// A `key=value` (or legacy `key value`) pair of ENV or LABEL, as written
/// (quotes and escapes still in place).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    /// The name.
    pub key: SharedStr,
    /// The value.
    pub value: SharedStr,
    /// True for the legacy `ENV key value` form.
    pub legacy: bool,
    /// Where the name was written.
    pub key_span: Span,
    /// Where the value was written.
    pub value_span: Span,
}

/// One ARG declaration: `name` or `name=default` (default as written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    /// The name.
    pub name: SharedStr,
    /// The default value, if one is given.
    pub default: Option<SharedStr>,
    /// The whole declaration.
    pub span: Span,
}

/// A source of COPY/ADD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The path as written, or for a heredoc source its marker (`<<EOF`).
    pub path: SharedStr,
    /// Index into [`crate::Instruction::heredocs`] when the source is a heredoc.
    pub heredoc: Option<usize>,
    /// Where the source was written.
    pub span: Span,
}

/// `COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude]... src... dest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// The sources.
    pub sources: Vec<Source>,
    /// The destination.
    pub dest: SharedStr,
    /// Where the destination was written.
    pub dest_span: Span,
    /// `--from`: the stage, image or context to copy from.
    pub from: Option<SharedStr>,
    /// `--chown`.
    pub chown: Option<SharedStr>,
    /// `--chmod`.
    pub chmod: Option<SharedStr>,
    /// `--link`.
    pub link: bool,
    /// `--parents`.
    pub parents: bool,
    /// `--exclude` patterns.
    pub exclude: Vec<SharedStr>,
}

/// `ADD [--chown] [--chmod] [--link] [--keep-git-dir] [--checksum] [--unpack] [--exclude]... src... dest`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Add {
    /// The sources.
    pub sources: Vec<Source>,
    /// The destination.
    pub dest: SharedStr,
    /// Where the destination was written.
    pub dest_span: Span,
    /// `--chown`.
    pub chown: Option<SharedStr>,
    /// `--chmod`.
    pub chmod: Option<SharedStr>,
    /// `--link`.
    pub link: bool,
    /// `--keep-git-dir`, when given.
    pub keep_git_dir: Option<bool>,
    /// `--checksum`.
    pub checksum: Option<SharedStr>,
    /// `--unpack`, when given.
    pub unpack: Option<bool>,
    /// `--exclude` patterns.
    pub exclude: Vec<SharedStr>,
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD ...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthcheck {
    /// Docker's test list: `["NONE"]`, `["CMD", argv...]` or `["CMD-SHELL", "cmd"]`.
    pub test: Vec<SharedStr>,
    /// `--interval`; `None` (or zero) means the default.
    pub interval: Option<Duration>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--start-period`.
    pub start_period: Option<Duration>,
    /// `--start-interval`.
    pub start_interval: Option<Duration>,
    /// `--retries`.
    pub retries: Option<i32>,
}
