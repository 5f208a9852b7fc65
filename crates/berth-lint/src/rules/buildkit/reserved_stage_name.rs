use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a stage named `scratch` or `context`.
    ///
    /// ## Why is this bad?
    /// `scratch` is the empty base image and `context` the build context in `COPY --from`
    /// and named contexts; a stage with either name shadows one of them or is shadowed.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine AS scratch
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine AS base
    /// ```
    pub struct ReservedStageName {}
    meta {
        code: "ReservedStageName",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Reserved words should not be used as stage names",
    }
}

impl Rule for ReservedStageName {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        if !super::phase::later_phases_run(file) {
            return;
        }
        for stage in file.stages() {
            let Some(name) = stage.name.as_deref().map(str::to_lowercase) else {
                continue;
            };
            if name == "scratch" || name == "context" {
                ctx.report(
                    file.instructions[stage.from].span,
                    format!("Stage name should not use the same name as reserved stage {name:?}"),
                )
                .help("rename the stage");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::ReservedStageName,
            pass: [
                "FROM scratch AS base\n",
                "FROM alpine AS contexts\n",
            ],
            fail: [
                "FROM alpine AS scratch\n",
                "FROM alpine AS Context\n",
            ],
        );
    }
}
