use berth_syntax::{Instruction, Keyword};

use super::support::{context_reads, thousands};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `COPY`/`ADD` from the build context that would send version-control data,
    /// dependency folders or build output (`.git`, `node_modules`, `target`, `.venv`,
    /// `__pycache__`, ...) because no `.dockerignore` excludes them. It needs the build
    /// context: `berth lint` reads the Dockerfile's directory (`--no-context` turns that off);
    /// from the Dockerfile alone the rule cannot know what the context holds and says nothing.
    ///
    /// ## Why is this bad?
    /// Those files bloat the image and the context transfer, may leak secrets, and make the
    /// step's cache key depend on them: `.git` changes on every commit, so the COPY and every
    /// step after it re-run on every commit even when no source changed.
    ///
    /// ## When it does not fire
    /// Without a build context (`--no-context`, standard input), and when what a source
    /// sends holds none of those folders: a `.dockerignore` excludes them, or the COPY
    /// selects only part of the context (`COPY src/ src/`).
    ///
    /// ## What the fix costs and saves
    /// A `.dockerignore` of a few lines. It saves sending and hashing those folders on every
    /// build, and the re-runs of this COPY and every later step that a new commit or a
    /// local dependency install would otherwise cause.
    ///
    /// ## Example
    /// A context with `.git/` and `node_modules/` and no `.dockerignore`:
    /// ```text
    /// # build context
    /// .git/HEAD
    /// node_modules/left-pad/index.js
    /// package.json
    /// index.js
    /// ```
    /// ```dockerfile
    /// FROM node:20
    /// COPY . .
    /// ```
    ///
    /// ## How to fix
    /// Add a `.dockerignore` next to the Dockerfile:
    /// ```text
    /// # .dockerignore
    /// .git
    /// node_modules
    /// ```
    pub struct Br105 {}
    meta {
        code: "BR105",
        family: Berth,
        severity: Warning,
        kinds: [Copy, Add],
        summary: "COPY sends .git, node_modules, target or similar (no .dockerignore)",
    }
}

/// Directories that do not belong in an image's build context.
const HEAVY: [&str; 11] = [
    ".git",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".gradle",
    ".terraform",
];

/// How many of `files` sit (at the top or nested) under each HEAVY directory, in HEAVY's
/// order, leaving out the directories with none. One pass over the files: a file counts
/// once for each HEAVY name among its parent directories.
fn heavy_counts<'a>(files: impl Iterator<Item = &'a str>) -> Vec<(&'static str, usize)> {
    let mut counts = [0usize; HEAVY.len()];
    for file in files {
        let mut seen = [false; HEAVY.len()];
        let parents = file.rsplit_once('/').map_or("", |(dirs, _)| dirs);
        for dir in parents.split('/') {
            if let Some(i) = HEAVY.iter().position(|h| *h == dir) {
                if !seen[i] {
                    seen[i] = true;
                    counts[i] += 1;
                }
            }
        }
    }
    HEAVY
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(d, n)| (*d, n))
        .collect()
}

impl Rule for Br105 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() || !matches!(instruction.keyword, Keyword::Copy | Keyword::Add) {
            return;
        }
        let (Some(context), Some(index)) = (ctx.build_context(), ctx.index()) else {
            return;
        };
        // The files each source sends, as the cache model selects them.
        for (source, files) in context_reads(ctx, index) {
            let paths: Vec<_> = files.iter().map(|&f| context.path(f)).collect();
            let sent = heavy_counts(paths.iter().map(|p| p.as_ref()));
            if sent.is_empty() {
                continue;
            }
            let list = sent
                .iter()
                .map(|(d, n)| format!("{} from {d}", thousands(*n)))
                .collect::<Vec<_>>()
                .join(", ");
            let total: usize = sent.iter().map(|(_, n)| n).sum();
            let names = sent.iter().map(|(d, _)| *d).collect::<Vec<_>>().join("\n");
            let why = if context.has_dockerignore {
                "the .dockerignore does not exclude them"
            } else {
                "there is no .dockerignore"
            };
            let commit_note = if sent.iter().any(|(d, _)| *d == ".git") {
                "; .git changes on every commit, so this step re-runs on every commit"
            } else {
                ""
            };
            ctx.report(
                source.span,
                format!(
                    "`{}` sends {} files that do not belong in the image ({list}): {why}{commit_note}",
                    source.path,
                    thousands(total)
                ),
            )
            .help(format!("add them to .dockerignore:\n{names}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;
    use crate::BuildContext;

    fn context(files: &[&str], has_dockerignore: bool) -> BuildContext {
        BuildContext::new(
            "/app".into(),
            files.iter().map(|s| s.to_string()).collect(),
            has_dockerignore,
        )
    }

    #[test]
    fn heavy_counts_count_each_file_once_per_directory() {
        let files = [
            ".git/HEAD",
            "a/node_modules/x/node_modules/y.js",
            "node_modules",
            "src/target/out.o",
            "src/target",
        ];
        assert_eq!(
            super::heavy_counts(files.into_iter()),
            vec![(".git", 1), ("node_modules", 1), ("target", 1)]
        );
    }

    #[test]
    fn cases() {
        let repo = context(
            &[
                ".git/HEAD",
                ".git/config",
                ".git/objects/aa",
                "node_modules/x/index.js",
                "package.json",
                "src/a.js",
            ],
            false,
        );
        crate::assert_rule!(RuleTest::new::<super::Br105>()
            .context(repo)
            .pass([
                "FROM node:20\nCOPY package.json ./\nCOPY src/ src/\n",
                "FROM node:20\nCOPY --from=build /app/node_modules ./node_modules\n",
            ])
            .fail(["FROM node:20\nCOPY . .\n", "FROM node:20\nADD ./ /app/\n",]));
    }

    #[test]
    fn quiet_without_context_or_with_a_clean_one() {
        let test = RuleTest::new::<super::Br105>();
        assert!(test.findings("FROM node:20\nCOPY . .\n").is_empty());
        let clean = context(&["package.json", "src/a.js", ".dockerignore"], true);
        let test = RuleTest::new::<super::Br105>().context(clean);
        assert!(test.findings("FROM node:20\nCOPY . .\n").is_empty());
    }
}
