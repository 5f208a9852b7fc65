//! What the cache rules share: the commands a RUN runs (parsed with berth-shell, spans mapped
//! back to the Dockerfile), the COPY/ADD sources taken from the build context, and variable
//! references.

use std::sync::Arc;

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

/// The sources of a COPY/ADD that come from the build context (no `--from`, no heredoc, no
/// URL).
pub(crate) fn context_sources(instruction: &Instruction) -> &[Source] {
    match &instruction.command {
        Some(Command::Copy(copy)) if copy.from.is_none() => &copy.sources,
        Some(Command::Add(add)) => &add.sources,
        _ => &[],
    }
}

/// Whether a source is read from the context (not a heredoc or URL).
pub(crate) fn is_context_path(source: &Source) -> bool {
    source.heredoc.is_none() && !source.path.contains("://") && !source.path.starts_with("git@")
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

/// Predefined proxy args never change a cache key.
pub(crate) fn is_proxy_arg(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "HTTP_PROXY" | "HTTPS_PROXY" | "FTP_PROXY" | "NO_PROXY" | "ALL_PROXY"
    )
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
}
