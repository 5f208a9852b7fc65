use std::collections::BTreeSet;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage whose name (compared case-insensitively, as BuildKit compares them) was
    /// already used by an earlier stage.
    ///
    /// ## Why is this bad?
    /// `--target`, `COPY --from` and `FROM` find only one of the stages with that name, so
    /// the other is dead code or, worse, the one that is not meant.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine AS build
    /// FROM golang AS build
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine AS base
    /// FROM golang AS build
    /// ```
    pub struct DuplicateStageName {}
    meta {
        code: "DuplicateStageName",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Stage names should be unique",
    }
}

impl Rule for DuplicateStageName {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        if !super::phase::later_phases_run(file) {
            return;
        }
        let mut seen = BTreeSet::new();
        for stage in file.stages() {
            let Some(name) = stage.name.as_deref().map(str::to_lowercase) else {
                continue;
            };
            if !seen.insert(name.clone()) {
                ctx.report(
                    file.instructions[stage.from].span,
                    format!("Duplicate stage name {name:?}, stage names should be unique"),
                )
                .help("give each stage its own name");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::DuplicateStageName,
            pass: [
                "FROM alpine AS a\nFROM alpine AS b\n",
                "FROM alpine\nFROM alpine\n",
            ],
            fail: [
                "FROM alpine AS build\nFROM golang AS build\n",
                "FROM alpine AS b\nFROM alpine AS B\nFROM alpine AS b\n",
            ],
        );
    }
}
