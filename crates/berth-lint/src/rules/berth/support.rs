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
    let text = ctx.text(instruction.span);
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
