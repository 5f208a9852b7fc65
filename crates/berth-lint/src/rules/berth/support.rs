//! What the cache rules share: the cache model's answers for the file (what each step
//! reads from the build context and what invalidates it, from berth-cache), the commands a
//! RUN runs (parsed with berth-shell, spans mapped back to the Dockerfile), and variable
//! references and build-arg names.

use std::sync::Arc;

use berth_cache::{Explanation, StepExplanation};
use berth_syntax::scope::{resolve, ScopeOptions};
use berth_syntax::{ArgDecl, Command, Instruction, ShellOrExec, Source, Span};

use crate::context::LintContext;
use crate::shell::{parse_lenient_at, shell_of, RunShell};

/// The shell commands of a shell-form RUN (heredoc bodies included when the RUN is a bare
/// `<<EOF`); `None` for other instructions and exec form. Parsed once per file and shared
/// by the rules that ask.
pub(crate) fn run_script(instruction: &Instruction, ctx: &LintContext) -> Option<Arc<RunShell>> {
    ctx.shared()
        .run_script(instruction.span, || parse_run(instruction, ctx))
}

fn parse_run(instruction: &Instruction, ctx: &LintContext) -> Option<Arc<RunShell>> {
    let Some(Command::Run(run)) = &instruction.command else {
        return None;
    };
    let ShellOrExec::Shell(_) = &run.cmd else {
        return None;
    };
    let (first, last) = (instruction.args.first()?, instruction.args.last()?);
    let span = Span::new(first.span.start, last.span.end);
    let text: String = instruction
        .args
        .iter()
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // Most RUNs are read by hadolint's rules as the same text: reuse that parse when the
    // shell parser read all of it (then the fallback tokenizer would not have run).
    let parse = |text: &str, at: Span| {
        shell_of(instruction, ctx)
            .filter(|strict| strict.reads_as(text, at))
            .unwrap_or_else(|| Arc::new(parse_lenient_at(text, ctx.source(), at)))
    };
    if let (Some(heredoc), true) = (
        instruction.heredocs.first(),
        text.trim_start().starts_with("<<"),
    ) {
        return Some(parse(&heredoc.content, heredoc.span));
    }
    Some(parse(&text, span))
}

/// berth-cache's explanation of the file: for every step, what it reads from the build
/// context (when the linter has one; else nothing) and what invalidates it. Computed once
/// per file, by the first rule that asks; nothing of the context is read.
pub(crate) fn explanation<'a>(ctx: &LintContext<'a>) -> &'a Explanation {
    ctx.shared().cache(|| {
        let file = ctx.dockerfile();
        let empty;
        let tree = match ctx.build_context() {
            Some(context) => &context.tree,
            None => {
                empty = berth_context::Tree::from_entries(Vec::new());
                &empty
            }
        };
        let explain = |scope| berth_cache::explain_parsed(file, scope, tree, Default::default());
        if file.errors.is_empty() {
            // The same scope the BuildKit checks resolve for a file BuildKit accepts
            // (no build args, default options), shared with them.
            let scope = ctx
                .shared()
                .scope(|| Some(resolve(file, &ScopeOptions::default())));
            if let Some(scope) = scope {
                return explain(scope);
            }
        }
        explain(&resolve(file, &ScopeOptions::default()))
    })
}

/// The cache model's view of instruction `index`.
pub(crate) fn step<'a>(ctx: &LintContext<'a>, index: usize) -> Option<&'a StepExplanation> {
    explanation(ctx).step(index)
}

/// A stage-level `ARG` (not an ONBUILD trigger) with the instructions after it to the end
/// of its stage: what BR102 and BR103 look at.
pub(crate) fn stage_arg<'a>(
    instruction: &'a Instruction,
    ctx: &LintContext<'a>,
) -> Option<(&'a [ArgDecl], &'a [Instruction])> {
    let (Some(Command::Arg(decls)), Some(stage), Some(index)) =
        (&instruction.command, ctx.stage(), ctx.index())
    else {
        return None;
    };
    if ctx.in_onbuild() {
        return None;
    }
    Some((
        decls,
        &ctx.instructions()[index + 1..stage.instructions.end],
    ))
}

/// The RUN steps that a new value of build arg `name`, declared by the ARG at instruction
/// `arg`, re-runs, as the cache model says: the RUNs after it in its stage, and in the
/// stages built FROM that stage, that see the ARG in their environment (an ENV of the same
/// name in between makes it constant again). Instruction indices, in file order.
pub(crate) fn runs_rerun_by_arg(ctx: &LintContext, arg: usize, name: &str) -> Vec<usize> {
    let Some(home) = ctx.stage_of_index(arg).map(|s| s.index) else {
        return Vec::new();
    };
    // Does stage `s` descend from the ARG's stage (itself included)?
    let descends = |mut s: usize| loop {
        if s == home {
            return true;
        }
        match ctx.stages().get(s).and_then(|st| st.parent) {
            Some(parent) if parent < s => s = parent,
            _ => return false,
        }
    };
    explanation(ctx)
        .steps
        .iter()
        .filter(|step| {
            step.instruction_index > arg
                && ctx.instructions()[step.instruction_index].keyword == berth_syntax::Keyword::Run
                && step.args.iter().any(|a| a == name)
                && ctx
                    .stage_of_index(step.instruction_index)
                    .is_some_and(|s| descends(s.index))
        })
        .map(|step| step.instruction_index)
        .collect()
}

/// The sources of the COPY/ADD at instruction `index` that the build reads from the
/// context, each with the context files it selects (none without a build context).
/// COPY `--from`, heredoc sources and ADD URLs are not read from the context.
pub(crate) fn context_reads<'a>(
    ctx: &LintContext<'a>,
    index: usize,
) -> Vec<(&'a Source, &'a [u32])> {
    let instruction = &ctx.instructions()[index];
    let sources: Vec<&Source> = match &instruction.command {
        Some(Command::Copy(copy)) if copy.from.is_none() => copy.sources.iter().collect(),
        Some(Command::Add(add)) => add
            .sources
            .iter()
            .filter(|s| berth_cache::remote_source(&s.path).is_none())
            .collect(),
        _ => return Vec::new(),
    };
    let reads = step(ctx, index).map_or(&[][..], |s| s.reads_by_source.as_slice());
    sources
        .into_iter()
        .filter(|s| s.heredoc.is_none())
        .enumerate()
        .map(|(i, source)| (source, reads.get(i).map_or(&[][..], Vec::as_slice)))
        .collect()
}

/// Words in a build arg's name that mark a value changing on every build.
const VOLATILE_WORDS: [&str; 16] = [
    "DATE",
    "TIME",
    "TIMESTAMP",
    "BUILDTIME",
    "BUILDDATE",
    "COMMIT",
    "SHA",
    "REF",
    "REVISION",
    "REV",
    "NONCE",
    "CACHEBUST",
    "CACHEBUSTER",
    "EPOCH",
    "NOW",
    "GITHUB_SHA",
];

/// Whether an arg name says it changes per build: one of its `_`-separated words is in
/// [`VOLATILE_WORDS`], or it is a build number/id.
pub(crate) fn is_volatile(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if upper == "SOURCE_DATE_EPOCH" {
        // Reproducible builds set it to a fixed commit time on purpose.
        return false;
    }
    let words: Vec<&str> = upper.split(['_', '-']).collect();
    words.iter().any(|w| VOLATILE_WORDS.contains(w))
        || upper.contains("BUILD_NUMBER")
        || upper.contains("BUILD_ID")
        || upper.contains("RUN_ID")
}

/// Whether the cache rules leave a build arg alone: the predefined proxy args carry the
/// builder's network setup, not something a reorder of the Dockerfile could help with.
pub(crate) fn is_proxy_arg(name: &str) -> bool {
    berth_syntax::scope::is_proxy_arg(name)
}

/// Whether `text` references the variable `name` (`$name`, `${name}`, `${name:-x}`).
pub(crate) fn mentions_var(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find('$') {
        let at = from + i + 1;
        from = at;
        let rest = &text[at..];
        let (candidate, braced) = match rest.strip_prefix('{') {
            Some(r) => (r, true),
            None => (rest, false),
        };
        if let Some(after) = candidate.strip_prefix(name) {
            let next = after.as_bytes().first().copied();
            let ends = match next {
                None => !braced,
                Some(c) => !(c.is_ascii_alphanumeric() || c == b'_'),
            };
            if ends {
                return true;
            }
        }
        if at >= bytes.len() {
            break;
        }
    }
    false
}

/// "1,240".
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    groups.join(",")
}

/// "RUN", "RUN steps".
pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// The first line of an instruction's text, shortened for messages.
pub(crate) fn snippet(ctx: &LintContext, instruction: &Instruction) -> String {
    first_line_snippet(ctx.text(instruction.span))
}

/// The first line of `text` without its continuation backslash, cut to 40 characters.
fn first_line_snippet(text: &str) -> String {
    let line = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\\')
        .trim();
    if line.chars().count() > 40 {
        format!("{}…", line.chars().take(39).collect::<String>())
    } else {
        line.to_string()
    }
}

/// What re-running a RUN costs, from the commands it runs: what BR102 and BR107 quote so a
/// user can tell a big win from noise, and stay quiet about when it costs nothing.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RunCost {
    /// File shuffling only (`mkdir`, `echo`, `chmod`, `useradd`, `sed`): nothing to save.
    Trivial,
    /// A package install of this many named packages.
    Packages(usize),
    /// A download, a build, a dependency install, a script: the heavy kind.
    Heavy,
}

/// Commands whose re-run costs nothing worth a finding.
const TRIVIAL_COMMANDS: [&str; 42] = [
    "mkdir",
    "echo",
    "printf",
    "chmod",
    "chown",
    "chgrp",
    "ln",
    "rm",
    "cp",
    "mv",
    "touch",
    "sed",
    "cat",
    "tee",
    "true",
    "false",
    "set",
    "export",
    "cd",
    "test",
    "[",
    "id",
    "whoami",
    "useradd",
    "groupadd",
    "adduser",
    "addgroup",
    "usermod",
    "groupmod",
    "passwd",
    "chpasswd",
    "update-alternatives",
    "ldconfig",
    "locale-gen",
    "localedef",
    "ls",
    "env",
    "rmdir",
    "install",
    "printenv",
    "exit",
    "sleep",
];

/// Package managers and the subcommands that install named packages.
fn package_install(c: &berth_shell::Command) -> Option<usize> {
    let name = c.name()?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let args: Vec<&str> = c.args_no_flags().map(|w| w.value.as_str()).collect();
    let (sub, rest) = args.split_first()?;
    let installs = match name {
        "apt-get" | "apt" | "aptitude" | "yum" | "dnf" | "microdnf" | "zypper" | "tdnf" => {
            matches!(*sub, "install" | "in")
        }
        "apk" => *sub == "add",
        "pip" | "pip3" | "gem" => *sub == "install",
        _ => false,
    };
    installs.then(|| rest.iter().filter(|a| !a.contains('/')).count())
}

/// The cost of re-running `instruction` (a RUN; other instructions are trivial).
pub(crate) fn run_cost(instruction: &Instruction, ctx: &LintContext) -> RunCost {
    let Some(script) = run_script(instruction, ctx) else {
        return match instruction.keyword {
            berth_syntax::Keyword::Run => RunCost::Heavy,
            _ => RunCost::Trivial,
        };
    };
    let mut cost = RunCost::Trivial;
    for command in script.script.commands() {
        let Some(name) = command.name() else {
            continue;
        };
        let base = name.rsplit('/').next().unwrap_or(name);
        let this = if let Some(n) = package_install(command) {
            RunCost::Packages(n)
        } else if TRIVIAL_COMMANDS.contains(&base)
            || is_index_refresh(command)
            || (matches!(base, "apt-get" | "apt" | "yum" | "dnf" | "apk")
                && command
                    .args_no_flags()
                    .next()
                    .is_some_and(|w| matches!(w.value.as_str(), "clean" | "autoremove")))
        {
            RunCost::Trivial
        } else {
            RunCost::Heavy
        };
        cost = cost.max(this);
    }
    cost
}

/// A package-index refresh (`apt-get update`, `apk update`, `yum makecache`, ...).
pub(crate) fn is_index_refresh(c: &berth_shell::Command) -> bool {
    let Some(name) = c.name() else {
        return false;
    };
    let name = name.rsplit('/').next().unwrap_or(name);
    let sub: Vec<&str> = c.args_no_flags().map(|w| w.value.as_str()).collect();
    match name {
        "apt-get" | "apt" | "apk" | "aptitude" => sub == ["update"],
        "yum" | "dnf" | "microdnf" => sub == ["makecache"],
        "zypper" => matches!(sub.as_slice(), ["refresh"] | ["ref"]),
        _ => false,
    }
}

/// How a set of RUNs that re-run for nothing is described: "3 RUN steps, among them
/// `apt-get install` of 42 packages"; `None` when all of them are trivial.
pub(crate) fn describe_cost(runs: &[&Instruction], ctx: &LintContext) -> Option<String> {
    let costs: Vec<RunCost> = runs.iter().map(|r| run_cost(r, ctx)).collect();
    let worst = costs.iter().max()?.clone();
    let count = plural(runs.len(), "RUN step", "RUN steps");
    match worst {
        RunCost::Trivial => None,
        RunCost::Packages(n) if runs.len() == 1 => Some(format!(
            "RUN step (a package install of {})",
            plural(n, "package", "packages")
        )),
        RunCost::Packages(n) => Some(format!(
            "{count} (the heaviest a package install of {})",
            plural(n, "package", "packages")
        )),
        RunCost::Heavy => {
            let heavy = runs
                .iter()
                .zip(&costs)
                .find(|(_, c)| **c == RunCost::Heavy)
                .map(|(r, _)| heavy_command(r, ctx))
                .unwrap_or_default();
            Some(match runs.len() {
                1 => format!("RUN step (`{heavy}`)"),
                _ => format!("{count}, among them `{heavy}`"),
            })
        }
    }
}

/// The first command of a RUN that is not trivial, shortened: what a message quotes as
/// the work a re-run repeats.
fn heavy_command(instruction: &Instruction, ctx: &LintContext) -> String {
    let Some(script) = run_script(instruction, ctx) else {
        return snippet(ctx, instruction);
    };
    let command = script.script.commands().find(|c| {
        c.name().is_some_and(|n| {
            let base = n.rsplit('/').next().unwrap_or(n);
            !TRIVIAL_COMMANDS.contains(&base) && !is_index_refresh(c)
        })
    });
    let Some(command) = command else {
        return snippet(ctx, instruction);
    };
    first_line_snippet(ctx.text(script.span(command.span)))
}

/// Commands known not to read variables from their environment (beyond the proxy and
/// locale ones nobody declares to move): moving an ARG or ENV past them cannot change
/// what they do.
const ENV_BLIND: [&str; 24] = [
    "apt-get",
    "apt",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "zypper",
    "rpm",
    "dpkg",
    "curl",
    "wget",
    "tar",
    "unzip",
    "gzip",
    "gpg",
    "git",
    "sha256sum",
    "sha512sum",
    "md5sum",
    "xz",
    "bzip2",
    "find",
    "grep",
    "awk",
];

/// How a RUN may read a variable it does not name in its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EnvRead {
    /// Every command is known not to read its environment (or is trivial).
    No,
    /// It runs a script or a build tool (`./build.sh`, `make`, `xx-apt-get`) that may well
    /// read it: moving the variable past it may break the build.
    Likely,
    /// It runs a program berth knows nothing about (`npm ci`, `go build`): moving the
    /// variable is safe only if that program does not read it.
    Unknown,
}

/// Whether the commands of a RUN may read a variable from their environment, and the
/// first command that may.
pub(crate) fn env_read(instruction: &Instruction, ctx: &LintContext) -> (EnvRead, String) {
    let Some(script) = run_script(instruction, ctx) else {
        return (EnvRead::Likely, snippet(ctx, instruction));
    };
    let mut verdict = (EnvRead::No, String::new());
    for command in script.script.commands() {
        let Some(name) = command.name() else {
            // A program named by a variable (`/install-${V}.sh`) is a script too.
            if let Some(word) = command.name_word() {
                return (EnvRead::Likely, word.value.to_string());
            }
            continue;
        };
        let base = name.rsplit('/').next().unwrap_or(name);
        if ENV_BLIND.contains(&base) || TRIVIAL_COMMANDS.contains(&base) {
            continue;
        }
        let scripted = name.contains('/')
            || matches!(
                base,
                "su" | "sudo" | "runuser" | "gosu" | "su-exec" | "chroot"
            )
            || base.ends_with(".sh")
            || base.starts_with("xx-")
            || matches!(
                base,
                "make"
                    | "sh"
                    | "bash"
                    | "ash"
                    | "zsh"
                    | "source"
                    | "."
                    | "eval"
                    | "cmake"
                    | "install-tool"
                    | "install-php-extensions"
                    | "docker-php-ext-install"
            );
        if scripted {
            return (EnvRead::Likely, base.to_string());
        }
        if verdict.0 == EnvRead::No {
            verdict = (EnvRead::Unknown, base.to_string());
        }
    }
    verdict
}

/// Words that mark a checksum of something versioned elsewhere (`NODE_SHA256`).
const CHECKSUM_WORDS: [&str; 7] = [
    "SHA",
    "SHA256",
    "SHA512",
    "SHA256SUM",
    "CHECKSUM",
    "HASH",
    "DIGEST",
];

/// Whether two arg names change together: both platform args, or a checksum and the
/// version it belongs to (the same first word: `NODE_VERSION` and `NODE_SHA256`,
/// `TERRAFORM_VERSION` and `TERRAFORM_VERSION_SHA256SUM`).
pub(crate) fn changes_together(a: &str, b: &str) -> bool {
    if is_platform_arg(a) && is_platform_arg(b) {
        return true;
    }
    let upper = |n: &str| n.to_ascii_uppercase();
    let (a, b) = (upper(a), upper(b));
    let stem = |n: &str| n.split('_').next().unwrap_or("").to_string();
    let checksum = |n: &str| n.split('_').any(|w| CHECKSUM_WORDS.contains(&w));
    a != b
        && a.contains('_')
        && b.contains('_')
        && stem(&a) == stem(&b)
        && (checksum(&a) || checksum(&b))
}

/// Whether an arg name says it picks an architecture (`arch`, `ARCH_SHORT`, `TARGETARCH`).
pub(crate) fn is_arch_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper
        .split('_')
        .any(|w| w == "ARCH" || w == "TARGETARCH" || w == "PLATFORM")
}

/// Whether a stage's base image is chosen by a variable (`FROM ${base}`).
pub(crate) fn base_is_variable(ctx: &LintContext, stage_index: usize) -> bool {
    let mut s = stage_index;
    loop {
        let Some(stage) = ctx.stages().get(s) else {
            return false;
        };
        if stage.image.contains('$') {
            return true;
        }
        match stage.parent {
            Some(parent) if parent < s => s = parent,
            _ => return false,
        }
    }
}

/// The caveat a move past these RUNs needs: " (safe only if `make` does not read $X from
/// its environment)" naming the first script, else the first unknown program; empty when
/// every command is known not to read it.
pub(crate) fn env_caveat(reads: &[(EnvRead, String)], name: &str) -> String {
    let pick = reads
        .iter()
        .find(|(r, _)| *r == EnvRead::Likely)
        .or_else(|| reads.iter().find(|(r, _)| *r == EnvRead::Unknown));
    match pick {
        Some((EnvRead::Likely, program)) => format!(
            " (only if `{program}` does not read ${name} from its environment: scripts and build tools often do)"
        ),
        Some((_, program)) => {
            format!(" (safe only if `{program}` does not read ${name} from its environment)")
        }
        None => String::new(),
    }
}

/// Whether a stage runs its commands in a Windows shell (a Windows base image or a
/// `SHELL` naming PowerShell or cmd), where variables are read as `$env:X` or `%X%` and
/// their names ignore case.
pub(crate) fn windows_stage(ctx: &LintContext, stage_index: usize) -> bool {
    let Some(stage) = ctx.stages().get(stage_index) else {
        return false;
    };
    let image = stage.image.to_ascii_lowercase();
    if ["windows", "servercore", "nanoserver", "dotnet/framework"]
        .iter()
        .any(|w| image.contains(w))
    {
        return true;
    }
    ctx.instructions()[stage.instructions.clone()]
        .iter()
        .any(|i| {
            i.keyword == berth_syntax::Keyword::Shell && {
                let t = ctx.text(i.span).to_ascii_lowercase();
                t.contains("powershell") || t.contains("pwsh") || t.contains("cmd")
            }
        })
}

/// Whether `text` reads variable `name`, in the syntax of the stage's shell: `$name`
/// and `${name}` everywhere, and in a Windows stage also `$env:name` and `%name%`, in any
/// case.
pub(crate) fn reads_var(text: &str, name: &str, windows: bool) -> bool {
    if mentions_var(text, name) {
        return true;
    }
    // cmd's `%name%` and PowerShell's `$env:name` are read in any stage: a Windows base
    // picked by a build arg (`FROM ${base}`) cannot be told from its name.
    let lower = text.to_ascii_lowercase();
    let lower_name = name.to_ascii_lowercase();
    if lower.contains(&format!("$env:{lower_name}")) || lower.contains(&format!("%{lower_name}%")) {
        return true;
    }
    windows && mentions_var(&lower, &lower_name)
}

/// The build platform args: their value is the target platform.
pub(crate) fn is_platform_arg(name: &str) -> bool {
    matches!(
        name,
        "TARGETPLATFORM" | "TARGETOS" | "TARGETARCH" | "TARGETVARIANT"
    )
}

/// Whether every step of the stage already re-runs per target platform: its base image
/// is pulled per platform (no `FROM --platform=$BUILDPLATFORM` anywhere up its chain of
/// parent stages), so where a platform ARG sits changes nothing.
pub(crate) fn stage_is_per_platform(ctx: &LintContext, stage_index: usize) -> bool {
    let mut s = stage_index;
    loop {
        let Some(stage) = ctx.stages().get(s) else {
            return true;
        };
        let from = &ctx.instructions()[stage.from];
        if let Some(Command::From(f)) = &from.command {
            if f.platform
                .as_deref()
                .is_some_and(|p| p.contains("BUILDPLATFORM"))
            {
                return false;
            }
        }
        match stage.parent {
            Some(parent) if parent < s => s = parent,
            _ => return true,
        }
    }
}

/// Whether an ARG of this stage's chain of parent stages, before it, already declares
/// `name`: then the parent's RUNs re-run on a new value and the stage inherits that.
pub(crate) fn parent_declares(ctx: &LintContext, stage_index: usize, name: &str) -> bool {
    let mut s = stage_index;
    while let Some(parent) = ctx.stages().get(s).and_then(|st| st.parent) {
        if parent >= s {
            return false;
        }
        let Some(stage) = ctx.stages().get(parent) else {
            return false;
        };
        if ctx.instructions()[stage.instructions.clone()]
            .iter()
            .any(|i| match &i.command {
                Some(Command::Arg(decls)) => decls.iter().any(|d| d.name.as_str() == name),
                _ => false,
            })
        {
            return true;
        }
        s = parent;
    }
    false
}

/// Whether a FROM line of the file names the variable: the ARG picks a base image, so
/// it changes every step anyway.
pub(crate) fn picks_a_base(ctx: &LintContext, name: &str) -> bool {
    ctx.stages().iter().any(|s| mentions_var(&s.image, name))
}

/// The files a manifest-first COPY must bring for this step: the `-r` files of a pip
/// install, the project a restore names, else the table's required names, plus the
/// optional ones the build context has (lock files are named only when they exist: copying
/// a missing file fails the build).
pub(crate) fn manifests_for(
    step: &crate::ecosystem::DependencyStep,
    command: &berth_shell::Command,
    ctx: &LintContext,
) -> Vec<String> {
    let named: Vec<String> = match step.ecosystem {
        "pip" => ["r", "requirement", "c", "constraint"]
            .iter()
            .flat_map(|f| c_values(command, f))
            .collect(),
        "dotnet" | "nuget" => command
            .arg_values()
            .filter(|a| {
                let l = a.to_ascii_lowercase();
                [".csproj", ".fsproj", ".vbproj", ".sln", ".slnx"]
                    .iter()
                    .any(|e| l.ends_with(e))
            })
            .map(str::to_string)
            .collect(),
        "conda" => ["f", "file"]
            .iter()
            .flat_map(|f| c_values(command, f))
            .collect(),
        _ => Vec::new(),
    };
    if !named.is_empty() {
        return named;
    }
    let mut files: Vec<String> = step
        .required_files()
        .iter()
        .map(|f| f.to_string())
        .collect();
    if let Some(context) = ctx.build_context() {
        for name in step.manifest_names() {
            if !files.iter().any(|f| f == name)
                && !name.ends_with('/')
                && context.tree.get(name.as_bytes()).is_some()
            {
                files.push(name.to_string());
            }
        }
        // The table's first alternative of a required file may not be the one present.
        files.retain(|f| {
            context.tree.get(f.as_bytes()).is_some()
                || !step
                    .optional
                    .iter()
                    .chain(step.reads)
                    .any(|r| r.contains('|') && r.contains(f.as_str()))
        });
    }
    if files.is_empty() {
        files.push(match step.ecosystem {
            "dotnet" | "nuget" => "the project files (*.csproj, *.sln, NuGet.config)".to_string(),
            _ => "the manifests".to_string(),
        });
    }
    files
}

/// Without a build context, the optional files of the step worth copying too when the
/// project has them (" (add go.sum, go.work when the project has them)"); empty otherwise.
pub(crate) fn optional_note(step: &crate::ecosystem::DependencyStep, ctx: &LintContext) -> String {
    if ctx.build_context().is_some() {
        return String::new();
    }
    // A name that is also an alternative of a required file is covered by the required one.
    let required = |name: &str| {
        step.reads.iter().any(|r| {
            r.split(" (")
                .next()
                .is_some_and(|r| r.split('|').any(|a| a == name))
        })
    };
    let names: Vec<&str> = step
        .optional
        .iter()
        .filter_map(|o| o.split(" (").next()?.split('|').next())
        .filter(|o| !o.contains(' ') && !o.ends_with('/') && !o.starts_with('.'))
        .filter(|o| !required(o))
        .take(2)
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!(" (add {} when the project has them)", names.join(", "))
}

/// The values of option `flag` (`-r x`, `--requirement=x`).
fn c_values(command: &berth_shell::Command, flag: &str) -> Vec<String> {
    let mut out: Vec<String> = command
        .flag_values(flag)
        .into_iter()
        .map(|w| w.value.to_string())
        .collect();
    let prefix = format!("--{flag}=");
    out.extend(
        command
            .arg_values()
            .filter_map(|a| a.strip_prefix(prefix.as_str()))
            .map(str::to_string),
    );
    out
}

/// A COPY or ADD source that brings in far more than manifests, before a dependency step.
pub(crate) struct BroadCopy<'a> {
    /// The COPY or ADD.
    pub(crate) instruction: &'a Instruction,
    /// The source.
    pub(crate) source: &'a Source,
    /// The context files it selects (empty without a build context).
    pub(crate) files: &'a [u32],
}

/// The stages the RUN at `index` builds on: its own stage's instructions before it, then
/// every instruction of each parent stage (`FROM deps`), nearest first.
fn instructions_before(ctx: &LintContext, index: usize) -> Vec<usize> {
    let Some(stage) = ctx.stage_of_index(index) else {
        return Vec::new();
    };
    let mut out: Vec<usize> = (stage.from..index).rev().collect();
    let mut s = stage.index;
    while let Some(parent) = ctx.stages().get(s).and_then(|st| st.parent) {
        if parent >= s {
            break;
        }
        let Some(p) = ctx.stages().get(parent) else {
            break;
        };
        out.extend(p.instructions.clone().rev());
        s = parent;
    }
    out
}

/// Whether a source, judged from its text alone, brings in more than manifests: the
/// context root, a directory, or a pattern over sources. A single file (`ci/etc/rprofile`),
/// a manifest, or a glob of a kind of file under a folder (`ci/vcpkg/*.patch`) is not.
fn looks_broad_by_text(path: &str, manifests: &[&str]) -> bool {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed == "." || trimmed == "*" || trimmed.ends_with("/.") {
        return true;
    }
    let base = trimmed.rsplit('/').next().unwrap_or(trimmed);
    if crate::ecosystem::is_manifest_name(base) {
        return false;
    }
    // A folder that the dependency step reads its manifests from (`COPY requirements/`
    // before `pip install -r requirements/prod.txt`) holds manifests.
    let folder = trimmed.trim_start_matches("./");
    if manifests.iter().any(|m| {
        m.trim_start_matches("./")
            .starts_with(&format!("{folder}/"))
    }) {
        return false;
    }
    if base.contains(['*', '?', '[']) {
        if let Ok(glob) = globset::Glob::new(base) {
            let glob = glob.compile_matcher();
            if crate::ecosystem::manifest_names()
                .chain(["environment.yml", "requirements.txt", "Gemfile", "setup.py"])
                .any(|m| glob.is_match(m))
            {
                return false;
            }
        }
        return base == "*" || !base.contains('.') || !trimmed.contains('/');
    }
    // `COPY src ./src`, `COPY ./app/ .`: a directory. `COPY main.py .`, `COPY ci/etc/x .`:
    // one file.
    path.ends_with('/') || (!base.contains('.') && !folder.contains('/'))
}

/// Whether a COPY of one extension-less source names a file as its destination
/// (`COPY bashrc /etc/bash.bashrc`): the source is a file, not a folder.
fn renames_one_file(instruction: &Instruction, source: &Source) -> bool {
    let (sources, dest) = match &instruction.command {
        Some(Command::Copy(c)) => (c.sources.len(), c.dest.as_str()),
        Some(Command::Add(a)) => (a.sources.len(), a.dest.as_str()),
        _ => return false,
    };
    if sources != 1 || dest.ends_with('/') || dest == "." {
        return false;
    }
    let base = |p: &str| {
        p.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let dest_base = base(dest);
    dest_base.contains('.') && dest_base != base(&source.path)
}

/// The COPY/ADD sources before the RUN at `index` (in its stage and the stages it is built
/// from) that bring in more than the manifests the step reads: with a build context, those
/// selecting two or more files that are not manifests; without, judged from the text.
pub(crate) fn broad_copies_before<'a>(
    ctx: &LintContext<'a>,
    index: usize,
    manifests: &[&str],
) -> Vec<BroadCopy<'a>> {
    let instructions = ctx.instructions();
    let context = ctx.build_context();
    let mut out = Vec::new();
    for i in instructions_before(ctx, index) {
        if !matches!(
            instructions[i].keyword,
            berth_syntax::Keyword::Copy | berth_syntax::Keyword::Add
        ) {
            continue;
        }
        for (source, files) in context_reads(ctx, i) {
            let broad = match context {
                Some(context) if !files.is_empty() => {
                    files
                        .iter()
                        .filter(|&&f| {
                            let path = context.path(f);
                            let base = path.rsplit('/').next().unwrap_or(&path).to_string();
                            !crate::ecosystem::is_manifest_name(&base)
                                && context.tree.entries()[f as usize].kind
                                    != berth_context::EntryKind::Dir
                        })
                        .count()
                        >= 2
                }
                _ => {
                    looks_broad_by_text(&source.path, manifests)
                        && !renames_one_file(&instructions[i], source)
                }
            };
            if broad {
                out.push(BroadCopy {
                    instruction: &instructions[i],
                    source,
                    files,
                });
            }
        }
    }
    out.reverse();
    out
}

/// Whether the sources a dependency step at `index` reads come from somewhere else than
/// the copied context, so a manifest-first COPY is not the fix: the RUN mounts the context
/// (`--mount=type=bind`), or the stage clones a repository or downloads a manifest the step
/// reads (`curl -o requirements.txt`).
pub(crate) fn sources_from_elsewhere(ctx: &LintContext, index: usize, manifests: &[&str]) -> bool {
    let instructions = ctx.instructions();
    if let Some(Command::Run(run)) = &instructions[index].command {
        if run
            .mounts
            .iter()
            .any(|m| m.kind == berth_syntax::MountKind::Bind && m.from.is_none())
        {
            return true;
        }
    }
    let names: Vec<&str> = manifests
        .iter()
        .map(|m| m.rsplit('/').next().unwrap_or(m))
        .collect();
    let mut chain = instructions_before(ctx, index);
    chain.push(index);
    chain.into_iter().any(|i| {
        let Some(script) = run_script(&instructions[i], ctx) else {
            return false;
        };
        let found = script.script.commands().any(|c| {
            let base = c.name().map(|n| n.rsplit('/').next().unwrap_or(n));
            let clones = matches!(base, Some("git"))
                && c.args_no_flags().next().is_some_and(|w| w.value == "clone");
            let downloads = matches!(base, Some("curl" | "wget" | "svn"))
                && c.arg_values().any(|a| names.iter().any(|n| a.ends_with(n)));
            clones || downloads
        });
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_mentions() {
        assert!(mentions_var("echo $VERSION", "VERSION"));
        assert!(mentions_var("echo ${VERSION}", "VERSION"));
        assert!(mentions_var("echo ${VERSION:-1}", "VERSION"));
        assert!(mentions_var("a=$VERSION-x", "VERSION"));
        assert!(!mentions_var("echo $VERSION_2", "VERSION"));
        assert!(!mentions_var("echo VERSION", "VERSION"));
        assert!(!mentions_var("echo $", "VERSION"));
        assert!(!mentions_var("echo ${VERSION", "VERSION"));
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(1240), "1,240");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(plural(1, "step", "steps"), "1 step");
    }

    #[test]
    fn volatile_names() {
        for yes in [
            "BUILD_DATE",
            "GIT_COMMIT",
            "VCS_REF",
            "CACHEBUST",
            "BUILD_NUMBER",
            "COMMIT_SHA",
            "build_time",
        ] {
            assert!(is_volatile(yes), "{yes}");
        }
        for no in [
            "VERSION",
            "NODE_ENV",
            "SOURCE_DATE_EPOCH",
            "PREFERRED_SHELL",
            "UPDATE",
        ] {
            assert!(!is_volatile(no), "{no}");
        }
    }
}
