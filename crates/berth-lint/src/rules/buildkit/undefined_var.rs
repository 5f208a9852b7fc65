use berth_syntax::scope::suggest;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a variable used in an instruction the builder expands (ENV, LABEL, ARG
    /// defaults, COPY, ADD, WORKDIR, USER, VOLUME, STOPSIGNAL, `RUN --mount` values) that is
    /// neither set in the stage's environment nor declared with `ARG`. RUN commands are
    /// not checked: their shell expands them at run time, from the container environment.
    ///
    /// ## Why is this bad?
    /// An undefined variable expands to an empty string without any error: `COPY $SRC /app`
    /// quietly copies the whole context, `WORKDIR /$APP_DIR` becomes `/`. It is usually a
    /// typo or an `ARG` declared in another stage (or before `FROM`) and not redeclared.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// ENV PATH=$PAHT:/opt/bin
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine
    /// ENV PATH=$PATH:/opt/bin
    /// ```
    /// Declare build args in the stage that uses them (`ARG VERSION` after `FROM`).
    ///
    /// ## Differences from BuildKit
    /// The environment of a base image is unknown without pulling it: berth assumes it sets
    /// only `PATH`, so a variable that the base image defines (`$NODE_VERSION` in `node`
    /// images) is reported.
    pub struct UndefinedVar {}
    meta {
        code: "UndefinedVar",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Variables should be defined before their use",
    }
}

impl Rule for UndefinedVar {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        for step in scope.stages.iter().flat_map(|s| &s.steps) {
            // Once per instruction and name (BuildKit repeats it for every word using it).
            for name in &step.undefined {
                let mut message = format!("Usage of undefined variable '${name}'");
                let guess = suggest(name, step.env.names(), true);
                if let Some(guess) = &guess {
                    message.push_str(&format!(" (did you mean ${guess}?)"));
                }
                let diagnostic = ctx.report(file.instructions[step.instruction].span, message);
                match guess {
                    Some(guess) => diagnostic.help(format!("replace `${name}` with `${guess}`")),
                    None => diagnostic.help(format!(
                        "declare it with `ARG {name}` or `ENV {name}=...` first"
                    )),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::UndefinedVar,
            pass: [
                "FROM alpine\nARG foo\nCOPY $foo .\n",
                "FROM alpine\nENV A=1\nENV B=$A\nRUN echo $UNDEFINED_IN_RUN\n",
                "FROM alpine AS base\nARG V=1\nFROM base\nCOPY $V /v\n",
                "FROM alpine\nENV PATH=$PATH:/opt/bin\n",
            ],
            fail: [
                "FROM alpine\nCOPY $foo .\nARG foo=bar\n",
                "FROM alpine\nENV PATH=$PAHT:/tmp/bin\n",
                "ARG VERSION=1\nFROM alpine\nLABEL version=$VERSION\n",
                "FROM alpine\nRUN --mount=type=cache,target=$CACHE_DIR make\n",
                "FROM alpine\nENV A=${X:i}\n",
            ],
        );
    }
}
