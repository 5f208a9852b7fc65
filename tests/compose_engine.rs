//! Compose projects against the real `docker compose build` (DESIGN.md 3.7 and 5).
//!
//! Runs only when `$BERTH_ENGINE` is 1 and the engine's client has the compose plugin
//! (`eval "$(scripts/engine.sh env 28)"`); otherwise prints SKIPPED and why. For every
//! scenario of `tests/compose-scenarios/`: write the project, `docker compose build`, run
//! `berth cache record --compose`, apply the change, run `berth cache plan --compose`,
//! build again with `--progress=plain`, and compare, service by service and step by step,
//! berth's plan with what compose printed as CACHED.
//!
//! A scenario file holds `describe: ...`, then `--- file PATH` sections (the project;
//! `berth-base` is replaced by a private base image so no cache survives from elsewhere)
//! and a `--- change` section of `sh -e` commands run in the project between the builds.
//! Builds need `network: none` in each build section (the test engine has no bridge).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Scenario {
    name: String,
    describe: String,
    files: Vec<(String, String)>,
    change: String,
}

fn load_scenario(path: &Path) -> Scenario {
    let text = fs::read_to_string(path).unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let mut sc = Scenario {
        name,
        describe: String::new(),
        files: vec![],
        change: String::new(),
    };
    let mut current: Option<(String, String)> = None;
    let flush = |current: &mut Option<(String, String)>, sc: &mut Scenario| {
        if let Some((header, body)) = current.take() {
            match header.split_whitespace().collect::<Vec<_>>().as_slice() {
                ["file", path] => sc.files.push((path.to_string(), body)),
                ["change"] => sc.change = body,
                other => panic!("{}: unknown section {other:?}", path.display()),
            }
        }
    };
    for line in text.split_inclusive('\n') {
        if let Some(header) = line.strip_prefix("--- ") {
            flush(&mut current, &mut sc);
            current = Some((header.trim().to_string(), String::new()));
        } else if let Some((_, body)) = &mut current {
            body.push_str(line);
        } else if let Some(d) = line.strip_prefix("describe:") {
            sc.describe = d.trim().to_string();
        }
    }
    flush(&mut current, &mut sc);
    sc
}

/// The engine: its client, socket and client configuration (with the compose plugin).
struct Engine {
    docker: String,
    env: Vec<(String, String)>,
}

impl Engine {
    fn from_env() -> Result<Engine, String> {
        if std::env::var("BERTH_ENGINE").as_deref() != Ok("1") {
            return Err("$BERTH_ENGINE is not 1 (run scripts/engine.sh up 28, eval \"$(scripts/engine.sh env 28)\" and export BERTH_ENGINE=1)".into());
        }
        let docker = std::env::var("BERTH_DOCKER").unwrap_or_else(|_| "docker".into());
        let mut env = vec![(
            "PATH".to_string(),
            std::env::var("PATH").unwrap_or_default(),
        )];
        for key in ["DOCKER_HOST", "DOCKER_CONFIG", "HOME"] {
            if let Ok(v) = std::env::var(key) {
                env.push((key.to_string(), v));
            }
        }
        let engine = Engine { docker, env };
        let (ok, out) = engine.run(&["compose", "version"], None)?;
        if !ok {
            return Err(format!("`docker compose` is not available: {out}"));
        }
        Ok(engine)
    }

    /// Runs the client with ARGS in a clean environment (only the engine's variables), so
    /// the project's `.env` is what compose interpolates with.
    fn run(&self, args: &[&str], dir: Option<&Path>) -> Result<(bool, String), String> {
        let mut cmd = Command::new(&self.docker);
        cmd.args(args).env_clear().envs(self.env.iter().cloned());
        if let Some(dir) = dir {
            cmd.current_dir(dir);
        }
        let out = cmd.output().map_err(|e| format!("{}: {e}", self.docker))?;
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok((out.status.success(), text))
    }

    /// A base image of its own for a scenario (berth-base plus a unique file).
    fn private_base(&self, tag: &str) -> Result<(), String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let nonce = format!(
            "{tag} {:?}",
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)
        );
        fs::write(
            dir.path().join("Dockerfile"),
            format!("FROM berth-base\nRUN echo '{nonce}' > /.berth-nonce\n"),
        )
        .map_err(|e| e.to_string())?;
        let (ok, out) = self.run(
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

    fn compose_build(&self, dir: &Path, project: &str) -> Result<String, String> {
        let (ok, out) = self.run(
            &["compose", "-p", project, "--progress=plain", "build"],
            Some(dir),
        )?;
        if ok {
            Ok(out)
        } else {
            Err(format!("docker compose build failed:\n{out}"))
        }
    }
}

/// One vertex of compose's progress output: `#N [service stage i/n] TEXT` (the stage
/// only for multi-stage files; the service only when compose builds several).
#[derive(Debug)]
struct Vertex {
    /// The label's words before `i/n`.
    words: Vec<String>,
    index: usize,
    text: String,
    cached: bool,
}

impl Vertex {
    /// Whether this is step `index` of `stage` of `service`'s build (`alone`: compose built
    /// only that service, and names no service).
    fn is(&self, service: &str, stage: &str, index: usize, alone: bool) -> bool {
        if self.index != index {
            return false;
        }
        let words: Vec<&str> = self.words.iter().map(String::as_str).collect();
        let rest = match words.split_first() {
            Some((first, rest)) if !alone && *first == service => rest,
            _ if alone => &words[..],
            _ => return false,
        };
        match rest {
            [] => stage.is_empty(),
            [s] => *s == stage || (stage.is_empty() && *s == "stage-0"),
            _ => false,
        }
    }
}

fn parse_progress(output: &str) -> Vec<Vertex> {
    let mut by_id: BTreeMap<String, Vertex> = BTreeMap::new();
    for line in output.lines() {
        let Some((id, body)) = line.strip_prefix('#').and_then(|r| r.split_once(' ')) else {
            continue;
        };
        if body.trim() == "CACHED" {
            if let Some(v) = by_id.get_mut(id) {
                v.cached = true;
            }
            continue;
        }
        let Some((label, text)) = body.strip_prefix('[').and_then(|b| b.split_once("] ")) else {
            continue;
        };
        let mut words: Vec<String> = label.split_whitespace().map(str::to_string).collect();
        let Some(counter) = words.pop() else { continue };
        let Some((index, _)) = counter.split_once('/') else {
            continue;
        };
        let Ok(index) = index.parse() else { continue };
        if words.first().is_some_and(|w| w == "internal") || words.len() > 2 {
            continue;
        }
        by_id.entry(id.to_string()).or_insert(Vertex {
            words,
            index,
            text: text.to_string(),
            cached: false,
        });
    }
    by_id.into_values().collect()
}

/// Per Dockerfile line of a step, the name the engine prints: (stage, index in stage).
/// Counted from the text alone (not with berth's parser): per stage, the FROM of an image
/// is 1, then every RUN, COPY, ADD and WORKDIR; FROM of an earlier stage is not numbered.
fn step_names(dockerfile: &str) -> BTreeMap<usize, (String, usize, String)> {
    let mut out = BTreeMap::new();
    let mut stages: Vec<(String, Vec<(usize, String)>)> = vec![];
    let mut names: Vec<String> = vec![];
    for (i, line) in dockerfile.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(kw) = words.first().map(|w| w.to_ascii_uppercase()) else {
            continue;
        };
        if kw == "FROM" {
            let image: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let base = image.first().copied().unwrap_or("").to_ascii_lowercase();
            let name = if image.len() == 3 {
                image[2].to_ascii_lowercase()
            } else {
                format!("stage-{}", stages.len())
            };
            let mut steps = vec![];
            if base != "scratch" && !names.contains(&base) {
                steps.push((i + 1, kw.clone()));
            }
            names.push(name.clone());
            stages.push((name, steps));
        } else if ["RUN", "COPY", "ADD", "WORKDIR"].contains(&kw.as_str()) {
            if let Some(stage) = stages.last_mut() {
                stage.1.push((i + 1, kw));
            }
        }
    }
    let single = stages.len() == 1;
    for (name, steps) in stages {
        for (n, (line, kw)) in steps.into_iter().enumerate() {
            let stage = if single { String::new() } else { name.clone() };
            out.insert(line, (stage, n + 1, kw));
        }
    }
    out
}

/// What the engine did for each step line of a service's Dockerfile: cached, rebuild or
/// absent. A step identical to another service's is printed once, under either name.
fn engine_outcome(
    service: &str,
    dockerfile: &str,
    vertices: &[Vertex],
    alone: bool,
) -> BTreeMap<usize, String> {
    let mut out = BTreeMap::new();
    for (line, (stage, index, kw)) in step_names(dockerfile) {
        if kw == "FROM" {
            continue; // image sources print DONE or CACHED whatever the build cache holds
        }
        let own = vertices
            .iter()
            .find(|v| v.is(service, &stage, index, alone));
        let instruction = dockerfile.lines().nth(line - 1).unwrap_or("").trim();
        let shared = || {
            vertices.iter().find(|v| {
                !alone
                    && v.words.first().is_some_and(|w| w != service)
                    && v.text.trim() == instruction
            })
        };
        let status = match own.or_else(shared) {
            Some(v) if v.cached => "cached",
            Some(_) => "rebuild",
            None => "absent",
        };
        out.insert(line, status.to_string());
    }
    out
}

fn berth(args: &[&str], dir: &Path, env: &[(String, String)]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().cloned())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "berth {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn sh(script: &str, dir: &Path) -> Result<(), String> {
    if script.trim().is_empty() {
        return Ok(());
    }
    let mut child = Command::new("sh")
        .arg("-e")
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(script.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "change failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[derive(Default)]
struct Outcome {
    services: usize,
    steps: usize,
    agree: usize,
    maybe: usize,
    rebuilt: usize,
    problems: Vec<String>,
}

fn run_one(engine: &Engine, sc: &Scenario, seq: usize) -> Result<Outcome, String> {
    let work = tempfile::Builder::new()
        .prefix("berth-compose-scn-")
        .tempdir()
        .map_err(|e| e.to_string())?;
    let dir = work.path().join("project");
    let state = work.path().join("state");
    let tag = format!("berth-compose-scn-{}-{seq}", std::process::id());
    let project = tag.clone();
    engine.private_base(&tag)?;
    let result = (|| {
        for (path, content) in &sc.files {
            let p = dir.join(path);
            fs::create_dir_all(p.parent().ok_or("bad path")?).map_err(|e| e.to_string())?;
            fs::write(&p, content.replace("berth-base", &tag)).map_err(|e| e.to_string())?;
        }
        engine.compose_build(&dir, &project)?;
        berth(
            &[
                "cache",
                "record",
                "--compose",
                ".",
                "--state",
                &state.to_string_lossy(),
            ],
            &dir,
            &engine.env,
        )?;
        sh(&sc.change.replace("berth-base", &tag), &dir)?;
        let plan = berth(
            &[
                "cache",
                "plan",
                "--compose",
                ".",
                "--state",
                &state.to_string_lossy(),
                "--format",
                "json",
            ],
            &dir,
            &engine.env,
        )?;
        let progress = engine.compose_build(&dir, &project)?;
        let plan: serde_json::Value = serde_json::from_str(&plan).map_err(|e| e.to_string())?;
        let vertices = parse_progress(&progress);
        let mut out = Outcome::default();
        let services = plan["services"]
            .as_array()
            .ok_or("no services in the plan")?;
        let alone = services.len() == 1;
        for service in services {
            out.services += 1;
            let name = service["service"].as_str().unwrap_or("");
            // The Dockerfile as the engine got it: the file, or the inline text berth saw.
            let dockerfile = match service["dockerfile"].as_str() {
                Some(path) => fs::read_to_string(dir.join(path)).map_err(|e| e.to_string())?,
                None => inline_text(&dir, name)?,
            };
            let engine_status = engine_outcome(name, &dockerfile, &vertices, alone);
            let berth_status: BTreeMap<usize, String> = service["steps"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|s| {
                    (
                        s["line"].as_u64().unwrap_or(0) as usize,
                        s["status"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            for (line, seen) in &engine_status {
                out.steps += 1;
                if seen == "rebuild" {
                    out.rebuilt += 1;
                }
                let predicted = berth_status
                    .get(line)
                    .map(String::as_str)
                    .unwrap_or("missing");
                let agrees = match predicted {
                    "maybe" => seen != "absent",
                    "skipped" | "metadata" => seen == "absent",
                    other => other == seen,
                };
                if agrees {
                    out.agree += 1;
                    out.maybe += usize::from(predicted == "maybe");
                } else {
                    out.problems.push(format!(
                        "service {name} line {line}: berth {predicted}, compose {seen}"
                    ));
                }
            }
        }
        if !out.problems.is_empty() {
            out.problems.push(format!("compose output:\n{progress}"));
        }
        Ok(out)
    })();
    let _ = engine.run(
        &["compose", "-p", &project, "down", "--rmi", "all"],
        Some(&dir),
    );
    let _ = engine.run(&["rmi", "-f", &tag], None);
    result
}

/// The inline Dockerfile of a service as compose resolved it (`docker compose config`
/// is not used: berth's own reading is what is being tested, so read the scenario's
/// compose file through berth-compose).
fn inline_text(dir: &Path, service: &str) -> Result<String, String> {
    let files = berth_compose::find_compose_files(dir);
    let env: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let project = berth_compose::load(&berth_compose::LoadOptions::new(files, env))
        .map_err(|e| e.to_string())?;
    let builds = project
        .builds(&[service.to_string()])
        .map_err(|e| e.to_string())?;
    match builds.first().map(|b| &b.dockerfile) {
        Some(berth_compose::Dockerfile::Inline { text, .. }) => Ok(text.clone()),
        _ => Err(format!("service {service} has no inline Dockerfile")),
    }
}

fn scenarios() -> Vec<Scenario> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/compose-scenarios");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "scn"))
        .collect();
    paths.sort();
    let only = std::env::var("BERTH_SCENARIO").ok();
    paths
        .iter()
        .filter(|p| match only.as_deref() {
            None => true,
            Some(o) => p.to_string_lossy().contains(o),
        })
        .map(|p| load_scenario(p))
        .collect()
}

#[test]
fn scenario_files_are_well_formed() {
    for sc in scenarios() {
        assert!(!sc.describe.is_empty(), "{}: no describe", sc.name);
        assert!(
            sc.files.iter().any(|(p, _)| p == "compose.yaml"),
            "{}: no compose.yaml",
            sc.name
        );
        assert!(!sc.change.trim().is_empty(), "{}: no change", sc.name);
    }
}

#[test]
fn compose_scenarios_against_the_engine() {
    let engine = match Engine::from_env() {
        Ok(e) => e,
        Err(why) => {
            println!("SKIPPED: compose scenarios against the engine: {why}");
            return;
        }
    };
    let mut failures = vec![];
    let (mut services, mut steps, mut agree, mut maybe, mut rebuilt, mut ok) = (0, 0, 0, 0, 0, 0);
    let all = scenarios();
    for (i, sc) in all.iter().enumerate() {
        match run_one(&engine, sc, i) {
            Ok(o) => {
                let mark = if o.problems.is_empty() {
                    "ok"
                } else {
                    "DISAGREE"
                };
                println!(
                    "{mark:8} {}: {} services, berth agrees with compose on {}/{} steps ({} re-ran) — {}",
                    sc.name, o.services, o.agree, o.steps, o.rebuilt, sc.describe
                );
                services += o.services;
                steps += o.steps;
                agree += o.agree;
                maybe += o.maybe;
                rebuilt += o.rebuilt;
                if o.problems.is_empty() {
                    ok += 1;
                } else {
                    failures.push(format!("{}:\n  {}", sc.name, o.problems.join("\n  ")));
                }
            }
            Err(e) => {
                println!("ERROR    {}: {e}", sc.name);
                failures.push(format!("{}: {e}", sc.name));
            }
        }
    }
    println!(
        "compose scenarios: berth agrees with compose {ok}/{}; services {services}; steps {agree}/{steps} ({maybe} of them `maybe`, {rebuilt} re-ran in the engine)",
        all.len()
    );
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}

#[test]
fn progress_lines_are_read_per_service_and_stage() {
    let out = "#6 [web 1/3] FROM docker.io/library/b:latest\n#6 CACHED\n#8 [api build 2/4] RUN echo one\n#9 [web 2/3] COPY a /a\n#9 DONE 0.1s\n";
    let v = parse_progress(out);
    assert_eq!(v.len(), 3);
    assert!(v[0].cached && v[0].is("web", "", 1, false));
    assert!(v[1].is("api", "build", 2, false));
    assert!(!v[1].is("web", "build", 2, false));
    assert!(!v[2].cached);
    // A build of one service names no service.
    let alone = parse_progress("#7 [2/3] COPY . /app/\n#7 CACHED\n#8 [build 3/3] RUN x\n");
    assert!(alone[0].is("app", "", 2, true) && alone[0].cached);
    assert!(alone[1].is("app", "build", 3, true));
    let names = step_names("FROM b AS build\nRUN x\nFROM build\nCOPY a /a\n");
    assert_eq!(names[&2], ("build".to_string(), 2, "RUN".to_string()));
    assert_eq!(names[&4], ("stage-1".to_string(), 1, "COPY".to_string()));
}
