//! What each package manager's dependency step reads and how it is run: the one table the
//! cache rules (BR101, BR109) and the reorder fix share.
//!
//! Every entry is one dependency command of one ecosystem (`npm ci`, `go mod download`,
//! `dotnet publish`, ...): whether it only fetches (it can move before the sources once its
//! files are copied) or fetches and builds (a fetch-only command must be inserted before the
//! sources and the command stays after them), which files it cannot run without, which it
//! reads when the context has them, and the options that move the directory it reads from.
//! `benches/br-review/ecosystems.toml` holds the same table as data for the review; a test
//! checks that the two agree.
//!
//! ```
//! use berth_lint::ecosystem::{dependency_step, StepKind};
//! let script = berth_shell::Script::parse("npm ci --omit=dev");
//! let command = script.commands().next().unwrap();
//! let step = dependency_step(command).unwrap();
//! assert_eq!((step.ecosystem, step.kind), ("npm", StepKind::Fetch));
//! assert_eq!(step.required_files(), vec!["package.json", "package-lock.json"]);
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use berth_shell::Command;

/// What a dependency command does with the sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// It only fetches dependencies: it can run before the sources are copied once the
    /// files it reads are.
    Fetch,
    /// It fetches and builds (it reads the sources): a fetch-only command
    /// ([`DependencyStep::split_before`]) goes before the sources, the command stays after.
    Build,
}

/// How the reorder fix splits a dependency step from the sources it comes after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// The step only reads its manifests: they are copied first, the step moves before the
    /// sources.
    Move,
    /// The step fetches and builds: its ecosystem's fetch-only command (with the manifests
    /// copied first) is inserted before the sources; the build stays after them.
    Prefetch,
    /// `composer install`: installed without scripts and autoloader before the sources, the
    /// autoloader dumped after them (an optimized autoloader scans the sources).
    Autoload,
}

/// The condition under which an entry applies, beyond its command words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Always.
    Always,
    /// No further operands after the command words (`npm install` alone, not
    /// `npm install left-pad`) and no global install flag.
    NoOperands,
    /// One of these flags is present (`-r` for `pip install -r`).
    AnyFlag(&'static [&'static str]),
    /// None of these flags is present (`poetry install` without `--no-root`).
    NoFlag(&'static [&'static str]),
    /// Every one of these flags is present.
    AllFlags(&'static [&'static str]),
    /// Not all of these flags are present.
    NotAllFlags(&'static [&'static str]),
    /// The operand after the command words is the project itself (`.`, `./`, `-e .`).
    LocalProject,
    /// Module mode and not vendored: no `-mod=vendor` and the RUN sets no `GO111MODULE=off`
    /// (checked by [`dependency_step`]'s callers on the RUN text via [`go_vendored`]).
    GoModules,
}

/// One dependency command of one ecosystem.
#[derive(Clone, Copy, Debug)]
pub struct DependencyStep {
    /// The package manager family (`npm`, `pip`, `go`, ...).
    pub ecosystem: &'static str,
    /// The command words as a user writes them, options left out (`"npm ci"`).
    pub commands: &'static [&'static str],
    /// Fetch only, or fetch and build.
    pub kind: StepKind,
    /// When the entry applies beyond its words.
    pub condition: Condition,
    /// Files the step cannot run without (`a|b`: either; prose where it depends on the
    /// command line or the manifest).
    pub reads: &'static [&'static str],
    /// Files it reads when the context has them.
    pub optional: &'static [&'static str],
    /// Options that move the directory the files are read from.
    pub dir_options: &'static [&'static str],
    /// For a [`StepKind::Build`] step: the fetch-only command to run before the sources.
    pub split_before: Option<&'static str>,
    /// How `berth lint --fix --unsafe-fixes` rewrites the step (the reorder fix);
    /// `None`: the fix leaves it to the user (the rewrite is not known sound).
    pub split: Option<Split>,
    /// Folders the step writes inside the project (`node_modules`, `target`): when the
    /// context holds one, the sources' COPY would overwrite what the step made, so the
    /// fix does not reorder.
    pub outputs: &'static [&'static str],
    /// Options besides [`dir_options`](Self::dir_options) with which the fix leaves the
    /// step alone (settings files, offline modes, constraint files it does not copy).
    pub fix_refuses: &'static [&'static str],
}

impl DependencyStep {
    /// The required files that are plain file names (the first of `a|b` alternatives;
    /// prose entries left out): what a manifest-first COPY must name.
    pub fn required_files(&self) -> Vec<&'static str> {
        self.reads
            .iter()
            .filter_map(|r| r.split(" (").next()?.split('|').next())
            .filter(|r| is_file_name(r))
            .collect()
    }

    /// Every file name the step may read (required, alternatives and optional), for
    /// telling whether a COPY brings in manifests only.
    pub fn manifest_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.reads
            .iter()
            .chain(self.optional)
            .filter_map(|r| r.split(" (").next())
            .flat_map(|r| r.split('|'))
            .filter(|r| is_file_name(r))
    }
}

impl DependencyStep {
    /// The operands of `command` after the words of this entry's command (`dotnet restore
    /// app.csproj` → `app.csproj`; `go build ./cmd/x` → `./cmd/x`): options and the values
    /// of options that take one left out.
    pub fn operands(&self, command: &Command) -> Vec<String> {
        let words = command_words(command, self.dir_options);
        let matched = self
            .commands
            .iter()
            .map(|pattern| pattern_words(pattern))
            .filter(|want| words.len() >= want.len() && words.iter().zip(want).all(|(w, p)| w == p))
            .map(|want| want.len())
            .max()
            .unwrap_or(words.len());
        words[matched..].to_vec()
    }
}

/// A file or folder name rather than a description ("the package sources").
fn is_file_name(text: &str) -> bool {
    !text.contains(' ')
}

use Condition::*;
use Split::{Autoload, Move, Prefetch};
use StepKind::*;

/// What Gradle reads when the project has it: the build scripts (any of them may be
/// missing, not all), the wrapper, the version catalog.
const GRADLE_OPTIONAL: &[&str] = &[
    "settings.gradle.kts",
    "settings.gradle",
    "build.gradle.kts",
    "build.gradle",
    "gradle.properties",
    "gradle/libs.versions.toml",
    "gradlew",
    "gradle/wrapper/",
    "buildSrc/",
];

/// The table: one entry per dependency command (the order of `ecosystems.toml`).
pub static DEPENDENCY_STEPS: &[DependencyStep] = &[
    DependencyStep {
        ecosystem: "npm",
        commands: &["npm ci", "npm clean-install"],
        kind: Fetch,
        condition: Always,
        reads: &["package.json", "package-lock.json|npm-shrinkwrap.json"],
        optional: &[".npmrc"],
        dir_options: &["--prefix"],
        split_before: None,
        split: Some(Move),
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "npm",
        commands: &["npm install", "npm i"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["package.json"],
        optional: &["package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
        dir_options: &["--prefix"],
        split_before: None,
        split: Some(Move),
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "yarn",
        commands: &["yarn", "yarn install"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["package.json"],
        optional: &[
            "yarn.lock",
            ".yarnrc",
            ".yarnrc.yml",
            ".yarn/releases/",
            ".yarn/plugins/",
            ".yarn/patches/",
            ".npmrc",
        ],
        dir_options: &["--cwd"],
        split_before: None,
        split: Some(Move),
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "pnpm",
        commands: &["pnpm install", "pnpm i"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["package.json"],
        optional: &[
            "pnpm-lock.yaml",
            "pnpm-workspace.yaml",
            ".npmrc",
            ".pnpmfile.cjs",
            "patches/",
        ],
        dir_options: &["--dir", "-C"],
        split_before: None,
        split: Some(Move),
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "pnpm",
        commands: &["pnpm fetch"],
        kind: Fetch,
        condition: Always,
        reads: &["pnpm-lock.yaml"],
        optional: &[".npmrc", "pnpm-workspace.yaml"],
        dir_options: &["--dir", "-C"],
        split_before: None,
        split: None,
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "bun",
        commands: &["bun install", "bun i"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["package.json"],
        optional: &["bun.lock", "bun.lockb", "bunfig.toml", ".npmrc"],
        dir_options: &["--cwd"],
        split_before: None,
        split: Some(Move),
        outputs: &["node_modules"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "pip",
        commands: &[
            "pip install -r",
            "pip3 install -r",
            "python -m pip install -r",
            "uv pip install -r",
        ],
        kind: Fetch,
        condition: AnyFlag(&["r", "requirement"]),
        reads: &["each -r/--requirement and -c/--constraint file"],
        optional: &[],
        dir_options: &[],
        split_before: None,
        split: Some(Move),
        outputs: &[],
        fix_refuses: &["-c", "--constraint", "-e", "--editable"],
    },
    DependencyStep {
        ecosystem: "pip",
        commands: &["pip install .", "pip install -e ."],
        kind: Build,
        condition: LocalProject,
        reads: &["pyproject.toml|setup.py|setup.cfg", "the package sources"],
        optional: &[],
        dir_options: &[],
        split_before: None,
        split: None,
        outputs: &[],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "poetry",
        commands: &["poetry install"],
        kind: Fetch,
        condition: AnyFlag(&["no-root"]),
        reads: &["pyproject.toml", "poetry.lock"],
        optional: &["poetry.toml"],
        dir_options: &[],
        split_before: None,
        split: Some(Move),
        outputs: &[".venv"],
        fix_refuses: &["--directory", "-C", "--project", "-P"],
    },
    DependencyStep {
        ecosystem: "poetry",
        commands: &["poetry install"],
        kind: Build,
        condition: NoFlag(&["no-root"]),
        reads: &[
            "pyproject.toml",
            "poetry.lock",
            "the package sources",
            "the readme pyproject.toml names",
        ],
        optional: &["poetry.toml"],
        dir_options: &[],
        split_before: Some("poetry install --no-root <same options>"),
        split: None,
        outputs: &[".venv"],
        fix_refuses: &["--directory", "-C", "--project", "-P"],
    },
    DependencyStep {
        ecosystem: "uv",
        commands: &["uv sync"],
        kind: Fetch,
        condition: AnyFlag(&["no-install-project"]),
        reads: &["pyproject.toml"],
        optional: &["uv.lock", ".python-version", "uv.toml"],
        dir_options: &["--project", "--directory"],
        split_before: None,
        split: Some(Move),
        outputs: &[".venv"],
        fix_refuses: &["--package"],
    },
    DependencyStep {
        ecosystem: "uv",
        commands: &["uv sync"],
        kind: Build,
        condition: NoFlag(&["no-install-project"]),
        reads: &["pyproject.toml", "the package sources"],
        optional: &["uv.lock", ".python-version", "uv.toml"],
        dir_options: &[],
        split_before: Some("uv sync <same options> --no-install-project"),
        split: Some(Move),
        outputs: &[".venv"],
        fix_refuses: &["--project", "--directory", "--package"],
    },
    DependencyStep {
        ecosystem: "pipenv",
        commands: &["pipenv install", "pipenv sync"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["Pipfile"],
        optional: &["Pipfile.lock"],
        dir_options: &[],
        split_before: None,
        split: Some(Move),
        outputs: &[".venv"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "conda",
        commands: &[
            "conda env create -f",
            "conda env update -f",
            "mamba env update -f",
            "conda install --file",
            "mamba install --file",
            "micromamba install -f",
        ],
        kind: Fetch,
        condition: AnyFlag(&["f", "file"]),
        reads: &["the environment or spec file"],
        optional: &[],
        dir_options: &[],
        split_before: None,
        split: None,
        outputs: &[],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "go",
        commands: &["go mod download"],
        kind: Fetch,
        condition: Always,
        reads: &["go.mod"],
        optional: &["go.sum", "go.work", "go.work.sum"],
        dir_options: &["-C"],
        split_before: None,
        split: Some(Move),
        outputs: &["vendor"],
        fix_refuses: &["-modfile"],
    },
    DependencyStep {
        ecosystem: "go",
        commands: &[
            "go build",
            "go install ./...",
            "go test",
            "go vet",
            "go generate",
            "go get",
        ],
        kind: Build,
        condition: GoModules,
        reads: &["go.mod", "the package sources"],
        optional: &["go.sum", "go.work", "go.work.sum"],
        dir_options: &["-C"],
        split_before: Some("go mod download"),
        split: Some(Prefetch),
        outputs: &["vendor"],
        fix_refuses: &["-modfile", "-mod"],
    },
    DependencyStep {
        ecosystem: "cargo",
        commands: &["cargo fetch"],
        kind: Fetch,
        condition: Always,
        reads: &[
            "Cargo.toml",
            "a target per package: src/main.rs, src/lib.rs or a [[bin]]/[lib] path (stubs will do)",
        ],
        optional: &["Cargo.lock", ".cargo/config.toml"],
        dir_options: &["--manifest-path"],
        split_before: None,
        split: None,
        outputs: &["target"],
        fix_refuses: &["-Z", "--offline"],
    },
    DependencyStep {
        ecosystem: "cargo",
        commands: &["cargo build", "cargo install --path", "cargo test"],
        kind: Build,
        condition: Always,
        reads: &["Cargo.toml", "the package sources"],
        optional: &["Cargo.lock", ".cargo/config.toml"],
        dir_options: &["--manifest-path"],
        split_before: Some(
            "mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo fetch <--locked> && rm -r src",
        ),
        split: Some(Prefetch),
        outputs: &["target"],
        fix_refuses: &["-Z", "--offline"],
    },
    DependencyStep {
        ecosystem: "maven",
        commands: &[
            "mvn dependency:go-offline",
            "mvn dependency:resolve",
            "mvn dependency:resolve-plugins",
            "./mvnw dependency:go-offline",
        ],
        kind: Fetch,
        condition: Always,
        reads: &["pom.xml"],
        optional: &[
            ".mvn/maven.config",
            ".mvn/jvm.config",
            ".mvn/extensions.xml",
            "mvnw",
            ".mvn/wrapper/",
            "the -s settings file",
        ],
        dir_options: &["-f", "--file"],
        split_before: None,
        split: Some(Move),
        outputs: &["target"],
        fix_refuses: &["-s", "--settings"],
    },
    DependencyStep {
        ecosystem: "maven",
        commands: &[
            "mvn package",
            "mvn install",
            "mvn verify",
            "mvn compile",
            "./mvnw package",
        ],
        kind: Build,
        condition: Always,
        reads: &["pom.xml", "the module sources"],
        optional: &[],
        dir_options: &["-f", "--file"],
        split_before: Some("mvn <global options> dependency:go-offline"),
        split: Some(Prefetch),
        outputs: &["target"],
        fix_refuses: &["-s", "--settings", "-o", "--offline"],
    },
    DependencyStep {
        ecosystem: "gradle",
        commands: &["gradle dependencies", "./gradlew dependencies"],
        kind: Fetch,
        condition: Always,
        reads: &["settings.gradle|settings.gradle.kts|build.gradle|build.gradle.kts"],
        optional: GRADLE_OPTIONAL,
        dir_options: &["-p", "--project-dir"],
        split_before: None,
        split: Some(Move),
        outputs: &["build", ".gradle"],
        fix_refuses: &["-b", "--build-file", "-c", "--settings-file", "--offline"],
    },
    DependencyStep {
        ecosystem: "gradle",
        commands: &[
            "gradle build",
            "gradle assemble",
            "gradle bootJar",
            "gradle installDist",
            "gradle jar",
            "gradle shadowJar",
            "./gradlew build",
        ],
        kind: Build,
        condition: Always,
        reads: &["the build scripts", "the project sources"],
        optional: &[],
        dir_options: &["-p", "--project-dir"],
        split_before: Some("gradle <global options> dependencies"),
        split: Some(Prefetch),
        outputs: &["build", ".gradle"],
        fix_refuses: &["-b", "--build-file", "-c", "--settings-file", "--offline"],
    },
    DependencyStep {
        ecosystem: "bundler",
        commands: &["bundle install", "bundle"],
        kind: Fetch,
        condition: NoOperands,
        reads: &["Gemfile (or $BUNDLE_GEMFILE, --gemfile)"],
        optional: &["Gemfile.lock", ".bundle/config"],
        dir_options: &["--gemfile"],
        split_before: None,
        split: Some(Move),
        outputs: &["vendor/bundle", ".bundle"],
        fix_refuses: &["--path"],
    },
    DependencyStep {
        ecosystem: "composer",
        commands: &["composer install"],
        kind: Fetch,
        condition: AllFlags(&["no-scripts", "no-autoloader"]),
        reads: &["composer.json"],
        optional: &["composer.lock", "auth.json"],
        dir_options: &["--working-dir", "-d"],
        split_before: None,
        split: Some(Move),
        outputs: &["vendor"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "composer",
        commands: &["composer install"],
        kind: Build,
        condition: NotAllFlags(&["no-scripts", "no-autoloader"]),
        reads: &[
            "composer.json",
            "the autoloaded sources (scanned with -o / --classmap-authoritative)",
        ],
        optional: &["composer.lock", "auth.json"],
        dir_options: &["--working-dir", "-d"],
        split_before: Some("composer install <same options> --no-scripts --no-autoloader"),
        split: Some(Autoload),
        outputs: &["vendor"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "dotnet",
        commands: &["dotnet restore"],
        kind: Fetch,
        condition: Always,
        reads: &["the project or solution named, or the folder's only one"],
        optional: &[
            "NuGet.config|NuGet.Config|nuget.config (any case, project folder and parents)",
            "Directory.Build.props",
            "Directory.Build.targets",
            "Directory.Packages.props",
            "global.json",
            "packages.lock.json",
        ],
        dir_options: &[],
        split_before: None,
        split: Some(Move),
        outputs: &["obj", "bin"],
        fix_refuses: &["-s", "--source", "--configfile", "--packages"],
    },
    DependencyStep {
        ecosystem: "dotnet",
        commands: &["dotnet build", "dotnet publish", "dotnet test", "dotnet run"],
        kind: Build,
        condition: NoFlag(&["no-restore"]),
        reads: &["the projects", "the sources"],
        optional: &[],
        dir_options: &[],
        split_before: Some("dotnet restore <project> <same -r/-a>"),
        split: None,
        outputs: &["obj", "bin"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "nuget",
        commands: &["nuget restore", "nuget.exe restore"],
        kind: Fetch,
        condition: Always,
        reads: &["the solution"],
        optional: &["NuGet.config"],
        dir_options: &[],
        split_before: None,
        split: None,
        outputs: &[],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "mix",
        commands: &["mix deps.get"],
        kind: Fetch,
        condition: Always,
        reads: &["mix.exs"],
        optional: &["mix.lock"],
        dir_options: &[],
        split_before: None,
        split: Some(Move),
        outputs: &["deps", "_build"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "mix",
        commands: &["mix deps.compile"],
        kind: Fetch,
        condition: Always,
        reads: &["mix.exs", "deps/ (from deps.get)", "config/config.exs"],
        optional: &["config/$MIX_ENV.exs"],
        dir_options: &[],
        split_before: None,
        split: None,
        outputs: &["deps", "_build"],
        fix_refuses: &[],
    },
    DependencyStep {
        ecosystem: "mix",
        commands: &["mix compile", "mix release", "mix assets.deploy"],
        kind: Build,
        condition: Always,
        reads: &["lib/", "priv/", "assets/", "config/"],
        optional: &[],
        dir_options: &[],
        split_before: Some(
            "mix deps.get --only $MIX_ENV (and mix deps.compile after the config files)",
        ),
        split: None,
        outputs: &["deps", "_build"],
        fix_refuses: &[],
    },
];

/// Every manifest or lock file name the table knows (plain names, no folders), plus the
/// names matched by pattern in [`is_manifest_name`].
pub fn manifest_names() -> impl Iterator<Item = &'static str> {
    DEPENDENCY_STEPS
        .iter()
        .flat_map(DependencyStep::manifest_names)
        .filter(|n| !n.ends_with('/'))
}

/// Whether a file's base name is a dependency manifest or lock file of some ecosystem:
/// a name of the table, a requirements file, a .NET project or solution, a Gradle script.
pub fn is_manifest_name(base: &str) -> bool {
    let lower = base.to_ascii_lowercase();
    manifest_names().any(|n| n.rsplit('/').next() == Some(base))
        || (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || lower.ends_with(".csproj")
        || lower.ends_with(".fsproj")
        || lower.ends_with(".vbproj")
        || lower.ends_with(".sln")
        || lower.ends_with(".slnx")
        || lower == "nuget.config"
        || lower == "packages.config"
        || lower.ends_with(".gradle")
        || lower.ends_with(".gradle.kts")
        || lower.ends_with(".gemspec")
        || lower == "environment.yml"
        || lower == "environment.yaml"
        || lower == "setup.py"
        || lower == "gemfile"
}

/// Whether a RUN's text turns Go modules off or builds from `vendor/` (no download then).
pub fn go_vendored(run_text: &str) -> bool {
    run_text.contains("GO111MODULE=off") || run_text.contains("-mod=vendor")
}

/// The words a command is matched on: the program's base name (`./gradlew` →
/// `gradlew`, `/usr/bin/pip3` → `pip3`, `python -m pip` → `pip`), then the arguments
/// that are not options nor values of the table's directory options.
fn command_words(command: &Command, dir_options: &[&str]) -> Vec<String> {
    let Some((program, mut i)) = program(command) else {
        return Vec::new();
    };
    let mut words = vec![program.to_string()];
    let args: Vec<&str> = command.arg_values().collect();
    while i < args.len() {
        let a = args[i];
        if dir_options.contains(&a) || VALUE_OPTIONS.contains(&a) {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            words.push(a.to_string());
        }
        i += 1;
    }
    words
}

/// The program a command runs, as the table names it (`./gradlew` → `gradlew`,
/// `/usr/bin/pip3` → `pip3`, `pip.exe` → `pip`, `python -m pip` → `pip`), and the index of
/// the first argument after it.
fn program(command: &Command) -> Option<(&str, usize)> {
    let name = command.name()?;
    let name = name.rsplit('/').next().unwrap_or(name);
    let name = name.strip_suffix(".exe").unwrap_or(name);
    if name.starts_with("python") {
        let mut args = command.arg_values();
        if args.next() == Some("-m") {
            // `python -m pip install`: the module is the program.
            return Some((args.next().unwrap_or(""), 2));
        }
    }
    Some((name, 0))
}

/// The steps whose patterns start with `program`, from an index built once: most commands of
/// a RUN are no package manager, and this rules them out before the matched words are built
/// (it runs for every command of every RUN, for several rules).
fn steps_naming(program: &str) -> &'static [&'static DependencyStep] {
    static BY_PROGRAM: OnceLock<HashMap<&'static str, Vec<&'static DependencyStep>>> =
        OnceLock::new();
    let index = BY_PROGRAM.get_or_init(|| {
        let mut index: HashMap<&'static str, Vec<&'static DependencyStep>> = HashMap::new();
        for step in DEPENDENCY_STEPS.iter() {
            let mut programs: Vec<&'static str> = step
                .commands
                .iter()
                .filter_map(|pattern| pattern_words(pattern).first().copied())
                .collect();
            programs.dedup();
            for program in programs {
                let steps = index.entry(program).or_default();
                if !steps.iter().any(|s| std::ptr::eq(*s, step)) {
                    steps.push(step);
                }
            }
        }
        index
    });
    index.get(program).map_or(&[], Vec::as_slice)
}

/// Options of the table's commands that take the next word as their value (`--jobs 4`,
/// `-c Release`): that word is not an operand.
const VALUE_OPTIONS: [&str; 47] = [
    "--jobs",
    "-j",
    "--retry",
    "--path",
    "--without",
    "--with",
    "--network-timeout",
    "--mutex",
    "--cache-folder",
    "--modules-folder",
    "--registry",
    "--loglevel",
    "--omit",
    "--only",
    "--filter",
    "-c",
    "--configuration",
    "-o",
    "--output",
    "-r",
    "--runtime",
    "-a",
    "--arch",
    "--target",
    "--features",
    "--extra",
    "-s",
    "--settings",
    "--source",
    "--verbosity",
    "--requirement",
    "--constraint",
    "--include",
    "--cache-dir",
    "-w",
    "--extras",
    "-E",
    "--group",
    "-G",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--python",
    "--packages",
    "-F",
    "-x",
    "--exclude-task",
];

/// The pattern words of a table command (`"./gradlew dependencies"` → `gradlew`,
/// `dependencies`; options and `.` left out: conditions say those).
fn pattern_words(pattern: &str) -> Vec<&str> {
    pattern
        .split_whitespace()
        .filter(|w| !w.starts_with('-') && *w != "." && *w != "./...")
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .map(|w| w.strip_suffix(".exe").unwrap_or(w))
        .collect()
}

fn flag(command: &Command, name: &str) -> bool {
    let name = name.trim_start_matches('-');
    command.has_flag(name)
        || command
            .arg_values()
            .any(|a| a.strip_prefix("--").is_some_and(|f| f == name))
}

fn applies(step: &DependencyStep, command: &Command, operands: &[String]) -> bool {
    match step.condition {
        Always => true,
        NoOperands => {
            operands.is_empty() && !command.has_any_flag(&["g", "global"]) && {
                // `yarn global add x`, `bundle exec` etc. have operands; nothing else to check.
                true
            }
        }
        AnyFlag(flags) => flags.iter().any(|f| flag(command, f)),
        NoFlag(flags) => !flags.iter().any(|f| flag(command, f)),
        AllFlags(flags) => flags.iter().all(|f| flag(command, f)),
        NotAllFlags(flags) => !flags.iter().all(|f| flag(command, f)),
        LocalProject => command
            .arg_values()
            .any(|o| matches!(o, "." | "./") || o.starts_with(".[")),
        GoModules => {
            // `go get github.com/x/tool`, `go install x@v1`: a tool download, not the
            // project's dependencies (and in GOPATH mode, no module at all).
            let remote = |o: &String| {
                o.contains('@')
                    || (!o.starts_with('.')
                        && !o.starts_with('/')
                        && o.split('/').next().is_some_and(|host| host.contains('.'))
                        && o.contains('/'))
            };
            !flag(command, "mod=vendor")
                && !command.has_arg("-mod=vendor")
                && !operands.iter().any(remote)
        }
    }
}

/// The table entry a shell command is, if it is a dependency step: its program and
/// subcommand words match an entry's and the entry's condition holds. `yarn` alone and
/// `bundle` alone count; `npm install left-pad` (adds a package) does not.
pub fn dependency_step(command: &Command) -> Option<&'static DependencyStep> {
    let (program, _) = program(command)?;
    steps_naming(program).iter().copied().find(|step| {
        let words = command_words(command, step.dir_options);
        step.commands.iter().any(|pattern| {
            let want = pattern_words(pattern);
            if words.len() < want.len() || words.iter().zip(&want).any(|(w, p)| w != p) {
                return false;
            }
            applies(step, command, &words[want.len()..])
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step_of(text: &str) -> Option<(&'static str, StepKind)> {
        let script = berth_shell::Script::parse(text);
        let command = script.commands().next()?;
        dependency_step(command).map(|s| (s.ecosystem, s.kind))
    }

    #[test]
    fn recognises_each_ecosystem() {
        let cases = [
            ("npm ci", Some(("npm", Fetch))),
            ("npm install", Some(("npm", Fetch))),
            ("npm --prefix web install", Some(("npm", Fetch))),
            ("npm install -g pnpm", None),
            ("npm install left-pad", None),
            ("yarn", Some(("yarn", Fetch))),
            ("yarn install --frozen-lockfile", Some(("yarn", Fetch))),
            ("yarn global add serve", None),
            ("pnpm install --frozen-lockfile", Some(("pnpm", Fetch))),
            ("pnpm fetch --prod", Some(("pnpm", Fetch))),
            ("bun install --frozen-lockfile", Some(("bun", Fetch))),
            ("pip install -r requirements.txt", Some(("pip", Fetch))),
            ("python3 -m pip install -r req.txt", Some(("pip", Fetch))),
            ("uv pip install -r requirements.txt", Some(("pip", Fetch))),
            ("pip install .", Some(("pip", Build))),
            ("pip install flask", None),
            ("poetry install --no-root", Some(("poetry", Fetch))),
            ("poetry install", Some(("poetry", Build))),
            ("uv sync --locked --no-install-project", Some(("uv", Fetch))),
            ("uv sync --locked", Some(("uv", Build))),
            ("pipenv install --deploy --system", Some(("pipenv", Fetch))),
            (
                "conda env create -f environment.yml",
                Some(("conda", Fetch)),
            ),
            ("go mod download", Some(("go", Fetch))),
            ("go build -o /app ./cmd/app", Some(("go", Build))),
            ("go build -mod=vendor ./...", None),
            ("go get github.com/x/tool", None),
            ("go install golang.org/x/tools/gopls@latest", None),
            ("go get -d -v ./...", Some(("go", Build))),
            ("cargo fetch --locked", Some(("cargo", Fetch))),
            ("cargo build --release", Some(("cargo", Build))),
            ("mvn -B dependency:go-offline", Some(("maven", Fetch))),
            ("./mvnw -q package", Some(("maven", Build))),
            ("./gradlew dependencies", Some(("gradle", Fetch))),
            ("gradle build --no-daemon", Some(("gradle", Build))),
            ("bundle install --jobs 4", Some(("bundler", Fetch))),
            ("bundle exec rake", None),
            (
                "composer install --no-scripts --no-autoloader",
                Some(("composer", Fetch)),
            ),
            ("composer install --no-dev", Some(("composer", Build))),
            ("dotnet restore app.csproj", Some(("dotnet", Fetch))),
            ("dotnet publish -c Release -o /out", Some(("dotnet", Build))),
            ("dotnet publish --no-restore -o /out", None),
            ("nuget restore app.sln", Some(("nuget", Fetch))),
            ("mix deps.get --only prod", Some(("mix", Fetch))),
            ("mix release", Some(("mix", Build))),
        ];
        for (text, want) in cases {
            assert_eq!(step_of(text), want, "{text}");
        }
    }

    #[test]
    fn manifest_names_cover_every_ecosystem() {
        for name in [
            "package.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "bun.lockb",
            "requirements-dev.txt",
            "poetry.lock",
            "uv.lock",
            "Pipfile",
            "go.sum",
            "Cargo.lock",
            "pom.xml",
            "build.gradle.kts",
            "Gemfile.lock",
            "composer.lock",
            "app.csproj",
            "mix.lock",
        ] {
            assert!(is_manifest_name(name), "{name}");
        }
        assert!(!is_manifest_name("main.go"));
        assert!(!is_manifest_name("src"));
    }

    /// The table in code says what `benches/br-review/ecosystems.toml` says, entry by entry.
    #[test]
    fn agrees_with_ecosystems_toml() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../benches/br-review/ecosystems.toml"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} is not in this checkout");
            return;
        };
        let data: toml::Value = toml::from_str(&text).expect("ecosystems.toml parses");
        let entries = data["command"].as_array().expect("[[command]] entries");
        assert_eq!(entries.len(), DEPENDENCY_STEPS.len(), "entry count");
        let strings = |v: Option<&toml::Value>| -> Vec<String> {
            v.and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let owned = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for (entry, step) in entries.iter().zip(DEPENDENCY_STEPS) {
            let at = format!("{} {:?}", step.ecosystem, step.commands);
            assert_eq!(entry["ecosystem"].as_str(), Some(step.ecosystem), "{at}");
            assert_eq!(strings(entry.get("command")), owned(step.commands), "{at}");
            let kind = match step.kind {
                Fetch => "fetch",
                Build => "build",
            };
            assert_eq!(entry["kind"].as_str(), Some(kind), "{at}");
            assert_eq!(strings(entry.get("reads")), owned(step.reads), "{at}");
            assert_eq!(strings(entry.get("optional")), owned(step.optional), "{at}");
            assert_eq!(
                entry.get("split_before").and_then(|v| v.as_str()),
                step.split_before,
                "{at}"
            );
            let fix = step.split.map(|split| match split {
                Split::Move => "move",
                Split::Prefetch => "prefetch",
                Split::Autoload => "autoload",
            });
            assert_eq!(entry.get("fix").and_then(|v| v.as_str()), fix, "{at}");
            assert_eq!(strings(entry.get("outputs")), owned(step.outputs), "{at}");
            assert_eq!(
                strings(entry.get("fix_refuses")),
                owned(step.fix_refuses),
                "{at}"
            );
            // Directory options: the table may know more than the notes (uv's Build entry
            // reads the same as its Fetch one).
            for option in strings(entry.get("dir_options")) {
                assert!(
                    step.dir_options.contains(&option.as_str()),
                    "{at}: {option}"
                );
            }
        }
    }
}
