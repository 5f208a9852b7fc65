use berth_syntax::scope::Base;
use berth_syntax::{Command, ShellOrExec};

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `CMD` and `ENTRYPOINT` in shell form (`CMD npm start`) in a stage that has no
    /// `SHELL` instruction of its own or inherited from the stage it is built on.
    ///
    /// ## Why is this bad?
    /// The shell form runs the command as `/bin/sh -c "npm start"`: the shell is PID 1 and
    /// does not forward `SIGTERM`, so `docker stop` waits for its timeout and kills the
    /// process without a clean shutdown.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// CMD npm start
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM node:20
    /// CMD ["npm", "start"]
    /// ```
    /// Keep the shell form on purpose by setting `SHELL` explicitly.
    pub struct JsonArgsRecommended {}
    meta {
        code: "JSONArgsRecommended",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    }
}

impl Rule for JsonArgsRecommended {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        // Whether each stage has a SHELL by its end (inherited through `FROM <stage>`).
        let mut shell_at_end = Vec::with_capacity(scope.stages.len());
        for stage in &scope.stages {
            let mut has_shell = match stage.base {
                Base::Stage(parent) => shell_at_end.get(parent).copied().unwrap_or(false),
                _ => false,
            };
            for step in &stage.steps {
                let instruction = &file.instructions[step.instruction];
                match &instruction.command {
                    Some(Command::Shell(_)) => has_shell = true,
                    Some(Command::Cmd(ShellOrExec::Shell(_)))
                    | Some(Command::Entrypoint(ShellOrExec::Shell(_)))
                        if !has_shell =>
                    {
                        let name = &instruction.keyword_text;
                        ctx.report(
                            instruction.span,
                            format!(
                                "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
                            ),
                        )
                        .help(format!("write `{name} [\"executable\", \"arg\", ...]`"));
                    }
                    _ => {}
                }
            }
            shell_at_end.push(has_shell);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::JsonArgsRecommended,
            pass: [
                "FROM node\nCMD [\"npm\", \"start\"]\n",
                "FROM node\nSHELL [\"/bin/bash\", \"-c\"]\nCMD npm start\n",
                "FROM node AS base\nSHELL [\"/bin/sh\", \"-c\"]\nFROM base\nENTRYPOINT npm start\n",
            ],
            fail: [
                "FROM node\nCMD npm start\n",
                "FROM node\nENTRYPOINT ./run.sh\nSHELL [\"/bin/sh\", \"-c\"]\n",
                "FROM node AS base\nSHELL [\"/bin/sh\", \"-c\"]\nFROM node\nCMD npm start\n",
            ],
        );
    }
}
