use std::collections::BTreeSet;

use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::{Instruction, Keyword, Span};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Off by default. Flags, on its `FROM`, every stage that has no `HEALTHCHECK`
    /// (`HEALTHCHECK NONE` counts as one).
    ///
    /// ## Why is this bad?
    /// Without a health check, Docker and Swarm only know whether the process runs, not
    /// whether it answers.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.25
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM nginx:1.25
    /// HEALTHCHECK CMD curl -fsS http://localhost/ || exit 1
    /// ```
    /// A stage built `FROM` a stage with a health check inherits it, and a health check in a
    /// stage also covers the earlier stages it is built from.
    pub struct Dl3057 {
        stages: Vec<Stage>,
        good: BTreeSet<usize>,
        bad: BTreeSet<usize>,
    }
    meta {
        code: "DL3057",
        family: Hadolint,
        severity: Info,
        kinds: [From, Healthcheck],
        summary: "HEALTHCHECK instruction missing",
        default_enabled: false,
    }
}

struct Stage {
    /// The image name it is built from (without registry, tag or digest).
    parent: String,
    /// Its name: the alias, else the image name.
    name: String,
    from_span: Span,
}

impl Rule for Dl3057 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::From {
            let Some(from) = FromParts::of(instruction) else {
                return;
            };
            let parent = ImageRef::parse_from(from.image).name.to_string();
            let name = from.alias.map_or(parent.clone(), |(a, _)| a.to_string());
            let index = self.stages.len();
            if self.good.iter().any(|&g| self.stages[g].name == parent) {
                self.good.insert(index);
            } else {
                self.bad.insert(index);
            }
            self.stages.push(Stage {
                parent,
                name,
                from_span: instruction.keyword_span,
            });
            return;
        }
        let Some(current) = self.stages.len().checked_sub(1) else {
            return;
        };
        // The stage and, transitively, every stage it is built from are covered.
        let mut pending = vec![current];
        while let Some(stage) = pending.pop() {
            self.good.insert(stage);
            self.bad.remove(&stage);
            let parent = &self.stages[stage].parent;
            pending.extend(
                self.bad
                    .iter()
                    .copied()
                    .filter(|&b| &self.stages[b].name == parent),
            );
        }
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        for &stage in &self.bad {
            ctx.report(
                self.stages[stage].from_span,
                "`HEALTHCHECK` instruction missing.",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;

    fn test() -> RuleTest {
        let mut settings = crate::Settings::default();
        settings.select.push("DL3057".into());
        RuleTest::new::<super::Dl3057>().settings(settings)
    }

    #[test]
    fn cases() {
        crate::assert_rule!(test()
            .pass([
                "FROM scratch\nHEALTHCHECK NONE\n",
                "FROM scratch\nHEALTHCHECK CMD /bin/bla\n",
                "FROM scratch AS base\nHEALTHCHECK CMD /bin/bla\nFROM base\n",
                "FROM scratch AS base1\nFROM base1 AS base2\nFROM base2 AS base3\nFROM base3 AS end\nHEALTHCHECK NONE\n",
            ])
            .fail(["FROM scratch\n", "FROM scratch AS base\nHEALTHCHECK CMD /bin/bla\nFROM scratch\n"]));
    }

    #[test]
    fn branches() {
        let df = "FROM scratch AS base1\nFROM base1 AS base2\nFROM base2 AS base3.1\nFROM base2 AS base3.2\n\nFROM base3.1 AS end1\nHEALTHCHECK NONE\n\nFROM base3.2 AS end2\n";
        assert_eq!(test().findings(df).len(), 2);
    }
}
