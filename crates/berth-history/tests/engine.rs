//! The history repositories against the real engine (DESIGN.md section 5).
//!
//! Runs only when `$BERTH_ENGINE` is 1 (see `scripts/engine.sh`); otherwise prints
//! SKIPPED and why. For every repository of `tests/repos/`: generate the git repository,
//! then build each commit of main's first-parent line in turn, oldest first, with ONE
//! builder that keeps every earlier build (as a CI runner with a warm cache does), and
//! read from the engine's progress output which build steps were CACHED. The same again
//! for the `--what-if` Dockerfile, with a cache of its own. The answers must equal those
//! recorded in the repository file for this engine.
//!
//! `BERTH_HISTORY_RECORD=1` writes the answers into the files instead: on Docker 28 the
//! reference `--- expect` sections, on Docker 20.10 only the lines where it differs
//! (`--- expect docker20`). Record on Docker 28 first.
//!
//! Each repository gets private base images (the stand-in toolbox of
//! `fixtures/reorder/standins` plus a unique file, one per image name its Dockerfiles
//! start FROM), so no cache from other runs or repositories is ever reused.

#[path = "../../berth-cache/tests/common/mod.rs"]
mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{engine_outcome, keyword_at, Engine, Expect};
use support::{
    agrees, all_histories, berth_replay, tempdir, Commit, Expectations, History, ENGINES,
};

/// The engine's answers for one repository, per main-line commit, keyed like
/// [`Commit::expect`] (what-if?, "") — always the reference key: the engine's own view.
type Answers = Vec<BTreeMap<bool, BTreeMap<usize, String>>>;

const STANDINS_TAG: &str = "berth-history-standins";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the stand-in toolbox image once per run.
fn build_standins(engine: &Engine) -> Result<(), String> {
    let dir = workspace_root().join("fixtures/reorder/standins");
    let (ok, out) = engine.docker(
        &[
            "build",
            "-q",
            "--network=none",
            "-t",
            STANDINS_TAG,
            &dir.to_string_lossy(),
        ],
        None,
    )?;
    if ok {
        Ok(())
    } else {
        Err(format!("building the stand-in toolbox failed:\n{out}"))
    }
}

/// The image a FROM line names, when it names an image (not an earlier stage).
fn from_image(line: &str, stages: &[String]) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if !words.first()?.eq_ignore_ascii_case("FROM") {
        return None;
    }
    let image = words[1..].iter().find(|w| !w.starts_with("--"))?;
    let lower = image.to_ascii_lowercase();
    (lower != "scratch" && !stages.contains(&lower)).then(|| image.to_string())
}

/// Rewrites every FROM of an image to its private base, keeping line numbers.
fn rebase(text: &str, bases: &BTreeMap<String, String>) -> String {
    let mut stages: Vec<String> = vec![];
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        if let Some(image) = from_image(&line, &stages) {
            if let Some(base) = bases.get(&image) {
                line = line.replacen(&format!(" {image}"), &format!(" {base}"), 1);
            }
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.len() >= 4
            && words[0].eq_ignore_ascii_case("FROM")
            && words[words.len() - 2].eq_ignore_ascii_case("AS")
        {
            stages.push(words[words.len() - 1].to_ascii_lowercase());
        }
        out.push_str(&line);
    }
    out
}

/// Every image name the texts start FROM.
fn images(texts: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in texts {
        let mut stages: Vec<String> = vec![];
        for line in text.lines() {
            if let Some(image) = from_image(line, &stages) {
                out.insert(image);
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() >= 4
                && words[0].eq_ignore_ascii_case("FROM")
                && words[words.len() - 2].eq_ignore_ascii_case("AS")
            {
                stages.push(words[words.len() - 1].to_ascii_lowercase());
            }
        }
    }
    out
}

/// Writes commit `id`'s tree into `dir` as a fresh checkout with umask 022 would: files
/// 0644 or 0755, directories 0755.
fn materialize(repo: &Path, id: &str, dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let mut archive = Command::new("git")
        .args(["-c", "tar.umask=0022", "archive", "--format=tar", id])
        .current_dir(repo)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git archive: {e}"))?;
    let tar = Command::new("tar")
        .args(["-x", "--no-same-owner", "-p", "-C"])
        .arg(dir)
        .stdin(archive.stdout.take().expect("piped"))
        .output()
        .map_err(|e| format!("tar: {e}"))?;
    let archived = archive.wait().map_err(|e| e.to_string())?;
    if !archived.success() || !tar.status.success() {
        return Err(format!(
            "extracting {id}: {}",
            String::from_utf8_lossy(&tar.stderr)
        ));
    }
    Ok(())
}

/// The build-step lines of a Dockerfile (and the FROM lines that number them).
fn step_lines(dockerfile: &str) -> Vec<Expect> {
    (1..=dockerfile.lines().count())
        .filter(|&line| {
            matches!(
                keyword_at(dockerfile, line).as_str(),
                "FROM" | "RUN" | "COPY" | "ADD" | "WORKDIR"
            )
        })
        .map(|line| Expect {
            line,
            status: "cached".into(),
            engine: None,
        })
        .collect()
}

/// Builds every main-line commit of `h` (its Dockerfile, or the what-if) in turn.
fn replay(
    engine: &Engine,
    h: &History,
    repo: &Path,
    ids: &[String],
    what_if: bool,
    seq: usize,
) -> Result<Vec<BTreeMap<usize, String>>, String> {
    let prefix = format!("berth-hist-{}-{seq}", std::process::id());
    let mut texts: Vec<String> = h.what_if.iter().cloned().collect();
    for c in h.commits() {
        for edit in &c.edits {
            if let support::Edit::File { content, .. } = edit {
                texts.push(content.clone());
            }
        }
    }
    // Image names come from every file of every commit (a FROM line in a non-Dockerfile
    // is harmless: it only gets a base image it never uses).
    let mut bases = BTreeMap::new();
    for (n, image) in images(&texts).into_iter().enumerate() {
        let tag = format!("{prefix}-base{n}");
        engine.private_base_on(&tag, STANDINS_TAG)?;
        bases.insert(image, tag);
    }
    let tag = format!("{prefix}-out");
    let work = tempdir();
    let result = (|| {
        let mut out = vec![];
        for (i, (commit, id)) in h.main_line().into_iter().zip(ids).enumerate() {
            if commit.not_built {
                out.push(BTreeMap::new());
                continue;
            }
            let tree = work.path().join(format!("c{i}"));
            materialize(repo, id, &tree)?;
            let ctx = tree.join(&h.context);
            let df_path = ctx.join(&h.dockerfile);
            let text = if what_if {
                h.what_if.clone().expect("a what-if")
            } else {
                fs::read_to_string(&df_path).map_err(|e| {
                    format!("commit `{}`: {}: {e}", commit.subject, df_path.display())
                })?
            };
            fs::write(&df_path, rebase(&text, &bases)).map_err(|e| e.to_string())?;
            let progress = engine
                .build(&ctx, &tag, &h.args, h.target.as_deref())
                .map_err(|e| format!("commit `{}`: {e}", commit.subject))?;
            let outcome = engine_outcome(&text, &step_lines(&text), &progress)
                .map_err(|e| format!("commit `{}`: {e}", commit.subject))?;
            // FROM lines are not in the outcome: an image source shows the same either way.
            out.push(outcome);
            let _ = fs::remove_dir_all(&tree);
        }
        Ok(out)
    })();
    engine.remove_image(&tag);
    for base in bases.values() {
        engine.remove_image(base);
    }
    result
}

/// Builds both histories of one repository; returns its answers.
fn run_one(engine: &Engine, h: &History, seq: usize) -> Result<Answers, String> {
    let work = tempdir();
    let repo = work.path().join("repo");
    let ids = h.generate(&repo)?;
    let main = replay(engine, h, &repo, &ids, false, seq * 2)?;
    let what_if = match &h.what_if {
        Some(_) => Some(replay(engine, h, &repo, &ids, true, seq * 2 + 1)?),
        None => None,
    };
    Ok((0..ids.len())
        .map(|i| {
            let mut answer = BTreeMap::new();
            answer.insert(false, main[i].clone());
            if let Some(w) = &what_if {
                answer.insert(true, w[i].clone());
            }
            answer
        })
        .collect())
}

/// The steps where berth's replay of `h` differs from what the engine did.
fn berth_disagreements(
    h: &History,
    engine: &str,
    answers: &Answers,
) -> Result<Vec<String>, String> {
    let work = tempdir();
    let (_, history) = berth_replay(h, &work.path().join("repo"), engine)?;
    let mut out = vec![];
    for (what_if, builds) in std::iter::once((false, &history.commits))
        .chain(history.what_if.as_ref().map(|w| (true, &w.commits)))
    {
        for ((commit, answer), build) in h.main_line().into_iter().zip(answers).zip(builds) {
            let Some(seen) = answer.get(&what_if).filter(|s| !s.is_empty()) else {
                continue;
            };
            let label = if what_if { " (what-if)" } else { "" };
            for (line, engine) in seen {
                let got = build
                    .steps
                    .iter()
                    .find(|s| s.line == *line)
                    .map(|s| s.status.as_str())
                    .unwrap_or("missing");
                if !agrees(got, engine) {
                    out.push(format!(
                        "commit `{}`{label} line {line}: berth {got}, engine {engine}",
                        commit.subject
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The differences between what the file expects of `engine` and what it did.
fn disagreements(h: &History, engine: &str, answers: &Answers) -> Vec<String> {
    let mut out = vec![];
    for (commit, answer) in h.main_line().into_iter().zip(answers) {
        for (what_if, seen) in answer {
            if commit.not_built {
                continue;
            }
            let expected = commit.expected(*what_if, engine);
            if &expected != seen {
                let label = if *what_if { " (what-if)" } else { "" };
                for line in expected.keys().chain(seen.keys()).collect::<BTreeSet<_>>() {
                    let e = expected.get(line).map(String::as_str).unwrap_or("missing");
                    let s = seen.get(line).map(String::as_str).unwrap_or("missing");
                    if e != s {
                        out.push(format!(
                            "commit `{}`{label} line {line}: engine {s}, file expects {e}",
                            commit.subject
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The expectations to write for `engine`: the reference ones on Docker 28, else the
/// recorded reference plus this engine's differences.
fn recorded(h: &History, engine: &str, answers: &Answers) -> Vec<Expectations> {
    h.main_line()
        .into_iter()
        .zip(answers)
        .map(|(commit, answer): (&Commit, _)| {
            let mut out = BTreeMap::new();
            for (what_if, seen) in answer {
                if commit.not_built {
                    continue;
                }
                if engine == ENGINES[0] {
                    out.insert((*what_if, String::new()), seen.clone());
                    // Another engine's differences stay as recorded.
                    for ((w, e), lines) in &commit.expect {
                        if *w == *what_if && !e.is_empty() {
                            out.insert((*w, e.clone()), lines.clone());
                        }
                    }
                } else {
                    let reference = commit.expected(*what_if, ENGINES[0]);
                    out.insert((*what_if, String::new()), reference.clone());
                    let differs: BTreeMap<usize, String> = seen
                        .iter()
                        .filter(|(l, s)| reference.get(l) != Some(s))
                        .map(|(l, s)| (*l, s.clone()))
                        .collect();
                    out.insert((*what_if, engine.to_string()), differs);
                }
            }
            out
        })
        .collect()
}

#[test]
fn histories_against_the_engine() {
    let engine = match Engine::from_env() {
        Ok(e) => e,
        Err(why) => {
            println!("SKIPPED: history repositories against the engine: {why}");
            return;
        }
    };
    let name = engine.name();
    if !ENGINES.contains(&name.as_str()) {
        println!("SKIPPED: history repositories: no recorded answers for engine {name}");
        return;
    }
    let record = std::env::var("BERTH_HISTORY_RECORD").as_deref() == Ok("1");
    build_standins(&engine).unwrap_or_else(|e| panic!("{e}"));
    let histories = all_histories();
    let mut failures = vec![];
    let (mut builds, mut steps, mut agree) = (0, 0, 0);
    for (seq, (path, h)) in histories.iter().enumerate() {
        let start = std::time::Instant::now();
        let mut result = run_one(&engine, h, seq);
        if !record {
            // The engine is not perfectly repeatable under load (see the cache scenario
            // runner): a repository that disagrees is replayed once more, alone.
            let disagreed = match &result {
                Ok(a) => !disagreements(h, &name, a).is_empty(),
                Err(_) => true,
            };
            if disagreed {
                let retry = run_one(&engine, h, histories.len() + seq);
                if let (Ok(a), Ok(b)) = (&result, &retry) {
                    if a != b {
                        println!("FLAKY    {}: the engine answered differently on a second replay; counting the second", h.name);
                    }
                }
                result = retry;
            }
        }
        let answers = match result {
            Ok(a) => a,
            Err(e) => {
                println!("ERROR    {}: {e}", h.name);
                failures.push(format!("{}: {e}", h.name));
                continue;
            }
        };
        let n_builds: usize = answers
            .iter()
            .map(|a| a.values().filter(|s| !s.is_empty()).count())
            .sum();
        let n_steps: usize = answers
            .iter()
            .flat_map(|a| a.values())
            .map(|s| s.len())
            .sum();
        builds += n_builds;
        steps += n_steps;
        let secs = start.elapsed().as_secs();
        if record {
            let text = h.with_expectations(&recorded(h, &name, &answers));
            fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            println!(
                "recorded {}: {n_builds} builds, {n_steps} steps on {name} ({secs}s)",
                h.name
            );
            continue;
        }
        let mut problems = disagreements(h, &name, &answers);
        match berth_disagreements(h, &name, &answers) {
            Ok(p) => problems.extend(p),
            Err(e) => problems.push(format!("berth's replay failed: {e}")),
        }
        agree += n_steps - problems.len().min(n_steps);
        if problems.is_empty() {
            println!(
                "ok       {}: {n_builds} builds, {n_steps} steps as recorded on {name}, berth agrees ({secs}s)",
                h.name
            );
        } else {
            println!("DISAGREE {}: {} of {n_steps} steps", h.name, problems.len());
            failures.push(format!("{}:\n  {}", h.name, problems.join("\n  ")));
        }
    }
    if !record {
        println!(
            "history: {} repositories, {builds} builds, engine {name} as recorded and berth agreeing on {agree}/{steps} steps",
            histories.len()
        );
    }
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}
