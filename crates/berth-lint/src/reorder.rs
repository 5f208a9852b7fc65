//! The reorder fix of BR101 and BR109 (`berth lint --fix --unsafe-fixes`): a dependency step
//! after `COPY . .` is rewritten into "copy what the step reads, run it, copy the rest".
//!
//! What each ecosystem's step reads, writes and how it splits comes from the one table,
//! [`crate::ecosystem`], that the rules read too. [`reorder_fix`] turns a finding into edits,
//! and only when the rewrite is sound for this file: the sources come from one `COPY . <dir>`,
//! nothing between that COPY and the step reads them, the manifests exist in the build context,
//! and no output of the step is also in the context (the moved COPY would overwrite it).
//! Without the build context there is no fix: which optional files the tool reads (an
//! `.npmrc`, a `.python-version`) decides what must be copied, and leaving one out changes
//! the image.

use berth_shell::Command as ShellCommand;
use berth_syntax::{Command, Instruction, Keyword};

use crate::diagnostic::{Edit, Fix};
use crate::ecosystem::{DependencyStep, Split, StepKind};
use crate::evidence::BuildContext;

/// Whether `command` has one of these options: `-x`, `--name` or `--name=value` words.
fn has_option(command: &ShellCommand, options: &[&str]) -> bool {
    command.words.iter().skip(1).any(|w| {
        options.iter().any(|o| {
            w.value == *o || (o.starts_with("--") && w.value.starts_with(&format!("{o}=")))
        })
    })
}

/// Commands a moved dependency RUN may also run: they read no sources.
fn is_cleanup(command: &ShellCommand, tool: &str) -> bool {
    let Some(name) = command.name() else {
        return false;
    };
    let name = name.rsplit('/').next().unwrap_or(name);
    let first = command.args_no_flags().next().map(|w| w.value.as_str());
    name == "rm" || (name == tool && matches!(first, Some("cache" | "store")))
}

/// Instructions that may stay between the sources' COPY and a moved step: none reads or
/// writes the file system (a COPY ignores USER, ENV and ARG unless it names a variable).
fn stays_between(instruction: &Instruction) -> bool {
    matches!(
        instruction.keyword,
        Keyword::User
            | Keyword::Env
            | Keyword::Arg
            | Keyword::Label
            | Keyword::Expose
            | Keyword::Shell
            | Keyword::Healthcheck
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Stopsignal
            | Keyword::Maintainer
    )
}

/// What [`reorder_fix`] reads of the file: the COPY of the sources, the RUN, and the
/// instructions between them.
pub(crate) struct Reorder<'a> {
    /// The whole Dockerfile text.
    pub source: &'a str,
    /// The stage's instructions from the COPY to the RUN, both included.
    pub instructions: &'a [Instruction],
    /// The dependency command inside the RUN, its text span in `source`.
    pub command: &'a ShellCommand,
    /// Where the command was written in `source`.
    pub command_span: berth_syntax::Span,
    /// Every command of the RUN.
    pub run_commands: Vec<&'a ShellCommand>,
    /// The build context the COPY reads.
    pub context: &'a BuildContext,
}

/// The unsafe fix that reorders the step, or `None` when the rewrite would not be sound here.
pub(crate) fn reorder_fix(plan: &Reorder, step: &DependencyStep) -> Option<Fix> {
    let split = step.split?;
    let copy = plan.instructions.first()?;
    let run = plan.instructions.last()?;
    let Some(Command::Copy(c)) = &copy.command else {
        return None;
    };
    // One source, the context root, no option that changes what lands where.
    let [only] = c.sources.as_slice() else {
        return None;
    };
    if !matches!(only.path.as_str(), "." | "./") || only.heredoc.is_some() {
        return None;
    }
    if c.from.is_some() || c.parents || !c.exclude.is_empty() || c.dest.contains('$') {
        return None;
    }
    if copy.heredocs.len() + run.heredocs.len() > 0 {
        return None;
    }
    let dest = match c.dest.trim_end_matches('/') {
        "" | "." => String::new(),
        d if d.starts_with('/') => format!("{d}/"),
        _ => return None,
    };
    if has_option(plan.command, step.dir_options) || has_option(plan.command, step.fix_refuses) {
        return None;
    }
    let tree = &plan.context.tree;
    let present = |path: &str| tree.get(path.as_bytes()).is_some();
    if step.outputs.iter().any(|o| present(o)) {
        return None;
    }
    let specs = fix_files(step, split, plan.command)?;
    refuse_by_content(plan.context, step, plan.command, &specs)?;
    let files = resolve_files(plan.context, &specs)?;

    let source = plan.source;
    let between = &plan.instructions[1..plan.instructions.len() - 1];
    let tool = plan.command.name().unwrap_or("");
    let tool = tool.rsplit('/').next().unwrap_or(tool);
    let only_step = plan.run_commands.len() == 1;
    match split {
        Split::Move | Split::Autoload => {
            if !between.iter().all(stays_between) {
                return None;
            }
            let others_harmless = plan
                .run_commands
                .iter()
                .all(|c| std::ptr::eq(*c, plan.command) || is_cleanup(c, tool));
            if !others_harmless {
                return None;
            }
        }
        Split::Prefetch => {
            // The fetch runs in the WORKDIR: the sources must land there.
            if !dest.is_empty() {
                return None;
            }
        }
    }
    let copy_text = source.get(copy.span.start..copy.span.end)?;
    let flags: String = copy
        .flags
        .iter()
        .filter_map(|f| source.get(f.span.start..f.span.end))
        .map(|f| format!("{f} "))
        .collect();
    let manifests = manifest_copies(copy.keyword_text.as_str(), &flags, &dest, &files);
    let run_flags: String = run
        .flags
        .iter()
        .filter_map(|f| source.get(f.span.start..f.span.end))
        .map(|f| format!("{f} "))
        .collect();
    let run_keyword = run.keyword_text.as_str();
    let at = |offset: usize, text: String| Edit {
        span: berth_syntax::Span::new(offset, offset),
        replacement: text,
    };
    let replace = |span: berth_syntax::Span, text: String| Edit {
        span,
        replacement: text,
    };
    let edits = match split {
        Split::Move => vec![
            replace(copy.span, manifests),
            at(run.span.end, format!("\n{copy_text}")),
        ],
        Split::Prefetch => {
            let fetch = prefetch_command(plan.command, step, plan.context)?;
            vec![at(
                copy.span.start,
                format!("{manifests}\n{run_keyword} {run_flags}{fetch}\n"),
            )]
        }
        Split::Autoload => {
            if !between.is_empty() || !only_step {
                return None;
            }
            let (install, dump) = composer_split(plan.command, source, plan.command_span)?;
            let before = source.get(run.span.start..plan.command_span.start)?;
            let after = source.get(plan.command_span.end..run.span.end)?;
            vec![
                replace(
                    copy.span,
                    format!("{manifests}\n{before}{install}{after}\n{copy_text}"),
                ),
                replace(run.span, format!("{run_keyword} {run_flags}{dump}")),
            ]
        }
    };
    let message = match split {
        Split::Prefetch => "Fetch the dependencies before copying the sources",
        _ => "Copy the manifests and install before copying the sources",
    };
    Some(Fix {
        message: message.to_string(),
        edits,
        applicability: crate::diagnostic::Applicability::Unsafe,
    })
}

/// What the fix copies for `step` as `command` runs it, as specs for [`resolve_files`]:
/// `a|b` the first present, a leading `?` only when present, a trailing `/` a folder,
/// `project:` a .NET project with its references. The table's files, then what the command
/// line names (pip's `-r` files, the project `dotnet restore` is given). `None` when the
/// command names something the fix cannot follow (packages besides the manifests, no
/// project or several).
fn fix_files(step: &DependencyStep, split: Split, command: &ShellCommand) -> Option<Vec<String>> {
    // A file name rather than prose, without the table's parenthesised remark.
    let name = |entry: &str| {
        let entry = entry.split(" (").next().unwrap_or(entry);
        (!entry.contains(' ')).then(|| entry.to_string())
    };
    // The files read before the sources are those of the step that runs there: for a build,
    // its ecosystem's fetch-only step.
    let before = match split {
        Split::Prefetch => crate::ecosystem::DEPENDENCY_STEPS
            .iter()
            .find(|s| s.ecosystem == step.ecosystem && s.kind == StepKind::Fetch)?,
        Split::Move | Split::Autoload => step,
    };
    let mut specs: Vec<String> = before.reads.iter().filter_map(|r| name(r)).collect();
    specs.extend(
        before
            .optional
            .iter()
            .filter_map(|o| name(o))
            .map(|o| format!("?{o}")),
    );
    let operands = step.operands(command);
    match step.ecosystem {
        "pip" => {
            let files: Vec<String> = command
                .flag_values("r")
                .into_iter()
                .chain(command.flag_values("requirement"))
                .map(|w| w.value.clone())
                .collect();
            if files.is_empty() || !operands.is_empty() {
                return None;
            }
            specs.extend(files);
        }
        "dotnet" => {
            let [project] = operands.as_slice() else {
                return None;
            };
            let known = [".csproj", ".fsproj", ".vbproj"];
            if !known.iter().any(|e| project.ends_with(e)) || project.contains('$') {
                return None;
            }
            specs.push(format!("project:{project}"));
        }
        // A build's targets and arguments stay with the build.
        _ if split == Split::Prefetch => {}
        _ if !operands.is_empty() => return None,
        _ => {}
    }
    Some(specs)
}

/// The context files the specs name, in their order (a project's references after the
/// project; each file once), or `None` when a required one is missing.
fn resolve_files(context: &BuildContext, specs: &[String]) -> Option<Vec<String>> {
    let present = |path: &str| {
        let (path, kind) = match path.strip_suffix('/') {
            Some(folder) => (folder, berth_context::EntryKind::Dir),
            None => (path, berth_context::EntryKind::File),
        };
        context
            .tree
            .get(path.as_bytes())
            .is_some_and(|e| e.kind == kind)
    };
    let mut out: Vec<String> = Vec::new();
    for spec in specs {
        if let Some(project) = spec.strip_prefix("project:") {
            out.extend(dotnet_projects(context, project)?);
            continue;
        }
        let optional = spec.starts_with('?');
        let spec = spec.trim_start_matches('?');
        let spec = spec.strip_prefix("./").unwrap_or(spec);
        if spec.starts_with('/') || spec.contains("..") || spec.contains('$') {
            return None;
        }
        match spec.split('|').find(|name| present(name)) {
            Some(name) if out.iter().any(|o| o == name) => {}
            Some(name) => out.push(name.to_string()),
            None if optional => {}
            None => return None,
        }
    }
    Some(out)
}

/// A .NET project and the projects it references, transitively, as context paths; `None`
/// when one cannot be read (the restore would fail without it).
fn dotnet_projects(context: &BuildContext, project: &str) -> Option<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    let mut queue = vec![normalize(project)?];
    while let Some(path) = queue.pop() {
        if found.contains(&path) {
            continue;
        }
        let text = std::fs::read_to_string(context.root.join(&path)).ok()?;
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut references = Vec::new();
        for part in text.split("<ProjectReference").skip(1) {
            let include = part.split("Include=\"").nth(1)?.split('"').next()?;
            let joined = if dir.is_empty() {
                include.replace('\\', "/")
            } else {
                format!("{dir}/{}", include.replace('\\', "/"))
            };
            references.push(normalize(&joined)?);
        }
        found.push(path);
        // Depth-first in the order written: the queue is a stack.
        queue.extend(references.into_iter().rev());
    }
    Some(found)
}

/// `a/./b/../c` as `a/c`; `None` when it leaves the context.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Files whose content makes the step read more than the table says (workspaces, local path
/// dependencies, multi-module builds, a project that installs itself): `None` refuses.
fn refuse_by_content(
    context: &BuildContext,
    step: &DependencyStep,
    command: &ShellCommand,
    specs: &[String],
) -> Option<()> {
    let read = |path: &str| std::fs::read_to_string(context.root.join(path)).ok();
    let has = |path: &str, needles: &[&str]| {
        read(path).is_some_and(|text| needles.iter().any(|n| text.contains(n)))
    };
    let present = |path: &str| context.tree.get(path.as_bytes()).is_some();
    let refused = match step.ecosystem {
        "npm" | "yarn" | "bun" => has("package.json", &["\"workspaces\"", "\"file:", "\"link:"]),
        "pnpm" => present("pnpm-workspace.yaml") || has("package.json", &["\"file:", "\"link:"]),
        "pip" => specs.iter().any(|f| {
            read(f).is_none_or(|text| {
                text.lines()
                    .map(str::trim)
                    .any(|l| l.starts_with('-') || l.starts_with('.') || l.contains("file:"))
            })
        }),
        "poetry" => has("pyproject.toml", &["path ="]),
        "uv" => {
            let installs_project = !command.has_any_flag(&["no-install-project", "only-deps"])
                && read("pyproject.toml").is_none_or(|t| t.contains("[build-system]"));
            installs_project || has("pyproject.toml", &["[tool.uv.workspace]", "path ="])
        }
        "go" => present("go.work") || has("go.mod", &["=> ./", "=> ../", "=> /"]),
        "cargo" => has(
            "Cargo.toml",
            &["[workspace]", "[[bin]]", "[lib]", "build =", "path ="],
        ),
        "maven" => has("pom.xml", &["<modules>", "<relativePath>"]),
        "gradle" => {
            present("buildSrc")
                || ["settings.gradle.kts", "settings.gradle"]
                    .iter()
                    .any(|f| has(f, &["include(", "include ", "includeBuild"]))
                || ["build.gradle.kts", "build.gradle"]
                    .iter()
                    .any(|f| has(f, &["apply from", "apply(from"]))
        }
        "bundler" => has("Gemfile", &["gemspec", "path:", ":path", "eval_gemfile"]),
        // The autoload split installs with --no-scripts: the root package's own install
        // scripts (post-install-cmd, ...) would no longer run.
        "composer" => {
            has("composer.json", &["\"path\""])
                || (step.split == Some(Split::Autoload) && has("composer.json", &["\"scripts\""]))
        }
        "mix" => has("mix.exs", &["apps_path", "path:", "in_umbrella"]),
        _ => false,
    };
    (!refused).then_some(())
}

/// `COPY` instructions bringing `files` to `dest`: the files of the context root in one,
/// then one per folder (a COPY of several files needs one destination folder).
fn manifest_copies(keyword: &str, flags: &str, dest: &str, files: &[String]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for file in files {
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, list)) => list.push(file),
            None => groups.push((dir, vec![file])),
        }
    }
    groups.sort_by_key(|(d, _)| !d.is_empty());
    groups
        .iter()
        .map(|(dir, list)| {
            let to = match (dest.is_empty(), dir.is_empty()) {
                (true, true) => "./".to_string(),
                (true, false) => format!("{dir}/"),
                (false, true) => dest.to_string(),
                (false, false) => format!("{dest}{dir}/"),
            };
            format!("{keyword} {flags}{} {to}", list.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fetch-only command run ahead of a build, carrying the options that change what
/// it resolves.
fn prefetch_command(
    command: &ShellCommand,
    step: &DependencyStep,
    context: &BuildContext,
) -> Option<String> {
    let tool = command.words.first()?.value.as_str();
    match step.ecosystem {
        "go" => Some(format!("{tool} mod download")),
        "cargo" => {
            let locked = if command.has_flag("locked") {
                " --locked"
            } else {
                ""
            };
            let frozen = if command.has_flag("frozen") {
                " --frozen"
            } else {
                ""
            };
            let target = if context.tree.get(b"src/main.rs").is_some() {
                "echo 'fn main() {}' > src/main.rs"
            } else if context.tree.get(b"src/lib.rs").is_some() {
                "touch src/lib.rs"
            } else {
                return None;
            };
            // cargo reads no manifest without a target: a stub stands in for the sources.
            Some(format!(
                "mkdir src && {target} && {tool} fetch{locked}{frozen} && rm -r src"
            ))
        }
        "maven" => {
            let batch = if has_option(command, &["-B", "--batch-mode"]) {
                " -B"
            } else {
                ""
            };
            Some(format!("{tool}{batch} dependency:go-offline"))
        }
        "gradle" => {
            let daemon = if command.has_flag("no-daemon") {
                " --no-daemon"
            } else {
                ""
            };
            Some(format!("{tool} dependencies{daemon}"))
        }
        _ => None,
    }
}

/// `composer install` split in two: the install without scripts and autoloader, and the
/// `dump-autoload` that builds the autoloader once the sources are in.
fn composer_split(
    command: &ShellCommand,
    source: &str,
    span: berth_syntax::Span,
) -> Option<(String, String)> {
    let text = source.get(span.start..span.end)?;
    let autoload = [
        "--optimize-autoloader",
        "-o",
        "--classmap-authoritative",
        "-a",
        "--apcu-autoloader",
    ];
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.iter().any(|w| w.contains(['"', '\'', '$', '\\'])) {
        return None;
    }
    let mut install: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !autoload.contains(w))
        .collect();
    for flag in ["--no-scripts", "--no-autoloader"] {
        if !install.contains(&flag) {
            install.push(flag);
        }
    }
    let tool = command.words.first()?.value.as_str();
    let mut dump = vec![tool, "dump-autoload"];
    if words.contains(&"--no-dev") {
        dump.push("--no-dev");
    }
    if words
        .iter()
        .any(|w| matches!(*w, "--optimize-autoloader" | "-o"))
    {
        dump.push("--optimize");
    }
    if words
        .iter()
        .any(|w| matches!(*w, "--classmap-authoritative" | "-a"))
    {
        dump.push("--classmap-authoritative");
    }
    if words.contains(&"--apcu-autoloader") {
        dump.push("--apcu");
    }
    Some((install.join(" "), dump.join(" ")))
}

/// The reorder fix for the dependency `command` of the RUN at `index` (the instruction being
/// checked), whose sources come from the COPY `copy`: what BR101 (fetch steps) and BR109
/// (builds that need a fetch first, composer's autoload split) attach to their findings.
/// `None` without the build context, when `copy` is not in the RUN's stage, or when the
/// rewrite is not sound here.
pub(crate) fn fix_for(
    ctx: &crate::context::LintContext,
    script: &crate::shell::RunShell,
    command: &ShellCommand,
    copy: &Instruction,
    index: usize,
) -> Option<Fix> {
    let context = ctx.build_context()?;
    let step = crate::ecosystem::dependency_step(command)?;
    let instructions = ctx.instructions();
    let copy_index = instructions[..index]
        .iter()
        .position(|i| std::ptr::eq(i, copy))?;
    let plan = Reorder {
        source: ctx.source(),
        instructions: &instructions[copy_index..=index],
        command,
        command_span: script.span(command.span),
        run_commands: script.script.commands().collect(),
        context,
    };
    reorder_fix(&plan, step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_grouped_by_folder() {
        let files: Vec<String> = [
            "Directory.Build.props",
            "src/A/A.csproj",
            "src/B/B.csproj",
            "x.json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            manifest_copies("COPY", "--link ", "", &files),
            "COPY --link Directory.Build.props x.json ./\nCOPY --link src/A/A.csproj src/A/\nCOPY --link src/B/B.csproj src/B/"
        );
        assert_eq!(
            manifest_copies("copy", "", "/app/", &files[..1]),
            "copy Directory.Build.props /app/"
        );
    }

    /// The BR101 fix for `dockerfile` in a context of these files (written to disk, as
    /// the fix reads some manifests).
    fn fixed(dockerfile: &str, files: &[(&str, &str)]) -> Option<String> {
        fixed_by::<crate::rules::berth::br101::Br101>(dockerfile, files)
    }

    /// The fix rule `R`'s one finding for `dockerfile` carries.
    fn fixed_by<R: crate::rule::Rule + crate::rule::RuleMeta>(
        dockerfile: &str,
        files: &[(&str, &str)],
    ) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let context = BuildContext::load(dir.path(), None).unwrap();
        let test = crate::testing::RuleTest::new::<R>().context(context);
        let found = test.findings(dockerfile);
        assert_eq!(found.len(), 1, "{dockerfile}: {found:?} {files:?}");
        found[0].fix.as_ref().map(|f| f.apply(dockerfile))
    }

    const NPM: &[(&str, &str)] = &[
        ("package.json", "{}"),
        ("package-lock.json", "{}"),
        ("src/a.js", ""),
        ("src/b.js", ""),
        ("src/c.js", ""),
        ("src/d.js", ""),
    ];

    #[test]
    fn the_classic_shape_is_reordered() {
        let source = "FROM node:22\nWORKDIR /app\nCOPY --link . .\nENV CI=1\nRUN npm ci && npm cache clean --force\nCMD [\"node\", \"src/a.js\"]\n";
        assert_eq!(
            fixed(source, NPM).as_deref(),
            Some("FROM node:22\nWORKDIR /app\nCOPY --link package.json package-lock.json ./\nENV CI=1\nRUN npm ci && npm cache clean --force\nCOPY --link . .\nCMD [\"node\", \"src/a.js\"]\n")
        );
        // An absolute destination gets the manifests in the same folder.
        assert_eq!(
            fixed("FROM node:22\nCOPY . /srv\nRUN npm ci\n", NPM).as_deref(),
            Some("FROM node:22\nCOPY package.json package-lock.json /srv/\nRUN npm ci\nCOPY . /srv\n")
        );
    }

    #[test]
    fn no_fix_where_the_move_would_change_the_image() {
        let cases = [
            // A step between the sources and the install may read them.
            "FROM node:22\nCOPY . .\nRUN ./prepare.sh\nRUN npm ci\n",
            // A WORKDIR between changes where the moved COPY lands.
            "FROM node:22\nCOPY . .\nWORKDIR /x\nRUN npm ci\n",
            // The same RUN builds from the sources.
            "FROM node:22\nCOPY . .\nRUN npm ci && npm run build\n",
            // A variable destination.
            "FROM node:22\nCOPY . $APP\nRUN npm ci\n",
            // The install reads another folder.
            "FROM node:22\nCOPY . .\nRUN npm ci --prefix web\n",
        ];
        for source in cases {
            assert_eq!(fixed(source, NPM), None, "{source}");
        }
        // node_modules in the context: the moved COPY would overwrite what npm ci installed.
        let mut with_modules = NPM.to_vec();
        with_modules.push(("node_modules/x/index.js", ""));
        assert_eq!(
            fixed("FROM node:22\nCOPY . .\nRUN npm ci\n", &with_modules),
            None
        );
        // Workspaces: the install reads the package.json of every workspace.
        let mut workspaces = NPM.to_vec();
        workspaces[0] = ("package.json", r#"{"workspaces": ["packages/*"]}"#);
        assert_eq!(
            fixed("FROM node:22\nCOPY . .\nRUN npm ci\n", &workspaces),
            None
        );
        // A required manifest missing from the context.
        assert_eq!(
            fixed("FROM node:22\nCOPY . .\nRUN npm ci\n", &NPM[1..]),
            None
        );
    }

    /// A build that fetches is BR109's finding; the fix comes with it.
    fn fixed_build(dockerfile: &str, files: &[(&str, &str)]) -> Option<String> {
        fixed_by::<crate::rules::berth::br109::Br109>(dockerfile, files)
    }

    #[test]
    fn a_build_that_fetches_gets_a_fetch_step() {
        let go = [
            ("go.mod", "module x\n"),
            ("main.go", ""),
            ("internal/a.go", ""),
            ("internal/b.go", ""),
        ];
        let source = "FROM golang:1.23\nWORKDIR /src\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /x .\n";
        assert_eq!(
            fixed_build(source, &go).as_deref(),
            Some("FROM golang:1.23\nWORKDIR /src\nCOPY go.mod ./\nRUN --mount=type=cache,target=/root/.cache/go-build go mod download\nCOPY . .\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /x .\n")
        );
        // Local replacements need their folders: no fix.
        let replaced = [
            ("go.mod", "module x\nreplace y => ./y\n"),
            ("main.go", ""),
            ("y/a.go", ""),
            ("y/b.go", ""),
        ];
        assert_eq!(fixed_build(source, &replaced), None);
    }

    #[test]
    fn composer_scripts_keep_the_install_whole() {
        let source = "FROM composer:2\nCOPY . .\nRUN composer install --no-dev -o\n";
        let mut files = vec![
            (
                "composer.json",
                r#"{"autoload": {"psr-4": {"A\\": "src/"}}}"#,
            ),
            ("composer.lock", "{}"),
            ("src/A.php", ""),
            ("src/B.php", ""),
        ];
        assert_eq!(
            fixed_build(source, &files).as_deref(),
            Some("FROM composer:2\nCOPY composer.json composer.lock ./\nRUN composer install --no-dev --no-scripts --no-autoloader\nCOPY . .\nRUN composer dump-autoload --no-dev --optimize\n")
        );
        // Its own install scripts would not run after a --no-scripts install: no fix.
        files[0] = (
            "composer.json",
            r#"{"scripts": {"post-install-cmd": ["php x.php"]}}"#,
        );
        assert_eq!(fixed_build(source, &files), None);
    }

    #[test]
    fn paths_stay_inside_the_context() {
        assert_eq!(
            normalize("src/WebApi/../Domain/D.csproj").as_deref(),
            Some("src/Domain/D.csproj")
        );
        assert_eq!(normalize("../x"), None);
    }
}
