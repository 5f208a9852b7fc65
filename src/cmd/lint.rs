//! `berth lint`: discover Dockerfiles, lint them in parallel, print one report, exit 0/1/2.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use berth_lint::config::{self, Environment, Layer};
use berth_lint::report::{write_report, FileReport, Format, RenderOptions};
use berth_lint::{Applicability, Diagnostic, Level, Linter, Severity};
use rayon::prelude::*;

use super::CmdResult;
use crate::color::ColorChoice;
use crate::progress::{Progress, Unit};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

mod compose;
pub(crate) mod discover;
pub(crate) mod fix;
mod values;

use values::{FormatArg, ThresholdArg};

/// Arguments of `berth lint`.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("fixing").args(["fix", "diff"]).multiple(true)))]
pub struct LintArgs {
    /// Dockerfiles or directories to lint (directories are searched recursively for
    /// Dockerfile, Containerfile, *.Dockerfile and Dockerfile.*, honouring .gitignore);
    /// `-` reads standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The name to report for standard input (also used to find its build context).
    #[arg(long, value_name = "NAME")]
    pub stdin_filename: Option<String>,

    /// Output format (default tty).
    #[arg(
        short = 'f',
        long,
        value_name = "FORMAT",
        value_enum,
        ignore_case = true
    )]
    pub format: Option<FormatArg>,

    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to colour the report (`auto` also needs it to go to standard output).
    #[arg(long, value_enum, value_name = "WHEN")]
    pub color: Option<ColorChoice>,

    /// Same as --color never (hadolint's flag).
    #[arg(long)]
    pub no_color: bool,

    /// Exit 1 only for findings at or above this severity (default info, as hadolint).
    #[arg(
        short = 't',
        long,
        value_name = "SEVERITY",
        value_enum,
        ignore_case = true
    )]
    pub failure_threshold: Option<ThresholdArg>,

    /// Always exit 0 when linting succeeded, whatever the findings.
    #[arg(long)]
    pub no_fail: bool,

    /// Print how often each rule fired instead of the findings.
    #[arg(long)]
    pub statistics: bool,

    /// Apply the safe fixes in place, then report what is left. With `-` the fixed text
    /// is printed instead of a report.
    #[arg(long)]
    pub fix: bool,

    /// With --fix or --diff, also apply the fixes that may change what the image does.
    #[arg(long, requires = "fixing")]
    pub unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of applying them: no file is changed.
    /// Exits 1 when there is something to fix.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,

    /// Only run rules matching these codes or prefixes (repeatable, or comma-separated).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run rules matching these codes or prefixes (repeatable, or comma-separated).
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Report these codes as errors.
    #[arg(long, value_name = "CODE")]
    pub error: Vec<String>,

    /// Report these codes as warnings.
    #[arg(long, value_name = "CODE")]
    pub warning: Vec<String>,

    /// Report these codes as info.
    #[arg(long, value_name = "CODE")]
    pub info: Vec<String>,

    /// Report these codes as style.
    #[arg(long, value_name = "CODE")]
    pub style: Vec<String>,

    /// A registry DL3026 accepts (repeatable).
    #[arg(long, value_name = "REGISTRY")]
    pub trusted_registry: Vec<String>,

    /// A label the image must have, with its type: name:text|url|semver|hash|rfc3339|spdx|email.
    #[arg(long, value_name = "NAME:TYPE")]
    pub require_label: Vec<String>,

    /// Report labels outside the label schema (DL3050).
    #[arg(long)]
    pub strict_labels: bool,

    /// Ignore `# hadolint ignore=` and `# berth ignore=` pragmas.
    #[arg(long)]
    pub disable_ignore_pragma: bool,

    /// Run ShellCheck on RUN commands when `shellcheck` is on PATH.
    #[arg(long)]
    pub shellcheck: bool,

    /// A configuration file: `.toml` for berth's own, anything else for `.hadolint.yaml` syntax.
    /// Replaces the discovery of that kind of file.
    #[arg(short = 'c', long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long)]
    pub isolated: bool,

    /// Do not read the build context (the Dockerfile's directory) for cache-rule evidence.
    #[arg(long)]
    pub no_context: bool,

    /// Print the configuration files used to standard error.
    #[arg(short = 'V', long)]
    pub verbose: bool,
}

impl LintArgs {
    /// The command line's own configuration layer (the most important one).
    fn layer(&self) -> Result<Layer, String> {
        let mut layer = Layer {
            select: self.select.clone(),
            ignore: self.ignore.clone(),
            trusted_registries: self.trusted_registry.clone(),
            formats: self.format.iter().map(|f| f.0.name().to_string()).collect(),
            failure_threshold: self.failure_threshold.map(|t| t.0),
            ..Layer::default()
        };
        for (codes, severity) in [
            (&self.error, Severity::Error),
            (&self.warning, Severity::Warning),
            (&self.info, Severity::Info),
            (&self.style, Severity::Style),
        ] {
            layer
                .overrides
                .extend(codes.iter().map(|c| (c.clone(), Level::On(severity))));
        }
        for entry in &self.require_label {
            let (name, ty) = entry.split_once(':').unwrap_or((entry, ""));
            let ty = ty
                .parse()
                .map_err(|e| format!("--require-label {entry}: {e}"))?;
            layer.label_schema.insert(name.to_string(), ty);
        }
        let flag = |on: bool| on.then_some(true);
        layer.no_fail = flag(self.no_fail);
        layer.strict_labels = flag(self.strict_labels);
        layer.disable_ignore_pragma = flag(self.disable_ignore_pragma);
        layer.shellcheck = flag(self.shellcheck);
        layer.verbose = flag(self.verbose);
        layer.no_color = match self.color {
            Some(ColorChoice::Never) => Some(true),
            Some(_) => Some(false),
            None => flag(self.no_color),
        };
        Ok(layer)
    }
}

/// One input: a path on disk or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    File(PathBuf),
    Stdin,
}

struct Linted {
    path: String,
    source: String,
    diagnostics: Vec<Diagnostic>,
    rejected: bool,
    /// Findings a fix was applied for (`--fix`), or would be (`--diff`).
    fixed: usize,
    /// `--diff`: the unified diff of the fixes (empty when nothing is fixed).
    diff: String,
    /// berth failed on this file (a rule panicked): the message of its BR000 finding.
    internal_error: Option<String>,
    from_stdin: bool,
    /// The compose service whose build this is (`berth lint compose.yaml`).
    service: Option<String>,
}

pub fn run(args: LintArgs) -> CmdResult {
    let env = Environment::from_process()?;
    let cli_layer = args.layer()?;
    let loaded = config::discover(&env, args.config.as_deref(), args.isolated, cli_layer)?;
    for warning in &loaded.warnings {
        eprintln!("berth: warning: {warning}");
    }
    let config = loaded.config;
    if config.verbose {
        match loaded.files.as_slice() {
            [] => eprintln!("berth: no configuration file used"),
            files => {
                for f in files {
                    eprintln!("berth: configuration file: {}", f.display());
                }
            }
        }
    }
    // The last format named wins (command line over config files over environment).
    let format: Format = match config.formats.last() {
        Some(name) => name.parse()?,
        None => Format::Tty,
    };

    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // Compose files, and directories holding one, are compose projects: their services'
    // builds are linted with their own contexts, args and targets. A directory is still
    // searched for the Dockerfiles no service uses.
    let mut projects = Vec::new();
    let mut dockerfile_paths = Vec::new();
    for path in paths {
        if path.is_file() && crate::cmd::compose::is_compose_path(&path) {
            projects.push(vec![path]);
            continue;
        }
        if path.is_dir() {
            let files = crate::cmd::compose::files_in_dir(&path);
            if !files.is_empty() {
                projects.push(files);
            }
        }
        dockerfile_paths.push(path);
    }
    let (mut inputs, mut io_errors) = discover::inputs(&dockerfile_paths);

    let settings = &config.settings;
    let linter = Linter::new(settings);
    let wants_context = !args.no_context && settings.reads_build_context();
    let contexts = berth_lint::evidence::ContextCache::default();
    let stdin_name = args.stdin_filename.clone();

    let composed = compose::lint_projects(
        &projects,
        &compose::Setup {
            settings,
            wants_context,
            contexts: &contexts,
            fix: args.fix,
            unsafe_fixes: args.unsafe_fixes,
        },
    );
    io_errors.extend(composed.errors);
    inputs.retain(|input| match input {
        Input::File(path) => !path
            .canonicalize()
            .is_ok_and(|p| composed.dockerfiles.contains(&p)),
        Input::Stdin => true,
    });

    let progress = Progress::new("linting", Unit::Items("files"));
    progress.set_total(inputs.len() as u64);
    let results: Vec<Result<Linted, String>> = inputs
        .par_iter()
        .map(|input| {
            let (display, (source, exact), on_disk) = match input {
                Input::Stdin => {
                    let mut bytes = Vec::new();
                    io::stdin()
                        .read_to_end(&mut bytes)
                        .map_err(|e| format!("-: cannot read standard input: {e}"))?;
                    let name = stdin_name.clone().unwrap_or_else(|| "-".to_string());
                    let on_disk = stdin_name.as_ref().map(PathBuf::from);
                    (name, decode(bytes), on_disk)
                }
                Input::File(path) => {
                    let bytes = std::fs::read(path)
                        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                    (display_path(path), decode(bytes), Some(path.clone()))
                }
            };
            let context = if wants_context {
                on_disk.as_deref().and_then(|p| contexts.for_dockerfile(p))
            } else {
                None
            };
            let mut diff = String::new();
            let (result, fixed) = if (args.fix || args.diff) && exact {
                let outcome = linter.fix(&source, &display, context.as_deref(), args.unsafe_fixes);
                if args.diff {
                    diff = fix::unified_diff(&display, &source, &outcome.source);
                } else if outcome.applied > 0 {
                    if let Input::File(path) = input {
                        fix::write_in_place(path, &outcome.source)?;
                    }
                }
                (outcome.result, outcome.applied)
            } else {
                (linter.lint(&source, &display, context.as_deref()), 0)
            };
            Ok(Linted {
                rejected: result.rejected(),
                internal_error: result.internal_error().map(|d| d.message.clone()),
                path: display,
                source: result.dockerfile.source.to_string(),
                diagnostics: result.diagnostics,
                fixed,
                diff,
                from_stdin: *input == Input::Stdin,
                service: None,
            })
        })
        .inspect(|_| progress.inc(1))
        .collect();
    progress.finish();

    let mut linted = composed.linted;
    for r in results {
        match r {
            Ok(l) => linted.push(l),
            Err(e) => io_errors.push(e),
        }
    }
    for e in &io_errors {
        eprintln!("berth: error: {e}");
    }
    for e in &composed.rejected {
        eprintln!("berth: error: {e}");
    }

    // The command line's --color/--no-color already won over the files when they were merged.
    let color_choice = if config.no_color {
        ColorChoice::Never
    } else {
        args.color.unwrap_or_default()
    };
    let color = color_choice.enabled(args.output.is_none() && io::stdout().is_terminal());
    let options = RenderOptions {
        color,
        width: terminal_width(),
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| format!("{}: cannot create: {e}", path.display()))?,
        )),
        None => Box::new(io::BufWriter::new(io::stdout().lock())),
    };
    if args.diff {
        for l in &linted {
            out.write_all(l.diff.as_bytes())?;
        }
    } else if args.fix && inputs.contains(&Input::Stdin) {
        // The fixed text replaces the report, so an editor can pipe a buffer through.
        for l in linted.iter().filter(|l| l.from_stdin) {
            out.write_all(l.source.as_bytes())?;
        }
    } else if args.statistics {
        write_statistics(&linted, &mut out)?;
    } else {
        let reports: Vec<FileReport> = linted
            .iter()
            .map(|l| {
                FileReport::new(&l.path, &l.source, &l.diagnostics)
                    .with_service(l.service.as_deref())
            })
            .collect();
        write_report(format, &reports, &options, &mut out)?;
        if format == Format::Tty {
            write_summary(&linted, &mut out)?;
        }
    }
    out.flush()?;
    if args.fix {
        fix::write_summary(&linted, &mut io::stderr().lock())?;
    }
    if args.diff {
        fix::write_diff_summary(&linted, &mut io::stderr().lock())?;
    }

    for l in &linted {
        if let Some(message) = &l.internal_error {
            eprintln!("berth: error: {}: {message}", l.path);
        }
    }
    if !io_errors.is_empty() || linted.iter().any(|l| l.internal_error.is_some()) {
        return Ok(EXIT_ERROR);
    }
    if args.diff {
        // Like `--check` of a formatter: 1 when applying the fixes would change a file.
        let changes = linted.iter().any(|l| !l.diff.is_empty());
        return Ok(if changes { EXIT_FINDINGS } else { EXIT_OK });
    }
    let rejected = linted.iter().any(|l| l.rejected) || !composed.rejected.is_empty();
    let failing = linted
        .iter()
        .flat_map(|l| &l.diagnostics)
        .any(|d| settings.failure_threshold.fails(d.severity));
    // Code Climate engines must exit 0 (hadolint does the same).
    if config.no_fail || format == Format::Codeclimate {
        return Ok(EXIT_OK);
    }
    Ok(if rejected || failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// BuildKit reads bytes; invalid UTF-8 is replaced, a UTF-8 BOM kept for the parser.
/// Also tells whether the text is exactly the bytes (valid UTF-8): only then may fixes
/// be written back.
fn decode(bytes: Vec<u8>) -> (String, bool) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    }
}

/// Paths are reported as given, `/`-separated, without a leading `./`.
fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(String::from).unwrap_or(s)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|&w: &usize| w >= 40)
        .unwrap_or(100)
}

fn write_summary(linted: &[Linted], out: &mut dyn Write) -> io::Result<()> {
    let mut by_severity: BTreeMap<Severity, usize> = BTreeMap::new();
    for d in linted.iter().flat_map(|l| &l.diagnostics) {
        *by_severity.entry(d.severity).or_default() += 1;
    }
    let total: usize = by_severity.values().sum();
    let files = linted.len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if total == 0 {
        return writeln!(out, "No findings in {}.", plural(files, "file"));
    }
    let parts: Vec<String> = by_severity
        .iter()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    writeln!(
        out,
        "Found {} ({}) in {}.",
        plural(total, "finding"),
        parts.join(", "),
        plural(files, "file")
    )?;
    let fixable = |kind: Applicability| {
        let fixes = linted
            .iter()
            .flat_map(|l| &l.diagnostics)
            .filter_map(|d| d.fix.as_ref());
        fixes.filter(|f| f.applicability == kind).count()
    };
    match (fixable(Applicability::Safe), fixable(Applicability::Unsafe)) {
        (0, 0) => Ok(()),
        (0, risky) => writeln!(out, "{risky} fixable with --fix --unsafe-fixes."),
        (safe, 0) => writeln!(out, "{safe} fixable with --fix."),
        (safe, risky) => writeln!(
            out,
            "{safe} fixable with --fix ({risky} more with --unsafe-fixes)."
        ),
    }
}

fn write_statistics(linted: &[Linted], out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<&str, (usize, Severity, &str)> = BTreeMap::new();
    for d in linted.iter().flat_map(|l| &l.diagnostics) {
        let summary = berth_lint::registry::find(&d.code).map_or("", |e| e.meta.summary);
        let entry = counts
            .entry(d.code.as_ref())
            .or_insert((0, d.severity, summary));
        entry.0 += 1;
        entry.1 = entry.1.max(d.severity);
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    for (code, (count, severity, summary)) in rows {
        writeln!(out, "{count:>6}  {code:<32} {severity:<8} {summary}")?;
    }
    Ok(())
}
