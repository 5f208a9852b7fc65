use berth_syntax::{Command, Instruction};

use super::support::{
    base_is_variable, changes_together, describe_cost, env_caveat, env_read, is_arch_name,
    is_platform_arg, is_proxy_arg, is_volatile, parent_declares, picks_a_base, reads_var,
    runs_rerun_by_arg, stage_arg, stage_is_per_platform, windows_stage, EnvRead,
};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `ARG` declared in a stage well before the first instruction that uses it,
    /// when the RUN steps in between cost something to re-run and moving the ARG below them
    /// cannot change what they do.
    ///
    /// ## Why is this bad?
    /// When a build arg's value changes, BuildKit re-runs every RUN after the ARG's
    /// declaration in that stage (and in the stages built from it), even RUNs that never read
    /// it. The RUNs between the declaration and the first use re-run for nothing.
    ///
    /// ## When it does not fire
    /// - Every RUN in between is trivial (`mkdir`, `echo`, `chmod`, `useradd`, `sed`): a
    ///   re-run costs nothing.
    /// - The first RUN after the ARG runs a script or build tool (`./jdk-download.sh`,
    ///   `make`, `install-tool`): the ARG is most likely declared there for it, and the tool
    ///   reads it from its environment. A platform arg before an `xx-*` cross-compilation
    ///   helper, which reads it by design. Past scripts further down, and programs berth does
    ///   not know, the help says the move is safe only if they do not read it.
    /// - `TARGETPLATFORM`, `TARGETOS`, `TARGETARCH`, `TARGETVARIANT` in a stage whose base is
    ///   pulled per platform (no `FROM --platform=$BUILDPLATFORM` up its chain): every step
    ///   re-runs per platform wherever the ARG sits. Also an ARG a parent stage already
    ///   declares, or one that picks a base image in a FROM line.
    /// - An ARG whose default is built from another ARG (`URL=…${VERSION}…`), or one that
    ///   changes together with an ARG the RUNs in between already read (`X_VERSION` and
    ///   `X_SHA256`): those RUNs re-run anyway.
    /// - Volatile args (BR103's) and the proxy args.
    ///
    /// ## What the fix costs and saves
    /// Moving one line. It saves re-running the RUNs in between (the message names the
    /// heaviest) every time the value changes; with a matrix of values, they are shared.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// ARG APP_VERSION
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// RUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz
    /// ```
    ///
    /// ## How to fix
    /// Declare the ARG right before its first use:
    /// ```dockerfile
    /// FROM debian:12
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates
    /// ARG APP_VERSION
    /// RUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz
    /// ```
    pub struct Br102 {}
    meta {
        code: "BR102",
        family: Berth,
        severity: Info,
        kinds: [Arg],
        summary: "ARG declared long before its first use",
    }
}

impl Rule for Br102 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let (Some((decls, rest)), Some(index), Some(stage)) =
            (stage_arg(instruction, ctx), ctx.index(), ctx.stage())
        else {
            return;
        };
        let windows = windows_stage(ctx, stage.index);
        for (position, decl) in decls.iter().enumerate() {
            let name = decl.name.as_str();
            if is_proxy_arg(name) || is_volatile(name) {
                continue;
            }
            if is_platform_arg(name) && stage_is_per_platform(ctx, stage.index)
                || is_arch_name(name) && base_is_variable(ctx, stage.index)
                || parent_declares(ctx, stage.index, name)
                || picks_a_base(ctx, name)
            {
                continue;
            }
            // A default computed from another ARG changes with it.
            if decl.default.as_deref().is_some_and(|v| v.contains('$')) {
                continue;
            }
            let uses = |i: &Instruction| reads_var(ctx.text(i.span), name, windows);
            let Some(first_use) = rest.iter().position(uses) else {
                continue;
            };
            // The RUNs before the first use that the cache model says a new value re-runs.
            let used_at_index = index + 1 + first_use;
            let between: Vec<&Instruction> = runs_rerun_by_arg(ctx, index, name)
                .into_iter()
                .filter(|&i| i < used_at_index)
                .map(|i| &ctx.instructions()[i])
                .collect();
            let Some(first_run) = between.first() else {
                continue;
            };
            // An ARG declared before this one that changes together with it re-runs the
            // same RUNs anyway: a checksum's version always, a platform arg when a RUN in
            // between reads it (then that RUN cannot move past it either).
            let coupled_earlier = ctx.instructions()[stage.from..index]
                .iter()
                .filter_map(|i| match &i.command {
                    Some(Command::Arg(d)) => {
                        Some(d.iter().map(|d| d.name.as_str()).collect::<Vec<_>>())
                    }
                    _ => None,
                })
                .flatten()
                .chain(decls[..position].iter().map(|d| d.name.as_str()))
                .any(|other| {
                    changes_together(name, other)
                        && (!is_platform_arg(name)
                            || between
                                .iter()
                                .any(|r| reads_var(ctx.text(r.span), other, windows)))
                });
            if coupled_earlier {
                continue;
            }
            let reads: Vec<(EnvRead, String)> = between.iter().map(|r| env_read(r, ctx)).collect();
            // An ARG right above a RUN that runs a script is most likely there for that
            // script; xx's cross-compilation helpers read the platform args by design.
            if reads.first().is_some_and(|(r, _)| *r == EnvRead::Likely)
                || is_platform_arg(name) && reads.iter().any(|(_, p)| p.starts_with("xx-"))
            {
                continue;
            }
            let Some(cost) = describe_cost(&between, ctx) else {
                continue;
            };
            let used_at = rest[first_use].start_line;
            let caveat = env_caveat(&reads, name);
            ctx.report(
                decl.span,
                format!(
                    "ARG {name} is declared at line {} but first used at line {used_at}: when its value changes, the {cost} in between {} too",
                    instruction.start_line,
                    if between.len() == 1 { "re-runs" } else { "re-run" }
                ),
            )
            .label(first_run.span, "re-runs when the ARG changes")
            .help(format!("move `ARG {name}` right above line {used_at}{caveat}"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br102,
            pass: [
                "FROM debian:12\nRUN apt-get update\nARG APP_VERSION\nRUN echo $APP_VERSION\n",
                "FROM debian:12\nARG APP_VERSION\nCOPY app-${APP_VERSION}.tgz /\nRUN make\n",
                "FROM debian:12\nARG UNUSED\nRUN make\n",
                "FROM debian:12\nARG HTTP_PROXY\nRUN apt-get update\nRUN curl $HTTP_PROXY\n",
                "ARG BASE=debian\nFROM $BASE\nRUN make\nRUN echo $BASE\n",
                "FROM debian:12\nARG GIT_COMMIT\nRUN make\nLABEL rev=$GIT_COMMIT\n",
                // Trivial RUNs in between: nothing to save.
                "FROM debian:12\nARG APP_VERSION\nRUN mkdir -p /opt/app && chmod 755 /opt/app\nRUN curl -o /a https://x/${APP_VERSION}\n",
                // The base is pulled per platform: every step re-runs per platform anyway.
                "FROM golang:1.22\nARG TARGETARCH\nRUN go mod download\nRUN GOARCH=$TARGETARCH go build\n",
                // Right above a script, which is most likely what reads it.
                "FROM debian:12\nARG JAVA_VERSION=17\nRUN ./jdk-download.sh\nRUN echo $JAVA_VERSION\n",
                // xx reads the platform args by design.
                "FROM --platform=$BUILDPLATFORM debian:12\nARG TARGETPLATFORM\nRUN apt-get install -y a b\nRUN xx-apt-get install -y gcc\nRUN echo $TARGETPLATFORM\n",
                // The base is picked per architecture by a variable.
                "ARG base\nFROM ${base}\nARG arch=aarch64\nRUN apk add --no-cache a b c d\nRUN echo $arch\n",
                // A parent stage declared it already.
                "FROM debian:12 AS base\nARG APP_VERSION\nRUN echo $APP_VERSION\nFROM base\nARG APP_VERSION\nRUN curl -O https://x/y\nRUN echo $APP_VERSION\n",
                // Computed from another ARG.
                "FROM debian:12\nARG V=1\nARG URL=https://x/${V}.tgz\nRUN curl -O https://y/z\nRUN curl -O $URL\n",
                // A checksum that changes together with its version, declared before it.
                "FROM debian:12\nARG NODE_VERSION=20\nARG NODE_SHA256=abc\nRUN curl -O https://x/node-$NODE_VERSION.tgz\nRUN echo \"$NODE_SHA256 node.tgz\" | sha256sum -c\n",
                // cmd syntax.
                "FROM ${base}\nARG python=3.11\nRUN (if \"%python%\"==\"3.11\" setx V 3.11.9)\nRUN echo $python\n",
                // A Windows stage reads it as $env:VERSION.
                "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nSHELL [\"powershell\", \"-Command\"]\nARG VERSION=1\nRUN Invoke-WebRequest https://x/$env:version.zip\nLABEL v=$VERSION\n",
            ],
            fail: [
                "FROM debian:12\nARG APP_VERSION\nRUN apt-get update && apt-get install -y curl\nRUN curl -fsSLo /app.tgz https://example.com/app-${APP_VERSION}.tgz\n",
                "FROM node:20\nARG NODE_ENV=production\nRUN npm ci\nRUN npm run build\nENV NODE_ENV=$NODE_ENV\n",
                // Under --platform=$BUILDPLATFORM the download can serve every target.
                "FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETOS TARGETARCH\nRUN go mod download\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build\n",
                "FROM --platform=$BUILDPLATFORM golang:1.22\nARG TARGETARCH\nRUN go mod download\nRUN GOARCH=$TARGETARCH go build\n",
            ],
        );
    }
}

#[cfg(test)]
mod wording {
    #[test]
    fn says_what_it_costs_and_when_it_is_safe() {
        let test = crate::testing::RuleTest::new::<super::Br102>();
        let found = test.findings(
            "FROM node:20\nARG NODE_ENV=production\nRUN npm ci\nENV NODE_ENV=$NODE_ENV\n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("the RUN step (`npm ci`) in between"),
            "{}",
            found[0].message
        );
        let help = found[0].help.as_deref().unwrap_or("");
        assert!(
            help.contains("safe only if `npm` does not read $NODE_ENV"),
            "{help}"
        );
        let packages =
            test.findings("FROM debian:12\nARG V\nRUN apt-get install -y a b c\nRUN echo $V\n");
        assert!(
            packages[0]
                .message
                .contains("package install of 3 packages"),
            "{}",
            packages[0].message
        );
        // A script in between may read it: the help says the move depends on that.
        let script = test.findings(
            "FROM debian:12\nARG JAVA_VERSION=17\nRUN apt-get install -y a b c\nRUN ./jdk-download.sh\nRUN echo $JAVA_VERSION\n",
        );
        let help = script[0].help.as_deref().unwrap_or("");
        assert!(
            help.contains("only if `jdk-download.sh` does not read $JAVA_VERSION"),
            "{help}"
        );
    }
}
