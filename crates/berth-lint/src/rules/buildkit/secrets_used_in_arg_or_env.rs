use berth_syntax::scope::Expansion;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` (inside a stage) or `ENV` whose name looks like it holds a secret: one
    /// of its `_`-separated parts is `apikey`, `auth`, `credential(s)`, `key`, `password`,
    /// `pword`, `passwd`, `secret` or `token` (any case), and none is `public`, `file` or
    /// `version`.
    ///
    /// ## Why is this bad?
    /// Build args and environment variables are stored in the image metadata and history:
    /// anyone who can pull the image can read them.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// ARG GITHUB_TOKEN
    /// RUN git clone https://$GITHUB_TOKEN@github.com/org/private.git
    /// ```
    ///
    /// ## How to fix
    /// Use a secret mount, which is never stored in the image:
    /// ```dockerfile
    /// FROM alpine
    /// RUN --mount=type=secret,id=github_token,env=GITHUB_TOKEN \
    ///     git clone https://$GITHUB_TOKEN@github.com/org/private.git
    /// ```
    pub struct SecretsUsedInArgOrEnv {}
    meta {
        code: "SecretsUsedInArgOrEnv",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Sensitive data should not be used in the ARG or ENV commands",
    }
}

const SECRET_PARTS: [&str; 10] = [
    "apikey",
    "auth",
    "credential",
    "credentials",
    "key",
    "password",
    "pword",
    "passwd",
    "secret",
    "token",
];
const ALLOWED_PARTS: [&str; 3] = ["public", "file", "version"];

/// BuildKit's test: a deny word and no allow word among the `_`-separated parts.
fn looks_secret(name: &str) -> bool {
    let has = |words: &[&str]| {
        name.split('_')
            .any(|part| words.iter().any(|w| part.eq_ignore_ascii_case(w)))
    };
    has(&SECRET_PARTS) && !has(&ALLOWED_PARTS)
}

impl Rule for SecretsUsedInArgOrEnv {
    fn finish(&mut self, ctx: &mut LintContext) {
        let file = ctx.dockerfile();
        let Some(scope) = super::phase::scope(ctx) else {
            return;
        };
        for stage in &scope.stages {
            for step in &stage.steps {
                let instruction = &file.instructions[step.instruction];
                let (kind, names): (&str, Vec<&str>) = match &step.expansion {
                    // ENV keys are checked after expansion, ARG names as written.
                    Some(Expansion::Env(pairs)) => {
                        ("ENV", pairs.iter().map(|(k, _)| k.as_str()).collect())
                    }
                    Some(Expansion::Arg(args)) => {
                        ("ARG", args.iter().map(|(k, _)| k.as_str()).collect())
                    }
                    _ => continue,
                };
                for name in names.into_iter().filter(|n| looks_secret(n)) {
                    ctx.report(
                        instruction.span,
                        format!("Do not use ARG or ENV instructions for sensitive data ({kind} {name:?})"),
                    )
                    .help("pass secrets with `RUN --mount=type=secret`, which keeps them out of the image");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::SecretsUsedInArgOrEnv,
            pass: [
                "ARG SECRET_TOKEN\nFROM alpine\n",
                "FROM alpine\nARG PUBLIC_KEY\nENV GPG_KEY_FILE=/k\nENV NODE_VERSION=20\nENV KEYS=1 MONKEY=2\n",
            ],
            fail: [
                "FROM alpine\nARG GITHUB_TOKEN\n",
                "FROM alpine\nENV password=x db_Secret=y\n",
                "FROM alpine\nENV apikey=1\nARG AWS_SECRET_ACCESS_KEY\n",
            ],
        );
    }
}
