//! `berth cache history` as a user runs it (DESIGN.md 3.5): inside a generated history
//! repository, its JSON contract, ranges, the what-if, the HTML page, and its errors.

#[path = "../crates/berth-history/tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn berth(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The node-copy-all repository in a temporary folder, its main-line ids, and its
/// what-if Dockerfile written beside it.
fn node_repo() -> (tempfile::TempDir, Vec<String>) {
    let (_, h) = support::all_histories()
        .into_iter()
        .find(|(_, h)| h.name == "node-copy-all")
        .expect("node-copy-all.hist");
    let work = support::tempdir();
    let ids = h.generate(&work.path().join("repo")).unwrap();
    std::fs::write(work.path().join("reordered.Dockerfile"), h.what_if.unwrap()).unwrap();
    (work, ids)
}

#[test]
fn json_follows_the_contract() {
    let (work, ids) = node_repo();
    let repo = work.path().join("repo");
    let out = json(&berth(
        &repo,
        &[
            "cache",
            "history",
            "--format",
            "json",
            "--what-if",
            "../reordered.Dockerfile",
        ],
    ));
    let commits = out["commits"].as_array().unwrap();
    let revs: Vec<&str> = commits.iter().map(|c| c["rev"].as_str().unwrap()).collect();
    assert_eq!(revs, ids);
    // The first commit has no Dockerfile: reported, not built; the next is the baseline.
    assert!(commits[0]["skipped"]
        .as_str()
        .unwrap()
        .contains("no Dockerfile"));
    assert_eq!(commits[0]["steps"].as_array().unwrap().len(), 0);
    assert_eq!(commits[1]["baseline"], true);
    assert_eq!(commits[2]["baseline"], false);
    assert_eq!(commits[2]["subject"], "Say hello politely");
    let step = &commits[2]["steps"][2];
    for key in [
        "stage",
        "line",
        "end_line",
        "instruction",
        "status",
        "reason",
    ] {
        assert!(step.get(key).is_some(), "step lacks {key}: {step}");
    }
    assert_eq!(step["instruction"], "COPY . .");
    assert_eq!(step["status"], "rebuild");
    assert_eq!(step["reason"]["paths"][0], "src/routes.js");
    assert_eq!(out["summary"]["builds"], ids.len() - 2);
    let install = out["summary"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["instruction"] == "RUN npm ci")
        .unwrap();
    assert_eq!(install["rebuilds"], 9);
    assert_eq!(install["maybe"], 0);
    let alt = out["what_if"]["summary"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["instruction"] == "RUN npm ci")
        .unwrap();
    assert_eq!(
        alt["rebuilds"], 1,
        "the reorder re-runs the install only for the dependency change"
    );
}

#[test]
fn ranges_pick_first_parent_commits() {
    let (work, ids) = node_repo();
    let repo = work.path().join("repo");
    let out = json(&berth(
        &repo,
        &["cache", "history", "--format", "json", "-n", "3"],
    ));
    let commits = out["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 3);
    assert_eq!(commits[0]["rev"], ids[ids.len() - 3].as_str());
    assert_eq!(
        commits[0]["baseline"], true,
        "the oldest walked commit builds from an empty cache"
    );
    let range = format!("{}..{}", ids[2], ids[5]);
    let out = json(&berth(
        &repo,
        &["cache", "history", "--format", "json", "--range", &range],
    ));
    let revs: Vec<&str> = out["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rev"].as_str().unwrap())
        .collect();
    assert_eq!(revs, &ids[3..=5]);
}

#[test]
fn html_and_table_outputs() {
    let (work, _) = node_repo();
    let repo = work.path().join("repo");
    let page = work.path().join("history.html");
    let out = berth(
        &repo,
        &[
            "cache",
            "history",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
    let out = berth(&repo, &["cache", "history"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("RUN npm ci") && table.contains("9 of 11"),
        "{table}"
    );
    assert!(table.contains("not built:"), "{table}");
}

#[test]
fn errors_exit_2_with_what_to_do() {
    let (work, _) = node_repo();
    let repo = work.path().join("repo");
    let outside = support::tempdir();
    let cases: [(&Path, Vec<&str>, &str); 4] = [
        (
            outside.path(),
            vec!["cache", "history"],
            "not inside a git repository",
        ),
        (
            &repo,
            vec!["cache", "history", "--range", "nope..HEAD"],
            "does not name a commit",
        ),
        (
            &repo,
            vec!["cache", "history", "--range", "HEAD"],
            "expected A..B",
        ),
        (
            &repo,
            vec!["cache", "history", "-f", "/etc/hostname"],
            "outside the git repository",
        ),
    ];
    for (dir, args, message) in cases {
        let out = berth(dir, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn the_readme_example_is_what_berth_prints() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let command = "$ berth cache history --what-if ../greeter.what-if.Dockerfile\n";
    let start = readme.find(command).expect("the README's history example") + command.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let (_, h) = support::all_histories()
        .into_iter()
        .find(|(_, h)| h.name == "node-copy-all")
        .unwrap();
    let work = support::tempdir();
    let repo = work.path().join("greeter");
    h.generate(&repo).unwrap();
    std::fs::write(
        work.path().join("greeter.what-if.Dockerfile"),
        h.what_if.unwrap(),
    )
    .unwrap();
    let out = berth(
        &repo,
        &[
            "cache",
            "history",
            "--what-if",
            "../greeter.what-if.Dockerfile",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), shown);
}

/// One model: the history's step for a commit, with only the commit before it in the
/// cache, is exactly what `berth cache plan --since <the commit before>` says in an export
/// of that commit (`git archive`, so no `.git` folder joins the context) — the same
/// statuses and reasons (the changed paths too), as both come from berth-context's
/// snapshot and berth-cache's comparison.
#[test]
fn each_commit_of_the_history_is_what_plan_since_the_commit_before_says() {
    let mut compared = 0;
    for (_, h) in support::all_histories() {
        let work = support::tempdir();
        let repo = work.path().join("repo");
        let ids = h.generate(&repo).unwrap();
        let export = work.path().join("export");
        let mut build_args = vec![];
        for (k, v) in &h.args {
            build_args.push("--build-arg".to_string());
            build_args.push(format!("{k}={v}"));
        }
        if let Some(target) = &h.target {
            build_args.push("--target".to_string());
            build_args.push(target.clone());
        }
        let main_line = h.main_line();
        for i in 2..ids.len() {
            if main_line[i].not_built || main_line[i - 1].not_built {
                continue;
            }
            let _ = std::fs::remove_dir_all(&export);
            std::fs::create_dir(&export).unwrap();
            let archive = Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "git -C '{}' -c tar.umask=0022 archive {} | tar -x -C '{}'",
                    repo.display(),
                    ids[i],
                    export.display()
                ))
                .output()
                .unwrap();
            assert!(archive.status.success(), "{archive:?}");
            let in_tree = |root: &Path| {
                let context = root.join(&h.context);
                let dockerfile = context.join(&h.dockerfile);
                (
                    context.to_string_lossy().into_owned(),
                    dockerfile.to_string_lossy().into_owned(),
                )
            };
            let (ctx, df) = in_tree(&repo);
            let range = format!("{}..{}", ids[i - 2], ids[i]);
            let mut history_args = vec![
                "cache", "history", &ctx, "-f", &df, "--range", &range, "--format", "json",
            ];
            history_args.extend(build_args.iter().map(String::as_str));
            let history = json(&berth(&repo, &history_args));
            let (ctx, df) = in_tree(&export);
            let mut plan_args = vec![
                "cache",
                "plan",
                &ctx,
                "-f",
                &df,
                "--since",
                &ids[i - 1],
                "--format",
                "json",
            ];
            plan_args.extend(build_args.iter().map(String::as_str));
            let plan = Command::new(env!("CARGO_BIN_EXE_berth"))
                .current_dir(&export)
                .args(&plan_args)
                .env("GIT_DIR", repo.join(".git"))
                .env("GIT_WORK_TREE", &export)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .unwrap();
            let plan: Value = serde_json::from_slice(&plan.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&plan.stderr)));
            let commits = history["commits"].as_array().unwrap();
            assert_eq!(commits.len(), 2, "{}: {range}", h.name);
            assert_eq!(commits[1]["rev"], ids[i].as_str());
            assert_eq!(
                commits[1]["steps"], plan["steps"],
                "{}: commit `{}`",
                h.name, main_line[i].subject
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} commits compared");
}

#[test]
fn compose_replays_each_service_as_its_own_history() {
    let (work, _) = node_repo();
    let repo = work.path().join("repo");
    // The compose file of the work tree picks the builds; it need not be committed.
    std::fs::write(
        repo.join("compose.yaml"),
        "services:\n  app:\n    build: .\n  inline:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox\n  db:\n    image: postgres:16\n",
    )
    .unwrap();
    let single = json(&berth(&repo, &["cache", "history", "--format", "json"]));
    let out = json(&berth(
        &repo,
        &["cache", "history", "--compose", ".", "--format", "json"],
    ));
    let services = out["services"].as_array().unwrap();
    let names: Vec<&str> = services
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "inline"]);
    assert_eq!(services[0]["history"], single);
    assert_eq!(services[0]["dockerfile"], "Dockerfile");
    assert_eq!(services[1]["replayed"], false);
    assert!(services[1]["note"].as_str().unwrap().contains("inline"));
    // Only the services named.
    let out = json(&berth(
        &repo,
        &[
            "cache",
            "history",
            "--compose",
            ".",
            "app",
            "--format",
            "json",
        ],
    ));
    assert_eq!(out["services"].as_array().unwrap().len(), 1);
    let table = berth(&repo, &["cache", "history", "--compose", "."]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("service app"), "{text}");
    assert!(text.contains("commits walked"), "{text}");
    let html = berth(
        &repo,
        &["cache", "history", "--compose", ".", "--format", "html"],
    );
    assert_eq!(html.status.code(), Some(2));
}
