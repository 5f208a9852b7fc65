use berth_syntax::{Command, Instruction};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Experimental in BuildKit, so off unless turned on by `# check=experimental=...` (or
    /// `BUILDKIT_DOCKERFILE_CHECK`), or selected in the configuration: checks that the comment line right
    /// above an `ARG` or a named `FROM` starts with the name it documents
    /// (`# VERSION the release to build`, `# build compiles the app`).
    ///
    /// ## Why is this bad?
    /// Tools such as `docker buildx build --call=outline` show these comments as the
    /// descriptions of build args and targets, but only when the comment starts with the
    /// name; any other comment is silently not a description.
    ///
    /// ## Example
    /// ```dockerfile
    /// # the version of the app
    /// ARG VERSION=1.0
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// # VERSION the version of the app
    /// ARG VERSION=1.0
    /// ```
    /// Separate a comment that is not a description by an empty `#` line.
    pub struct InvalidDefinitionDescription {}
    meta {
        code: "InvalidDefinitionDescription",
        family: BuildKit,
        severity: Warning,
        kinds: [Arg, From],
        summary: "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`",
        default_enabled: false,
    }
}

impl Rule for InvalidDefinitionDescription {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if !super::phase::parse_phase_visits(ctx) {
            return;
        }
        let (kind, names): (&str, Vec<String>) = match &instruction.command {
            Some(Command::Arg(decls)) => {
                ("ARG", decls.iter().map(|d| d.name.to_string()).collect())
            }
            Some(Command::From(from)) => match &from.name {
                Some(name) => ("FROM", vec![name.to_lowercase()]),
                None => return,
            },
            _ => return,
        };
        let Some(last_comment) = instruction.prev_comment.last() else {
            return;
        };
        let first_word = last_comment.split(' ').next().unwrap_or("");
        if names.is_empty() || names.iter().any(|n| n == first_word) {
            return;
        }
        let example = if names.len() > 1 {
            "<arg_key>"
        } else {
            names[0].as_str()
        };
        ctx.report(
            instruction.span,
            format!("Comment for {kind} should follow the format: `# {example} <description>`"),
        )
        .help("start the comment with the name, or separate it from the instruction with an empty `#` line");
    }
}

#[cfg(test)]
mod tests {
    use crate::rule::RuleMeta;
    use crate::settings::Settings;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        let settings = Settings {
            select: vec![super::InvalidDefinitionDescription::META.code.to_string()],
            ..Settings::default()
        };
        crate::assert_rule!(RuleTest::new::<super::InvalidDefinitionDescription>()
            .settings(settings)
            .pass([
                "# VERSION the release\nARG VERSION=1\nFROM alpine\n",
                "# build compiles\nFROM alpine AS build\n",
                "# a note\n#\nARG X\nFROM alpine\n",
                "FROM alpine\n# just a note\nRUN true\n",
            ])
            .fail([
                "# the release\nARG VERSION=1\nFROM alpine\n",
                "# BasE the base image\nFROM alpine AS base\n",
                "FROM alpine\n# not a description\nARG a=1 b=2\n",
            ]));
    }
}
