use berth_context::{parse_dockerignore, Matcher};
use berth_syntax::scope::{resolve, Expansion, ScopeOptions};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// With a build context, flags a `COPY` or `ADD` from the context whose source path
    /// (after variable expansion) is excluded by `.dockerignore`. As in BuildKit, nothing is
    /// checked when `.dockerignore` has exceptions (`!pattern`: what they re-include cannot
    /// be decided from the path alone), and `.` or `/` only when a pattern is `*`, `**` or
    /// `**/*`. Without a build context the rule is silent.
    ///
    /// ## Why is this bad?
    /// Excluded files are never sent to the builder: the `COPY` fails with "not found", or,
    /// for a directory or wildcard, silently copies less than it says.
    ///
    /// ## Example
    /// ```text
    /// # .dockerignore
    /// config/
    /// ```
    /// ```dockerfile
    /// FROM alpine
    /// COPY config/app.yaml /etc/app/
    /// ```
    ///
    /// ## How to fix
    /// Remove the pattern from `.dockerignore`, add an exception, or stop copying the file:
    /// ```text
    /// # .dockerignore
    /// config/
    /// !config/app.yaml
    /// ```
    pub struct CopyIgnoredFile {}
    meta {
        code: "CopyIgnoredFile",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Attempting to Copy file that is excluded by .dockerignore",
    }
}

impl Rule for CopyIgnoredFile {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        if !super::phase::later_phases_run(file) {
            return;
        }
        let Some(context) = ctx.build_context() else {
            return;
        };
        let Ok(bytes) = std::fs::read(context.root.join(".dockerignore")) else {
            return;
        };
        let patterns: Vec<Vec<u8>> = parse_dockerignore(&bytes)
            .into_iter()
            .map(|(_, p)| p)
            .collect();
        let Ok(matcher) = Matcher::new(&patterns) else {
            return;
        };
        if matcher.patterns().iter().any(|p| p.is_exclusion()) {
            return;
        }
        let root_ignored = matcher
            .patterns()
            .iter()
            .any(|p| matches!(p.text(), b"*" | b"**" | b"**/*"));
        let scope = resolve(file, &ScopeOptions::default());
        for step in scope.stages.iter().flat_map(|s| &s.steps) {
            let (verb, sources) = match &step.expansion {
                Some(Expansion::Copy(files)) if files.from.is_none() => ("Copy", &files.sources),
                Some(Expansion::Add(files)) => ("Add", &files.sources),
                _ => continue,
            };
            for source in sources.iter().filter(|s| verb == "Copy" || !is_remote(s)) {
                let cleaned = berth_context::path::clean_str(source);
                if (cleaned == "." || cleaned == "/") && !root_ignored {
                    continue;
                }
                if matcher.is_excluded(cleaned.as_bytes()) == Ok(true) {
                    ctx.report(
                        file.instructions[step.instruction].span,
                        format!("Attempting to {verb} file {cleaned:?} that is excluded by .dockerignore"),
                    )
                    .help("remove the pattern from .dockerignore or add an exception `!path`");
                }
            }
        }
    }
}

/// URLs and git sources of ADD are fetched, not read from the context.
fn is_remote(source: &str) -> bool {
    source.contains("://") || source.starts_with("git@")
}

#[cfg(test)]
mod tests {
    use crate::evidence::BuildContext;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".dockerignore"),
            "Dockerfile\nsecrets/\n*.log\n",
        )
        .unwrap();
        let context =
            BuildContext::new(dir.path().to_path_buf(), vec![".dockerignore".into()], true);
        crate::assert_rule!(RuleTest::new::<super::CopyIgnoredFile>()
            .context(context)
            .pass([
                "FROM alpine\nCOPY src/ /src/\n",
                "FROM alpine\nCOPY . /app/\n",
                "FROM alpine AS b\nFROM alpine\nCOPY --from=b Dockerfile /x\n",
                "FROM alpine\nADD https://example.com/a.log /x\n",
            ])
            .fail([
                "FROM alpine\nCOPY Dockerfile /x\nADD ./secrets/key /k\n",
                "FROM alpine\nARG LOG=app.log\nCOPY $LOG /var/log/\n",
            ]));
    }
}
