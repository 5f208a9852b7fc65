//! BuildKit's instructions layer (`instructions/parse.go`): each parsed
//! instruction validated and turned into its [`Command`], and the whole-file rule
//! that only ARG may come before the first FROM.

use super::flags::{lower_case, CheckResult, FlagDefs, FlagType, Flags};
use super::healthcheck::healthcheck;
use super::mount::parse_mount;
use super::{Add, ArgDecl, Command, Copy, From, KeyValue, Run, ShellOrExec, Source};
use crate::ast::{Dockerfile, Instruction, Keyword, Word};
use crate::error::{ErrorCode, SyntaxError};
use crate::go::go_quote;
use crate::grammar::heredoc::marker_parts;
use crate::shared::SharedStr;
use crate::suggest;

use FlagType::{Bool as B, String as S, Strings as L};

/// Check every instruction, fill in `command`, and apply the whole-file rule.
pub(crate) fn check_file(file: &mut Dockerfile) {
    let mut seen_from = false;
    // Instructions the parser stage already rejected get no second, follow-on error.
    // (Taken before the loop, which appends this layer's errors after the parser's.)
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

/// The values of argument words.
pub(super) fn values(args: &[Word]) -> Vec<SharedStr> {
    args.iter().map(|w| w.value.clone()).collect()
}

/// The command of RUN, CMD or ENTRYPOINT: exec form, or the arguments joined.
fn shell_or_exec(ins: &Instruction) -> ShellOrExec {
    match (ins.json, ins.args.as_slice()) {
        (true, _) => ShellOrExec::Exec(values(&ins.args)),
        (false, [one]) => ShellOrExec::Shell(one.value.clone()),
        (false, _) => ShellOrExec::Shell(values(&ins.args).join(" ").into()),
    }
}

/// `errAtLeastOneArgument`.
pub(super) fn at_least_one(ins: &Instruction, name: &str) -> CheckResult<()> {
    if ins.args.is_empty() {
        return Err((
            ErrorCode::Arguments,
            format!("{name} requires at least one argument"),
            ins.span,
        ));
    }
    Ok(())
}

/// `errExactlyOneArgument`.
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

/// The `key, value, separator` triples of ENV or LABEL as pairs.
fn kvps(ins: &Instruction, name: &str) -> CheckResult<Vec<KeyValue>> {
    at_least_one(ins, name)?;
    if !ins.args.len().is_multiple_of(3) {
        return Err((
            ErrorCode::Arguments,
            format!("Bad input to {name}, too many arguments"),
            ins.span,
        ));
    }
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
fn build(ins: &Instruction) -> CheckResult<Command> {
    let none: FlagDefs = &[];
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
            let mut message = format!("unknown instruction: {word}");
            if let Some(keyword) = suggest::closest_ignoring_case(word, Keyword::ALL) {
                let keyword = suggest::match_case(keyword, word);
                message.push_str(&format!(" (did you mean {keyword}?)"));
            }
            Err((ErrorCode::UnknownInstruction, message, ins.keyword_span))
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
    let mut decls = Vec::with_capacity(ins.args.len());
    for w in &ins.args {
        decls.push(match w.value.find('=') {
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

/// The heredoc a COPY or ADD source names (`MustParseHeredoc`): a marker word, its
/// delimiter with the quote characters taken out.
fn heredoc_name(word: &str) -> Option<String> {
    let (_, _, delimiter) = marker_parts(word)?;
    Some(
        delimiter
            .chars()
            .filter(|&c| c != '\'' && c != '"')
            .collect(),
    )
}

fn copy_or_add(ins: &Instruction, name: &str) -> CheckResult<Command> {
    let (dest, srcs) = match ins.args.split_last() {
        Some((dest, srcs)) if !srcs.is_empty() => (dest, srcs),
        _ => return Err((
            ErrorCode::Arguments,
            format!("{name} requires at least two arguments, but only one was provided. Destination could not be determined"),
            ins.span,
        )),
    };
    let is_copy = ins.keyword == Keyword::Copy;
    let defs: FlagDefs = if is_copy {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MountKind;

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

    #[test]
    fn unknown_instructions_get_the_closest_keyword() {
        for (line, error) in [
            ("RUNN make", "unknown instruction: RUNN (did you mean RUN?)"),
            (
                "workdirr /x",
                "unknown instruction: workdirr (did you mean workdir?)",
            ),
            ("Cpy a b", "unknown instruction: Cpy (did you mean copy?)"),
            ("ÉNV a=b", "unknown instruction: ÉNV (did you mean ENV?)"),
            ("apt-get install", "unknown instruction: apt-get"),
        ] {
            assert_eq!(last_command(line).1.as_deref(), Some(error), "{line}");
        }
    }
}
