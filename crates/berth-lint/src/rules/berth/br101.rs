use std::collections::BTreeSet;

use berth_syntax::{Instruction, Keyword, Source};

use super::support::{context_reads, plural, run_script, thousands};
use crate::context::LintContext;
use crate::reorder::{self, reorder_fix, Reorder, Split};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a dependency install (`npm ci`, `yarn install`, `pnpm install`,
    /// `pip install -r requirements.txt`, `poetry install`, `uv sync`, `go mod download`,
    /// `cargo fetch`, `bundle install`, `composer install`, `mvn dependency:go-offline`,
    /// `gradle dependencies`, `bun install`, `pipenv install`, `dotnet restore`,
    /// `mix deps.get`), or a build that fetches them itself (`go build`, `cargo build`,
    /// `mvn package`, `gradle build`) with no fetch step before the sources, that runs after a
    /// `COPY` bringing in much more than the package manifests, such as `COPY . .` or
    /// `COPY src/ src/`.
    ///
    /// ## Why is this bad?
    /// A RUN re-runs whenever anything copied before it changes. With the whole source tree
    /// copied first, editing any source file re-downloads and re-installs every dependency.
    /// With the build context at hand, the message says how many files that is.
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
    /// (lock and rc files included, `.csproj` references followed), keeps `--chown`,
    /// `--chmod` and `--link`, and for a build that fetches (`go build`, `cargo build`,
    /// `mvn package`, `gradle build`) inserts the fetch-only step (`go mod download`, ...)
    /// before the sources.
    pub struct Br101 {}
    meta {
        code: "BR101",
        family: Berth,
        severity: Warning,
        kinds: [Run],
        summary: "Dependency install after a COPY of far more than its manifests",
    }
}

/// A package manager's install command and the files it actually needs.
struct Installer {
    manifests: Vec<String>,
}

fn installer(c: &berth_shell::Command) -> Option<Installer> {
    let name = c.name()?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let args: Vec<&str> = c.args_no_flags().map(|w| w.value.as_str()).collect();
    let sub = args.first().copied().unwrap_or("");
    let files = |f: &[&str]| {
        Some(Installer {
            manifests: f.iter().map(|s| s.to_string()).collect(),
        })
    };
    match name {
        "npm" if sub == "ci" => files(&["package.json", "package-lock.json"]),
        // `npm install` alone installs the manifest's dependencies; with names it adds packages.
        "npm"
            if matches!(sub, "install" | "i")
                && args.len() == 1
                && !c.has_any_flag(&["g", "global"]) =>
        {
            files(&["package.json", "package-lock.json"])
        }
        "yarn" if args.is_empty() || (sub == "install" && args.len() == 1) => {
            files(&["package.json", "yarn.lock"])
        }
        "pnpm" if matches!(sub, "install" | "i") && args.len() == 1 => {
            files(&["package.json", "pnpm-lock.yaml"])
        }
        "pip" | "pip3" if sub == "install" => {
            let reqs: Vec<String> = c
                .flag_values("r")
                .into_iter()
                .chain(c.flag_values("requirement"))
                .map(|w| w.value.rsplit('/').next().unwrap_or(&w.value).to_string())
                .collect();
            (!reqs.is_empty()).then_some(Installer { manifests: reqs })
        }
        "poetry" if sub == "install" => files(&["pyproject.toml", "poetry.lock"]),
        "uv" if sub == "sync" => files(&["pyproject.toml", "uv.lock"]),
        "go" if sub == "mod" && args.get(1) == Some(&"download") => files(&["go.mod", "go.sum"]),
        "cargo" if sub == "fetch" => files(&["Cargo.toml", "Cargo.lock"]),
        "bundle" | "bundler" if sub == "install" || args.is_empty() => {
            files(&["Gemfile", "Gemfile.lock"])
        }
        "composer" if sub == "install" => files(&["composer.json", "composer.lock"]),
        "mvn" | "mvnw" if args.iter().any(|a| a.starts_with("dependency:")) => files(&["pom.xml"]),
        "gradle" | "gradlew" if sub == "dependencies" => {
            files(&["build.gradle", "settings.gradle"])
        }
        _ => None,
    }
}

/// Manifest and lock file names of every ecosystem: copying only these is the fix.
const MANIFESTS: [&str; 22] = [
    "package.json",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    ".npmrc",
    ".yarnrc.yml",
    "pyproject.toml",
    "poetry.lock",
    "uv.lock",
    "setup.cfg",
    "go.mod",
    "go.sum",
    "Cargo.toml",
    "Cargo.lock",
    "Gemfile",
    "Gemfile.lock",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "build.gradle",
    "settings.gradle",
];

fn is_manifest_name(base: &str, extra: &[String]) -> bool {
    MANIFESTS.contains(&base)
        || extra.iter().any(|m| m.rsplit('/').next() == Some(base))
        || base.starts_with("requirements") && base.ends_with(".txt")
        || base.ends_with(".gradle.kts")
}

/// Whether a COPY source brings in more than manifests, judged from its text alone: the
/// context root, a directory, or a pattern that is not about manifests.
fn looks_broad(source: &Source, manifests: &[String]) -> bool {
    let path = source.path.trim_end_matches('/');
    if path.is_empty() || path == "." || path == "./" || path == "*" || path.ends_with("/.") {
        return true;
    }
    let base = path.rsplit('/').next().unwrap_or(path);
    if is_manifest_name(base, manifests) {
        return false;
    }
    if base.contains(['*', '?', '[']) {
        // `package*.json`, `*.lock` are about manifests; `*` or `src/*` are not.
        let Ok(glob) = globset::Glob::new(base) else {
            return true;
        };
        let glob = glob.compile_matcher();
        return !MANIFESTS.iter().any(|m| glob.is_match(m));
    }
    // `COPY src ./src`, `COPY app/ .`: a directory. `COPY main.py .`: one file.
    source.path.ends_with('/') || !base.contains('.')
}

impl Rule for Br101 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(script) = run_script(instruction, ctx) else {
            return;
        };
        // The fix's ecosystem table (crate::reorder) also knows the builds that fetch
        // (`go build`, `cargo build`, `mvn package`, `gradle build`, ...).
        let Some((command, install, step)) = script.script.commands().find_map(|c| {
            let step = reorder::dependency_step(c);
            let install = installer(c).or_else(|| {
                step.as_ref().map(|s| Installer {
                    manifests: s.manifest_names(),
                })
            })?;
            Some((c, install, step))
        }) else {
            return;
        };
        let (Some(stage), Some(index)) = (ctx.stage(), ctx.index()) else {
            return;
        };
        // COPYs from the context earlier in this stage that bring in more than manifests,
        // with the files the cache model says each source reads.
        let instructions = ctx.instructions();
        let broad: Vec<(usize, &Source, &[u32])> = (stage.from..index)
            .filter(|&i| matches!(instructions[i].keyword, Keyword::Copy | Keyword::Add))
            .flat_map(|i| {
                context_reads(ctx, i)
                    .into_iter()
                    .map(move |(s, files)| (i, s, files))
            })
            .filter(|(_, s, _)| looks_broad(s, &install.manifests))
            .collect();
        let Some(&(copy_index, source, first_files)) = broad.first() else {
            return;
        };
        let copy = &instructions[copy_index];
        // A build after the sources fetches nothing new when the fetch-only step of its
        // ecosystem already ran before them (the shape the fix writes).
        if let Some(step) = step.as_ref().filter(|s| s.split == Split::Prefetch) {
            let earlier = (stage.from..copy_index)
                .filter_map(|i| run_script(&instructions[i], ctx))
                .collect::<Vec<_>>();
            let commands = earlier.iter().flat_map(|s| s.script.commands());
            if reorder::fetched_before(commands, step.ecosystem) {
                return;
            }
        }
        let evidence = ctx.build_context().map(|_| {
            let files: BTreeSet<u32> = broad
                .iter()
                .flat_map(|(_, _, f)| f.iter().copied())
                .collect();
            (files.len(), first_files.len())
        });
        // With the real context, stay quiet when the COPY brings in little beyond manifests.
        if let Some((total, _)) = evidence {
            if total <= install.manifests.len() + 1 {
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
        let manifests = install.manifests.join(" and ");
        let message = match evidence {
            Some((total, _)) => format!(
                "`{command_text}` re-runs whenever any of {} changes: `{copy_text}` (line {copy_line}) copies them before it; copy {manifests} first",
                plural(total, "file", "files")
            ),
            None => format!(
                "`{command_text}` re-runs whenever any file copied by `{copy_text}` (line {copy_line}) changes; copy {manifests} first"
            ),
        };
        let label = match evidence {
            Some((_, n)) => format!("brings in {} files", thousands(n)),
            None => "brings in more than the manifests".to_string(),
        };
        let help = format!(
            "COPY {} ./\nRUN {command_text}\nthen copy the rest of the sources after the install",
            install.manifests.join(" ")
        );
        let fix = step.as_ref().zip(ctx.build_context()).and_then(|(step, context)| {
            let plan = Reorder {
                source: ctx.source(),
                instructions: &instructions[copy_index..=index],
                command,
                command_span: script.span(command.span),
                run_commands: script.script.commands().collect(),
                context,
            };
            reorder_fix(&plan, step)
        });
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
            ],
            fail: [
                "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
                "FROM node:20\nCOPY package.json yarn.lock ./\nCOPY src ./src\nRUN yarn install --frozen-lockfile\n",
                "FROM python:3.12\nCOPY . /srv\nRUN pip install --no-cache-dir -r /srv/requirements.txt\n",
                "FROM python:3.12\nCOPY ./ ./\nRUN poetry install --no-root\n",
                "FROM golang:1.22\nCOPY . .\nRUN go mod download && go build -o /app\n",
                "FROM rust:1\nCOPY . .\nRUN cargo fetch\n",
                "FROM ruby:3\nCOPY . .\nRUN bundle install --jobs 4\n",
                "FROM composer:2\nCOPY . /app\nRUN composer install --no-dev\n",
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
        // A context holding little more than the manifests gives no finding.
        let test = RuleTest::new::<super::Br101>().context(node_context(0));
        assert!(test
            .findings("FROM node:20\nCOPY . .\nRUN npm ci\n")
            .is_empty());
    }
}
