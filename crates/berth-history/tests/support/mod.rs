//! History repositories as data: the file format, the generator that turns one into a
//! real git repository, and the engine's recorded answers.
//!
//! A history file (`tests/repos/*.hist`) is plain text. Keys come first, then sections
//! that each start with a `--- ` line; a commit is a `--- commit` section followed by
//! the sections that make it:
//!
//! ```text
//! # comment lines start with '#'
//! describe: one line saying what the repository shows
//! args: K=V K2=V2          build args of every build (optional)
//! target: NAME             --target of every build (optional)
//! dockerfile: PATH         the Dockerfile, relative to the context (default Dockerfile)
//! context: PATH            the context, relative to the repository (default: its root)
//! --- what-if              the alternative Dockerfile `--what-if` replays (optional;
//!                          before the first commit)
//! --- commit SUBJECT       a commit on the current branch (main at first)
//! --- file PATH            a file written before the commit: every following line up to
//!                          the next `---`
//! --- symlink PATH TARGET
//! --- mode PATH OCTAL      chmod before the commit
//! --- change               `sh -e` commands run in the work tree before the commit (git
//!                          commands work: `git mv`, `git revert --no-commit HEAD`, ...)
//! --- branch NAME          create branch NAME at the current commit and switch to it
//! --- switch NAME          switch to an existing branch
//! --- merge NAME SUBJECT   a merge commit of NAME into the current branch (--no-ff)
//! --- not-built            this main-line commit cannot be built (no Dockerfile or no
//!                          context): berth reports it and skips it, the engine is not run
//! --- expect [what-if] [docker28|docker20]
//!                          the engine's answer for this main-line commit, one line per
//!                          build step of the Dockerfile (RUN, COPY, ADD, WORKDIR):
//!                          `LINE cached|rebuild|absent` (absent: its stage was not built).
//!                          `what-if` for the alternative Dockerfile; an engine name for the
//!                          lines where that engine differs from Docker 28's answer.
//! ```
//!
//! Expectations are written by the engine runner (`BERTH_HISTORY_RECORD=1 cargo test -p
//! berth-history --test engine`), never by hand. Commits on other branches than `main` have
//! none: they are never built (only `main`'s first-parent line is).
//!
//! The generator fixes author, committer and dates, so a file always gives the same
//! commit ids.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The engines an expectation can name; the first is the reference.
pub const ENGINES: [&str; 2] = ["docker28", "docker20"];

/// One history repository, as read from its file.
#[derive(Debug, Clone)]
pub struct History {
    pub name: String,
    pub describe: String,
    pub args: Vec<(String, String)>,
    pub target: Option<String>,
    /// Relative to the context.
    pub dockerfile: String,
    /// Relative to the repository ("" for its root).
    pub context: String,
    pub what_if: Option<String>,
    pub steps: Vec<Step>,
    /// The file's sections, kept to rewrite the expectations in place.
    raw: Vec<RawSection>,
}

/// What the generator does, in order.
#[derive(Debug, Clone)]
pub enum Step {
    Commit(Commit),
    Branch(String),
    Switch(String),
}

/// A commit's expectations, keyed by (what-if?, engine or "" for the reference), each a
/// status per Dockerfile line.
pub type Expectations = BTreeMap<(bool, String), BTreeMap<usize, String>>;

/// One commit (a merge when `merge` names a branch).
#[derive(Debug, Clone, Default)]
pub struct Commit {
    pub subject: String,
    pub branch: String,
    pub merge: Option<String>,
    pub edits: Vec<Edit>,
    pub not_built: bool,
    /// Keyed by (what-if?, engine or "" for the reference).
    pub expect: Expectations,
    /// Index of its `--- commit`/`--- merge` section in the raw file.
    section: usize,
}

/// A change of the work tree before a commit.
#[derive(Debug, Clone)]
pub enum Edit {
    File { path: String, content: String },
    Symlink { path: String, target: String },
    Mode { path: String, mode: u32 },
    Shell(String),
}

#[derive(Debug, Clone)]
struct RawSection {
    header: String,
    body: String,
}

fn parse_args(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!("build arg `{kv}` is not KEY=VALUE")),
        })
        .collect()
}

impl Commit {
    /// The answer of `engine` (`docker28` or `docker20`) for the Dockerfile (`what_if`
    /// false) or the alternative: the reference answer with the engine's own lines in place.
    pub fn expected(&self, what_if: bool, engine: &str) -> BTreeMap<usize, String> {
        let mut out = self
            .expect
            .get(&(what_if, String::new()))
            .cloned()
            .unwrap_or_default();
        if engine != ENGINES[0] {
            if let Some(own) = self.expect.get(&(what_if, engine.to_string())) {
                out.extend(own.iter().map(|(l, s)| (*l, s.clone())));
            }
        }
        out
    }

    /// Whether the commit is on `main`'s first-parent line.
    pub fn on_main(&self) -> bool {
        self.branch == "main"
    }
}

impl History {
    /// Reads a history file; errors name the file and line.
    pub fn load(path: &Path) -> Result<History, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        History::parse(&name, &text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(name: &str, text: &str) -> Result<History, String> {
        let mut h = History {
            name: name.to_string(),
            describe: String::new(),
            args: vec![],
            target: None,
            dockerfile: "Dockerfile".into(),
            context: String::new(),
            what_if: None,
            steps: vec![],
            raw: vec![],
        };
        let mut header_lines = vec![];
        let mut preamble = String::new();
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if let Some(header) = line.strip_prefix("--- ") {
                h.raw.push(RawSection {
                    header: header.trim_end().to_string(),
                    body: String::new(),
                });
                header_lines.push(i + 1);
            } else if let Some(section) = h.raw.last_mut() {
                section.body.push_str(line);
            } else {
                preamble.push_str(line);
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (key, value) = line
                    .split_once(':')
                    .ok_or_else(|| format!("line {}: expected `key: value`", i + 1))?;
                let value = value.trim();
                match key.trim() {
                    "describe" => h.describe = value.to_string(),
                    "args" => h.args = parse_args(value)?,
                    "target" => h.target = Some(value.to_string()),
                    "dockerfile" => h.dockerfile = value.to_string(),
                    "context" => h.context = value.trim_matches('/').to_string(),
                    other => return Err(format!("line {}: unknown key `{other}`", i + 1)),
                }
            }
        }
        h.raw.insert(
            0,
            RawSection {
                header: String::new(),
                body: preamble,
            },
        );
        header_lines.insert(0, 0);
        let mut branch = "main".to_string();
        let mut branches = vec!["main".to_string()];
        let mut current: Option<Commit> = None;
        let flush = |current: &mut Option<Commit>, steps: &mut Vec<Step>| {
            if let Some(c) = current.take() {
                steps.push(Step::Commit(c));
            }
        };
        for (index, section) in h.raw.iter().enumerate().skip(1) {
            let line = header_lines[index];
            let words: Vec<&str> = section.header.split_whitespace().collect();
            let rest_after = |n: usize| -> String {
                let mut rest = section.header.as_str();
                for _ in 0..n {
                    rest = rest.trim_start();
                    rest = rest.split_once(' ').map(|(_, r)| r).unwrap_or("");
                }
                rest.trim().to_string()
            };
            let word = |i: usize| -> Result<String, String> {
                words
                    .get(i)
                    .map(|w| w.to_string())
                    .ok_or_else(|| format!("line {line}: `--- {}` lacks a word", section.header))
            };
            let in_commit = |current: &mut Option<Commit>| -> Result<(), String> {
                if current.is_none() {
                    return Err(format!(
                        "line {line}: `--- {}` outside a commit",
                        section.header
                    ));
                }
                Ok(())
            };
            match words.first().copied().unwrap_or("") {
                "what-if" => {
                    if current.is_some() || !h.steps.is_empty() {
                        return Err(format!(
                            "line {line}: `--- what-if` comes before the first commit"
                        ));
                    }
                    h.what_if = Some(section.body.clone());
                }
                "commit" | "merge" => {
                    flush(&mut current, &mut h.steps);
                    let (merge, subject) = if words[0] == "merge" {
                        let from = word(1)?;
                        if !branches.contains(&from) {
                            return Err(format!("line {line}: no branch `{from}` to merge"));
                        }
                        (Some(from), rest_after(2))
                    } else {
                        (None, rest_after(1))
                    };
                    if subject.is_empty() {
                        return Err(format!("line {line}: a commit needs a subject"));
                    }
                    current = Some(Commit {
                        subject,
                        branch: branch.clone(),
                        merge,
                        section: index,
                        ..Commit::default()
                    });
                }
                "branch" | "switch" => {
                    flush(&mut current, &mut h.steps);
                    let name = word(1)?;
                    if words[0] == "branch" {
                        if branches.contains(&name) {
                            return Err(format!("line {line}: branch `{name}` exists"));
                        }
                        branches.push(name.clone());
                        h.steps.push(Step::Branch(name.clone()));
                    } else {
                        if !branches.contains(&name) {
                            return Err(format!("line {line}: no branch `{name}`"));
                        }
                        h.steps.push(Step::Switch(name.clone()));
                    }
                    branch = name;
                }
                "file" => {
                    in_commit(&mut current)?;
                    let path = word(1)?;
                    current.as_mut().unwrap().edits.push(Edit::File {
                        path,
                        content: section.body.clone(),
                    });
                }
                "symlink" => {
                    in_commit(&mut current)?;
                    let (path, target) = (word(1)?, word(2)?);
                    current
                        .as_mut()
                        .unwrap()
                        .edits
                        .push(Edit::Symlink { path, target });
                }
                "mode" => {
                    in_commit(&mut current)?;
                    let path = word(1)?;
                    let mode = u32::from_str_radix(&word(2)?, 8)
                        .map_err(|_| format!("line {line}: mode is octal"))?;
                    current
                        .as_mut()
                        .unwrap()
                        .edits
                        .push(Edit::Mode { path, mode });
                }
                "change" => {
                    in_commit(&mut current)?;
                    current
                        .as_mut()
                        .unwrap()
                        .edits
                        .push(Edit::Shell(section.body.clone()));
                }
                "not-built" => {
                    in_commit(&mut current)?;
                    current.as_mut().unwrap().not_built = true;
                }
                "expect" => {
                    in_commit(&mut current)?;
                    let mut what_if = false;
                    let mut engine = String::new();
                    for w in &words[1..] {
                        match *w {
                            "what-if" => what_if = true,
                            e if ENGINES.contains(&e) => {
                                if e != ENGINES[0] {
                                    engine = e.to_string();
                                }
                            }
                            other => {
                                return Err(format!(
                                    "line {line}: `--- expect` takes what-if and an engine name, not `{other}`"
                                ))
                            }
                        }
                    }
                    let lines = parse_expect(&section.body, line)?;
                    current
                        .as_mut()
                        .unwrap()
                        .expect
                        .entry((what_if, engine))
                        .or_default()
                        .extend(lines);
                }
                other => return Err(format!("line {line}: unknown section `{other}`")),
            }
        }
        flush(&mut current, &mut h.steps);
        for c in h.commits() {
            if !c.on_main() && (!c.expect.is_empty() || c.not_built) {
                return Err(format!(
                    "commit `{}` on branch {} is never built: it takes no expectation",
                    c.subject, c.branch
                ));
            }
            if c.not_built && !c.expect.is_empty() {
                return Err(format!(
                    "commit `{}` is not built and has expectations",
                    c.subject
                ));
            }
            if c.expect.keys().any(|(w, _)| *w) && h.what_if.is_none() {
                return Err(format!(
                    "commit `{}` expects a what-if build, and there is no `--- what-if`",
                    c.subject
                ));
            }
        }
        if h.commits().next().is_none() {
            return Err("no commit".into());
        }
        Ok(h)
    }

    /// Every commit in the order they are made.
    pub fn commits(&self) -> impl Iterator<Item = &Commit> {
        self.steps.iter().filter_map(|s| match s {
            Step::Commit(c) => Some(c),
            _ => None,
        })
    }

    /// The commits of main's first-parent line, oldest first: the builds.
    pub fn main_line(&self) -> Vec<&Commit> {
        self.commits().filter(|c| c.on_main()).collect()
    }

    /// Whether every main-line commit that is built has its reference expectations.
    pub fn has_expectations(&self) -> bool {
        self.main_line().iter().all(|c| {
            c.not_built
                || (c.expect.contains_key(&(false, String::new()))
                    && (self.what_if.is_none() || c.expect.contains_key(&(true, String::new()))))
        })
    }

    /// Makes the git repository in `dir` (created; must not exist or be empty). Returns the
    /// ids of main's first-parent commits, oldest first, in the order of [`Self::main_line`].
    pub fn generate(&self, dir: &Path) -> Result<Vec<String>, String> {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let git = Git::new(dir);
        git.run(&["init", "-q", "-b", "main"])?;
        let mut main_ids = vec![];
        let mut tick = 0u64;
        for step in &self.steps {
            match step {
                Step::Branch(name) => git.run(&["checkout", "-q", "-b", name])?,
                Step::Switch(name) => git.run(&["checkout", "-q", name])?,
                Step::Commit(c) => {
                    tick += 1;
                    let git = git.at(tick);
                    if let Some(from) = &c.merge {
                        git.run(&["merge", "-q", "--no-ff", "--no-commit", from])
                            .map_err(|e| format!("{}: merge `{}`: {e}", self.name, c.subject))?;
                    }
                    for edit in &c.edits {
                        apply(dir, edit, &git)
                            .map_err(|e| format!("{}: commit `{}`: {e}", self.name, c.subject))?;
                    }
                    git.run(&["add", "-A"])?;
                    git.run(&["commit", "-q", "--allow-empty", "-m", &c.subject])?;
                    if c.on_main() {
                        main_ids.push(git.output(&["rev-parse", "HEAD"])?.trim().to_string());
                    }
                }
            }
        }
        if git.output(&["rev-parse", "--abbrev-ref", "HEAD"])?.trim() != "main" {
            git.run(&["checkout", "-q", "main"])?;
        }
        Ok(main_ids)
    }

    /// The file's text with the expectations of every main-line commit replaced by
    /// `answers` (keyed like [`Commit::expect`], per main-line commit in order).
    pub fn with_expectations(&self, answers: &[Expectations]) -> String {
        let main: Vec<&Commit> = self.main_line();
        let mut out = String::new();
        let mut commit_at: BTreeMap<usize, usize> = BTreeMap::new();
        for (i, c) in main.iter().enumerate() {
            commit_at.insert(c.section, i);
        }
        // The last section of each main-line commit: where its expectations go.
        let mut ends: BTreeMap<usize, usize> = BTreeMap::new();
        let mut open: Option<usize> = None;
        for (index, section) in self.raw.iter().enumerate().skip(1) {
            let first = section.header.split_whitespace().next().unwrap_or("");
            if matches!(first, "commit" | "merge" | "branch" | "switch") {
                open = commit_at.get(&index).copied();
            }
            if let Some(c) = open {
                ends.insert(c, index);
            }
        }
        let end_of: BTreeMap<usize, usize> = ends.into_iter().map(|(c, s)| (s, c)).collect();
        for (index, section) in self.raw.iter().enumerate() {
            let first = section.header.split_whitespace().next().unwrap_or("");
            if first != "expect" {
                if index > 0 {
                    out.push_str("--- ");
                    out.push_str(&section.header);
                    out.push('\n');
                }
                out.push_str(&section.body);
            }
            if let Some(&c) = end_of.get(&index) {
                if let Some(answer) = answers.get(c) {
                    for ((what_if, engine), lines) in answer {
                        if lines.is_empty() {
                            continue;
                        }
                        let mut header = String::from("--- expect");
                        if *what_if {
                            header.push_str(" what-if");
                        }
                        if !engine.is_empty() {
                            header.push(' ');
                            header.push_str(engine);
                        }
                        if !out.ends_with('\n') {
                            out.push('\n');
                        }
                        out.push_str(&header);
                        out.push('\n');
                        for (line, status) in lines {
                            out.push_str(&format!("{line} {status}\n"));
                        }
                    }
                }
            }
        }
        out
    }
}

/// The lines of an `--- expect` section whose header is at line `header`.
fn parse_expect(body: &str, header: usize) -> Result<BTreeMap<usize, String>, String> {
    let mut out = BTreeMap::new();
    for (j, l) in body.lines().enumerate() {
        let parts: Vec<&str> = l.split_whitespace().collect();
        if parts.is_empty() || parts[0].starts_with('#') {
            continue;
        }
        let at = header + 1 + j;
        let n: usize = parts[0]
            .parse()
            .map_err(|_| format!("line {at}: expected a line number"))?;
        let status = parts
            .get(1)
            .ok_or_else(|| format!("line {at}: missing status"))?;
        if !["cached", "rebuild", "absent"].contains(status) || parts.len() > 2 {
            return Err(format!(
                "line {at}: expected `LINE cached|rebuild|absent`, got `{l}`"
            ));
        }
        out.insert(n, status.to_string());
    }
    Ok(out)
}

fn apply(dir: &Path, edit: &Edit, git: &Git) -> Result<(), String> {
    let io = |e: std::io::Error| format!("{edit:?}: {e}");
    match edit {
        Edit::File { path, content } => {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).map_err(io)?;
            }
            fs::write(&p, content).map_err(io)
        }
        Edit::Symlink { path, target } => {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).map_err(io)?;
            }
            let _ = fs::remove_file(&p);
            std::os::unix::fs::symlink(target, &p).map_err(io)
        }
        Edit::Mode { path, mode } => {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir.join(path), fs::Permissions::from_mode(*mode)).map_err(io)
        }
        Edit::Shell(script) => {
            let mut cmd = Command::new("sh");
            cmd.arg("-e").current_dir(dir);
            git.env(&mut cmd);
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("sh: {e}"))?;
            child
                .stdin
                .take()
                .expect("piped")
                .write_all(script.as_bytes())
                .map_err(|e| format!("sh: {e}"))?;
            let out = child.wait_with_output().map_err(|e| format!("sh: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "change failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        }
    }
}

/// The git CLI in one repository, with a fixed identity and clock and no user or system
/// configuration (so ids are the same on every machine).
pub struct Git {
    dir: PathBuf,
    tick: u64,
}

impl Git {
    pub fn new(dir: &Path) -> Git {
        Git {
            dir: dir.to_path_buf(),
            tick: 0,
        }
    }

    fn at(&self, tick: u64) -> Git {
        Git {
            dir: self.dir.clone(),
            tick,
        }
    }

    fn env(&self, cmd: &mut Command) {
        // 2024-01-01T00:00:00Z plus an hour per commit.
        let date = format!("{} +0000", 1_704_067_200 + self.tick * 3600);
        cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "berth")
            .env("GIT_AUTHOR_EMAIL", "berth@example.invalid")
            .env("GIT_COMMITTER_NAME", "berth")
            .env("GIT_COMMITTER_EMAIL", "berth@example.invalid")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_MERGE_AUTOEDIT", "no");
    }

    pub fn output(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = Command::new("git");
        cmd.args(["-c", "commit.gpgsign=false", "-c", "core.fileMode=true"])
            .args(args)
            .current_dir(&self.dir);
        self.env(&mut cmd);
        let out = cmd.output().map_err(|e| format!("git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn run(&self, args: &[&str]) -> Result<(), String> {
        self.output(args).map(drop)
    }
}

/// Every history file of the suite, sorted by name (`BERTH_HISTORY=TEXT` keeps those whose
/// name contains TEXT).
pub fn all_histories() -> Vec<(PathBuf, History)> {
    // This module is compiled into berth-history's tests and into the CLI's.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = [
        here.join("tests/repos"),
        here.join("crates/berth-history/tests/repos"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .unwrap_or_else(|| here.join("tests/repos"));
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hist"))
        .collect();
    paths.sort();
    let only = std::env::var("BERTH_HISTORY").ok();
    paths
        .into_iter()
        .map(|p| {
            let h = History::load(&p).unwrap_or_else(|e| panic!("{e}"));
            (p, h)
        })
        .filter(|(_, h)| match only.as_deref() {
            None => true,
            Some(o) => h.name.contains(o),
        })
        .collect()
}

/// A fresh temporary directory (removed on drop).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("berth-history-")
        .tempdir()
        .expect("temporary directory")
}

/// berth's status against the engine's: `maybe` agrees with either outcome; a step the
/// engine never ran is skipped (or makes no step).
pub fn agrees(berth: &str, engine: &str) -> bool {
    match berth {
        "maybe" => engine == "cached" || engine == "rebuild",
        "skipped" | "metadata" => engine == "absent",
        other => other == engine,
    }
}

/// The engine profile berth reproduces for an engine of [`ENGINES`].
pub fn profile(engine: &str) -> berth_cache::Engine {
    if engine == ENGINES[1] {
        berth_cache::Engine::Docker20
    } else {
        berth_cache::Engine::BuildKit
    }
}

/// Generates `h` in `dir` and replays it with berth as `berth cache history --engine`
/// would for `engine` (with the what-if when the file has one). Returns main's
/// first-parent ids and the history.
pub fn berth_replay(
    h: &History,
    dir: &Path,
    engine: &str,
) -> Result<(Vec<String>, berth_history::report::History), String> {
    use berth_history::git::{Range, Repo};
    let ids = h.generate(dir)?;
    let repo = Repo::discover(dir).map_err(|e| e.to_string())?;
    let context = dir.join(&h.context);
    let layout =
        berth_history::walk::Layout::new(repo.top(), &context, Some(&context.join(&h.dockerfile)))?;
    let opts = berth_history::Options {
        layout,
        build: berth_cache::Options {
            dockerfile: None,
            build_args: h.args.clone(),
            target: h.target.clone(),
            engine: profile(engine),
            ..berth_cache::Options::default()
        },
        range: Range::All,
        what_if: h
            .what_if
            .as_ref()
            .map(|text| ("Dockerfile.what-if".to_string(), text.clone().into_bytes())),
    };
    let history = berth_history::replay(&repo, &opts, &mut |_, _| {}).map_err(|e| e.to_string())?;
    Ok((ids, history))
}
