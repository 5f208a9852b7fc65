use std::collections::BTreeSet;

use berth_syntax::Instruction;

use super::support::{
    broad_copies_before, manifests_for, optional_note, plural, run_script, sources_from_elsewhere,
    thousands,
};
use crate::context::LintContext;
use crate::ecosystem::StepKind;
use crate::reorder;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a dependency fetch (`npm ci`, `yarn install`, `pnpm install`, `bun install`,
    /// `pip install -r requirements.txt`, `poetry install --no-root`, `pipenv install`,
    /// `go mod download`, `cargo fetch`, `bundle install`, `mvn dependency:go-offline`,
    /// `gradle dependencies`, `dotnet restore`, `nuget restore`, `mix deps.get`, ...: the
    /// fetch-only commands of berth's ecosystem table) that runs after a `COPY` bringing in
    /// much more than the package manifests, such as `COPY . .` or `COPY src/ src/`, in its
    /// stage or in a stage it is built from.
    ///
    /// ## Why is this bad?
    /// A RUN re-runs whenever anything copied before it changes. With the whole source tree
    /// copied first, editing any source file re-downloads and re-installs every dependency.
    /// With the build context at hand, the message says how many files that is.
    ///
    /// ## When it does not fire
    /// - The COPY brings in one file, manifests only (a folder of requirements files), or a
    ///   kind of build input under a folder (`ci/*.patch`); with the build context, fewer
    ///   than two files that are not manifests.
    /// - The sources do not come from the copied context: the RUN bind-mounts the context, or
    ///   the stage clones a repository or downloads the manifest (`curl -o requirements.txt`).
    /// - A command that also builds (`go build`, `dotnet publish`, `poetry install` without
    ///   `--no-root`) is BR109's finding.
    ///
    /// ## What the fix costs and saves
    /// One more COPY (the manifests, named in the help; lock files only when the context has
    /// them). It saves the dependency download and install on every source-only edit. When
    /// the same RUN goes on to read the sources (`&& npm run build`), the help says to split
    /// it: the install before the sources, the rest after.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// WORKDIR /app
    /// COPY . .
    /// RUN npm ci
    /// ```
    ///
    /// ## How to fix
    /// Copy the manifests, install, then copy the rest:
    /// ```dockerfile
    /// FROM node:20
    /// WORKDIR /app
    /// COPY package.json package-lock.json ./
    /// RUN npm ci
    /// COPY . .
    /// ```
    /// `berth lint --fix --unsafe-fixes` (or `--diff` to see it first) makes this rewrite when
    /// the build context shows it is sound: the sources come from one `COPY . <dir>`, nothing
    /// between it and the step reads them, the manifests exist, and the context holds no
    /// output of the step (`node_modules`, `target`, ...). It copies the files the tool reads
    /// (lock and rc files included, `.csproj` references followed) and keeps `--chown`,
    /// `--chmod` and `--link`.
    pub struct Br101 {}
    meta {
        code: "BR101",
        family: Berth,
        severity: Warning,
        kinds: [Run],
        summary: "Dependency install after a COPY of far more than its manifests",
    }
}

/// Commands after the install in the same RUN that only clean up: they do not read the
/// sources, so the RUN can move whole.
fn cleans_up(c: &berth_shell::Command) -> bool {
    let Some(name) = c.name() else {
        return true;
    };
    let base = name.rsplit('/').next().unwrap_or(name);
    let sub = c.args_no_flags().next().map(|w| w.value.as_str());
    matches!(
        base,
        "rm" | "echo" | "true" | "mkdir" | "chown" | "chmod" | "ln" | "find" | "cd" | "set"
    ) || matches!(
        (base, sub),
        (
            "npm" | "yarn" | "pnpm" | "pip" | "pip3" | "composer" | "bundle" | "go",
            Some("cache" | "clean" | "clear-cache" | "config")
        )
    ) || crate::ecosystem::dependency_step(c).is_some_and(|s| s.kind == StepKind::Fetch)
}

impl Rule for Br101 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(script) = run_script(instruction, ctx) else {
            return;
        };
        let commands: Vec<&berth_shell::Command> = script.script.commands().collect();
        let Some((at, command, step)) = commands.iter().enumerate().find_map(|(i, c)| {
            crate::ecosystem::dependency_step(c)
                .filter(|s| s.kind == StepKind::Fetch)
                .map(|s| (i, *c, s))
        }) else {
            return;
        };
        let Some(index) = ctx.index() else {
            return;
        };
        let manifests = manifests_for(step, command, ctx);
        let manifest_refs: Vec<&str> = manifests.iter().map(String::as_str).collect();
        if sources_from_elsewhere(ctx, index, &manifest_refs) {
            return;
        }
        let broad = broad_copies_before(ctx, index, &manifest_refs);
        let Some(first) = broad.first() else {
            return;
        };
        let (copy, source, first_files) = (first.instruction, first.source, first.files);
        let evidence = ctx.build_context().map(|_| {
            let files: BTreeSet<u32> = broad.iter().flat_map(|b| b.files.iter().copied()).collect();
            (files.len(), first_files.len())
        });
        // With the real context, stay quiet when the COPY brings in little beyond manifests.
        if let Some((total, _)) = evidence {
            if total <= manifests.len() + 1 {
                return;
            }
        }
        let command_text = ctx.text(script.span(command.span)).to_string();
        let copy_line = copy.start_line;
        let copy_text = ctx
            .text(copy.span)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let names = manifests.join(" and ");
        let message = match evidence {
            Some((total, _)) => format!(
                "`{command_text}` re-runs whenever any of {} changes: `{copy_text}` (line {copy_line}) copies them before it; copy {names} first",
                plural(total, "file", "files")
            ),
            None => format!(
                "`{command_text}` re-runs whenever any file copied by `{copy_text}` (line {copy_line}) changes; copy {names} first"
            ),
        };
        let label = match evidence {
            Some((_, n)) => format!("brings in {} files", thousands(n)),
            None => "brings in more than the manifests".to_string(),
        };
        // The same RUN goes on to read the sources: it must be split.
        let rest: Vec<&str> = commands[at + 1..]
            .iter()
            .filter(|c| !cleans_up(c))
            .map(|c| ctx.text(script.span(c.span)))
            .collect();
        let copy_manifests = if manifests.iter().all(|m| !m.contains(' ')) {
            format!(
                "COPY {} ./{}",
                manifests.join(" "),
                optional_note(step, ctx)
            )
        } else {
            format!("COPY {names}")
        };
        let help = if rest.is_empty() {
            format!(
                "{copy_manifests}\nRUN {command_text}\nthen copy the rest of the sources after the install"
            )
        } else {
            format!(
                "split the RUN: {copy_manifests}, then `RUN {command_text}` alone, then copy the sources and run `{}` after them",
                rest.join(" && ")
            )
        };
        let fix = reorder::fix_for(ctx, &script, command, copy, index);
        ctx.report(script.span(command.span), message)
            .label(source.span, label)
            .help(help)
            .fix(fix);
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;
    use crate::BuildContext;

    fn node_context(sources: usize) -> BuildContext {
        let mut files = vec![
            "package.json".to_string(),
            "package-lock.json".to_string(),
            "Dockerfile".to_string(),
        ];
        files.extend((0..sources).map(|i| format!("src/module{i}.js")));
        BuildContext::new("/app".into(), files, true)
    }

    #[test]
    fn cases() {
        crate::assert_rule!(super::Br101,
            pass: [
                "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
                "FROM node:20\nCOPY package*.json ./\nRUN npm ci && npm cache clean --force\nCOPY src/ src/\n",
                "FROM node:20\nCOPY . .\nRUN npm install -g pnpm\n",
                "FROM python:3.12\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
                "FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\n",
                "FROM node:20 AS deps\nCOPY . .\nFROM node:20\nCOPY package.json yarn.lock ./\nRUN yarn install\n",
                "FROM node:20\nCOPY --from=deps /app /app\nRUN npm ci\n",
                "FROM ruby:3\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install\nCOPY . .\n",
                // One extension-less file, and a kind of build input under a folder.
                "FROM r-base\nCOPY ci/etc/rprofile /etc/R/\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                "FROM debian\nCOPY ci/vcpkg/*.patch /patches/\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
                // A folder of manifests.
                "FROM python:3.12\nCOPY requirements/ requirements/\nRUN pip install -r requirements/prod.txt\n",
                // The sources come from elsewhere: a bind mount, a clone, a download.
                "FROM node:20\nCOPY . .\nRUN --mount=type=bind,target=/src npm ci\n",
                "FROM python:3.12\nCOPY . .\nRUN git clone https://x/y /y && pip install -r /y/requirements.txt\n",
                "FROM python:3.12\nCOPY . .\nRUN curl -fsSLo /tmp/requirements.txt https://x/r.txt && pip install -r /tmp/requirements.txt\n",
                // Fetch and build: BR109's.
                "FROM composer:2\nCOPY . /app\nRUN composer install --no-dev\n",
                "FROM golang:1.22\nCOPY . .\nRUN go build ./...\n",
            ],
            fail: [
                "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                "FROM node:20\nCOPY package.json yarn.lock ./\nCOPY src ./src\nRUN yarn install --frozen-lockfile\n",
                "FROM python:3.12\nCOPY . /srv\nRUN pip install --no-cache-dir -r /srv/requirements.txt\n",
                "FROM python:3.12\nCOPY ./ ./\nRUN poetry install --no-root\n",
                // Sources copied in the stage this one is built from.
                "FROM node:20 AS src\nCOPY . .\nFROM src\nRUN npm ci\n",
                "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet restore app.csproj\n",
                "FROM elixir:1.16\nCOPY . .\nRUN mix deps.get --only prod\n",
                "FROM golang:1.22\nCOPY . .\nRUN go mod download && go build -o /app\n",
                "FROM rust:1\nCOPY . .\nRUN cargo fetch\n",
                "FROM ruby:3\nCOPY . .\nRUN bundle install --jobs 4\n",
                "FROM maven:3\nCOPY . .\nRUN mvn -B dependency:go-offline\n",
                "FROM node:20\nCOPY . .\nRUN <<EOF\npnpm install\nEOF\n",
            ],
        );
    }

    #[test]
    fn evidence_from_the_context() {
        let test = RuleTest::new::<super::Br101>().context(node_context(1237));
        let found = test.findings("FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`npm ci` re-runs whenever any of 1,240 files changes: `COPY . .` (line 3) copies them before it; copy package.json and package-lock.json first"
        );
        assert_eq!(found[0].labels[0].message, "brings in 1,240 files");
        // The help names the lock file only when the context has one.
        let found = RuleTest::new::<super::Br101>()
            .context(BuildContext::new(
                "/app".into(),
                vec![
                    "package.json".into(),
                    "src/a.js".into(),
                    "src/b.js".into(),
                    "src/c.js".into(),
                ],
                true,
            ))
            .findings("FROM node:20\nCOPY . .\nRUN npm install\n");
        assert_eq!(
            found[0].help.as_deref(),
            Some("COPY package.json ./\nRUN npm install\nthen copy the rest of the sources after the install")
        );
        // A RUN that goes on to read the sources must be split.
        let found = RuleTest::new::<super::Br101>()
            .findings("FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt && python manage.py collectstatic\n");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap_or("")
                .starts_with("split the RUN"),
            "{:?}",
            found[0].help
        );
        // A context holding little more than the manifests gives no finding.
        let test = RuleTest::new::<super::Br101>().context(node_context(0));
        assert!(test
            .findings("FROM node:20\nCOPY . .\nRUN npm ci\n")
            .is_empty());
    }
}
