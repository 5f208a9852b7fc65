use berth_syntax::scope::{Base, Expansion};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags the first `WORKDIR` of a stage chain (a stage and the stages it is built
    /// `FROM`) when its path, after variable expansion, is relative. Later relative
    /// `WORKDIR`s are fine: they resolve against the first.
    ///
    /// ## Why is this bad?
    /// A relative `WORKDIR` resolves against the base image's working directory, which
    /// the Dockerfile does not control: a new base image version can move every path.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// WORKDIR app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM node:20
    /// WORKDIR /app
    /// ```
    pub struct WorkdirRelativePath {}
    meta {
        code: "WorkdirRelativePath",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes",
    }
}

impl Rule for WorkdirRelativePath {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        let mut set_at_end = Vec::with_capacity(scope.stages.len());
        for stage in &scope.stages {
            let mut workdir_set = match stage.base {
                Base::Stage(parent) => set_at_end.get(parent).copied().unwrap_or(false),
                _ => false,
            };
            for step in &stage.steps {
                let Some(Expansion::Workdir(path)) = &step.expansion else {
                    continue;
                };
                if !workdir_set && !path.starts_with('/') {
                    ctx.report(
                        file.instructions[step.instruction].span,
                        format!(
                            "Relative workdir {path:?} can have unexpected results if the base image changes"
                        ),
                    )
                    .help(format!("use an absolute path, e.g. `/{path}`"));
                }
                workdir_set = true;
            }
            set_at_end.push(workdir_set);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::WorkdirRelativePath,
            pass: [
                "FROM node\nWORKDIR /app\nWORKDIR src\n",
                "FROM node AS base\nWORKDIR /app\nFROM base\nWORKDIR src\n",
                "FROM node\nENV DIR=/srv\nWORKDIR $DIR\n",
            ],
            fail: [
                "FROM node\nWORKDIR app/\n",
                "FROM node\nARG DIR=srv\nWORKDIR $DIR\n",
                "FROM node AS base\nWORKDIR /app\nFROM node\nWORKDIR src\n",
            ],
        );
    }
}
