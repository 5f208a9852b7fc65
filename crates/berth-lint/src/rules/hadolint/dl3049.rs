use std::collections::{BTreeSet, HashSet};

use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::{Instruction, Keyword, Span};

use super::helpers::flags::copy_from;
use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured (`label-schema` in `.hadolint.yaml`,
    /// `--require-label name:type`), flags every stage that never sets a schema label,
    /// once per missing label, on the stage's `FROM`.
    ///
    /// ## Why is this bad?
    /// Registries, scanners and deployment tooling rely on the labels an organisation
    /// requires (owner, source URL, version); an image without them cannot be traced.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.source: url
    /// ```
    /// ```dockerfile
    /// FROM debian:12
    /// RUN make
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app"
    /// RUN make
    /// ```
    /// A stage built `FROM` a stage that has the label inherits it; a label set in a stage
    /// also counts for the earlier stage of that name; a named stage that is only used by
    /// `COPY --from` is not reported.
    pub struct Dl3049 {
        stages: Vec<StageId>,
        /// Per schema label (in schema order): its good and bad stages (indices into `stages`).
        labels: Vec<LabelState>,
    }
    meta {
        code: "DL3049",
        family: Hadolint,
        severity: Info,
        kinds: [From, Copy, Label],
        summary: "Label is missing",
    }
}

struct StageId {
    alias: Option<String>,
    /// The image name without registry, tag or digest.
    image: String,
    from_span: Span,
}

impl StageId {
    /// The name a LABEL in this stage is known by: its alias, else its image name.
    fn name(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.image)
    }
}

#[derive(Default)]
struct LabelState {
    name: String,
    good: HashSet<usize>,
    bad: BTreeSet<usize>,
}

impl LabelState {
    /// Stages named `alias` are no longer reported (a later stage or COPY uses them).
    fn silence(&mut self, stages: &[StageId], alias: &str) {
        self.bad
            .retain(|&s| stages[s].alias.as_deref() != Some(alias));
    }
}

impl Rule for Dl3049 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let schema = &ctx.settings().label_schema;
        if schema.is_empty() || ctx.in_onbuild() {
            return;
        }
        if self.labels.is_empty() {
            self.labels = schema
                .keys()
                .map(|name| LabelState {
                    name: name.clone(),
                    ..LabelState::default()
                })
                .collect();
        }
        match instruction.keyword {
            Keyword::From => {
                let Some(from) = FromParts::of(instruction) else {
                    return;
                };
                let index = self.stages.len();
                let image = ImageRef::parse_from(from.image).name.to_string();
                for state in &mut self.labels {
                    let inherits = state
                        .good
                        .iter()
                        .any(|&g| self.stages[g].alias.as_deref() == Some(image.as_str()));
                    if inherits {
                        state.good.insert(index);
                    } else {
                        state.bad.insert(index);
                    }
                }
                self.stages.push(StageId {
                    alias: from.alias.map(|(a, _)| a.to_string()),
                    image,
                    from_span: instruction.keyword_span,
                });
            }
            Keyword::Copy => {
                if let Some((from, _)) = copy_from(instruction) {
                    for state in &mut self.labels {
                        state.silence(&self.stages, from);
                    }
                }
            }
            _ => {
                let Some(current) = self.stages.len().checked_sub(1) else {
                    return;
                };
                let keys: Vec<String> = label_pairs(instruction, ctx.dockerfile().escape)
                    .into_iter()
                    .map(|p| p.key)
                    .collect();
                let name = self.stages[current].name().to_string();
                for state in self.labels.iter_mut().filter(|s| keys.contains(&s.name)) {
                    state.silence(&self.stages, &name);
                    state.good.insert(current);
                    state.bad.remove(&current);
                }
            }
        }
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        for state in &self.labels {
            for &stage in &state.bad {
                ctx.report(
                    self.stages[stage].from_span,
                    format!("Label `{}` is missing.", state.name),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;

    fn schema() -> crate::Settings {
        let mut settings = crate::Settings::default();
        settings
            .label_schema
            .insert("foo".into(), crate::LabelType::Text);
        settings
    }

    fn count(df: &str) -> usize {
        RuleTest::new::<super::Dl3049>()
            .settings(schema())
            .findings(df)
            .len()
    }

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3049>()
            .settings(schema())
            .pass([
                "FROM baseimage\nLABEL foo=\"bar\"\n",
                "FROM baseimage as base\nFROM base\nLABEL foo=\"bar\"\n",
                "FROM baseimage as base\nFROM anotherimage\nLABEL foo=\"bar\"\nCOPY --from=base /bar /baz\n",
                "FROM baseimage as base\nLABEL foo=\"bar\"\nFROM base\n",
            ])
            .fail([
                "FROM baseimage\n",
                "FROM baseimage\nLABEL bar=\"baz\"\n",
                "FROM baseimage as base\nFROM anotherimage\nLABEL foo=\"bar\"\n",
            ]));
    }

    #[test]
    fn counts_per_stage() {
        assert_eq!(count("FROM stage1\nFROM stage2\n"), 2);
        assert_eq!(
            count("FROM baseimage\nLABEL foo=\"bar\"\nFROM newimage\n"),
            1
        );
        assert_eq!(count("FROM baseimage as base\nFROM base\n"), 2);
        assert_eq!(
            count("FROM baseimage as base\nFROM newimage\nLABEL foo=\"bar\"\nCOPY --from=base /bar /baz\n\nFROM newimage\nCOPY --from=base /bar /baz\n"),
            1
        );
        assert_eq!(
            count("FROM baseimage as base\nFROM base\nLABEL foo=\"bar\"\n\nFROM base\n"),
            1
        );
        assert_eq!(
            count("FROM baseimage as base\nFROM base\n\nFROM base\nLABEL foo=\"bar\"\n"),
            1
        );
        let without_schema = RuleTest::new::<super::Dl3049>();
        assert!(without_schema.findings("FROM baseimage\n").is_empty());
    }
}
