//! Compose projects as input (DESIGN.md 3.7), as a user runs them: `berth lint
//! compose.yaml` and directories holding one, `berth cache ... --compose`, their JSON and
//! their errors and exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn berth(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.current_dir(dir)
        .args(args)
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join(".config"))
        .env("XDG_CACHE_HOME", dir.join(".cache"));
    for (k, _) in std::env::vars() {
        if k.starts_with("HADOLINT_")
            || k.starts_with("COMPOSE_")
            || k == "BUILDKIT_DOCKERFILE_CHECK"
        {
            cmd.env_remove(k);
        }
    }
    cmd.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const PROJECT: &[(&str, &str)] = &[
    (
        "compose.yaml",
        "services:\n  web:\n    build:\n      context: web\n      target: prod\n  inline:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM ubuntu\n        MAINTAINER someone\n  db:\n    image: postgres:16\n",
    ),
    ("web/Dockerfile", "FROM alpine:3.20 AS prod\nMAINTAINER web\n"),
    ("other/Dockerfile", "FROM alpine:3.20\nMAINTAINER other\n"),
];

fn findings(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&stdout(out))
        .unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn lint_compose_file_tags_findings_with_their_service() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), PROJECT);
    let out = berth(
        dir.path(),
        &[
            "lint",
            "compose.yaml",
            "--format",
            "json",
            "--select",
            "DL4000",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let found = findings(&out);
    let summary: Vec<(String, String, u64, u64)> = found
        .iter()
        .map(|f| {
            (
                f["service"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // The inline Dockerfile's MAINTAINER is line 2 of its text: line 11, column 9 of
    // compose.yaml.
    assert_eq!(
        summary,
        [
            ("inline".to_string(), "compose.yaml".to_string(), 11, 9),
            ("web".to_string(), "web/Dockerfile".to_string(), 2, 1)
        ]
    );
}

#[test]
fn lint_directory_with_compose_file_lints_services_and_the_other_dockerfiles_once() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), PROJECT);
    let out = berth(
        dir.path(),
        &["lint", ".", "--format", "json", "--select", "DL4000"],
    );
    let found = findings(&out);
    let files: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["service"].as_str()))
        .collect();
    assert_eq!(
        files,
        [
            ("compose.yaml", Some("inline")),
            ("web/Dockerfile", Some("web")),
            ("other/Dockerfile", None)
        ]
    );
}

#[test]
fn lint_reports_an_unknown_target_at_its_compose_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    build:\n      context: .\n      target: nope\n",
            ),
            ("Dockerfile", "FROM alpine:3.20 AS prod\n"),
        ],
    );
    let out = berth(dir.path(), &["lint", "compose.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("compose.yaml:5:15: services.web.build.target: target stage \"nope\" could not be found in Dockerfile (stages: prod)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn compose_errors_name_file_line_and_key_and_exit_2() {
    let cases: &[(&str, &[&str], &str)] = &[
        ("services:\n  web:\n    build: [\n", &["lint", "compose.yaml"], "compose.yaml:4:1: invalid YAML"),
        (
            "services:\n  web:\n    build: ./missing\n",
            &["lint", "compose.yaml"],
            "compose.yaml:3:12: services.web.build.context: build context folder",
        ),
        (
            "services:\n  web:\n    build:\n      context: .\n      args:\n        V: ${V:?set V}\n",
            &["cache", "plan", "--compose", "compose.yaml"],
            "compose.yaml:6:12: services.web.build.args.V: required variable V is missing a value: set V",
        ),
        (
            "services:\n  web:\n    build: .\n",
            &["cache", "plan", "--compose", "compose.yaml", "api"],
            "no such service: `api` (services: web)",
        ),
    ];
    for (compose, args, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("compose.yaml", compose),
                ("Dockerfile", "FROM alpine:3.20\n"),
            ],
        );
        let out = berth(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("compose.yaml", "services:\n  web:\n    build: .\n")],
    );
    let out = berth(
        dir.path(),
        &[
            "cache",
            "plan",
            "--compose",
            "compose.yaml",
            "-f",
            "Dockerfile",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cache_plan_per_service_json_and_remote_contexts() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    build:\n      context: app\n      args:\n        - VERSION\n  remote:\n    build: https://github.com/example/app.git\n",
            ),
            (".env", "VERSION=1\n"),
            ("app/Dockerfile", "FROM busybox\nARG VERSION\nCOPY a.txt /a.txt\nRUN echo $VERSION\n"),
            ("app/a.txt", "a"),
        ],
    );
    let root = dir.path();
    let state = root.join(".state");
    let state = state.to_str().unwrap();
    let out = berth(
        root,
        &[
            "cache",
            "record",
            "--compose",
            "compose.yaml",
            "--state",
            state,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("service `remote`: not predictable"),
        "{}",
        stderr(&out)
    );
    std::fs::write(root.join(".env"), "VERSION=2\n").unwrap();
    let out = berth(
        root,
        &[
            "cache",
            "plan",
            "--compose",
            ".",
            "--state",
            state,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let services = plan["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    let app = &services[0];
    assert_eq!(app["service"], "app");
    assert_eq!(app["context"], "app");
    assert_eq!(app["dockerfile"], "app/Dockerfile");
    let statuses: Vec<&str> = app["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    // The arg from .env changed: the RUN after its ARG re-runs, the COPY does not.
    assert_eq!(statuses, ["cached", "metadata", "cached", "rebuild"]);
    let remote = &services[1];
    assert_eq!(remote["predictable"], false);
    assert_eq!(remote["steps"].as_array().unwrap().len(), 0);
    // One service by name.
    let out = berth(
        root,
        &[
            "cache",
            "explain",
            "--compose",
            ".",
            "app",
            "--format",
            "json",
        ],
    );
    let x: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(x["services"].as_array().unwrap().len(), 1);
}

#[test]
fn one_services_missing_context_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  gone:\n    build: ../elsewhere\n  web:\n    build: web\n",
            ),
            ("web/Dockerfile", "FROM alpine:3.20\nMAINTAINER web\n"),
        ],
    );
    let out = berth(
        dir.path(),
        &[
            "lint",
            "compose.yaml",
            "--format",
            "json",
            "--select",
            "DL4000",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("compose.yaml:3:12: services.gone.build.context"),
        "{}",
        stderr(&out)
    );
    assert_eq!(findings(&out).len(), 1);
    let out = berth(
        dir.path(),
        &["cache", "plan", "--compose", ".", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let plan: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(plan["services"][0]["service"], "web");
}

#[test]
fn additional_contexts_and_build_context_are_read_by_the_steps_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "compose.yaml",
                "services:\n  app:\n    build:\n      context: app\n      additional_contexts:\n        shared: ./shared\n        base: docker-image://busybox:1.36\n",
            ),
            (
                "app/Dockerfile",
                "FROM busybox\nCOPY --from=shared config.txt /c\nCOPY --from=base /bin/sh /sh\nRUN echo done\n",
            ),
            ("shared/config.txt", "v1"),
        ],
    );
    let state = dir.path().join("states");
    let state = state.to_str().unwrap();
    let out = berth(
        dir.path(),
        &["cache", "record", "--compose", ".", "--state", state],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("not simulated"), "{}", stderr(&out));
    std::fs::write(dir.path().join("shared/config.txt"), "v2").unwrap();
    let out = berth(
        dir.path(),
        &[
            "cache",
            "plan",
            "--compose",
            ".",
            "--state",
            state,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let steps = json["services"][0]["steps"].as_array().unwrap();
    let statuses: Vec<&str> = steps
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["cached", "rebuild", "rebuild", "rebuild"]);
    assert_eq!(steps[1]["reason"]["paths"][0], "shared:config.txt");

    // The same build on the command line, with --build-context.
    let args = [
        "--build-context",
        "shared=shared",
        "--build-context",
        "base=docker-image://busybox:1.36",
        "--state",
        "single.state",
    ];
    let record: Vec<&str> = ["cache", "record", "app"]
        .iter()
        .chain(&args)
        .copied()
        .collect();
    let out = berth(dir.path(), &record);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: Vec<&str> = ["cache", "plan", "app", "--format", "json"]
        .iter()
        .chain(&args)
        .copied()
        .collect();
    let out = berth(dir.path(), &plan);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let statuses: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    // The image is not readable before the build: the step reading it is `maybe`.
    assert_eq!(statuses, ["cached", "cached", "maybe", "maybe"]);
    let out = berth(
        dir.path(),
        &["cache", "plan", "app", "--build-context", "shared"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("NAME=PATH"), "{}", stderr(&out));
}
