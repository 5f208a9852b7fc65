//! Loading whole projects from disk: files, `.env`, merging, include, extends, profiles and
//! the errors. Expected values were checked against `docker compose config` (2.40.3).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use berth_compose::{load, Build, Context, Dockerfile, LoadOptions};

/// Writes `files` (path, content) under a fresh directory.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        if path.ends_with('/') {
            std::fs::create_dir_all(&p).unwrap();
        } else {
            std::fs::write(p, content).unwrap();
        }
    }
    dir
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn builds_of(
    root: &Path,
    files: &[&str],
    env: HashMap<String, String>,
    names: &[&str],
) -> Vec<Build> {
    let files: Vec<PathBuf> = files.iter().map(|f| root.join(f)).collect();
    let project = load(&LoadOptions::new(files, env)).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    project.builds(&names).unwrap_or_else(|e| panic!("{e}"))
}

fn by_name<'a>(builds: &'a [Build], name: &str) -> &'a Build {
    builds
        .iter()
        .find(|b| b.service == name)
        .unwrap_or_else(|| panic!("no build {name}"))
}

fn args(b: &Build) -> Vec<(&str, &str)> {
    b.args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn local(b: &Build) -> &Path {
    match &b.context {
        Context::Local(p) => p,
        Context::Remote(r) => panic!("remote {r}"),
    }
}

fn dockerfile(b: &Build) -> &Path {
    b.dockerfile_path().expect("a Dockerfile path")
}

#[test]
fn short_form_defaults_env_file_and_image_only_services() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    build: ./web\n  api:\n    build:\n      dockerfile: api.Dockerfile\n      args:\n        - VERSION\n        - FROM_ENV\n        - UNSET\n        - LIST=1\n  db:\n    image: postgres:16\n",
        ),
        (".env", "VERSION=3\nFROM_ENV=file\n"),
        ("web/", ""),
    ]);
    let root = dir.path();
    let builds = builds_of(
        root,
        &["compose.yaml"],
        env(&[("FROM_ENV", "process")]),
        &[],
    );
    assert_eq!(builds.len(), 2, "db has no build");
    let web = by_name(&builds, "web");
    assert_eq!(local(web), root.join("web"));
    assert_eq!(dockerfile(web), root.join("web/Dockerfile"));
    let api = by_name(&builds, "api");
    assert_eq!(local(api), root);
    assert_eq!(dockerfile(api), root.join("api.Dockerfile"));
    // The process environment beats .env; a bare arg set nowhere is not passed.
    assert_eq!(
        args(api),
        [("VERSION", "3"), ("FROM_ENV", "process"), ("LIST", "1")]
    );
}

#[test]
fn interpolation_anchors_merge_keys_and_extension_fields() {
    let dir = project(&[
        (
            "compose.yaml",
            "x-args: &args\n  BASE: ${BASE:-alpine}\n  TAG: ${TAG-none}\n  LITERAL: $${NOT_EXPANDED}\nx-build: &build\n  context: .\n  target: ${TARGET:?set TARGET}\nservices:\n  a:\n    build:\n      <<: *build\n      args: *args\n  b:\n    build:\n      <<: *build\n      args:\n        ONLY: b\n      target: own\n",
        ),
        (".env", "TARGET=prod\nTAG=\n"),
    ]);
    let builds = builds_of(dir.path(), &["compose.yaml"], env(&[]), &[]);
    let a = by_name(&builds, "a");
    assert_eq!(a.target.as_deref(), Some("prod"));
    // `${TAG-none}` keeps an empty value that is set; `$$` is a literal `$`.
    assert_eq!(
        args(a),
        [
            ("BASE", "alpine"),
            ("TAG", ""),
            ("LITERAL", "${NOT_EXPANDED}")
        ]
    );
    // A merge key is shallow: b's own args replace the anchor's whole map.
    let b = by_name(&builds, "b");
    assert_eq!(args(b), [("ONLY", "b")]);
    assert_eq!(b.target.as_deref(), Some("own"));
}

#[test]
fn several_files_merge_and_resolve_against_the_first_files_directory() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  web:\n    build:\n      context: web\n      args:\n        A: base\n        B: base\n      target: dev\n",
        ),
        (
            "overrides/prod.yaml",
            "services:\n  web:\n    build:\n      context: app\n      args:\n        - B=prod\n        - C=new\n      target: prod\n",
        ),
        ("web/", ""),
        ("app/", ""),
    ]);
    let root = dir.path();
    let builds = builds_of(
        root,
        &["compose.yaml", "overrides/prod.yaml"],
        env(&[]),
        &[],
    );
    let web = by_name(&builds, "web");
    // `app` is relative to the project directory (the first file's), not overrides/.
    assert_eq!(local(web), root.join("app"));
    assert_eq!(web.target.as_deref(), Some("prod"));
    assert_eq!(args(web), [("A", "base"), ("B", "prod"), ("C", "new")]);
}

#[test]
fn compose_file_variable_and_override_discovery() {
    let dir = project(&[
        ("compose.yaml", "services:\n  web:\n    build: .\n"),
        (
            "compose.override.yaml",
            "services:\n  web:\n    build:\n      target: t\n",
        ),
        ("other.yaml", "services:\n  other:\n    build: .\n"),
    ]);
    let root = dir.path();
    let found = berth_compose::find_compose_files(root);
    assert_eq!(
        found,
        [
            root.join("compose.yaml"),
            root.join("compose.override.yaml")
        ]
    );
    let e = env(&[
        ("COMPOSE_FILE", "compose.yaml;other.yaml"),
        ("COMPOSE_PATH_SEPARATOR", ";"),
    ]);
    let files = LoadOptions::files_from_environment(&e, root).unwrap();
    assert_eq!(files, [root.join("compose.yaml"), root.join("other.yaml")]);
    let project = load(&LoadOptions::new(files, e)).unwrap();
    let names: Vec<&str> = project.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["other", "web"]);
}

#[test]
fn profiles_select_services_unless_named() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  always:\n    build: .\n  debug:\n    build: .\n    profiles: [debug]\n  tools:\n    build: .\n    profiles: [tools, debug]\n",
    )]);
    let root = dir.path();
    let names = |e, wanted: &[&str]| -> Vec<String> {
        builds_of(root, &["compose.yaml"], e, wanted)
            .into_iter()
            .map(|b| b.service)
            .collect()
    };
    assert_eq!(names(env(&[]), &[]), ["always"]);
    assert_eq!(
        names(env(&[("COMPOSE_PROFILES", "debug")]), &[]),
        ["always", "debug", "tools"]
    );
    assert_eq!(
        names(env(&[("COMPOSE_PROFILES", "tools")]), &[]),
        ["always", "tools"]
    );
    assert_eq!(
        names(env(&[("COMPOSE_PROFILES", "*")]), &[]),
        ["always", "debug", "tools"]
    );
    // Naming a service builds it whatever its profiles.
    assert_eq!(names(env(&[]), &["debug"]), ["debug"]);
}

#[test]
fn include_reads_its_own_env_file_but_the_parent_environment_wins() {
    let dir = project(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\nservices:\n  root:\n    build: .\n"),
        ("sub/compose.yaml", "services:\n  inc:\n    build:\n      context: app\n      dockerfile: ../D.df\n      args:\n        IV: ${IV:-none}\n        SHARED: ${SHARED}\n"),
        ("sub/.env", "IV=from-sub\nSHARED=sub\n"),
        (".env", "SHARED=root\n"),
        ("sub/app/", ""),
    ]);
    let root = dir.path();
    let builds = builds_of(root, &["compose.yaml"], env(&[]), &[]);
    let inc = by_name(&builds, "inc");
    assert_eq!(local(inc), root.join("sub/app"));
    assert_eq!(dockerfile(inc), root.join("sub/D.df"));
    assert_eq!(args(inc), [("IV", "from-sub"), ("SHARED", "root")]);
}

#[test]
fn extends_in_the_same_file_and_from_another_file() {
    let dir = project(&[
        (
            "compose.yaml",
            "services:\n  base:\n    build:\n      context: base\n      dockerfile: Dockerfile.base\n      args: [A=1, B=1]\n  child:\n    extends: base\n    build:\n      context: child\n      args: [B=2]\n  remote:\n    extends:\n      file: lib/common.yaml\n      service: common\n",
        ),
        ("lib/common.yaml", "services:\n  common:\n    build:\n      context: ctx\n      target: t\n"),
        ("base/", ""),
        ("child/", ""),
        ("lib/ctx/", ""),
    ]);
    let root = dir.path();
    let builds = builds_of(root, &["compose.yaml"], env(&[]), &[]);
    let child = by_name(&builds, "child");
    // The parent's dockerfile, now relative to the child's context.
    assert_eq!(local(child), root.join("child"));
    assert_eq!(dockerfile(child), root.join("child/Dockerfile.base"));
    assert_eq!(args(child), [("A", "1"), ("B", "2")]);
    // Paths of the extended file are relative to that file.
    let remote = by_name(&builds, "remote");
    assert_eq!(local(remote), root.join("lib/ctx"));
    assert_eq!(remote.target.as_deref(), Some("t"));
}

#[test]
fn inline_dockerfiles_remote_contexts_and_additional_contexts() {
    let dir = project(&[(
        "compose.yaml",
        "services:\n  inline:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM busybox\n        RUN echo ${MSG:-hi}\n      additional_contexts:\n        assets: ./assets\n        base: docker-image://alpine:3.20\n  git:\n    build: https://github.com/example/app.git#main\n",
    )]);
    let root = dir.path();
    let builds = builds_of(root, &["compose.yaml"], env(&[]), &[]);
    let inline = by_name(&builds, "inline");
    match &inline.dockerfile {
        Dockerfile::Inline {
            text, first_line, ..
        } => {
            assert_eq!(text, "FROM busybox\nRUN echo hi\n");
            assert_eq!(*first_line, 6);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        inline.additional_contexts,
        [
            (
                "assets".to_string(),
                root.join("assets").display().to_string()
            ),
            ("base".to_string(), "docker-image://alpine:3.20".to_string())
        ]
    );
    let git = by_name(&builds, "git");
    assert_eq!(
        git.context,
        Context::Remote("https://github.com/example/app.git#main".into())
    );
}

/// An error case: the project's files, the services asked for, and the expected message.
type ErrorCase<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);

/// Every error names the file, line and key.
#[test]
fn errors_name_file_line_and_key() {
    let cases: &[ErrorCase] = &[
        (
            &[("compose.yaml", "services:\n  web:\n    build: [\n")],
            &[],
            "compose.yaml:4:1: invalid YAML",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build:\n      context: missing\n")],
            &[],
            "compose.yaml:4:16: services.web.build.context: build context folder",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build: .\n")],
            &["nope"],
            "compose.yaml:1:1: services: no such service: `nope` (services: web)",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build:\n      context: .\n      args:\n        V: ${V:?set V in .env}\n")],
            &[],
            "compose.yaml:6:12: services.web.build.args.V: required variable V is missing a value: set V in .env",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build:\n      context: .\n      target: ${oops\n")],
            &[],
            "compose.yaml:5:15: services.web.build.target: invalid interpolation format",
        ),
        (
            &[
                ("compose.yaml", "include: [sub.yaml]\nservices:\n  web:\n    build: .\n"),
                ("sub.yaml", "services:\n  web:\n    build: .\n"),
            ],
            &[],
            "compose.yaml:3:3: services.web: service `web` conflicts",
        ),
        (
            &[("compose.yaml", "services:\n  a:\n    extends: b\n    build: .\n  b:\n    extends: a\n")],
            &[],
            "services.a.extends: circular `extends`",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build:\n      dockerfile: D\n      dockerfile_inline: FROM x\n")],
            &[],
            "compose.yaml:5:26: services.web.build.dockerfile_inline: `dockerfile` and `dockerfile_inline` cannot both be set",
        ),
        (
            &[("compose.yaml", "services:\n  web:\n    build: .\n"), (".env", "A=\"open\n")],
            &[],
            ".env:1: `A`: unterminated quoted value",
        ),
    ];
    for (files, names, want) in cases {
        let dir = project(files);
        let root = dir.path();
        let opts = LoadOptions::new(vec![root.join("compose.yaml")], env(&[]));
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let err = load(&opts)
            .and_then(|p| p.builds(&names))
            .and_then(|builds| builds.iter().try_for_each(|b| b.check_context()))
            .expect_err(want);
        let text = err.to_string().replace(&format!("{}/", root.display()), "");
        assert!(text.contains(want), "got {text:?}, want {want:?}");
    }
}
