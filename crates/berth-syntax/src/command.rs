//! Typed instructions and BuildKit's instructions-layer validation
//! (`frontend/dockerfile/instructions`): flags, argument counts, stage names,
//! `RUN --mount`, HEALTHCHECK options, ONBUILD triggers, and the whole-file rule
//! that only ARG may come before the first FROM.
//!
//! Values are kept as written (before variable expansion and quote removal, which
//! happen later, per instruction, in BuildKit's builder; see [`crate::expand`]).

use std::time::Duration;

use serde::Serialize;

use crate::ast::{Dockerfile, Flag, Instruction, Keyword, Word};
use crate::error::{ErrorCode, SyntaxError};
use crate::line::go_quote;
use crate::shared::SharedStr;
use crate::span::Span;

/// The typed, validated form of an instruction.
///
/// The large forms (FROM, RUN, COPY, ADD, HEALTHCHECK) are boxed so that the enum,
/// and with it every [`Instruction`], stays small: the parser moves instructions
/// around while building the tree, and an unboxed `Copy` made each one 456 bytes.
/// Matching works as before (`Some(Command::Run(run))` gives a `&Box<Run>`, which
/// dereferences to `&Run`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Command {
    From(Box<From>),
    Run(Box<Run>),
    Cmd(ShellOrExec),
    Entrypoint(ShellOrExec),
    /// `SHELL ["sh", "-c"]` (always exec form).
    Shell(Vec<SharedStr>),
    Env(Vec<KeyValue>),
    Label(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Copy(Box<Copy>),
    Add(Box<Add>),
    Workdir(SharedStr),
    User(SharedStr),
    Maintainer(SharedStr),
    Stopsignal(SharedStr),
    /// Ports as written, sorted as BuildKit sorts them (string order).
    Expose(Vec<SharedStr>),
    Volume(Vec<SharedStr>),
    Healthcheck(Box<Healthcheck>),
    /// The trigger text (the instruction after `ONBUILD`, heredoc bodies appended),
    /// parsed again when a child build runs it.
    Onbuild(SharedStr),
}

/// `FROM [--platform=P] image [AS name]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct From {
    pub image: SharedStr,
    pub platform: Option<SharedStr>,
    /// The stage name as written (BuildKit lower-cases it for lookups).
    pub name: Option<SharedStr>,
    pub image_span: Span,
    pub name_span: Option<Span>,
}

/// Shell form (one string, run by the stage's shell) or exec form (argv).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum ShellOrExec {
    Shell(SharedStr),
    Exec(Vec<SharedStr>),
}

/// `RUN [--mount=...] [--network=...] [--security=...] command`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Run {
    pub cmd: ShellOrExec,
    pub mounts: Vec<Mount>,
    /// `default`, `none` or `host` when given.
    pub network: Option<SharedStr>,
    /// `sandbox` or `insecure` when given.
    pub security: Option<SharedStr>,
    /// `--device` values (labs feature; accepted by the parser).
    pub devices: Vec<SharedStr>,
}

/// Kind of a `RUN --mount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

impl MountKind {
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sharing {
    Shared,
    Private,
    Locked,
}

/// One `RUN --mount=...` (values as written, before variable expansion).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub kind: MountKind,
    pub from: Option<SharedStr>,
    pub source: Option<SharedStr>,
    pub target: Option<SharedStr>,
    /// Effective read-only flag (defaults: bind/secret/ssh read-only, cache/tmpfs not).
    pub readonly: bool,
    pub id: Option<SharedStr>,
    pub sharing: Option<Sharing>,
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub required: bool,
    pub size: Option<SharedStr>,
    pub env: Option<SharedStr>,
    /// The `--mount=...` flag.
    pub span: Span,
}

/// A `key=value` (or legacy `key value`) pair of ENV or LABEL, as written
/// (quotes and escapes still in place).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: SharedStr,
    pub value: SharedStr,
    /// True for the legacy `ENV key value` form.
    pub legacy: bool,
    pub key_span: Span,
    pub value_span: Span,
}

/// One ARG declaration: `name` or `name=default` (default as written).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ArgDecl {
    pub name: SharedStr,
    pub default: Option<SharedStr>,
    pub span: Span,
}

/// A source of COPY/ADD.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The path as written, or for a heredoc source its marker (`<<EOF`).
    pub path: SharedStr,
    /// Index into [`Instruction::heredocs`] when the source is a heredoc.
    pub heredoc: Option<usize>,
    pub span: Span,
}

/// `COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude]... src... dest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Copy {
    pub sources: Vec<Source>,
    pub dest: SharedStr,
    pub dest_span: Span,
    pub from: Option<SharedStr>,
    pub chown: Option<SharedStr>,
    pub chmod: Option<SharedStr>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<SharedStr>,
}

/// `ADD [--chown] [--chmod] [--link] [--keep-git-dir] [--checksum] [--unpack] [--exclude]... src... dest`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Add {
    pub sources: Vec<Source>,
    pub dest: SharedStr,
    pub dest_span: Span,
    pub chown: Option<SharedStr>,
    pub chmod: Option<SharedStr>,
    pub link: bool,
    pub keep_git_dir: Option<bool>,
    pub checksum: Option<SharedStr>,
    pub unpack: Option<bool>,
    pub exclude: Vec<SharedStr>,
}

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD ...`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Healthcheck {
    /// Docker's test list: `["NONE"]`, `["CMD", argv...]` or `["CMD-SHELL", "cmd"]`.
    pub test: Vec<SharedStr>,
    /// `None` (or zero) means the default.
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub start_period: Option<Duration>,
    pub start_interval: Option<Duration>,
    pub retries: Option<i32>,
}

type CheckResult<T> = Result<T, (ErrorCode, String, Span)>;

/// Kinds of flags in BuildKit's `BFlags`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FlagType {
    Bool,
    String,
    Strings,
}

/// Parsed flag values of one instruction.
struct Flags<'a> {
    defs: &'a [(&'a str, FlagType)],
    values: Vec<Vec<(&'a Flag, SharedStr)>>,
}

impl<'a> Flags<'a> {
    /// `BFlags.Parse` against the allowed `defs`.
    fn parse(flags: &'a [Flag], defs: &'a [(&'a str, FlagType)]) -> CheckResult<Flags<'a>> {
        if flags.is_empty() {
            // The common case: nothing to check, nothing to allocate.
            return Ok(Flags {
                defs,
                values: Vec::new(),
            });
        }
        let mut values: Vec<Vec<(&Flag, SharedStr)>> = vec![Vec::new(); defs.len()];
        for flag in flags {
            let err = |msg: String| (ErrorCode::Flag, msg, flag.span);
            if !flag.text.starts_with("--") {
                return Err(err(format!("arg should start with -- : {}", flag.text)));
            }
            let name = &flag.name;
            let Some(i) = defs.iter().position(|d| d.0 == name) else {
                let mut msg = format!("unknown flag: --{name}");
                if let Some(s) = suggest(name, defs.iter().map(|d| d.0), true) {
                    msg.push_str(&format!(" (did you mean --{s}?)"));
                }
                return Err(err(msg));
            };
            let kind = defs[i].1;
            if !values[i].is_empty() && kind != FlagType::Strings {
                return Err(err(format!("duplicate flag specified: --{name}")));
            }
            let value = match (kind, &flag.value) {
                (FlagType::Bool, None) => SharedStr::from("true"),
                (FlagType::Bool, Some(v)) if v.is_empty() => {
                    return Err(err(format!("missing a value on flag: --{name}")))
                }
                (FlagType::Bool, Some(v)) => {
                    let lower = v.to_lowercase();
                    if lower != "true" && lower != "false" {
                        return Err(err(format!(
                            "expecting boolean value for flag --{name}, not: {v}"
                        )));
                    }
                    if lower == v.as_str() {
                        v.clone()
                    } else {
                        SharedStr::from(lower)
                    }
                }
                (_, None) => return Err(err(format!("missing a value on flag: --{name}"))),
                (_, Some(v)) => v.clone(),
            };
            values[i].push((flag, value));
        }
        Ok(Flags { defs, values })
    }

    fn index(&self, name: &str) -> usize {
        if self.values.is_empty() {
            // No flags were given (most instructions): every lookup is empty.
            return usize::MAX;
        }
        self.defs
            .iter()
            .position(|d| d.0 == name)
            .unwrap_or(usize::MAX)
    }

    fn string(&self, name: &str) -> Option<SharedStr> {
        self.values
            .get(self.index(name))?
            .first()
            .map(|v| v.1.clone())
    }

    fn flag(&self, name: &str) -> Option<&'a Flag> {
        self.values.get(self.index(name))?.first().map(|v| v.0)
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.string(name).map(|v| v == "true")
    }

    fn strings(&self, name: &str) -> Vec<SharedStr> {
        self.values
            .get(self.index(name))
            .map(|v| v.iter().map(|x| x.1.clone()).collect())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<(&'a Flag, SharedStr)> {
        self.values
            .get(self.index(name))
            .cloned()
            .unwrap_or_default()
    }
}

/// BuildKit's `suggest.WrapError`: the closest option within edit distance 2.
fn suggest<'o>(
    value: &str,
    options: impl Iterator<Item = &'o str>,
    case_sensitive: bool,
) -> Option<String> {
    let fold = !case_sensitive;
    // Unknown instructions and flags are nearly always short ASCII words, like every
    // option: compare bytes on the stack then.
    let wanted_ascii = AsciiWord::new(value, fold);
    let wanted_chars = SmallChars::new(value, fold);
    let wanted_len = wanted_chars.as_slice().len();
    let mut best: Option<(usize, &str)> = None;
    for opt in options {
        // Options are ASCII words: a length more than 2 away cannot be close.
        if opt.is_ascii() && opt.len().abs_diff(wanted_len) > 2 {
            continue;
        }
        let d = match (&wanted_ascii, AsciiWord::new(opt, fold)) {
            (Some(w), Some(o)) => edit_distance_of(w.as_slice(), o.as_slice()),
            _ => edit_distance_of(
                wanted_chars.as_slice(),
                SmallChars::new(opt, fold).as_slice(),
            ),
        };
        if d == 0 {
            return None;
        }
        if d < 3 && best.is_none_or(|b| d < b.0) {
            best = Some((d, opt));
        }
    }
    let (_, m) = best?;
    Some(if case_sensitive {
        m.to_string()
    } else if value == value.to_uppercase() {
        m.to_uppercase()
    } else {
        m.to_lowercase()
    })
}

/// An ASCII word of up to 32 bytes, lower-cased when folding case.
struct AsciiWord {
    bytes: [u8; 32],
    len: usize,
}

impl AsciiWord {
    fn new(s: &str, fold_case: bool) -> Option<AsciiWord> {
        if s.len() > 32 || !s.is_ascii() {
            return None;
        }
        let mut bytes = [0; 32];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        if fold_case {
            bytes.make_ascii_lowercase();
        }
        Some(AsciiWord {
            bytes,
            len: s.len(),
        })
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Characters of a word, on the stack for words up to 32 characters.
struct SmallChars {
    inline: [char; 32],
    len: usize,
    spill: Vec<char>,
}

impl SmallChars {
    fn new(s: &str, fold_case: bool) -> SmallChars {
        let mut out = SmallChars {
            inline: ['\0'; 32],
            len: 0,
            spill: Vec::new(),
        };
        for c in s.chars() {
            if !fold_case {
                out.push(c);
            } else if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                c.to_lowercase().for_each(|l| out.push(l));
            }
        }
        out
    }

    fn push(&mut self, c: char) {
        if self.spill.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = c;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push(c);
        }
    }

    fn as_slice(&self) -> &[char] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }
}

/// Edit distance in characters between `a` and `b` (compared lower-cased when
/// `fold_case`); any distance above 2 is reported as 3, since only distances up to
/// 2 make a suggestion.
pub(crate) fn capped_edit_distance(a: &str, b: &str, fold_case: bool) -> usize {
    edit_distance_of(
        SmallChars::new(a, fold_case).as_slice(),
        SmallChars::new(b, fold_case).as_slice(),
    )
}

/// [`capped_edit_distance`] of two slices of characters (or bytes). It runs for every
/// option of every unknown word, so it works on the stack for words of up to 32.
fn edit_distance_of<T: std::marker::Copy + PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.len().abs_diff(b.len()) > 2 {
        return 3;
    }
    let mut rows = [[0usize; 33]; 2];
    let mut heap_rows;
    let (prev, cur): (&mut [usize], &mut [usize]) = if b.len() < 33 {
        let [p, c] = &mut rows;
        (&mut p[..=b.len()], &mut c[..=b.len()])
    } else {
        heap_rows = (vec![0; b.len() + 1], vec![0; b.len() + 1]);
        (&mut heap_rows.0, &mut heap_rows.1)
    };
    for (j, p) in prev.iter_mut().enumerate() {
        *p = j;
    }
    let (mut prev, mut cur) = (prev, cur);
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()].min(3)
}

const B: FlagType = FlagType::Bool;
const S: FlagType = FlagType::String;
const L: FlagType = FlagType::Strings;

/// Check every instruction, fill in `command`, and apply the whole-file rule.
pub(crate) fn check_file(file: &mut Dockerfile) {
    let mut seen_from = false;
    let mut errors = Vec::new();
    // Instructions the parser stage already rejected get no second, follow-on error.
    let parser_failed: Vec<usize> = file.errors.iter().filter_map(|e| e.instruction).collect();
    for (i, ins) in file.instructions.iter_mut().enumerate() {
        if parser_failed.contains(&i) {
            seen_from |= ins.keyword == Keyword::From;
            continue;
        }
        match build(ins) {
            Ok(cmd) => {
                let is_from = matches!(cmd, Command::From(_));
                let is_arg = matches!(cmd, Command::Arg(_));
                if !seen_from && !is_from && !is_arg {
                    errors.push(SyntaxError {
                        code: ErrorCode::NoBuildStage,
                        message: "no build stage in current context".to_string(),
                        span: ins.span,
                        instruction: Some(i),
                    });
                }
                seen_from |= is_from;
                ins.command = Some(cmd);
            }
            Err((code, message, span)) => {
                seen_from |= ins.keyword == Keyword::From;
                errors.push(SyntaxError {
                    code,
                    message,
                    span,
                    instruction: Some(i),
                });
            }
        }
        if let Some(sub) = ins.onbuild.as_mut() {
            sub.command = build(sub).ok();
        }
    }
    file.errors.extend(errors);
}

fn values(args: &[Word]) -> Vec<SharedStr> {
    args.iter().map(|w| w.value.clone()).collect()
}

fn shell_or_exec(ins: &Instruction) -> ShellOrExec {
    match (ins.json, ins.args.as_slice()) {
        (true, _) => ShellOrExec::Exec(values(&ins.args)),
        (false, [one]) => ShellOrExec::Shell(one.value.clone()),
        (false, _) => ShellOrExec::Shell(values(&ins.args).join(" ").into()),
    }
}

fn at_least_one(ins: &Instruction, name: &str) -> CheckResult<()> {
    if ins.args.is_empty() {
        return Err((
            ErrorCode::Arguments,
            format!("{name} requires at least one argument"),
            ins.span,
        ));
    }
    Ok(())
}

fn exactly_one(ins: &Instruction, name: &str) -> CheckResult<SharedStr> {
    if ins.args.len() != 1 {
        return Err((
            ErrorCode::Arguments,
            format!("{name} requires exactly one argument"),
            ins.span,
        ));
    }
    Ok(ins.args[0].value.clone())
}

fn kvps(ins: &Instruction, name: &str) -> CheckResult<Vec<KeyValue>> {
    at_least_one(ins, name)?;
    if !ins.args.len().is_multiple_of(3) {
        return Err((
            ErrorCode::Arguments,
            format!("Bad input to {name}, too many arguments"),
            ins.span,
        ));
    }
    // A loop into an exactly sized vector: collecting into a `Result` cannot size it.
    let mut pairs = Vec::with_capacity(ins.args.len() / 3);
    for t in ins.args.chunks_exact(3) {
        if t[0].value.is_empty() {
            return Err((
                ErrorCode::Arguments,
                format!("{name} names can not be blank"),
                t[0].span,
            ));
        }
        pairs.push(KeyValue {
            key: t[0].value.clone(),
            value: t[1].value.clone(),
            legacy: t[2].value.is_empty(),
            key_span: t[0].span,
            value_span: t[1].span,
        });
    }
    Ok(pairs)
}

/// Validate one instruction as BuildKit's `ParseInstruction` does.
pub(crate) fn build(ins: &Instruction) -> CheckResult<Command> {
    let none: &[(&str, FlagType)] = &[];
    let name = ins.keyword.as_upper();
    match &ins.keyword {
        Keyword::Env => {
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Env(kvps(ins, "ENV")?))
        }
        Keyword::Label => {
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Label(kvps(ins, "LABEL")?))
        }
        Keyword::Maintainer => {
            let v = exactly_one(ins, "MAINTAINER")?;
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Maintainer(v))
        }
        Keyword::Add | Keyword::Copy => copy_or_add(ins, &name),
        Keyword::From => from(ins),
        Keyword::Onbuild => onbuild(ins),
        Keyword::Workdir => {
            let v = exactly_one(ins, "WORKDIR")?;
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Workdir(v))
        }
        Keyword::Run => run(ins),
        Keyword::Cmd => {
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Cmd(shell_or_exec(ins)))
        }
        Keyword::Entrypoint => {
            Flags::parse(&ins.flags, none)?;
            Ok(Command::Entrypoint(shell_or_exec(ins)))
        }
        Keyword::Healthcheck => healthcheck(ins),
        Keyword::Expose => {
            at_least_one(ins, "EXPOSE")?;
            Flags::parse(&ins.flags, none)?;
            let mut ports = values(&ins.args);
            ports.sort();
            Ok(Command::Expose(ports))
        }
        Keyword::User => {
            let v = exactly_one(ins, "USER")?;
            Flags::parse(&ins.flags, none)?;
            Ok(Command::User(v))
        }
        Keyword::Volume => {
            at_least_one(ins, "VOLUME")?;
            Flags::parse(&ins.flags, none)?;
            let mut out = Vec::new();
            for w in &ins.args {
                let v = w.value.trim();
                if v.is_empty() {
                    return Err((
                        ErrorCode::Arguments,
                        "VOLUME specified can not be an empty string".to_string(),
                        w.span,
                    ));
                }
                out.push(w.value.substr_of(v));
            }
            Ok(Command::Volume(out))
        }
        Keyword::Stopsignal => Ok(Command::Stopsignal(exactly_one(ins, "STOPSIGNAL")?)),
        Keyword::Arg => arg(ins),
        Keyword::Shell => shell(ins),
        Keyword::Unknown(word) => {
            let mut msg = format!("unknown instruction: {word}");
            if let Some(s) = suggest(word, Keyword::ALL.iter().copied(), false) {
                msg.push_str(&format!(" (did you mean {s}?)"));
            }
            Err((ErrorCode::UnknownInstruction, msg, ins.keyword_span))
        }
    }
}

fn from(ins: &Instruction) -> CheckResult<Command> {
    let args = &ins.args;
    let mut name = None;
    let mut name_span = None;
    if args.len() == 3 && args[1].value.eq_ignore_ascii_case("as") {
        let lower = args[2].value.to_lowercase();
        let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
            && lower.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
            });
        if !valid {
            return Err((
                ErrorCode::StageName,
                format!(
                    "invalid name for build stage: {}, name can't start with a number or contain symbols",
                    go_quote(&args[2].value)
                ),
                args[2].span,
            ));
        }
        name = Some(args[2].value.clone());
        name_span = Some(args[2].span);
    } else if args.len() != 1 {
        return Err((
            ErrorCode::Arguments,
            "FROM requires either one or three arguments".to_string(),
            ins.span,
        ));
    }
    let flags = Flags::parse(&ins.flags, &[("platform", S)])?;
    Ok(Command::From(Box::new(From {
        image: args[0].value.clone(),
        platform: flags.string("platform"),
        name,
        image_span: args[0].span,
        name_span,
    })))
}

fn arg(ins: &Instruction) -> CheckResult<Command> {
    at_least_one(ins, "ARG")?;
    // A loop into an exactly sized vector: collecting into a `Result` cannot size it.
    let mut decls = Vec::with_capacity(ins.args.len());
    for w in &ins.args {
        decls.push(match w.value.split_once('=') {
            Some(("", _)) => {
                return Err((
                    ErrorCode::Arguments,
                    "ARG names can not be blank".to_string(),
                    w.span,
                ))
            }
            Some((k, v)) => ArgDecl {
                name: w.value.substr_of(k),
                default: Some(w.value.substr_of(v)),
                span: w.span,
            },
            None => ArgDecl {
                name: w.value.clone(),
                default: None,
                span: w.span,
            },
        });
    }
    Ok(Command::Arg(decls))
}

fn shell(ins: &Instruction) -> CheckResult<Command> {
    Flags::parse(&ins.flags, &[])?;
    if ins.args.is_empty() {
        return Err((
            ErrorCode::Arguments,
            "SHELL requires at least one argument".to_string(),
            ins.span,
        ));
    }
    if !ins.json {
        return Err((
            ErrorCode::Arguments,
            not_json_message("SHELL", &ins.original),
            ins.span,
        ));
    }
    Ok(Command::Shell(values(&ins.args)))
}

/// `errNotJSON`, with BuildKit's hint for unescaped Windows paths.
fn not_json_message(command: &str, original: &str) -> String {
    let lower = original
        .to_lowercase()
        .replace(&format!("{} ", command.to_lowercase()), "");
    let looks_like_path = lower.match_indices('"').any(|(i, _)| {
        let b = lower.as_bytes();
        b.len() > i + 3 && b[i + 1].is_ascii_lowercase() && b[i + 2] == b':' && b[i + 3] == b'\\'
    });
    let extra = if looks_like_path
        && !lower.contains("\\\\")
        && lower.contains('[')
        && lower.contains(']')
    {
        format!(
            ". It looks like '{lower}' includes a file path without an escaped back-slash. JSON requires back-slashes to be escaped such as [\"c:\\\\path\\\\to\\\\file.exe\", \"/parameter\"]"
        )
    } else {
        String::new()
    };
    format!("{command} requires the arguments to be in JSON form{extra}")
}

fn onbuild(ins: &Instruction) -> CheckResult<Command> {
    let Some(sub) = ins.onbuild.as_deref() else {
        return Err((
            ErrorCode::Arguments,
            "ONBUILD requires at least one argument".to_string(),
            ins.span,
        ));
    };
    Flags::parse(&ins.flags, &[])?;
    let trigger = sub.keyword_text.trim().to_uppercase();
    match trigger.as_str() {
        "ONBUILD" => {
            return Err((
                ErrorCode::Onbuild,
                "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string(),
                sub.keyword_span,
            ))
        }
        "MAINTAINER" | "FROM" => {
            return Err((
                ErrorCode::Onbuild,
                format!("{trigger} isn't allowed as an ONBUILD trigger"),
                sub.keyword_span,
            ))
        }
        _ => {}
    }
    if ins.heredocs.is_empty() {
        return Ok(Command::Onbuild(sub.original.clone()));
    }
    let mut expression = sub.original.to_string();
    for h in &ins.heredocs {
        expression.push('\n');
        expression.push_str(&h.content);
        expression.push_str(&h.name);
    }
    Ok(Command::Onbuild(expression.into()))
}

/// Is `word` a heredoc marker (`MustParseHeredoc`)? Returns the name.
fn heredoc_name(word: &str) -> Option<String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let rest = word[digits..].strip_prefix("<<")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let name: String = rest.chars().filter(|&c| c != '\'' && c != '"').collect();
    Some(name)
}

fn copy_or_add(ins: &Instruction, name: &str) -> CheckResult<Command> {
    if ins.args.len() < 2 {
        return Err((
            ErrorCode::Arguments,
            format!("{name} requires at least two arguments, but only one was provided. Destination could not be determined"),
            ins.span,
        ));
    }
    let is_copy = ins.keyword == Keyword::Copy;
    let defs: &[(&str, FlagType)] = if is_copy {
        &[
            ("chown", S),
            ("from", S),
            ("chmod", S),
            ("link", B),
            ("parents", B),
            ("exclude", L),
        ]
    } else {
        &[
            ("chown", S),
            ("chmod", S),
            ("link", B),
            ("keep-git-dir", B),
            ("checksum", S),
            ("exclude", L),
            ("unpack", B),
        ]
    };
    let flags = Flags::parse(&ins.flags, defs)?;
    let (dest, srcs) = ins.args.split_last().expect("at least two arguments");
    if !ins.json && heredoc_name(&dest.value).is_some() {
        return Err((
            ErrorCode::Arguments,
            format!("{name} cannot accept a heredoc as a destination"),
            dest.span,
        ));
    }
    let sources = srcs
        .iter()
        .map(|w| {
            let heredoc = if ins.json {
                None
            } else {
                heredoc_name(&w.value).and_then(|n| ins.heredocs.iter().position(|h| h.name == n))
            };
            Source {
                path: w.value.clone(),
                heredoc,
                span: w.span,
            }
        })
        .collect();
    if is_copy {
        Ok(Command::Copy(Box::new(Copy {
            sources,
            dest: dest.value.clone(),
            dest_span: dest.span,
            from: flags.string("from"),
            chown: flags.string("chown"),
            chmod: flags.string("chmod"),
            link: flags.bool("link").unwrap_or(false),
            parents: flags.bool("parents").unwrap_or(false),
            exclude: flags.strings("exclude"),
        })))
    } else {
        Ok(Command::Add(Box::new(Add {
            sources,
            dest: dest.value.clone(),
            dest_span: dest.span,
            chown: flags.string("chown"),
            chmod: flags.string("chmod"),
            link: flags.bool("link").unwrap_or(false),
            keep_git_dir: flags.bool("keep-git-dir"),
            checksum: flags.string("checksum"),
            unpack: flags.bool("unpack"),
            exclude: flags.strings("exclude"),
        })))
    }
}

fn run(ins: &Instruction) -> CheckResult<Command> {
    let flags = Flags::parse(
        &ins.flags,
        &[("mount", L), ("network", S), ("security", S), ("device", L)],
    )?;
    let mut mounts = Vec::new();
    for (flag, value) in flags.all("mount") {
        mounts.push(parse_mount(&value, flag.span).map_err(|m| (ErrorCode::Mount, m, flag.span))?);
    }
    let network = flags.string("network");
    if let Some(n) = &network {
        if !matches!(n.as_str(), "default" | "none" | "host") {
            let span = flags.flag("network").map_or(ins.span, |f| f.span);
            return Err((
                ErrorCode::Flag,
                format!("invalid network mode {}", go_quote(n)),
                span,
            ));
        }
    }
    let security = flags.string("security");
    if let Some(s) = &security {
        if !matches!(s.as_str(), "sandbox" | "insecure") {
            let span = flags.flag("security").map_or(ins.span, |f| f.span);
            return Err((
                ErrorCode::Flag,
                format!("security {} is not valid", go_quote(s)),
                span,
            ));
        }
    }
    Ok(Command::Run(Box::new(Run {
        cmd: shell_or_exec(ins),
        mounts,
        network,
        security,
        devices: flags.strings("device"),
    })))
}

/// Go's `encoding/csv` reading one record (no lazy quotes, no space trimming).
fn csv_fields(text: &SharedStr) -> Result<Vec<SharedStr>, String> {
    let s = text.as_str();
    if s.is_empty() {
        return Err("EOF".to_string());
    }
    let mut fields = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            let mut field = String::new();
            let mut run = i;
            loop {
                match b.get(i) {
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            s.len() + 1
                        ))
                    }
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        field.push_str(&s[run..=i]);
                        i += 2;
                        run = i;
                    }
                    Some(b'"') => {
                        field.push_str(&s[run..i]);
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            match b.get(i) {
                None => {
                    fields.push(field.into());
                    return Ok(fields);
                }
                Some(b',') => {
                    fields.push(field.into());
                    i += 1;
                }
                Some(_) => {
                    return Err(format!(
                    "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                    i + 1
                ))
                }
            }
        } else {
            let end = s[start..].find(',').map_or(s.len(), |j| start + j);
            if let Some(q) = s[start..end].find('"') {
                return Err(format!(
                    "parse error on line 1, column {}: bare \" in non-quoted-field",
                    start + q + 1
                ));
            }
            fields.push(text.substr(start..end));
            if end == s.len() {
                return Ok(fields);
            }
            i = end + 1;
        }
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// `parseMount` (`commands_runmount.go`), values taken as written.
fn parse_mount(value: &SharedStr, span: Span) -> Result<Mount, String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut m = Mount {
        kind: MountKind::Bind,
        from: None,
        source: None,
        target: None,
        readonly: false,
        id: None,
        sharing: None,
        mode: None,
        uid: None,
        gid: None,
        required: false,
        size: None,
        env: None,
        span,
    };
    let mut ro_auto = true;
    let secret_or_ssh = |m: &Mount| matches!(m.kind, MountKind::Secret | MountKind::Ssh);
    for field in &fields {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        let Some(val) = val else {
            match key.as_str() {
                "readonly" | "ro" => m.readonly = true,
                "readwrite" | "rw" => m.readonly = false,
                "required" if secret_or_ssh(&m) => m.required = true,
                "required" => {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ))
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
            ro_auto = false;
            continue;
        };
        match key.as_str() {
            "type" => {
                m.kind = MountKind::from_text(&val.to_lowercase()).ok_or_else(|| {
                    let mut msg = format!("unsupported mount type {}", go_quote(val));
                    if let Some(s) = suggest(
                        val,
                        ["bind", "cache", "tmpfs", "secret", "ssh"].into_iter(),
                        true,
                    ) {
                        msg.push_str(&format!(" (did you mean {s}?)"));
                    }
                    msg
                })?;
            }
            "from" => {
                if let Some(i) = val.find('$') {
                    if i + 1 < val.len() {
                        return Err(
                            "'from' doesn't support variable expansion, define alias stage instead"
                                .to_string(),
                        );
                    }
                }
                m.from = Some(field.substr_of(val));
            }
            "source" | "src" => m.source = Some(field.substr_of(val)),
            "target" | "dst" | "destination" => m.target = Some(field.substr_of(val)),
            "readonly" | "ro" => {
                m.readonly =
                    parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
                ro_auto = false;
            }
            "readwrite" | "rw" => {
                m.readonly =
                    !parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
                ro_auto = false;
            }
            "required" => {
                if !secret_or_ssh(&m) {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
                m.required =
                    parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
            }
            "id" => m.id = Some(field.substr_of(val)),
            "sharing" => {
                if m.kind != MountKind::Cache {
                    return Err(format!(
                        "invalid cache sharing set for {} mount",
                        m.kind.as_str()
                    ));
                }
                m.sharing = Some(match val.to_lowercase().as_str() {
                    "shared" => Sharing::Shared,
                    "private" => Sharing::Private,
                    "locked" => Sharing::Locked,
                    _ => return Err(format!("unsupported sharing value {}", go_quote(val))),
                });
            }
            "mode" => {
                m.mode = Some(
                    u32::from_str_radix(val, 8)
                        .map_err(|_| format!("invalid value {val} for mode"))?,
                )
            }
            "uid" => {
                m.uid = Some(
                    val.parse()
                        .map_err(|_| format!("invalid value {val} for uid"))?,
                )
            }
            "gid" => {
                m.gid = Some(
                    val.parse()
                        .map_err(|_| format!("invalid value {val} for gid"))?,
                )
            }
            "env" => m.env = Some(field.substr_of(val)),
            "size" => {
                if m.kind != MountKind::Tmpfs {
                    return Err(format!(
                        "unexpected key '{key}' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
                m.size = Some(field.substr_of(val));
            }
            _ => {
                let keys = [
                    "type",
                    "from",
                    "source",
                    "target",
                    "readonly",
                    "id",
                    "sharing",
                    "required",
                    "size",
                    "mode",
                    "uid",
                    "gid",
                    "src",
                    "dst",
                    "destination",
                    "ro",
                    "rw",
                    "readwrite",
                    "env",
                ];
                let mut msg = format!("unexpected key '{key}' in '{field}'");
                if let Some(s) = suggest(&key, keys.into_iter(), true) {
                    msg.push_str(&format!(" (did you mean {s}?)"));
                }
                return Err(msg);
            }
        }
    }
    let file_info_allowed = matches!(
        m.kind,
        MountKind::Secret | MountKind::Ssh | MountKind::Cache
    );
    if !file_info_allowed {
        let kind = go_quote(m.kind.as_str());
        if m.mode.is_some() {
            return Err(format!("mode not allowed for {kind} type mounts"));
        }
        if m.uid.is_some() {
            return Err(format!("uid not allowed for {kind} type mounts"));
        }
        if m.gid.is_some() {
            return Err(format!("gid not allowed for {kind} type mounts"));
        }
    }
    if ro_auto {
        m.readonly = !matches!(m.kind, MountKind::Cache | MountKind::Tmpfs);
    }
    if m.sharing.is_some() && m.kind != MountKind::Cache {
        return Err(format!(
            "invalid cache sharing set for {} mount",
            m.kind.as_str()
        ));
    }
    if m.kind == MountKind::Secret {
        if m.from.is_some() {
            return Err("secret mount should not have a from".to_string());
        }
        if m.source.is_none() && m.target.is_none() && m.id.is_none() {
            return Err("invalid secret mount. one of source, target required".to_string());
        }
        if m.source.is_some() && m.id.is_some() {
            return Err("both source and id can't be set".to_string());
        }
    }
    if m.target.as_deref() == Some("/") {
        return Err("invalid mount target \"/\"".to_string());
    }
    Ok(m)
}

fn healthcheck(ins: &Instruction) -> CheckResult<Command> {
    at_least_one(ins, "HEALTHCHECK")?;
    let typ = ins.args[0].value.to_uppercase();
    let rest = &ins.args[1..];
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err((
                ErrorCode::Healthcheck,
                "HEALTHCHECK NONE takes no arguments".to_string(),
                rest[0].span,
            ));
        }
        return Ok(Command::Healthcheck(Box::new(Healthcheck {
            test: vec![typ.into()],
            interval: None,
            timeout: None,
            start_period: None,
            start_interval: None,
            retries: None,
        })));
    }
    let flags = Flags::parse(
        &ins.flags,
        &[
            ("interval", S),
            ("timeout", S),
            ("start-period", S),
            ("start-interval", S),
            ("retries", S),
        ],
    )?;
    if typ != "CMD" {
        return Err((
            ErrorCode::Healthcheck,
            format!("Unknown type {} in HEALTHCHECK (try CMD)", go_quote(&typ)),
            ins.args[0].span,
        ));
    }
    let cmd: Vec<SharedStr> = if ins.json {
        values(rest)
    } else if rest.is_empty() {
        Vec::new()
    } else {
        vec![values(rest).join(" ").into()]
    };
    if cmd.is_empty() {
        return Err((
            ErrorCode::Healthcheck,
            "Missing command after HEALTHCHECK CMD".to_string(),
            ins.span,
        ));
    }
    let mut test = vec![SharedStr::from(if ins.json { "CMD" } else { "CMD-SHELL" })];
    test.extend(cmd);
    let interval = |name: &str| -> CheckResult<Option<Duration>> {
        let Some(v) = flags.string(name) else {
            return Ok(None);
        };
        let span = flags.flag(name).map_or(ins.span, |f| f.span);
        if v.is_empty() {
            return Ok(None);
        }
        let d = parse_go_duration(&v).map_err(|e| (ErrorCode::Healthcheck, e, span))?;
        match d {
            0 => Ok(None),
            n if n < 1_000_000 => Err((
                ErrorCode::Healthcheck,
                format!("Interval {} cannot be less than 1ms", go_quote(name)),
                span,
            )),
            n => Ok(Some(Duration::from_nanos(n as u64))),
        }
    };
    let interval_v = interval("interval")?;
    let timeout = interval("timeout")?;
    let start_period = interval("start-period")?;
    let start_interval = interval("start-interval")?;
    let retries = match flags.string("retries") {
        Some(v) if !v.is_empty() => {
            let span = flags.flag("retries").map_or(ins.span, |f| f.span);
            let n: i32 = v.parse().map_err(|_| {
                let why = if v
                    .trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    && v.len() > 1
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                (
                    ErrorCode::Healthcheck,
                    format!("strconv.ParseInt: parsing {}: {why}", go_quote(&v)),
                    span,
                )
            })?;
            if n < 0 {
                return Err((
                    ErrorCode::Healthcheck,
                    format!("--retries cannot be negative ({n})"),
                    span,
                ));
            }
            Some(n)
        }
        _ => None,
    };
    Ok(Command::Healthcheck(Box::new(Healthcheck {
        test,
        interval: interval_v,
        timeout,
        start_period,
        start_interval,
        retries,
    })))
}

/// Go's `time.ParseDuration`, in nanoseconds (may be negative).
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(s));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                (&a[..n], &a[n..])
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let unit = &after[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(s)));
        }
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(s)
                ))
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            frac_part
        )
        .parse()
        .map_err(|_| invalid())?;
        total += number * scale;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        rest = &after[unit_len..];
    }
    let n = total as i64;
    Ok(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("1.5ms"), Ok(1_500_000));
        assert_eq!(
            parse_go_duration("10"),
            Err("time: missing unit in duration \"10\"".into())
        );
        assert_eq!(
            parse_go_duration("3x"),
            Err("time: unknown unit \"x\" in duration \"3x\"".into())
        );
    }

    #[test]
    fn csv() {
        assert_eq!(
            csv_fields(&r#"type=cache,"target=/a,b""#.into()).unwrap(),
            ["type=cache", "target=/a,b"]
        );
        assert!(csv_fields(&r#"a"b"#.into()).is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("RUNN", Keyword::ALL.iter().copied(), false).as_deref(),
            Some("RUN")
        );
        assert_eq!(
            suggest("fromm", ["from", "chown"].into_iter(), true).as_deref(),
            Some("from")
        );
        assert_eq!(suggest("zzzzzz", ["from"].into_iter(), true), None);
    }
}
