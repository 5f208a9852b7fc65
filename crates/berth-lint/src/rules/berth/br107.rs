use berth_syntax::{Command, Instruction, Keyword};

use super::support::{
    describe_cost, env_caveat, env_read, is_platform_arg, mentions_var, reads_var,
    stage_is_per_platform, windows_stage, EnvRead,
};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ENV` that re-exports a build arg (`ENV NODE_VERSION=${NODE_VERSION}`) or
    /// sets a version (`ENV CONSUL_VERSION=1.17.0`) well before the first instruction of its
    /// stage that uses it, with RUN steps in between that cost something to re-run.
    ///
    /// ## Why is this bad?
    /// An ENV is part of every later step's cache key. When the version changes (a new
    /// build arg value, or an edit of the line), every RUN after the ENV re-runs, including
    /// the ones before its first use that never read it. BR102 counts the re-export as the
    /// ARG's use, so the early ENV hides the same problem one line further.
    ///
    /// ## When it does not fire
    /// - No instruction of the stage uses the variable (it is there for the running
    ///   container, or for a stage built from this one).
    /// - A RUN in between runs a script or build tool that may read it from its environment
    ///   (`./install.sh`, `make`); for other programs the help says the move is safe only if
    ///   they do not read it.
    /// - Every RUN in between is trivial; a platform arg in a stage pulled per platform.
    /// - Names that are neither a version (`*_VERSION`, `*_VER`) nor a re-exported build arg.
    ///
    /// ## What the fix costs and saves
    /// Moving the ENV (and its ARG) down to the first use. It saves re-running the RUNs in
    /// between (the message names the heaviest) on every version bump.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ARG TOOL_VERSION=1.4.2
    /// ENV TOOL_VERSION=${TOOL_VERSION}
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// RUN curl -fsSLo /tool.tgz https://example.com/tool-${TOOL_VERSION}.tgz
    /// ```
    ///
    /// ## How to fix
    /// Declare both right above the first use:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// ARG TOOL_VERSION=1.4.2
    /// ENV TOOL_VERSION=${TOOL_VERSION}
    /// RUN curl -fsSLo /tool.tgz https://example.com/tool-${TOOL_VERSION}.tgz
    /// ```
    pub struct Br107 {}
    meta {
        code: "BR107",
        family: Berth,
        severity: Info,
        kinds: [Env],
        summary: "Version or re-exported build arg set in ENV long before its first use",
    }
}

/// Whether an ENV name reads as a version (`NODE_VERSION`, `GOSU_VER`, `VERSION`).
fn is_version_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == "VERSION" || upper.ends_with("_VERSION") || upper.ends_with("_VER")
}

/// Whether a value is a literal version (`1.17.0`, `v2.3`, `20`).
fn is_version_value(value: &str) -> bool {
    let v = value.trim_matches(['"', '\'']);
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    v.starts_with(|c: char| c.is_ascii_digit()) && !v.contains(char::is_whitespace)
}

impl Rule for Br107 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let (Some(Command::Env(pairs)), Some(index), Some(stage)) =
            (&instruction.command, ctx.index(), ctx.stage())
        else {
            return;
        };
        let windows = windows_stage(ctx, stage.index);
        let earlier = &ctx.instructions()[stage.from..index];
        // The build args whose first declaration in the stage is right above the ENV (no
        // RUN in between): a re-export moves with its ARG. An ARG declared further up
        // re-runs those RUNs anyway, and is BR102's to move first.
        fn declared(i: &Instruction) -> Vec<&str> {
            match &i.command {
                Some(Command::Arg(d)) => d.iter().map(|d| d.name.as_str()).collect(),
                _ => Vec::new(),
            }
        }
        let last_run = earlier.iter().rposition(|i| i.keyword == Keyword::Run);
        let args: Vec<&str> = earlier
            .iter()
            .enumerate()
            .filter(|(at, _)| last_run.is_none_or(|r| *at > r))
            .flat_map(|(_, i)| declared(i))
            .filter(|name| {
                let first = earlier.iter().position(|i| declared(i).contains(name));
                first.is_some_and(|f| last_run.is_none_or(|r| f > r))
            })
            .collect();
        let rest = &ctx.instructions()[index + 1..stage.instructions.end];
        for pair in pairs {
            let key = pair.key.as_str();
            let exported: Option<&str> =
                args.iter().copied().find(|a| mentions_var(&pair.value, a));
            let version = is_version_name(key) && is_version_value(&pair.value);
            if exported.is_none() && !version {
                continue;
            }
            if exported.is_some_and(is_platform_arg) && stage_is_per_platform(ctx, stage.index) {
                continue;
            }
            let Some(first_use) = rest.iter().position(|i| {
                i.keyword != Keyword::Env && reads_var(ctx.text(i.span), key, windows)
                    || exported.is_some_and(|a| reads_var(ctx.text(i.span), a, windows))
            }) else {
                continue;
            };
            let between: Vec<&Instruction> = rest[..first_use]
                .iter()
                .filter(|i| i.keyword == Keyword::Run)
                .collect();
            let Some(first_run) = between.first() else {
                continue;
            };
            let reads: Vec<(EnvRead, String)> = between.iter().map(|r| env_read(r, ctx)).collect();
            // An ENV is meant to be read from the environment: a script in between may well
            // be its reader.
            if reads.iter().any(|(r, _)| *r == EnvRead::Likely) {
                continue;
            }
            let Some(cost) = describe_cost(&between, ctx) else {
                continue;
            };
            let used_at = rest[first_use].start_line;
            let what = match exported {
                Some(arg) => format!(
                    "ENV {key} re-exports build arg {arg} at line {}",
                    instruction.start_line
                ),
                None => format!(
                    "ENV {key}={} is set at line {}",
                    pair.value, instruction.start_line
                ),
            };
            let caveat = env_caveat(&reads, key);
            let moved = match exported {
                Some(arg) => format!("`ARG {arg}` and `ENV {key}`"),
                None => format!("`ENV {key}`"),
            };
            ctx.report(
                pair.key_span,
                format!(
                    "{what} but first used at line {used_at}: when it changes, the {cost} in between {} too",
                    if between.len() == 1 { "re-runs" } else { "re-run" }
                ),
            )
            .label(first_run.span, "re-runs when the value changes")
            .help(format!("move {moved} right above line {used_at}{caveat}"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br107,
            pass: [
                "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nENV TOOL_VERSION=1.4.2\nRUN curl -O https://x/tool-$TOOL_VERSION.tgz\n",
                // Not used in the stage: it is for the container.
                "FROM node:20\nENV APP_VERSION=1.2.3\nRUN npm ci\nCMD [\"node\", \"app.js\"]\n",
                // A script in between may read it.
                "FROM debian:12\nENV PYTHON_VERSION=3.6\nRUN ./install-python.sh\nRUN echo $PYTHON_VERSION\n",
                // Not a version and not a build arg.
                "FROM debian:12\nENV APP_HOME=/app\nRUN apt-get install -y curl\nRUN mkdir $APP_HOME\n",
                // Trivial RUNs in between.
                "FROM debian:12\nENV TOOL_VERSION=1.4.2\nRUN mkdir /opt/tool\nRUN curl -O https://x/tool-$TOOL_VERSION.tgz\n",
                // The ARG was declared before the RUNs already: they re-run anyway.
                "FROM debian:12\nARG V=1\nRUN apt-get install -y a b c\nARG V=1\nENV DIR=/opt/$V\nRUN apt-get install -y d e f\nRUN ls $DIR\n",
            ],
            fail: [
                "FROM debian:12\nARG TOOL_VERSION=1.4.2\nENV TOOL_VERSION=${TOOL_VERSION}\nRUN apt-get update && apt-get install -y curl\nRUN curl -O https://x/tool-$TOOL_VERSION.tgz\n",
                "FROM golang:1.22\nENV CONSUL_VERSION=1.17.0\nRUN go get -d ./...\nRUN git checkout v$CONSUL_VERSION\n",
            ],
        );
    }
}
