//! Scenario suite support: the scenario file format, building a scenario's context on
//! disk, running it against the real engine, and reading the engine's progress output.
//!
//! A scenario file (`tests/scenarios/*.scn`) is plain text:
//!
//! ```text
//! # comment lines start with '#'
//! describe: one line saying which fact the scenario shows
//! args: K=V K2=V2        build args of the first build (optional)
//! target: NAME           --target of the first build (optional)
//! after-args: K=V        build args of the second build (default: args)
//! after-target: NAME     --target of the second build (default: target)
//! since: yes             also check `plan --since HEAD` (the change is committed-vs-worktree)
//! serve: yes             serve the context over HTTP while the engine builds: the
//!                        Dockerfile names it http://berth-scenario-server/ (for ADD <url>)
//! engines: docker28      the engines that can build the scenario (default: docker28 docker20);
//!                        Docker 20.10 rejects heredocs, `--link`, `--exclude`, ...
//! --- file PATH          a file; its content is every following line up to the next `---`
//! --- dir PATH           an empty directory
//! --- symlink PATH TARGET
//! --- mode PATH OCTAL
//! --- change             `sh -e` commands run in the context between the two builds
//! --- expect             one line per instruction of the second Dockerfile:
//!                        LINE STATUS [ENGINE], STATUS one of cached, rebuild, maybe,
//!                        metadata, skipped; ENGINE (cached|rebuild) only after maybe.
//!                        What berth answers and what every engine does.
//! --- expect docker20    lines where one engine differs (docker28 or docker20): they
//!                        replace the lines of `--- expect` for that engine (and for
//!                        berth under that engine profile)
//! ```
//!
//! Not every test binary uses every helper here.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One scenario, as read from its file.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub describe: String,
    pub args: Vec<(String, String)>,
    pub target: Option<String>,
    pub after_args: Vec<(String, String)>,
    pub after_target: Option<String>,
    pub since: bool,
    /// The engines that can build the scenario (`docker28`, `docker20`).
    pub engines: Vec<String>,
    /// Serve the context over HTTP during the builds (see [`FileServer`]).
    pub serve: bool,
    pub setup: Vec<Setup>,
    pub change: String,
    /// The expected outcome on every engine (berth's default profile is Docker 28).
    pub expect: Vec<Expect>,
    /// Per engine, the lines where that engine differs from `expect`.
    pub engine_expect: BTreeMap<String, Vec<Expect>>,
}

/// The engines a scenario can name.
pub const ENGINES: [&str; 2] = ["docker28", "docker20"];

/// One element of the first build's context.
#[derive(Debug, Clone)]
pub enum Setup {
    File { path: String, content: String },
    Dir { path: String },
    Symlink { path: String, target: String },
    Mode { path: String, mode: u32 },
}

/// The expected outcome of one instruction in the second build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub line: usize,
    pub status: String,
    /// For `maybe`: what the engine does (cached or rebuild).
    pub engine: Option<String>,
}

impl Expect {
    /// What the engine should show for this line: `cached`, `rebuild`, or `absent`.
    pub fn engine_status(&self) -> &str {
        match self.status.as_str() {
            "maybe" => self.engine.as_deref().unwrap_or("?"),
            "metadata" | "skipped" => "absent",
            other => other,
        }
    }
}

fn parse_args(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!("build arg `{kv}` is not KEY=VALUE")),
        })
        .collect()
}

/// The lines of an `--- expect` section whose header is at line `header`.
fn parse_expect(body: &str, header: usize) -> Result<Vec<Expect>, String> {
    let mut out = vec![];
    for (j, l) in body.lines().enumerate() {
        let parts: Vec<&str> = l.split_whitespace().collect();
        if parts.is_empty() || parts[0].starts_with('#') {
            continue;
        }
        let at = header + 1 + j;
        let n = parts[0]
            .parse()
            .map_err(|_| format!("line {at}: expected a line number"))?;
        let status = parts
            .get(1)
            .ok_or_else(|| format!("line {at}: missing status"))?;
        if !["cached", "rebuild", "maybe", "metadata", "skipped"].contains(status) {
            return Err(format!("line {at}: unknown status `{status}`"));
        }
        let engine = parts.get(2).map(|s| s.to_string());
        if (*status == "maybe") != engine.is_some() {
            return Err(format!(
                "line {at}: `maybe` (and only it) takes the engine outcome"
            ));
        }
        if let Some(e) = &engine {
            if e != "cached" && e != "rebuild" {
                return Err(format!(
                    "line {at}: the engine outcome is cached or rebuild, not `{e}`"
                ));
            }
        }
        out.push(Expect {
            line: n,
            status: status.to_string(),
            engine,
        });
    }
    Ok(out)
}

impl Scenario {
    /// Reads a scenario file; the error names the file and line.
    pub fn load(path: &Path) -> Result<Scenario, String> {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        Scenario::parse(&name, &text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(name: &str, text: &str) -> Result<Scenario, String> {
        let mut sc = Scenario {
            name: name.to_string(),
            describe: String::new(),
            args: vec![],
            target: None,
            after_args: vec![],
            after_target: None,
            since: false,
            engines: ENGINES.iter().map(|e| e.to_string()).collect(),
            serve: false,
            setup: vec![],
            change: String::new(),
            expect: vec![],
            engine_expect: BTreeMap::new(),
        };
        let mut after_args = None;
        let mut after_target = None;
        // Sections: (header words, body, line number of the header)
        let mut sections: Vec<(Vec<String>, String, usize)> = vec![];
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if let Some(header) = line.strip_prefix("--- ") {
                let words = header.split_whitespace().map(str::to_string).collect();
                sections.push((words, String::new(), i + 1));
            } else if let Some(section) = sections.last_mut() {
                section.1.push_str(line);
            } else {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (key, value) = line
                    .split_once(':')
                    .ok_or_else(|| format!("line {}: expected `key: value`", i + 1))?;
                let value = value.trim();
                match key.trim() {
                    "describe" => sc.describe = value.to_string(),
                    "args" => sc.args = parse_args(value)?,
                    "target" => sc.target = Some(value.to_string()),
                    "after-args" => after_args = Some(parse_args(value)?),
                    "after-target" => after_target = Some(value.to_string()),
                    "since" => sc.since = value == "yes",
                    "serve" => sc.serve = value == "yes",
                    "engines" => {
                        sc.engines = value.split_whitespace().map(str::to_string).collect();
                        if let Some(bad) =
                            sc.engines.iter().find(|e| !ENGINES.contains(&e.as_str()))
                        {
                            return Err(format!("line {}: unknown engine `{bad}`", i + 1));
                        }
                    }
                    other => return Err(format!("line {}: unknown key `{other}`", i + 1)),
                }
            }
        }
        sc.after_args = after_args.unwrap_or_else(|| sc.args.clone());
        sc.after_target = after_target.or_else(|| sc.target.clone());
        for (words, body, line) in sections {
            let w = |i: usize| -> Result<String, String> {
                words
                    .get(i)
                    .cloned()
                    .ok_or_else(|| format!("line {line}: section header is missing a word"))
            };
            match w(0)?.as_str() {
                "file" => sc.setup.push(Setup::File {
                    path: w(1)?,
                    content: body,
                }),
                "dir" => sc.setup.push(Setup::Dir { path: w(1)? }),
                "symlink" => sc.setup.push(Setup::Symlink {
                    path: w(1)?,
                    target: w(2)?,
                }),
                "mode" => sc.setup.push(Setup::Mode {
                    path: w(1)?,
                    mode: u32::from_str_radix(&w(2)?, 8)
                        .map_err(|e| format!("line {line}: bad mode: {e}"))?,
                }),
                "change" => sc.change = body,
                "expect" => {
                    let lines = parse_expect(&body, line)?;
                    match words.get(1) {
                        None => sc.expect.extend(lines),
                        Some(engine) if ENGINES.contains(&engine.as_str()) => sc
                            .engine_expect
                            .entry(engine.clone())
                            .or_default()
                            .extend(lines),
                        Some(other) => {
                            return Err(format!("line {line}: unknown engine `{other}`"))
                        }
                    }
                }
                other => return Err(format!("line {line}: unknown section `{other}`")),
            }
        }
        if sc.expect.is_empty() {
            return Err("no `--- expect` section".into());
        }
        for (engine, lines) in &sc.engine_expect {
            if let Some(extra) = lines
                .iter()
                .find(|e| !sc.expect.iter().any(|x| x.line == e.line))
            {
                return Err(format!(
                    "`--- expect {engine}` names line {}, which `--- expect` lacks",
                    extra.line
                ));
            }
        }
        Ok(sc)
    }

    /// The expected outcome on `engine` (`docker28` or `docker20`): `expect` with that
    /// engine's lines in place.
    pub fn expect_for(&self, engine: &str) -> Vec<Expect> {
        let overrides = self.engine_expect.get(engine);
        self.expect
            .iter()
            .map(|e| {
                overrides
                    .and_then(|o| o.iter().find(|x| x.line == e.line))
                    .unwrap_or(e)
                    .clone()
            })
            .collect()
    }

    /// Whether the engines differ on this scenario.
    pub fn engines_differ(&self) -> bool {
        self.engine_expect.values().any(|v| !v.is_empty())
    }

    /// Writes the first build's context into `dir` (which must exist and be empty).
    pub fn materialize(&self, dir: &Path) -> Result<(), String> {
        for item in &self.setup {
            let io = |e: std::io::Error| format!("{}: setup {item:?}: {e}", self.name);
            match item {
                Setup::File { path, content } => {
                    let p = dir.join(path);
                    fs::create_dir_all(p.parent().unwrap()).map_err(io)?;
                    fs::write(&p, content).map_err(io)?;
                }
                Setup::Dir { path } => fs::create_dir_all(dir.join(path)).map_err(io)?,
                Setup::Symlink { path, target } => {
                    let p = dir.join(path);
                    fs::create_dir_all(p.parent().unwrap()).map_err(io)?;
                    std::os::unix::fs::symlink(target, &p).map_err(io)?;
                }
                Setup::Mode { path, mode } => {
                    use std::os::unix::fs::PermissionsExt;
                    fs::set_permissions(dir.join(path), fs::Permissions::from_mode(*mode))
                        .map_err(io)?;
                }
            }
        }
        Ok(())
    }

    /// Applies the change between the two builds.
    pub fn apply_change(&self, dir: &Path) -> Result<(), String> {
        if self.change.trim().is_empty() {
            return Ok(());
        }
        let mut child = Command::new("sh")
            .arg("-e")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: sh: {e}", self.name))?;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(self.change.as_bytes())
            .map_err(|e| format!("{}: sh: {e}", self.name))?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "{}: change failed: {}",
                self.name,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }
}

/// Every scenario of the suite, sorted by name (`BERTH_SCENARIO=TEXT` keeps those whose
/// name contains TEXT).
pub fn all_scenarios() -> Vec<Scenario> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    paths.sort();
    let only = std::env::var("BERTH_SCENARIO").ok();
    paths
        .iter()
        .map(|p| Scenario::load(p).unwrap_or_else(|e| panic!("{e}")))
        .filter(|sc| only.as_deref().is_none_or(|o| sc.name.contains(o)))
        .collect()
}

/// berth's engine profile for a scenario engine name (`docker28`, `docker20`).
pub fn engine_profile(engine: &str) -> berth_cache::Engine {
    match engine {
        "docker20" => berth_cache::Engine::Docker20,
        _ => berth_cache::Engine::BuildKit,
    }
}

/// A fresh temporary directory (removed on drop).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("berth-scenario-")
        .tempdir()
        .expect("temporary directory")
}

/// The instruction keyword of each instruction start line, read from the Dockerfile
/// text independently of berth's parser (the engine oracle must not depend on it).
pub fn keyword_at(dockerfile: &str, line: usize) -> String {
    dockerfile
        .lines()
        .nth(line - 1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// How the engine names one build step in `--progress=plain` output: the stage's
/// printed name (empty for a single-stage file) and the step's 1-based index in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepName {
    pub stage: String,
    pub index: usize,
}

/// Maps each expected op line of the Dockerfile to the name the engine prints for it.
/// The engine numbers, per stage, the FROM of an image (1), then the ONBUILD triggers of
/// a parent stage (`FROM <stage>`: they run as the child's first steps, and the line of
/// the parent's ONBUILD instruction stands for them), then every RUN, COPY, ADD and
/// WORKDIR; `FROM <stage>` and `FROM scratch` are not numbered. The keyword returned for
/// a trigger is its inner one (`COPY` for `ONBUILD COPY`).
pub fn engine_step_names(dockerfile: &str, lines: &[usize]) -> BTreeMap<usize, (StepName, String)> {
    const OPS: [&str; 4] = ["RUN", "COPY", "ADD", "WORKDIR"];
    let mut stages: Vec<(String, Vec<(usize, String)>)> = vec![];
    // Per stage (same order as `stages`): its ONBUILD triggers that make steps.
    let mut triggers: Vec<Vec<(usize, String)>> = vec![];
    let mut names: Vec<String> = vec![];
    let mut sorted = lines.to_vec();
    sorted.sort();
    for &line in &sorted {
        let kw = keyword_at(dockerfile, line);
        let text = dockerfile.lines().nth(line - 1).unwrap_or("");
        if kw == "FROM" {
            let words: Vec<&str> = text.split_whitespace().collect();
            let image_words: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let image = image_words
                .first()
                .copied()
                .unwrap_or("")
                .to_ascii_lowercase();
            let name = if image_words.len() == 3 {
                image_words[2].to_ascii_lowercase()
            } else {
                format!("stage-{}", stages.len())
            };
            let parent = names.iter().position(|n| *n == image);
            let numbered = image != "scratch" && parent.is_none();
            names.push(name.clone());
            let mut steps = vec![];
            if numbered {
                steps.push((line, kw));
            }
            if let Some(parent) = parent {
                steps.extend(triggers[parent].iter().cloned());
            }
            stages.push((name, steps));
            triggers.push(vec![]);
        } else if OPS.contains(&kw.as_str()) {
            if let Some(stage) = stages.last_mut() {
                stage.1.push((line, kw));
            }
        } else if kw == "ONBUILD" {
            let inner = text
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_ascii_uppercase();
            if let Some(stage_triggers) = triggers.last_mut() {
                if OPS.contains(&inner.as_str()) {
                    stage_triggers.push((line, inner));
                }
            }
        }
    }
    let single = stages.len() == 1;
    let mut out = BTreeMap::new();
    for (name, steps) in stages {
        for (i, (line, kw)) in steps.into_iter().enumerate() {
            let stage = if single { String::new() } else { name.clone() };
            out.insert(
                line,
                (
                    StepName {
                        stage,
                        index: i + 1,
                    },
                    kw,
                ),
            );
        }
    }
    out
}

/// One vertex of the engine's progress output.
#[derive(Debug, Clone)]
pub struct EngineVertex {
    /// The number the engine gave the vertex (`#7`): later vertices have higher numbers.
    pub id: u64,
    pub name: StepName,
    pub text: String,
    pub cached: bool,
}

/// Reads `--progress=plain` output: vertices named `[stage i/n] TEXT` and whether a
/// `#id CACHED` line followed.
pub fn parse_progress(output: &str) -> Vec<EngineVertex> {
    let mut by_id: BTreeMap<u64, EngineVertex> = BTreeMap::new();
    for line in output.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((id, body)) = rest.split_once(' ') else {
            continue;
        };
        let Ok(id) = id.parse::<u64>() else {
            continue;
        };
        if body.trim() == "CACHED" {
            if let Some(v) = by_id.get_mut(&id) {
                v.cached = true;
            }
            continue;
        }
        let Some(inner) = body.strip_prefix('[') else {
            continue;
        };
        let Some((label, text)) = inner.split_once("] ") else {
            continue;
        };
        let (stage, counter) = match label.rsplit_once(' ') {
            Some((s, c)) => (s.to_string(), c),
            None => (String::new(), label),
        };
        let Some((index, _total)) = counter.split_once('/') else {
            continue;
        };
        let Ok(index) = index.trim().parse() else {
            continue;
        };
        by_id.entry(id).or_insert(EngineVertex {
            id,
            name: StepName { stage, index },
            text: text.to_string(),
            cached: false,
        });
    }
    by_id.into_values().collect()
}

/// The engine outcome per Dockerfile line: `cached`, `rebuild` or `absent`.
pub fn engine_outcome(
    dockerfile: &str,
    expect: &[Expect],
    progress: &str,
) -> Result<BTreeMap<usize, String>, String> {
    let lines: Vec<usize> = expect.iter().map(|e| e.line).collect();
    let names = engine_step_names(dockerfile, &lines);
    let vertices = parse_progress(progress);
    let mut out = BTreeMap::new();
    for (line, (name, kw)) in &names {
        if kw == "FROM" {
            continue; // image sources show as DONE or CACHED regardless of the build cache
        }
        // A single-stage file is printed without a stage name, or as `stage-0` when the
        // frontend created extra states (e.g. for mounts).
        let found: Vec<&EngineVertex> = vertices
            .iter()
            .filter(|v| {
                &v.name == name
                    || (name.stage.is_empty()
                        && v.name.stage == "stage-0"
                        && v.name.index == name.index)
            })
            .collect();
        // An `ADD <url>` shows twice under one name: the download and then the copy. The
        // copy decides: the download is re-done for a URL without a checksum, and one with
        // a checksum can be found in the cache from any earlier build of that checksum.
        if found.is_empty() {
            out.insert(*line, "absent".to_string());
            continue;
        }
        for v in &found {
            let text = v.text.to_ascii_uppercase();
            // Docker 28 prints an ONBUILD trigger as `ONBUILD COPY ...`, 20.10 as `COPY ...`.
            let text = text.strip_prefix("ONBUILD ").unwrap_or(&text);
            if !text.starts_with(kw.as_str()) {
                return Err(format!(
                    "line {line}: engine step [{} {}] is `{}`, expected a {kw}",
                    name.stage, name.index, v.text
                ));
            }
        }
        let last = found.iter().max_by_key(|v| v.id).expect("not empty");
        let status = if last.cached { "cached" } else { "rebuild" };
        out.insert(*line, status.to_string());
    }
    Ok(out)
}

/// The docker client and socket of one running engine (see `scripts/engine.sh env`).
pub struct Engine {
    docker_host: String,
    /// The client binary matching the daemon (`$BERTH_DOCKER`).
    client: String,
    /// Which engine answers: `28` (Docker 28, the reference) or `20` (Docker 20.10).
    pub version: String,
}

impl Engine {
    /// The engine, when `$BERTH_ENGINE` is 1 and it answers. `scripts/engine.sh env 28|20`
    /// sets `DOCKER_HOST`, `DOCKER_CONFIG`, `BERTH_DOCKER` and `BERTH_ENGINE_VERSION`.
    pub fn from_env() -> Result<Engine, String> {
        if std::env::var("BERTH_ENGINE").as_deref() != Ok("1") {
            return Err("$BERTH_ENGINE is not 1 (run `scripts/engine.sh up 28`, \
                 `eval \"$(scripts/engine.sh env 28)\"` and export BERTH_ENGINE=1)"
                .into());
        }
        let (Ok(docker_host), Ok(version)) = (
            std::env::var("DOCKER_HOST"),
            std::env::var("BERTH_ENGINE_VERSION"),
        ) else {
            return Err(
                "DOCKER_HOST or BERTH_ENGINE_VERSION is not set (eval \"$(scripts/engine.sh env 28)\")"
                    .into(),
            );
        };
        let client = std::env::var("BERTH_DOCKER").unwrap_or_else(|_| "docker".to_string());
        let engine = Engine {
            docker_host,
            client,
            version,
        };
        let out = engine.docker(&["version"], None)?;
        if !out.0 {
            return Err(format!("the engine does not answer: {}", out.1));
        }
        Ok(engine)
    }

    /// The engine's name in scenario files: `docker28` or `docker20`.
    pub fn name(&self) -> String {
        format!("docker{}", self.version)
    }

    /// Runs the engine's client with ARGS; returns (success, stdout+stderr).
    pub fn docker(&self, args: &[&str], dir: Option<&Path>) -> Result<(bool, String), String> {
        let mut cmd = Command::new(&self.client);
        cmd.args(args)
            .env("DOCKER_HOST", &self.docker_host)
            .env("DOCKER_BUILDKIT", "1");
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let out = cmd.output().map_err(|e| format!("docker: {e}"))?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok((out.status.success(), text))
    }

    /// Builds a private base image (berth-base plus a unique file) so that no build
    /// cache from other scenarios or earlier runs can be reused.
    pub fn private_base(&self, tag: &str) -> Result<(), String> {
        self.private_base_on(tag, "berth-base")
    }

    /// Like [`Engine::private_base`], on top of the image `from`.
    pub fn private_base_on(&self, tag: &str, from: &str) -> Result<(), String> {
        let dir = tempdir();
        let nonce = format!(
            "{tag} {:?}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)
        );
        fs::write(
            dir.path().join("Dockerfile"),
            format!("FROM {from}\nRUN echo '{nonce}' > /.berth-nonce\n"),
        )
        .map_err(|e| e.to_string())?;
        let (ok, out) = self.docker(
            &[
                "build",
                "--network=none",
                "--progress=plain",
                "-t",
                tag,
                ".",
            ],
            Some(dir.path()),
        )?;
        if ok {
            Ok(())
        } else {
            Err(format!("building the private base image failed:\n{out}"))
        }
    }

    /// Builds the context in `dir`; returns the progress output.
    pub fn build(
        &self,
        dir: &Path,
        tag: &str,
        args: &[(String, String)],
        target: Option<&str>,
    ) -> Result<String, String> {
        let mut argv: Vec<String> = ["build", "--network=none", "--progress=plain", "-t", tag]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (k, v) in args {
            argv.push("--build-arg".into());
            argv.push(format!("{k}={v}"));
        }
        if let Some(t) = target {
            argv.push("--target".into());
            argv.push(t.to_string());
        }
        argv.push(".".into());
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (ok, out) = self.docker(&refs, Some(dir))?;
        if ok {
            Ok(out)
        } else {
            Err(format!("docker build failed:\n{out}"))
        }
    }

    pub fn remove_image(&self, tag: &str) {
        let _ = self.docker(&["rmi", "-f", tag], None);
    }
}

/// The address scenario Dockerfiles use for the [`FileServer`].
pub const SERVER_PLACEHOLDER: &str = "http://berth-scenario-server/";

/// A small HTTP server on 127.0.0.1 serving the files of one folder, for `ADD <url>`
/// scenarios: the engine's daemon fetches URLs itself, from the host's network, so it
/// reaches this server although builds run with `--network=none`. Stops when dropped.
pub struct FileServer {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FileServer {
    pub fn start(root: &Path) -> Result<FileServer, String> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}/",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => serve_one(stream, &root),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(std::time::Duration::from_millis(20))
                    }
                    Err(_) => break,
                }
            }
        });
        Ok(FileServer {
            url,
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers one request: the file under `root` named by the path, or 404.
fn serve_one(mut stream: std::net::TcpStream, root: &Path) {
    use std::io::Read;
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let request = String::from_utf8_lossy(&request);
    let mut words = request.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("/").split('?').next().unwrap_or("/");
    let file = path.trim_start_matches('/');
    let body = (!file.split('/').any(|part| part == ".."))
        .then(|| fs::read(root.join(file)).ok())
        .flatten();
    let response = match body {
        Some(body) => {
            let mut head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            if method != "HEAD" {
                head.extend_from_slice(&body);
            }
            head
        }
        None => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = stream.write_all(&response);
}

/// Replaces the image `berth-base` in FROM lines by a private base image, and the
/// [`SERVER_PLACEHOLDER`] by `server` when given.
pub fn rebase_dockerfile(dir: &Path, base: &str, server: Option<&str>) -> Result<(), String> {
    let path = dir.join("Dockerfile");
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(());
    };
    let out: Vec<String> = text
        .split_inclusive('\n')
        .map(|l| {
            let l = match server {
                Some(url) => l.replace(SERVER_PLACEHOLDER, url),
                None => l.to_string(),
            };
            if l.trim_start().to_ascii_uppercase().starts_with("FROM ") {
                l.replacen(" berth-base", &format!(" {base}"), 1)
            } else {
                l
            }
        })
        .collect();
    fs::write(&path, out.concat()).map_err(|e| e.to_string())
}
