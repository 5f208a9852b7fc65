//! Typed instructions and BuildKit's instructions-layer validation
//! (`frontend/dockerfile/instructions`): flags, argument counts, stage names,
//! `RUN --mount`, HEALTHCHECK options, ONBUILD triggers, and the whole-file rule
//! that only ARG may come before the first FROM.
//!
//! Values are kept as written (before variable expansion and quote removal, which
//! happen later, per instruction, in BuildKit's builder; see [`crate::expand`]).

use std::borrow::Cow;
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

/// The flags of one instruction, checked against the allowed ones.
///
/// Values are looked up in the flags as written rather than stored per kind: an
/// instruction has a flag or two, so scanning them again is cheaper than the vectors
/// a table of values would allocate for every COPY or RUN with a flag.
struct Flags<'a> {
    given: &'a [Flag],
}

impl<'a> Flags<'a> {
    /// `BFlags.Parse` against the allowed `defs`.
    ///
    /// Inlined for the common case of an instruction without flags, which then
    /// costs a test instead of a call.
    #[inline]
    fn parse(flags: &'a [Flag], defs: &[(&str, FlagType)]) -> CheckResult<Flags<'a>> {
        if !flags.is_empty() {
            Flags::check(flags, defs)?;
        }
        Ok(Flags { given: flags })
    }

    /// [`Flags::parse`] of one or more flags.
    fn check(flags: &'a [Flag], defs: &[(&str, FlagType)]) -> CheckResult<()> {
        for (k, flag) in flags.iter().enumerate() {
            let err = |msg: String| (ErrorCode::Flag, msg, flag.span);
            if !flag.text.starts_with("--") {
                return Err(err(format!("arg should start with -- : {}", flag.text)));
            }
            let name = &flag.name;
            let Some(&(_, kind)) = defs.iter().find(|d| d.0 == name) else {
                let mut msg = format!("unknown flag: --{name}");
                if let Some(s) = suggest(name, defs.iter().map(|d| d.0), true) {
                    msg.push_str(&format!(" (did you mean --{s}?)"));
                }
                return Err(err(msg));
            };
            // Every earlier flag passed these checks, so one of the same name was
            // given the same definition.
            if kind != FlagType::Strings && flags[..k].iter().any(|f| f.name == *name) {
                return Err(err(format!("duplicate flag specified: --{name}")));
            }
            match (kind, &flag.value) {
                (FlagType::Bool, None) => {}
                (FlagType::Bool, Some(v)) if v.is_empty() => {
                    return Err(err(format!("missing a value on flag: --{name}")))
                }
                (FlagType::Bool, Some(v)) => {
                    let lower = lower_case(v);
                    if lower != "true" && lower != "false" {
                        return Err(err(format!(
                            "expecting boolean value for flag --{name}, not: {v}"
                        )));
                    }
                }
                (_, None) => return Err(err(format!("missing a value on flag: --{name}"))),
                (_, Some(_)) => {}
            }
        }
        Ok(())
    }

    /// The flags named `name`, in the order written.
    #[inline]
    fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a Flag> + 's {
        self.given.iter().filter(move |f| f.name.as_str() == name)
    }

    #[inline]
    fn flag(&self, name: &str) -> Option<&'a Flag> {
        self.named(name).next()
    }

    /// The value of a string flag (which [`Flags::parse`] made sure has one).
    #[inline]
    fn string(&self, name: &str) -> Option<SharedStr> {
        self.flag(name)?.value.clone()
    }

    /// A boolean flag: a bare `--name` is true, else its value, which
    /// [`Flags::parse`] made sure is `true` or `false` in some case.
    ///
    /// ASCII case is ignored rather than the value lower-cased, which is the same
    /// test: the only non-ASCII characters whose lower case holds ASCII are the
    /// Kelvin sign (`k`) and `İ` (`i` and a combining dot), neither part of `true`.
    #[inline]
    fn bool(&self, name: &str) -> Option<bool> {
        let flag = self.flag(name)?;
        Some(
            flag.value
                .as_ref()
                .is_none_or(|v| v.eq_ignore_ascii_case("true")),
        )
    }

    /// The values of a repeatable string flag.
    #[inline]
    fn strings(&self, name: &str) -> Vec<SharedStr> {
        // Without flags, no call to the collecting loop (every RUN asks for devices).
        if self.given.is_empty() {
            return Vec::new();
        }
        self.all(name).map(|(_, v)| v.clone()).collect()
    }

    /// The flags of a repeatable string flag with their values.
    #[inline]
    fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = (&'a Flag, &'a SharedStr)> + 's {
        self.named(name)
            .filter_map(|f| f.value.as_ref().map(|v| (f, v)))
    }
}

/// `s.to_lowercase()`, without a copy when `s` has no upper case letter (flag values
/// and mount options are nearly always written in lower case already).
fn lower_case(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}

/// BuildKit's `suggest.WrapError`: the closest option within edit distance 2.
fn suggest<'o>(
    value: &str,
    options: impl Iterator<Item = &'o str>,
    case_sensitive: bool,
) -> Option<String> {
    suggest_among(value, options.map(|o| (o, None)), case_sensitive, false)
}

/// The instruction keyword closest to `word` within edit distance 2 ([`suggest`]).
fn suggest_keyword(word: &str) -> Option<String> {
    const KEYWORDS_ARE_ASCII: bool = all_ascii(&Keyword::ALL);
    const LONGEST_KEYWORD: usize = longest(&Keyword::ALL);
    // An ASCII word more than 2 bytes longer than every keyword is more than 2
    // edits from each (many unknown words are package names and long options).
    if word.len() > LONGEST_KEYWORD + 2 && word.is_ascii() {
        return None;
    }
    const KEYWORD_SETS: [u128; Keyword::ALL.len()] = folded_byte_sets(&Keyword::ALL);
    suggest_among(
        word,
        Keyword::ALL
            .iter()
            .zip(&KEYWORD_SETS)
            .map(|(&keyword, &set)| (keyword, Some(set))),
        false,
        KEYWORDS_ARE_ASCII,
    )
}

/// The [`byte_set`] of each word, folding case (a `const fn`, for [`Keyword::ALL`]).
const fn folded_byte_sets<const N: usize>(words: &[&str; N]) -> [u128; N] {
    let mut sets = [0; N];
    let mut i = 0;
    while i < N {
        sets[i] = byte_set(words[i].as_bytes(), true);
        i += 1;
    }
    sets
}

/// The length of the longest word (a `const fn`, for lists known when compiling).
const fn longest(words: &[&str]) -> usize {
    let mut max = 0;
    let mut i = 0;
    while i < words.len() {
        if words[i].len() > max {
            max = words[i].len();
        }
        i += 1;
    }
    max
}

/// True when every word is ASCII (a `const fn`, for lists known when compiling).
const fn all_ascii(words: &[&str]) -> bool {
    let mut i = 0;
    while i < words.len() {
        if !words[i].is_ascii() {
            return false;
        }
        i += 1;
    }
    true
}

/// [`suggest`]; `options_ascii` says that every option is known to be ASCII, which
/// spares a look at each option's bytes before its length rules it out (it runs for
/// every keyword against every unknown instruction), and an option may come with its
/// [`byte_set`] (folded as `case_sensitive` says), known when compiling.
fn suggest_among<'o>(
    value: &str,
    options: impl Iterator<Item = (&'o str, Option<u128>)>,
    case_sensitive: bool,
    options_ascii: bool,
) -> Option<String> {
    let fold = !case_sensitive;
    // Unknown instructions and flags are nearly always ASCII words, like every option:
    // compare their bytes then. Otherwise compare the (lower-cased) characters.
    let wanted_ascii = value.is_ascii();
    // Both made when an option of a close length first needs them: for most unknown
    // words none does, and most of the others share no byte with any option.
    let mut wanted_set: Option<u128> = None;
    let mut ascii_wanted: Option<AsciiWord> = None;
    let wanted_chars = (!wanted_ascii).then(|| SmallChars::new(value, fold));
    let wanted_len = wanted_chars
        .as_ref()
        .map_or(value.len(), |c| c.as_slice().len());
    let mut best: Option<(usize, &str)> = None;
    for (opt, opt_set) in options {
        // Options are ASCII words: a length more than 2 away cannot be close (the
        // length is compared first: it is the cheaper test and usually decides).
        let opt_ascii = || options_ascii || opt.is_ascii();
        if opt.len().abs_diff(wanted_len) > 2 && opt_ascii() {
            continue;
        }
        let d = if wanted_ascii && opt_ascii() {
            let opt_set = opt_set.unwrap_or_else(|| byte_set(opt.as_bytes(), fold));
            let wanted_set = *wanted_set.get_or_insert_with(|| byte_set(value.as_bytes(), fold));
            if opt_set & wanted_set == 0 {
                // Most unknown words share no byte with most keywords (`{{`, `&&`,
                // `fi` against `ADD`): then every byte of the longer word is a
                // substitution or an insertion, and the distance is its length.
                opt.len().max(value.len()).min(DISTANCE_CAP)
            } else if far_apart_by_bytes(wanted_set, opt_set) {
                DISTANCE_CAP
            } else {
                ascii_wanted
                    .get_or_insert_with(|| AsciiWord::new(value.as_bytes(), fold))
                    .distance(opt.as_bytes())
            }
        } else {
            let wanted = match &wanted_chars {
                Some(chars) => chars,
                None => &SmallChars::new(value, fold),
            };
            edit_distance_of(
                wanted.as_slice(),
                SmallChars::new(opt, fold).as_slice(),
                |x, y| x == y,
            )
        };
        if d == 0 {
            return None;
        }
        if d < 3 && best.is_none_or(|b| d < b.0) {
            best = Some((d, opt));
        }
    }
    let (_, m) = best?;
    let all_upper = if wanted_ascii {
        !value.bytes().any(|b| b.is_ascii_lowercase())
    } else {
        value == value.to_uppercase()
    };
    Some(if case_sensitive {
        m.to_string()
    } else if all_upper {
        m.to_uppercase()
    } else {
        m.to_lowercase()
    })
}

/// The set of byte values of an ASCII word (lower-cased when folding), one bit each.
const fn byte_set(bytes: &[u8], fold: bool) -> u128 {
    let mut set = 0;
    let mut i = 0;
    while i < bytes.len() {
        let key = if fold {
            bytes[i].to_ascii_lowercase()
        } else {
            bytes[i]
        };
        set |= 1 << (key & 0x7f);
        i += 1;
    }
    set
}

/// True when two ASCII words are at least [`DISTANCE_CAP`] edits apart by their
/// [`byte_set`]s: each byte value one word has and the other lacks takes an edit of
/// its own (an insertion or substitution creates one byte, a deletion or
/// substitution removes one), so there are at least as many edits as such values on
/// either side.
fn far_apart_by_bytes(a: u128, b: u128) -> bool {
    // Three or more bits: clearing the lowest set bit twice leaves one (a bit count
    // is a long sequence on CPUs without `popcnt`).
    let at_least_three = |x: u128| {
        let x = x & x.wrapping_sub(1);
        x & x.wrapping_sub(1) != 0
    };
    const _: () = assert!(DISTANCE_CAP == 3);
    at_least_three(a & !b) || at_least_three(b & !a)
}

/// An ASCII word to compare with ASCII options. Bytes are compared ignoring ASCII
/// case when folding, which is what lower-casing both sides and comparing gives.
struct AsciiWord<'w> {
    bytes: &'w [u8],
    fold: bool,
    /// For words of up to 64 bytes: bit `i` of `positions[b]` is set when byte `i`
    /// of the word is `b` (lower-cased when folding), what the bit-parallel
    /// distance looks up once per byte of an option.
    positions: Option<[u64; 128]>,
}

impl<'w> AsciiWord<'w> {
    fn new(bytes: &'w [u8], fold: bool) -> AsciiWord<'w> {
        let mut word = AsciiWord {
            bytes,
            fold,
            // Filled in place: the table is 1 KiB, not worth copying around.
            positions: (bytes.len() <= 64).then_some([0u64; 128]),
        };
        if let Some(positions) = &mut word.positions {
            for (i, &b) in bytes.iter().enumerate() {
                let key = if fold { b.to_ascii_lowercase() } else { b };
                if let Some(p) = positions.get_mut(usize::from(key)) {
                    *p |= 1 << i;
                }
            }
        }
        word
    }

    fn key(&self, b: u8) -> u8 {
        if self.fold {
            b.to_ascii_lowercase()
        } else {
            b
        }
    }

    /// `min(edit distance, 3)` to the ASCII word `other`.
    fn distance(&self, other: &[u8]) -> usize {
        if self.bytes.len().abs_diff(other.len()) >= DISTANCE_CAP {
            return DISTANCE_CAP;
        }
        let Some(positions) = &self.positions else {
            return banded_edit_distance(self.bytes, other, |x, y| self.key(x) == self.key(y));
        };
        let positions_of = |b: u8| {
            positions
                .get(usize::from(self.key(b)))
                .copied()
                .unwrap_or(0)
        };
        bit_parallel_edit_distance(self.bytes.len(), other, positions_of).min(DISTANCE_CAP)
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
        |x, y| x == y,
    )
}

/// Distances at or above this are all reported as this (only 0 to 2 matter).
const DISTANCE_CAP: usize = 3;

/// [`capped_edit_distance`] of two slices of characters (or bytes), elements being
/// equal when `same` says so. It runs for every option of every unknown word (about
/// one instruction in twenty of the corpus), so it avoids the table of the textbook
/// algorithm: words of up to 64 elements (all real ones) take Myers' bit-parallel
/// algorithm, one column of the table per step; longer ones the band of the table
/// that can hold a distance below the cap.
fn edit_distance_of<T: std::marker::Copy>(a: &[T], b: &[T], same: impl Fn(T, T) -> bool) -> usize {
    if a.len().abs_diff(b.len()) >= DISTANCE_CAP {
        return DISTANCE_CAP;
    }
    if a.len() <= 64 {
        // Positions of `a` that hold `cb` (a short scan: words are short).
        let positions = |cb| {
            a.iter()
                .enumerate()
                .fold(0u64, |m, (i, &ca)| m | (u64::from(same(ca, cb)) << i))
        };
        bit_parallel_edit_distance(a.len(), b, positions).min(DISTANCE_CAP)
    } else {
        banded_edit_distance(a, b, same)
    }
}

/// The edit distance of a word `a` of `a_len` (at most 64) elements and `b`, by Myers'
/// bit-vector algorithm in Hyyrö's formulation for whole words: `positions(c)` has bit
/// `i` set when element `i` of `a` equals `c`; bit `i` of `vp` (`vn`) says that going
/// down from row `i` to row `i + 1` of the current column of the table adds (takes
/// away) one, and the distance is followed along the last row.
fn bit_parallel_edit_distance<T: std::marker::Copy>(
    a_len: usize,
    b: &[T],
    positions: impl Fn(T) -> u64,
) -> usize {
    let Some(last) = a_len.checked_sub(1) else {
        return b.len();
    };
    let last_row = 1u64 << last;
    let mut vp = u64::MAX;
    let mut vn = 0u64;
    let mut distance = a_len;
    for &cb in b {
        let eq = positions(cb);
        let xv = eq | vn;
        let xh = ((eq & vp).wrapping_add(vp) ^ vp) | eq;
        let hp = vn | !(xh | vp);
        let hn = vp & xh;
        if hp & last_row != 0 {
            distance += 1;
        } else if hn & last_row != 0 {
            distance -= 1;
        }
        // The first row of the table counts up (0, 1, 2, ...): shift in a plus.
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = hn | !(xv | hp);
        vn = hp & xv;
    }
    distance
}

/// `min(edit distance, 3)` of words of any length, computing only what can matter:
///
/// - a cell `(i, j)` of the edit-distance table is at least `|i - j|`, so only the
///   diagonal band `|i - j| <= 2` can hold a value below the cap; cells outside it are
///   taken as the cap, and every value is capped, which leaves `min(distance, 3)`
///   exact since the recurrence only adds and takes minimums;
/// - the smallest value of a row never decreases from one row to the next, so once a
///   whole row has reached the cap the answer is the cap.
///
/// A row of the band is 5 cells on the stack, whatever the lengths.
fn banded_edit_distance<T: std::marker::Copy>(
    a: &[T],
    b: &[T],
    same: impl Fn(T, T) -> bool,
) -> usize {
    const WIDTH: usize = 2 * (DISTANCE_CAP - 1) + 1;
    const CENTRE: usize = DISTANCE_CAP - 1;
    if a.len().abs_diff(b.len()) >= DISTANCE_CAP {
        return DISTANCE_CAP;
    }
    // `row[k]` is the cell of column `j = i + k - CENTRE` of the current row `i`.
    let mut row = [DISTANCE_CAP; WIDTH];
    for (k, cell) in row.iter_mut().enumerate().skip(CENTRE) {
        let j = k - CENTRE;
        if j <= b.len() {
            *cell = j;
        }
    }
    for (i, &ca) in a.iter().enumerate() {
        let i = i + 1;
        let prev = row;
        let mut smallest = DISTANCE_CAP;
        for k in 0..WIDTH {
            // Column `j = i + k - CENTRE`, skipped when outside the table.
            let Some(j) = (i + k).checked_sub(CENTRE).filter(|&j| j <= b.len()) else {
                row[k] = DISTANCE_CAP;
                continue;
            };
            let value = if j == 0 {
                i
            } else {
                let diagonal = prev[k] + usize::from(!same(ca, b[j - 1]));
                let above = prev.get(k + 1).map_or(DISTANCE_CAP, |v| v + 1);
                let left = if k == 0 { DISTANCE_CAP } else { row[k - 1] + 1 };
                diagonal.min(above).min(left)
            };
            row[k] = value.min(DISTANCE_CAP);
            smallest = smallest.min(row[k]);
        }
        if smallest >= DISTANCE_CAP {
            return DISTANCE_CAP;
        }
    }
    row[b.len() + CENTRE - a.len()]
}

const B: FlagType = FlagType::Bool;
const S: FlagType = FlagType::String;
const L: FlagType = FlagType::Strings;

/// Check every instruction, fill in `command`, and apply the whole-file rule.
pub(crate) fn check_file(file: &mut Dockerfile) {
    let mut seen_from = false;
    // Instructions the parser stage already rejected get no second, follow-on error.
    // (Taken before the loop, which appends this layer's errors after the parser's.)
    // (Most files have no error: no call to the collecting loop then.)
    let parser_failed: Vec<usize> = if file.errors.is_empty() {
        Vec::new()
    } else {
        file.errors.iter().filter_map(|e| e.instruction).collect()
    };
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
                    file.errors.push(SyntaxError {
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
                file.errors.push(SyntaxError {
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
        Keyword::Add | Keyword::Copy => copy_or_add(ins, &ins.keyword.as_upper()),
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
            let mut out = Vec::with_capacity(ins.args.len());
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
            // About one instruction in twenty of real files lands here (mostly a line
            // of a broken continuation), so the message is put together by hand: the
            // formatting machinery cost more than the suggestion.
            let suggestion = suggest_keyword(word);
            let mut msg = String::with_capacity(64);
            msg.push_str("unknown instruction: ");
            msg.push_str(word);
            if let Some(s) = suggestion {
                msg.push_str(" (did you mean ");
                msg.push_str(&s);
                msg.push_str("?)");
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
        let lower = lower_case(&args[2].value);
        // Bytes rather than characters: only ASCII is allowed, and the bytes of any
        // other character are all non-ASCII, so they fail the test as it would.
        let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
            && lower.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
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
        // A byte search: `=` is ASCII, and the words are short.
        decls.push(match w.value.bytes().position(|b| b == b'=') {
            Some(0) => {
                return Err((
                    ErrorCode::Arguments,
                    "ARG names can not be blank".to_string(),
                    w.span,
                ))
            }
            Some(eq) => ArgDecl {
                name: w.value.substr(0..eq),
                default: Some(w.value.substr(eq + 1..w.value.len())),
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
#[inline]
fn heredoc_name(word: &str) -> Option<String> {
    // Nearly every word is a path: its first byte rules it out without a call.
    match word.as_bytes().first() {
        Some(b'<' | b'0'..=b'9') => heredoc_marker_name(word),
        _ => None,
    }
}

/// [`heredoc_name`] of a word starting with `<` or a digit.
fn heredoc_marker_name(word: &str) -> Option<String> {
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
            // Without heredocs no marker can name one.
            let heredoc = if ins.json || ins.heredocs.is_empty() {
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
    let mut mounts = Vec::with_capacity(flags.all("mount").count());
    for (flag, value) in flags.all("mount") {
        mounts.push(parse_mount(value, flag.span).map_err(|m| (ErrorCode::Mount, m, flag.span))?);
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
            // Byte searches: both characters are ASCII, and fields are short.
            let end = b[start..]
                .iter()
                .position(|&c| c == b',')
                .map_or(s.len(), |j| start + j);
            if let Some(q) = b[start..end].iter().position(|&c| c == b'"') {
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
    let text = value.as_str();
    // Nearly every mount is written without quotes: its fields are then the text
    // between commas, read in place (no vector, no string per field).
    let quoted_fields = if text.is_empty() || text.contains('"') {
        Some(csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?)
    } else {
        None
    };
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
    match &quoted_fields {
        None => {
            for field in text.split(',') {
                mount_field(&mut m, &mut ro_auto, value, field)?;
            }
        }
        Some(fields) => {
            for field in fields {
                mount_field(&mut m, &mut ro_auto, field, field)?;
            }
        }
    }
    let file_info_allowed = matches!(
        m.kind,
        MountKind::Secret | MountKind::Ssh | MountKind::Cache
    );
    if !file_info_allowed {
        let kind = || go_quote(m.kind.as_str());
        if m.mode.is_some() {
            return Err(format!("mode not allowed for {} type mounts", kind()));
        }
        if m.uid.is_some() {
            return Err(format!("uid not allowed for {} type mounts", kind()));
        }
        if m.gid.is_some() {
            return Err(format!("gid not allowed for {} type mounts", kind()));
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

/// The error of a mount option that its mount type does not take.
fn unexpected_key(key: &str, kind: MountKind) -> String {
    format!("unexpected key '{key}' for mount type '{}'", kind.as_str())
}

/// One `key[=value]` field of a mount: `field` is a part of `owner`'s text, which
/// the values are taken from.
fn mount_field(
    m: &mut Mount,
    ro_auto: &mut bool,
    owner: &SharedStr,
    field: &str,
) -> Result<(), String> {
    let secret_or_ssh = |m: &Mount| matches!(m.kind, MountKind::Secret | MountKind::Ssh);
    // A byte search: `=` is ASCII, and the fields are short.
    let (key, val) = match field.bytes().position(|b| b == b'=') {
        Some(eq) => (lower_case(&field[..eq]), Some(&field[eq + 1..])),
        None => (lower_case(field), None),
    };
    let Some(val) = val else {
        match &*key {
            "readonly" | "ro" => m.readonly = true,
            "readwrite" | "rw" => m.readonly = false,
            "required" if secret_or_ssh(m) => m.required = true,
            "required" => return Err(unexpected_key(&key, m.kind)),
            _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
        }
        *ro_auto = false;
        return Ok(());
    };
    match &*key {
        "type" => {
            m.kind = MountKind::from_text(&lower_case(val)).ok_or_else(|| {
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
            m.from = Some(owner.substr_of(val));
        }
        "source" | "src" => m.source = Some(owner.substr_of(val)),
        "target" | "dst" | "destination" => m.target = Some(owner.substr_of(val)),
        "readonly" | "ro" => {
            m.readonly =
                parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
            *ro_auto = false;
        }
        "readwrite" | "rw" => {
            m.readonly =
                !parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
            *ro_auto = false;
        }
        "required" => {
            if !secret_or_ssh(m) {
                return Err(unexpected_key(&key, m.kind));
            }
            m.required =
                parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
        }
        "id" => m.id = Some(owner.substr_of(val)),
        "sharing" => {
            if m.kind != MountKind::Cache {
                return Err(format!(
                    "invalid cache sharing set for {} mount",
                    m.kind.as_str()
                ));
            }
            m.sharing = Some(match &*lower_case(val) {
                "shared" => Sharing::Shared,
                "private" => Sharing::Private,
                "locked" => Sharing::Locked,
                _ => return Err(format!("unsupported sharing value {}", go_quote(val))),
            });
        }
        "mode" => {
            m.mode = Some(
                u32::from_str_radix(val, 8).map_err(|_| format!("invalid value {val} for mode"))?,
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
        "env" => m.env = Some(owner.substr_of(val)),
        "size" => {
            if m.kind != MountKind::Tmpfs {
                return Err(unexpected_key(&key, m.kind));
            }
            m.size = Some(owner.substr_of(val));
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
    Ok(())
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

    /// Mounts without quotes are read in place, quoted ones through the csv reader:
    /// both give the same mount, and the same error.
    #[test]
    fn mounts_read_in_place_as_through_csv() {
        let span = Span::new(0, 0);
        for (plain, quoted) in [
            (
                "type=cache,target=/root/.cache/a-long-path-of-more-than-30-bytes,sharing=locked,ro",
                "\"type=cache\",target=/root/.cache/a-long-path-of-more-than-30-bytes,sharing=locked,ro",
            ),
            ("type=secret,id=x,required", "type=secret,\"id=x\",required"),
            ("type=cache,", "\"type=cache\","),
            ("type=tmpfs,size=1g,uid=1", "type=tmpfs,\"size=1g\",uid=1"),
            ("TYPE=Bind,Source=s,Target=t", "\"TYPE=Bind\",Source=s,Target=t"),
        ] {
            assert_eq!(
                parse_mount(&plain.into(), span),
                parse_mount(&quoted.into(), span),
                "{plain}"
            );
        }
        assert_eq!(
            parse_mount(&"".into(), span),
            Err("failed to parse csv mounts: EOF".to_string())
        );
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
        assert_eq!(
            suggest("cOpY", Keyword::ALL.iter().copied(), false),
            None,
            "an exact match ignoring case suggests nothing"
        );
        assert_eq!(
            suggest("ÉNV", Keyword::ALL.iter().copied(), false).as_deref(),
            Some("ENV")
        );
        for word in ["RUNN", "cOpY", "ÉNV", "{{", "fi", "workdirr", "", "Ü"] {
            assert_eq!(
                suggest_keyword(word),
                suggest(word, Keyword::ALL.iter().copied(), false),
                "{word}"
            );
        }
    }

    /// The typed command and the first error of a one-stage Dockerfile's last line.
    fn last_command(text: &str) -> (Option<Command>, Option<String>) {
        let file = crate::parse(&format!("FROM scratch\n{text}\n"));
        let command = file.instructions.last().and_then(|i| i.command.clone());
        (command, file.errors.first().map(|e| e.message.clone()))
    }

    #[test]
    fn flags_are_looked_up_as_written() {
        let (Some(Command::Copy(copy)), None) = last_command(
            "COPY --exclude=a --from=build --link=TRUE --exclude=b --parents=False x y",
        ) else {
            panic!("COPY with flags");
        };
        assert_eq!(copy.from.as_deref(), Some("build"));
        assert_eq!(copy.exclude, ["a", "b"]);
        assert!(copy.link);
        assert!(!copy.parents);
        assert_eq!(copy.chown, None);
        let (Some(Command::Add(add)), None) = last_command("ADD --keep-git-dir --unpack=false x y")
        else {
            panic!("ADD with flags");
        };
        assert_eq!(
            (add.keep_git_dir, add.unpack, add.link),
            (Some(true), Some(false), false)
        );
        let (Some(Command::Run(run)), None) = last_command(
            "RUN --mount=type=cache,target=/c --network=none --mount=type=tmpfs,target=/t make",
        ) else {
            panic!("RUN with flags");
        };
        let kinds: Vec<MountKind> = run.mounts.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, [MountKind::Cache, MountKind::Tmpfs]);
        assert_eq!(run.network.as_deref(), Some("none"));
        for (line, error) in [
            (
                "COPY --from=a --from=b x y",
                "duplicate flag specified: --from",
            ),
            ("COPY --link --link x y", "duplicate flag specified: --link"),
            (
                "COPY --fromm=a x y",
                "unknown flag: --fromm (did you mean --from?)",
            ),
            (
                "COPY --link=yes x y",
                "expecting boolean value for flag --link, not: yes",
            ),
            ("COPY --link= x y", "missing a value on flag: --link"),
            ("COPY --from x y", "missing a value on flag: --from"),
            ("RUN --mount=TYPE=Cache,Target=/c,SHARING=Locked make", ""),
            (
                "RUN --mount=type=bind,mode=0755 make",
                "mode not allowed for \"bind\" type mounts",
            ),
            (
                "RUN --mount='type=cache,a\"b' make",
                "failed to parse csv mounts: parse error on line 1, column 13: bare \"",
            ),
        ] {
            let (_, got) = last_command(line);
            let got = got.unwrap_or_default();
            assert!(
                got.starts_with(error) || error.is_empty() && got.is_empty(),
                "{line}: {got}"
            );
        }
    }

    /// `suggest` the plain way: every option's full edit distance.
    fn naive_suggest(value: &str, options: &[&str], case_sensitive: bool) -> Option<String> {
        let chars = |s: &str| -> Vec<char> {
            if case_sensitive {
                s.chars().collect()
            } else {
                s.to_lowercase().chars().collect()
            }
        };
        let mut best: Option<(usize, &str)> = None;
        for opt in options {
            let d = full_edit_distance(&chars(value), &chars(opt));
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

    /// The byte-set shortcuts of `suggest_among` never change a suggestion: every
    /// word of up to 4 bytes over an alphabet of keyword letters, other case and
    /// symbols, and every keyword with a letter changed or dropped.
    #[test]
    fn suggestions_agree_with_full_distances() {
        let alphabet = ['a', 'D', 'r', 'u', 'N', 'o', 'x', '&', '-'];
        let mut words = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|w| alphabet.map(|c| format!("{w}{c}")))
                .collect();
            words.extend(last.iter().cloned());
        }
        for keyword in Keyword::ALL {
            for i in 0..keyword.len() {
                let mut dropped = keyword.to_string();
                dropped.remove(i);
                let mut changed = keyword.to_lowercase();
                changed.replace_range(i..=i, "z");
                words.extend([dropped, changed]);
            }
        }
        // Around the longest keyword's length plus 2, where long words are cut short.
        words.extend(
            [
                "HEALTHCHECKXX",
                "healthcheckxxx",
                "--no-install-recommends",
                "ENTRYPOINTxx",
            ]
            .map(String::from),
        );
        let flags = ["chown", "from", "chmod", "link", "parents", "exclude"];
        for word in &words {
            assert_eq!(
                suggest_keyword(word),
                naive_suggest(word, &Keyword::ALL, false),
                "{word}"
            );
            assert_eq!(
                suggest(word, flags.into_iter(), true),
                naive_suggest(word, &flags, true),
                "{word}"
            );
        }
    }

    /// The whole edit-distance table, the textbook way.
    fn full_edit_distance(a: &[char], b: &[char]) -> usize {
        let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in table.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in table[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                table[i][j] = (table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]))
                    .min(table[i - 1][j] + 1)
                    .min(table[i][j - 1] + 1);
            }
        }
        table[a.len()][b.len()]
    }

    /// Every word of up to 5 letters over a 3-letter alphabet against every other: the
    /// bit-parallel algorithm gives the distance of the full table, the banded one
    /// `min(distance, 3)`; then long words, for the fallback and the 64-bit limit.
    #[test]
    fn fast_edit_distances_agree_with_the_full_table() {
        let mut words: Vec<Vec<char>> = vec![Vec::new()];
        let mut last = vec![Vec::new()];
        for _ in 0..5 {
            let next: Vec<Vec<char>> = last
                .iter()
                .flat_map(|w: &Vec<char>| {
                    ['a', 'b', 'c'].map(|c| {
                        let mut w = w.clone();
                        w.push(c);
                        w
                    })
                })
                .collect();
            words.extend(next.iter().cloned());
            last = next;
        }
        for a in &words {
            for b in &words {
                let full = full_edit_distance(a, b);
                let same = |x: char, y: char| x == y;
                let positions = |c| {
                    a.iter()
                        .enumerate()
                        .fold(0, |m, (i, &x)| m | (u64::from(x == c) << i))
                };
                assert_eq!(
                    bit_parallel_edit_distance(a.len(), b, positions),
                    full,
                    "{a:?} {b:?}"
                );
                let (a_text, b_text): (String, String) = (a.iter().collect(), b.iter().collect());
                let (a_upper, b_upper) = (a_text.to_uppercase(), b_text.to_uppercase());
                let folded = AsciiWord::new(a_upper.as_bytes(), true);
                assert_eq!(folded.distance(b_text.as_bytes()), full.min(3));
                let exact = AsciiWord::new(a_text.as_bytes(), false);
                assert_eq!(exact.distance(b_text.as_bytes()), full.min(3));
                // Without folding, upper and lower case never match.
                let upper: Vec<char> = b_upper.chars().collect();
                assert_eq!(
                    exact.distance(b_upper.as_bytes()),
                    full_edit_distance(a, &upper).min(3)
                );
                assert_eq!(banded_edit_distance(a, b, same), full.min(3), "{a:?} {b:?}");
                assert_eq!(edit_distance_of(a, b, same), full.min(3), "{a:?} {b:?}");
            }
        }
        let long: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789abcdef"
            .chars()
            .collect();
        let mut near = long.clone();
        near.remove(40);
        near[3] = 'x';
        assert_eq!(edit_distance_of(&long, &near, |x, y| x == y), 2);
        let longer: Vec<char> = long.iter().chain(&long).copied().collect();
        let mut longer_near = longer.clone();
        longer_near.insert(70, 'x');
        assert_eq!(edit_distance_of(&longer, &longer_near, |x, y| x == y), 1);
        longer_near[1] = 'x';
        longer_near[2] = 'x';
        assert_eq!(edit_distance_of(&longer, &longer_near, |x, y| x == y), 3);
        let mut sixty_four = longer.clone();
        sixty_four.truncate(64);
        let mut sixty_four_near = sixty_four.clone();
        sixty_four_near[63] = 'x';
        sixty_four_near.remove(0);
        assert_eq!(
            edit_distance_of(&sixty_four, &sixty_four_near, |x, y| x == y),
            2
        );
        let ascii: String = sixty_four.iter().collect();
        let ascii_near: String = sixty_four_near.iter().collect();
        let word = AsciiWord::new(ascii.as_bytes(), false);
        assert!(word.positions.is_some());
        assert_eq!(word.distance(ascii_near.as_bytes()), 2);
        let longer_text: String = longer.iter().collect();
        let longer_near_text: String = longer_near.iter().collect();
        let word = AsciiWord::new(longer_text.as_bytes(), true);
        assert!(word.positions.is_none());
        assert_eq!(word.distance(longer_near_text.to_uppercase().as_bytes()), 3);
        assert_eq!(capped_edit_distance("PAHT", "path", true), 2);
    }
}
