//! The error `docker build` stops at after BuildKit's parser and instructions layer accepted
//! the file: the checks of its converter (`dockerfile2llb.toDispatchState` and the dispatch
//! of each instruction), in the order BuildKit makes them, with BuildKit's messages.
//!
//! Built without build args (as `berth lint` and `docker build --check` read a file), many
//! real Dockerfiles fail only because a build arg has no default (`ARG BASE` then
//! `FROM $BASE`): their authors always pass it. Such an error is marked with the build args
//! that avoid it, and the walk goes on as if they had been given a value, to find an error
//! that no build arg avoids.

use std::collections::BTreeSet;

use berth_syntax::expand::Lexer;
use berth_syntax::image::{parse_platform, ImageRef};
use berth_syntax::scope::{resolve, suggest, Base, Scope, ScopeOptions};
use berth_syntax::{go_quote, Command, Dockerfile, Stage};

/// One error BuildKit's converter stops at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EngineError {
    /// The instruction BuildKit reports it at (`None`: BuildKit gives no location; berth
    /// then points at the instruction the error is about, when there is one).
    pub instruction: Option<usize>,
    /// Where berth reports it (the instruction the error is about).
    pub at: usize,
    /// BuildKit's message, word for word.
    pub message: String,
    /// The build args without a default whose values avoid the error (empty: none does).
    pub build_args: Vec<String>,
}

/// The value berth gives a build arg to see past an error that arg causes: short, lower
/// case, a valid image name, tag and platform component.
const PLACEHOLDER: &str = "x";

/// At most this many build-arg errors are looked past (each round resolves the file again).
const MAX_ROUNDS: usize = 8;

/// The errors of a file without build args: those that build args avoid (each with its
/// args), then at most one that none does. Empty when BuildKit's converter accepts the file
/// or when its parser or instructions layer already rejected it (berth reports those as
/// DL1000). `scope` is the file's scope without build args (the one the checks share): the
/// file is resolved again only to look past an error.
pub(crate) fn engine_errors(file: &Dockerfile, scope: &Scope) -> Vec<EngineError> {
    if !file.errors.is_empty() {
        return Vec::new();
    }
    let resolve_with = |args: &[String]| {
        let options = args.iter().fold(ScopeOptions::default(), |o, name| {
            o.build_arg(name, PLACEHOLDER)
        });
        resolve(file, &options)
    };
    let mut given: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut resolved = None;
    for _ in 0..MAX_ROUNDS {
        let scope = match &resolved {
            None => scope,
            Some(scope) => scope,
        };
        let errors = first_errors(file, scope);
        if errors.is_empty() {
            break;
        }
        let mut avoided_with: Vec<String> = Vec::new();
        let mut stop = false;
        for error in errors {
            let missing: Vec<String> = error
                .args
                .iter()
                .filter(|name| !given.contains(name) && declared_without_value(file, scope, name))
                .cloned()
                .collect();
            // Avoided: with the args, this instruction no longer fails (another may).
            let avoided = !missing.is_empty() && {
                let with_args: Vec<String> = given.iter().chain(&missing).cloned().collect();
                first_errors(file, &resolve_with(&with_args))
                    .iter()
                    .all(|e| e.at != error.at)
            };
            if avoided {
                avoided_with.extend(missing.iter().cloned());
            } else {
                stop = true;
            }
            out.push(EngineError {
                instruction: error.instruction,
                at: error.at,
                message: error.message,
                build_args: if avoided { missing } else { Vec::new() },
            });
        }
        if stop || avoided_with.is_empty() {
            break;
        }
        for name in avoided_with {
            if !given.contains(&name) {
                given.push(name);
            }
        }
        resolved = Some(resolve_with(&given));
    }
    out
}

/// Whether `name` is a meta ARG (before the first FROM) or an ARG of some stage that is
/// declared without a value or with an empty one: a build arg the author means to pass.
fn declared_without_value(file: &Dockerfile, scope: &Scope, name: &str) -> bool {
    let meta = scope.meta_args.iter().filter(|a| a.name == name);
    let staged = file.instructions.iter().filter_map(|i| match &i.command {
        Some(Command::Arg(decls)) => Some(decls.iter().filter(|d| &*d.name == name)),
        _ => None,
    });
    let mut any = false;
    for default in meta.map(|a| a.default.clone()).chain(
        staged
            .flatten()
            .map(|d| d.default.as_deref().map(str::to_string)),
    ) {
        any = true;
        if default.as_deref().is_some_and(|d| !d.is_empty()) {
            return false;
        }
    }
    any
}

/// An error with the names the failing expressions referenced (set or not).
struct Found {
    instruction: Option<usize>,
    at: usize,
    message: String,
    args: BTreeSet<String>,
}

impl Found {
    fn at(instruction: usize, message: String) -> Found {
        Found {
            instruction: Some(instruction),
            at: instruction,
            message,
            args: BTreeSet::new(),
        }
    }
}

/// The errors BuildKit's converter may stop at first, in its order: `COPY --parents` (an
/// unknown flag in Docker 28), meta ARG defaults, each stage's FROM (base name, then
/// platform), `COPY --from` values, dependency cycles, base image references, then each
/// instruction as it is dispatched. One error, except for base image references, which
/// BuildKit checks in parallel: it stops at whichever fails first, so every failing one
/// is returned.
fn first_errors(file: &Dockerfile, scope: &Scope) -> Vec<Found> {
    if let Some(found) = parents_flag_error(file) {
        return vec![found];
    }
    let stages = file.stages();
    if stages.is_empty() {
        let at = file.instructions.len().saturating_sub(1);
        return vec![Found {
            instruction: None,
            at,
            message: "dockerfile contains no stages to build".into(),
            args: BTreeSet::new(),
        }];
    }
    let lexer = Lexer::new(file.escape);
    // Meta ARG defaults that do not expand (their messages are the expansion's own).
    let first_from = stages[0].from;
    if let Some(e) = scope.errors.iter().find(|e| e.instruction < first_from) {
        return vec![Found::at(e.instruction, e.message.clone())];
    }
    let single = stages
        .iter()
        .find_map(|stage| from_error(file, scope, &lexer, stage))
        .or_else(|| copy_from_error(file, &lexer, &stages))
        .or_else(|| cycle_error(file, &stages));
    if let Some(found) = single {
        return vec![found];
    }
    let references = reference_errors(file, scope, &stages);
    if !references.is_empty() {
        return references;
    }
    dispatch_error(file, scope, &stages).into_iter().collect()
}

/// `COPY --parents` is a labs-only flag in Docker 28's frontend: its instructions layer
/// rejects it as unknown.
fn parents_flag_error(file: &Dockerfile) -> Option<Found> {
    file.instructions
        .iter()
        .enumerate()
        .find_map(|(index, instruction)| match &instruction.command {
            Some(Command::Copy(copy)) if copy.parents => Some(Found::at(
                index,
                format!(
                    "dockerfile parse error on line {}: unknown flag: --parents",
                    instruction.start_line
                ),
            )),
            _ => None,
        })
}

/// The checks of one FROM line against the global scope.
fn from_error(file: &Dockerfile, scope: &Scope, lexer: &Lexer, stage: &Stage) -> Option<Found> {
    let Some(Command::From(from)) = &file.instructions[stage.from].command else {
        return None;
    };
    let name = match lexer.expand_word(&from.image, &scope.global) {
        Err(e) => return Some(Found::at(stage.from, e.to_string())),
        Ok(out) => out,
    };
    if name.value.is_empty() {
        return Some(Found {
            args: name.matched.union(&name.unmatched).cloned().collect(),
            ..Found::at(
                stage.from,
                format!("base name ({}) should not be blank", from.image),
            )
        });
    }
    let Some(platform) = &from.platform else {
        return None;
    };
    let keys: Vec<&str> = scope.global.names().collect();
    let suggestion = |unmatched: &BTreeSet<String>| {
        unmatched
            .iter()
            .find_map(|name| suggest(name, keys.iter().copied(), true))
            .map(|guess| format!(" (did you mean {guess}?)"))
            .unwrap_or_default()
    };
    let out = match lexer.expand_word(platform, &scope.global) {
        // BuildKit names the (empty) result of the failed expansion.
        Err(e) => {
            return Some(Found::at(
                stage.from,
                format!("failed to process arguments for platform : {e}"),
            ))
        }
        Ok(out) => out,
    };
    if out.value.is_empty() {
        return Some(Found {
            message: format!(
                "empty platform value from expression {platform}{}",
                suggestion(&out.unmatched)
            ),
            args: out.matched.union(&out.unmatched).cloned().collect(),
            ..Found::at(stage.from, String::new())
        });
    }
    if let Err(e) = parse_platform(&out.value) {
        return Some(Found {
            message: format!(
                "failed to parse platform {platform}: {e}{}",
                suggestion(&out.unmatched)
            ),
            args: out.matched.union(&out.unmatched).cloned().collect(),
            ..Found::at(stage.from, String::new())
        });
    }
    None
}

/// `COPY --from` values: BuildKit refuses any expansion in them, and an index must name a
/// stage. BuildKit gives these errors no location.
fn copy_from_error(file: &Dockerfile, lexer: &Lexer, stages: &[Stage]) -> Option<Found> {
    let no_env = berth_syntax::scope::Env::new();
    for stage in stages {
        for index in stage.instructions.clone() {
            let Some(Command::Copy(copy)) = &file.instructions[index].command else {
                continue;
            };
            let Some(from) = &copy.from else {
                continue;
            };
            let unlocated = |message: String| Found {
                instruction: None,
                at: index,
                message,
                args: BTreeSet::new(),
            };
            match lexer.expand_word(from, &no_env) {
                Err(e) => return Some(unlocated(e.to_string())),
                Ok(out) if out.value != **from => {
                    return Some(unlocated(
                        "variable expansion is not supported for --from, define a new stage \
                         with FROM using ARG from global scope as a workaround"
                            .into(),
                    ))
                }
                Ok(_) => {}
            }
            if let Ok(n) = from.parse::<i64>() {
                if n < 0 || n as usize >= stage_states(file, stages, index) {
                    return Some(unlocated(format!("invalid stage index {n}")));
                }
            }
        }
    }
    None
}

/// How many dispatch states BuildKit holds when it looks up a `COPY --from=<index>` at
/// instruction `at`: the stages, plus an implicit one for every earlier `--from` or mount
/// source that names no stage.
fn stage_states(file: &Dockerfile, stages: &[Stage], at: usize) -> usize {
    let mut count = stages.len();
    for stage in stages {
        for index in stage.instructions.clone() {
            if index >= at {
                return count;
            }
            count += implicit_sources(file, stages, index);
        }
    }
    count
}

/// The implicit states an instruction adds: a `COPY --from` naming no stage (and no
/// index), and each RUN mount whose `from` (or the `scratch` of a mount without one)
/// names no stage.
fn implicit_sources(file: &Dockerfile, stages: &[Stage], index: usize) -> usize {
    match &file.instructions[index].command {
        Some(Command::Copy(copy)) => match &copy.from {
            Some(from) if from.parse::<i64>().is_err() && stage_named(stages, from).is_none() => 1,
            _ => 0,
        },
        Some(Command::Run(run)) => run
            .mounts
            .iter()
            .filter(|m| {
                let from = mount_from(m).unwrap_or("scratch");
                stage_named(stages, from).is_none()
            })
            .count(),
        _ => 0,
    }
}

/// The stage BuildKit finds for a `--from` name (case-insensitive; a later stage of the
/// same name wins).
fn stage_named(stages: &[Stage], name: &str) -> Option<usize> {
    let wanted = name.to_lowercase();
    stages
        .iter()
        .rev()
        .find(|s| s.name.as_deref().map(str::to_lowercase) == Some(wanted.clone()))
        .map(|s| s.index)
}

/// A mount's `from=`, when it names something (BuildKit treats `from=` as no `from`).
fn mount_from(mount: &berth_syntax::Mount) -> Option<&str> {
    mount.from.as_deref().filter(|f| !f.is_empty())
}

/// BuildKit's name for a stage in messages: its name as written, else `stage-N`.
fn stage_name(stage: &Stage) -> String {
    match &stage.name {
        Some(name) => name.to_string(),
        None => format!("stage-{}", stage.index),
    }
}

/// The stages (by index) each instruction of a stage reads with `COPY --from` or a RUN
/// mount `from=`, with the instruction.
fn stage_deps(file: &Dockerfile, stages: &[Stage], stage: &Stage) -> Vec<(usize, usize)> {
    let mut deps = Vec::new();
    for index in stage.instructions.clone() {
        let sources: Vec<String> = match &file.instructions[index].command {
            Some(Command::Copy(copy)) => copy.from.iter().map(|f| f.to_string()).collect(),
            Some(Command::Run(run)) => run
                .mounts
                .iter()
                .filter_map(|m| mount_from(m).map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for source in sources {
            let target = match source.parse::<usize>() {
                Ok(n) if n < stages.len() => Some(n),
                Ok(_) => None,
                Err(_) => stage_named(stages, &source),
            };
            if let Some(target) = target {
                deps.push((target, index));
            }
        }
    }
    deps
}

/// `circular dependency detected on stage: NAME`, at the first instruction of the cycle.
fn cycle_error(file: &Dockerfile, stages: &[Stage]) -> Option<Found> {
    let deps: Vec<Vec<(usize, usize)>> =
        stages.iter().map(|s| stage_deps(file, stages, s)).collect();
    let mut visited = vec![false; stages.len()];
    for root in 0..stages.len() {
        let mut on_path = vec![false; stages.len()];
        if let Some(path) = visit(root, &deps, &mut visited, &mut on_path, Vec::new()) {
            let name = stage_name(&stages[root]);
            return Some(Found {
                instruction: path.first().copied(),
                at: path.first().copied().unwrap_or(stages[root].from),
                message: format!("circular dependency detected on stage: {name}"),
                args: BTreeSet::new(),
            });
        }
    }
    None
}

/// Depth-first search from `state`; the instructions leading to a stage already on the
/// path, if there is one.
fn visit(
    state: usize,
    deps: &[Vec<(usize, usize)>],
    visited: &mut [bool],
    on_path: &mut [bool],
    current: Vec<usize>,
) -> Option<Vec<usize>> {
    if visited[state] {
        return None;
    }
    visited[state] = true;
    on_path[state] = true;
    for &(dep, instruction) in &deps[state] {
        let mut next = current.clone();
        next.push(instruction);
        if on_path[dep] {
            return Some(next);
        }
        if let Some(cycle) = visit(dep, deps, visited, on_path, next) {
            return Some(cycle);
        }
    }
    on_path[state] = false;
    None
}

/// Base images that are not valid references: `failed to parse stage name "...": ...`,
/// for FROM lines and for `COPY --from` / mount `from=` values that name no stage.
fn reference_errors(file: &Dockerfile, scope: &Scope, stages: &[Stage]) -> Vec<Found> {
    let mut out = Vec::new();
    for stage in &scope.stages {
        let Base::Image(name) = &stage.base else {
            continue;
        };
        if let Err(e) = ImageRef::parse_normalized(name) {
            let args = stage
                .from_matched
                .union(&stage.from_unmatched)
                .cloned()
                .collect();
            out.push(Found {
                args,
                ..Found::at(
                    stage.from,
                    format!("failed to parse stage name {}: {e}", go_quote(name)),
                )
            });
        }
    }
    for stage in stages {
        for index in stage.instructions.clone() {
            let names: Vec<String> = match &file.instructions[index].command {
                Some(Command::Copy(copy)) => copy
                    .from
                    .iter()
                    .filter(|f| f.parse::<i64>().is_err())
                    .map(|f| f.to_string())
                    .collect(),
                Some(Command::Run(run)) => run
                    .mounts
                    .iter()
                    .filter_map(|m| mount_from(m).map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            for name in names {
                if name == "scratch" || stage_named(stages, &name).is_some() {
                    continue;
                }
                if let Err(e) = ImageRef::parse_normalized(&name) {
                    out.push(Found::at(
                        index,
                        format!("failed to parse stage name {}: {e}", go_quote(&name)),
                    ));
                }
            }
        }
    }
    out
}

/// Errors raised while each stage's instructions are dispatched, stage by stage: variable
/// expansion, `COPY --from` a stage defined later, and the COPY/ADD/VOLUME checks.
fn dispatch_error(file: &Dockerfile, scope: &Scope, stages: &[Stage]) -> Option<Found> {
    for (position, stage) in stages.iter().enumerate() {
        let Some(stage_scope) = scope.stages.get(stage.index) else {
            continue;
        };
        for index in stage.instructions.clone().skip(1) {
            let instruction = &file.instructions[index];
            if let Some(step) = stage_scope.step(index) {
                if let Some(e) = &step.error {
                    let args = step.matched.union(&step.unmatched).cloned().collect();
                    return Some(Found {
                        args,
                        ..Found::at(index, e.to_string())
                    });
                }
            }
            match &instruction.command {
                Some(Command::Copy(copy)) => {
                    if let Some(from) = &copy.from {
                        let later = match from.parse::<usize>() {
                            Ok(n) => n >= position && n < stages.len(),
                            Err(_) => stage_named(stages, from).is_some_and(|s| s >= position),
                        };
                        if later {
                            let current = if stages.len() == 1 {
                                String::new()
                            } else {
                                stage_name(stage)
                            };
                            return Some(Found::at(
                                index,
                                format!(
                                    "cannot copy from stage {}, it needs to be defined before current stage {}",
                                    go_quote(from),
                                    go_quote(&current)
                                ),
                            ));
                        }
                    }
                    if copy.sources.iter().any(|s| is_url(&s.path)) {
                        return Some(Found::at(index, "source can't be a URL for COPY".into()));
                    }
                }
                Some(Command::Add(add)) if add.checksum.is_some() => {
                    let sources: Vec<_> =
                        add.sources.iter().filter(|s| s.heredoc.is_none()).collect();
                    if sources.len() > 1 {
                        return Some(Found::at(
                            index,
                            "checksum can't be specified for multiple sources".into(),
                        ));
                    }
                    if sources.iter().any(|s| !is_url(&s.path) && !is_git(&s.path)) {
                        return Some(Found::at(
                            index,
                            "checksum requires HTTP(S) or Git sources".into(),
                        ));
                    }
                }
                Some(Command::Volume(paths)) => {
                    let expanded = stage_scope.step(index).and_then(|s| match &s.expansion {
                        Some(berth_syntax::scope::Expansion::Volume(v)) => Some(v.clone()),
                        _ => None,
                    });
                    let values =
                        expanded.unwrap_or_else(|| paths.iter().map(|p| p.to_string()).collect());
                    if values.iter().any(|v| v.is_empty()) {
                        return Some(Found::at(
                            index,
                            "VOLUME specified can not be an empty string".into(),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// `http://` or `https://` (BuildKit's `isHTTPSource`).
fn is_url(path: &str) -> bool {
    let lower = path.to_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A Git source BuildKit's ADD accepts (`git@`, `git://`, a `.git` URL path, ...).
fn is_git(path: &str) -> bool {
    path.starts_with("git@") || path.starts_with("git://") || path.contains(".git")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<(Option<usize>, String, Vec<String>)> {
        let file = berth_syntax::parse(text);
        let scope = resolve(&file, &ScopeOptions::default());
        engine_errors(&file, &scope)
            .into_iter()
            .map(|e| {
                let line = e.instruction.map(|i| file.instructions[i].start_line);
                (line, e.message, e.build_args)
            })
            .collect()
    }

    #[test]
    fn accepted_files_have_none() {
        for text in [
            "FROM alpine\nRUN true\n",
            "ARG BASE=alpine\nFROM $BASE AS build\nFROM build\nCOPY --from=build /a /b\n",
            "FROM --platform=$BUILDPLATFORM golang AS b\nFROM scratch\nCOPY --from=b /x /x\n",
            "FROM alpine AS a\nFROM alpine\nCOPY --from=0 /a /b\n",
        ] {
            assert_eq!(errors(text), vec![], "{text}");
        }
    }

    #[test]
    fn errors_in_buildkits_words() {
        let cases: &[(&str, Option<usize>, &str)] = &[
            ("ARG x\n", None, "dockerfile contains no stages to build"),
            ("FROM ${image:i}\n", Some(1), "failed to process \"${image:i}\": unsupported modifier (:i) in substitution"),
            ("FROM Builder\n", Some(1), "failed to parse stage name \"Builder\": invalid reference format: repository name (library/Builder) must be lowercase"),
            ("FROM --platform=$BULIDPLATFORM scratch\n", Some(1), "empty platform value from expression $BULIDPLATFORM (did you mean BUILDPLATFORM?)"),
            ("FROM alpine\nCOPY --from=$X /a /b\n", None, "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround"),
            ("FROM alpine\nCOPY --from=3 /a /b\n", None, "invalid stage index 3"),
            ("FROM alpine AS build\nCOPY --from=build /a /b\n", Some(2), "circular dependency detected on stage: build"),
            ("FROM alpine\nCOPY --from=0 /a /b\n", Some(2), "circular dependency detected on stage: stage-0"),
            ("FROM alpine AS a\nCOPY --from=b /a /b\nFROM alpine AS b\n", Some(2), "cannot copy from stage \"b\", it needs to be defined before current stage \"a\""),
            ("FROM alpine\nCOPY https://example.com/a /a\n", Some(2), "source can't be a URL for COPY"),
            ("FROM alpine\nADD --checksum=sha256:0000000000000000000000000000000000000000000000000000000000000000 a /a\n", Some(2), "checksum requires HTTP(S) or Git sources"),
            ("FROM alpine\nENV A=${B:i}\n", Some(2), "failed to process \"${B:i}\": unsupported modifier (:i) in substitution"),
            ("FROM alpine\nRUN true\nCOPY --parents a/b /c/\n", Some(3), "dockerfile parse error on line 3: unknown flag: --parents"),
        ];
        for (text, line, message) in cases {
            assert_eq!(
                errors(text),
                vec![(*line, message.to_string(), vec![])],
                "{text}"
            );
        }
    }

    #[test]
    fn every_invalid_base_image_reference() {
        // BuildKit checks base image references in parallel and stops at whichever fails
        // first: each one may be the error.
        assert_eq!(
            errors("FROM Alpine\nFROM alpine AS ok\nFROM Debian\n"),
            vec![
                (Some(1), "failed to parse stage name \"Alpine\": invalid reference format: repository name (library/Alpine) must be lowercase".to_string(), vec![]),
                (Some(3), "failed to parse stage name \"Debian\": invalid reference format: repository name (library/Debian) must be lowercase".to_string(), vec![]),
            ]
        );
        assert_eq!(
            errors("FROM alpine\nRUN --mount=type=bind,from=,target=/m true\n"),
            vec![]
        );
    }

    #[test]
    fn errors_a_build_arg_avoids() {
        assert_eq!(
            errors("ARG base\nFROM ${base}\n"),
            vec![(
                Some(2),
                "base name (${base}) should not be blank".to_string(),
                vec!["base".to_string()]
            )]
        );
        assert_eq!(
            errors("ARG arch\nFROM --platform=linux/${arch} scratch\n"),
            vec![(
                Some(2),
                "failed to parse platform linux/${arch}: \"\" is an invalid component of \"linux/\": platform specifier component must match \"^[A-Za-z0-9_.-]+$\": invalid argument".to_string(),
                vec!["arch".to_string()]
            )]
        );
        assert_eq!(
            errors("ARG REGISTRY\nFROM ${REGISTRY}/app:1\n"),
            vec![(
                Some(2),
                "failed to parse stage name \"/app:1\": invalid reference format".to_string(),
                vec!["REGISTRY".to_string()]
            )]
        );
        // An arg avoids the first error; the next one stays.
        assert_eq!(
            errors("ARG base\nFROM ${base}\nFROM Builder\n"),
            vec![
                (Some(2), "base name (${base}) should not be blank".to_string(), vec!["base".to_string()]),
                (Some(3), "failed to parse stage name \"Builder\": invalid reference format: repository name (library/Builder) must be lowercase".to_string(), vec![]),
            ]
        );
        // A default that is set is not the caller's to fill.
        assert_eq!(
            errors("ARG base=Alpine\nFROM ${base}\n")[0].2,
            Vec::<String>::new()
        );
        // Both args feed the name: either may be the one the caller passes.
        assert_eq!(
            errors("ARG REGISTRY\nARG TAG=\nFROM ${REGISTRY}/app:${TAG}\n"),
            vec![(
                Some(3),
                "failed to parse stage name \"/app:\": invalid reference format".to_string(),
                vec!["REGISTRY".to_string(), "TAG".to_string()]
            )]
        );
        // An arg that does not avoid the error leaves it a BuildError, in the file's words.
        assert_eq!(
            errors("ARG REG\nFROM ${REG}/App\n"),
            vec![(
                Some(2),
                "failed to parse stage name \"/App\": invalid reference format: repository name (/App) must be lowercase".to_string(),
                vec![]
            )]
        );
    }
}
