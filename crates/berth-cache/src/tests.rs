//! Unit tests of the evaluation and the plan, on in-memory snapshots.

use super::*;
use berth_context::{Entry, RootHeader};

fn empty() -> Snapshot {
    Snapshot::from_entries(Vec::new(), RootHeader::Transfer)
}

fn options(args: &[(&str, &str)], engine: Engine) -> Options {
    Options {
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        engine,
        ..Options::default()
    }
}

/// The status of every line of `after`, planned against a record of `before`.
fn statuses_with(
    before: &str,
    after: &str,
    args_before: &[(&str, &str)],
    args_after: &[(&str, &str)],
    engine: Engine,
) -> Vec<(usize, Status)> {
    let snap = empty();
    let old = evaluate_text(before, &snap, &options(args_before, engine)).unwrap();
    let new = evaluate_text(after, &snap, &options(args_after, engine)).unwrap();
    compare(&new, &snap, Some((&old, &snap)))
        .steps
        .iter()
        .map(|s| (s.line, s.status))
        .collect()
}

fn statuses(
    before: &str,
    after: &str,
    args_before: &[(&str, &str)],
    args_after: &[(&str, &str)],
) -> Vec<(usize, Status)> {
    statuses_with(before, after, args_before, args_after, Engine::BuildKit)
}

fn error(text: &str, target: Option<&str>) -> String {
    let opts = Options {
        target: target.map(str::to_string),
        ..Options::default()
    };
    evaluate_text(text, &empty(), &opts)
        .unwrap_err()
        .to_string()
}

#[test]
fn stage_graph_errors() {
    assert!(
        error("FROM a AS a\nRUN x\n", None).contains("circular dependency detected on stage: a")
    );
    assert!(error("FROM busybox AS one\n", Some("two"))
        .contains("target stage \"two\" could not be found (stages: one)"));
    assert!(error(
        "FROM busybox\nCOPY --from=later /a /b\nFROM busybox AS later\n",
        None
    )
    .contains("needs to be defined before"));
    assert!(error("FROM busybox\nCOPY --from=3 /a /b\n", None).contains("invalid stage index 3"));
    assert!(error(
        "FROM busybox AS build\nFROM busybox\nCOPY --from=biuld /a /b\n",
        None
    )
    .contains("did you mean `build`"));
    assert!(error("RUN x\n", None).contains(":1:1:"));
}

#[test]
fn unreachable_stages_are_skipped_and_images_in_copy_from_are_allowed() {
    let text = "FROM busybox AS unused\nRUN a\nFROM busybox AS used\nRUN b\nFROM busybox\nCOPY --from=used /x /x\nCOPY --from=nginx:1 /y /y\n";
    let eval = evaluate_text(text, &empty(), &Options::default()).unwrap();
    let kinds: Vec<StepKind> = eval.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds[..2], [StepKind::Skipped, StepKind::Skipped]);
    assert!(kinds[2..].iter().all(|k| *k == StepKind::Op));
    assert_eq!(eval.target, "2");
}

#[test]
fn arg_scoping() {
    let df = "ARG G=1\nFROM busybox\nRUN echo $G\nARG L\nRUN echo\n";
    // A global ARG not re-declared in the stage changes nothing.
    let s = statuses(df, df, &[("G", "1")], &[("G", "2")]);
    assert!(
        s.iter()
            .all(|(_, st)| matches!(st, Status::Cached | Status::Metadata)),
        "{s:?}"
    );
    // A declared ARG re-runs the RUNs after it only.
    let s = statuses(df, df, &[("L", "1")], &[("L", "2")]);
    assert_eq!(s[2], (3, Status::Cached));
    assert_eq!(s[4], (5, Status::Rebuild));
    // Proxy args change nothing unless declared.
    let s = statuses(df, df, &[("HTTP_PROXY", "a")], &[("HTTP_PROXY", "b")]);
    assert!(s
        .iter()
        .all(|(_, st)| matches!(st, Status::Cached | Status::Metadata)));
}

#[test]
fn remote_add_is_maybe_unless_pinned() {
    let df = "FROM busybox\nADD https://example.invalid/a.tgz /a\nADD --checksum=sha256:0123 https://example.invalid/b.tgz /b\n";
    let s = statuses(df, df, &[], &[]);
    assert_eq!(s[1], (2, Status::Maybe));
    // The pinned download would be cached, but it is chained on a maybe.
    assert_eq!(s[2], (3, Status::Maybe));
    let pinned = "FROM busybox\nADD --checksum=sha256:0123 https://example.invalid/b.tgz /b\n";
    assert_eq!(statuses(pinned, pinned, &[], &[])[1], (2, Status::Cached));
}

#[test]
fn from_reference_and_metadata() {
    let a = "FROM busybox:1.36\nLABEL a=1\nRUN x\n";
    let b = "FROM busybox@sha256:abc\nLABEL a=2\nRUN x\n";
    let s = statuses(a, b, &[], &[]);
    assert_eq!(
        s,
        [
            (1, Status::Rebuild),
            (2, Status::Metadata),
            (3, Status::Rebuild)
        ]
    );
    let eval = evaluate_text(a, &empty(), &Options::default()).unwrap();
    let note = eval.steps[0].op.as_ref().unwrap().note.as_ref().unwrap();
    assert!(note.contains("cannot check this offline"));
}

#[test]
fn copy_ignores_env_but_run_sees_it() {
    let a = "FROM busybox\nENV X=1\nCOPY --chmod=644 . /a\nRUN x\n";
    let b = "FROM busybox\nENV X=2\nCOPY --chmod=644 . /a\nRUN x\n";
    let s = statuses(a, b, &[], &[]);
    assert_eq!(s[2], (3, Status::Cached));
    assert_eq!(s[3], (4, Status::Rebuild));
    let c = "FROM busybox\nENV X=1\nCOPY --chmod=755 . /a\nRUN x\n";
    assert_eq!(statuses(a, c, &[], &[])[2], (3, Status::Rebuild));
}

/// Measured on Docker 28.5.2 and 20.10.24 (both agree).
#[test]
fn environment_order_default_path_and_derived_stages_follow_the_engines() {
    // Setting a variable again moves it to the end: a different RUN key.
    let a = "FROM busybox\nENV A=1\nENV B=2\nRUN x\n";
    let b = "FROM busybox\nENV A=1\nENV B=2\nENV A=1\nRUN x\n";
    assert_eq!(statuses(a, b, &[], &[])[4], (5, Status::Rebuild));
    // The image sets no PATH: the engine adds the default, so spelling it out is the
    // same environment.
    let a = "FROM busybox\nRUN x\n";
    let b = "FROM busybox\nENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nRUN x\n";
    assert_eq!(statuses(a, b, &[], &[])[2], (3, Status::Cached));
    // A stage built FROM another re-applies its image config ENV.
    let a = "FROM busybox AS base\nENV A=1\nENV B=2\nENV A=1\nFROM base\nRUN x\n";
    let b = "FROM busybox AS base\nENV A=1\nENV B=2\nFROM base\nRUN x\n";
    assert_eq!(statuses(a, b, &[], &[])[4], (5, Status::Cached));
    let a = "FROM busybox AS base\nARG X=1\nENV A=1\nFROM base\nRUN x\n";
    let b = "FROM busybox AS base\nENV A=1\nARG X=1\nFROM base\nRUN x\n";
    assert_eq!(statuses(a, b, &[], &[])[4], (5, Status::Cached));
}

/// Measured: Docker 28.5.2 re-runs the first two and keeps the third cached; Docker
/// 20.10.24 the other way round.
#[test]
fn the_engine_profile_decides_automatic_and_sbom_args() {
    let plain = "FROM busybox\nRUN x\n";
    let stage = "FROM busybox\nARG TARGETSTAGE\nRUN x\n";
    let os = "FROM busybox\nARG BUILDOSVERSION\nRUN x\n";
    let sbom_a = "FROM busybox\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nRUN x\n";
    let sbom_b = "FROM busybox\nARG BUILDKIT_SBOM_SCAN_STAGE=false\nRUN x\n";
    for (engine, reruns) in [(Engine::BuildKit, true), (Engine::Docker20, false)] {
        let run = |a: &str, b: &str| statuses_with(a, b, &[], &[], engine).last().unwrap().1;
        let expect = |rerun: bool| {
            if rerun {
                Status::Rebuild
            } else {
                Status::Cached
            }
        };
        assert_eq!(run(plain, stage), expect(reruns), "{engine}");
        assert_eq!(run(plain, os), expect(reruns), "{engine}");
        assert_eq!(run(sbom_a, sbom_b), expect(!reruns), "{engine}");
    }
}

#[test]
fn unchanged_context_plans_reuse_the_record_soundly() {
    let ctx = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let state = out.path().join("state");
    std::fs::create_dir(ctx.path().join("src")).unwrap();
    std::fs::write(ctx.path().join("src/a.js"), "a").unwrap();
    std::fs::write(ctx.path().join("b.txt"), "b").unwrap();
    let dockerfile = "FROM busybox\nCOPY src /src\nCOPY . /all\n";
    std::fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
    let opts = Options::default();
    let recorded = record(ctx.path(), &opts, &state).unwrap();
    // Old enough that stat stamps are trusted (no racy re-reads).
    let mut settled = State::load(&state).unwrap();
    settled.snapshot.scanned_at_ns += 10_000_000_000;
    settled.save(&state).unwrap();

    let p = plan(ctx.path(), &opts, &Baseline::State(&state)).unwrap();
    assert!(p.steps.iter().all(|s| s.status == Status::Cached), "{p:?}");

    // Same snapshot, a new selection: its digest is computed, not guessed.
    let text = format!("{dockerfile}COPY b.txt /b\n");
    let digests = |same: Option<&Evaluation>| -> Vec<Option<berth_context::Digest>> {
        evaluate_dockerfile(
            &text,
            "Dockerfile",
            Some(&recorded.snapshot),
            same,
            &[],
            &opts,
        )
        .unwrap()
        .steps
        .iter()
        .filter_map(|s| s.op.as_ref())
        .flat_map(|o| o.reads.iter().map(|r| r.digest))
        .collect()
    };
    let fresh = digests(None);
    assert_eq!(fresh.len(), 3);
    assert!(fresh.iter().all(Option::is_some));
    assert_eq!(fresh, digests(Some(&recorded.evaluation)));
}

#[test]
fn copy_of_the_whole_context_is_keyed_by_the_context_digest() {
    let snapshot = Snapshot::from_entries(
        vec![
            Entry::file(b"a.txt", 0o644, b"a"),
            Entry::file(b"src/b.js", 0o644, b"b"),
        ],
        RootHeader::Transfer,
    );
    let eval = evaluate_text("FROM scratch\nCOPY . /\n", &snapshot, &Options::default()).unwrap();
    let read = &eval.steps[1].op.as_ref().unwrap().reads[0];
    assert_eq!(read.digest, Some(snapshot.root_digest()));
}

#[test]
fn explanations_need_no_digests() {
    let tree = Tree::from_paths(["package.json", "src/a.js", "src/b.js", "README.md"]);
    let text = "FROM node:20 AS deps\nARG NODE_ENV\nCOPY package.json ./\nRUN npm ci\nCOPY src/ src/\nRUN npm run build\nFROM deps\nRUN echo done\n";
    let df = berth_syntax::parse(text);
    let scope = berth_syntax::scope::resolve(&df, &ScopeOptions::default());
    let x = explain_parsed(&df, &scope, &tree, Engine::BuildKit);
    let files: Vec<usize> = x.steps.iter().map(|s| s.files).collect();
    assert_eq!(files, [0, 0, 1, 1, 3, 3, 0, 3]);
    assert_eq!(x.step(3).unwrap().args, ["NODE_ENV"]);
    // The last RUN, in a stage built FROM the first, is invalidated by its ARG too.
    assert_eq!(x.step(7).unwrap().args, ["NODE_ENV"]);
    assert_eq!(x.step(4).unwrap().reads.len(), 2);
}

#[test]
fn an_env_set_from_an_arg_keeps_the_arg_in_effect() {
    // `ENV C=$C` carries a new build arg value into RUN's environment; `ENV C=fixed`
    // makes it constant again.
    let derived = "FROM busybox\nARG C\nENV C=$C\nRUN x\n";
    let s = statuses(derived, derived, &[("C", "1")], &[("C", "2")]);
    assert_eq!(s[3], (4, Status::Rebuild));
    let fixed = "FROM busybox\nARG C\nENV C=fixed\nRUN x\n";
    let s = statuses(fixed, fixed, &[("C", "1")], &[("C", "2")]);
    assert_eq!(s[3], (4, Status::Cached));
    let tree = Tree::from_paths(Vec::<&str>::new());
    let explain = |text: &str| {
        let df = berth_syntax::parse(text);
        let scope = berth_syntax::scope::resolve(&df, &ScopeOptions::default());
        explain_parsed(&df, &scope, &tree, Engine::BuildKit)
    };
    assert_eq!(explain(derived).step(3).unwrap().args, ["C"]);
    assert!(explain(fixed).step(3).unwrap().args.is_empty());
}

fn plan_of(before: &str, after: &str, engine: Engine) -> Plan {
    let snap = empty();
    let old = evaluate_text(before, &snap, &options(&[], engine)).unwrap();
    let new = evaluate_text(after, &snap, &options(&[], engine)).unwrap();
    compare(&new, &snap, Some((&old, &snap)))
}

#[test]
fn run_heredocs_are_keyed_by_the_command_the_shell_gets() {
    let plain = "FROM a\nRUN <<EOF\necho one\nEOF\n";
    // The delimiter's name and quoting, and `<<-` tabs, are not part of a bare heredoc.
    for same in [
        "FROM a\nRUN <<END\necho one\nEND\n",
        "FROM a\nRUN <<'EOF'\necho one\nEOF\n",
        "FROM a\nRUN <<-EOF\n\techo one\n\tEOF\n",
        "FROM a\nRUN echo one\n\n\n",
    ] {
        let got = statuses(plain, same, &[], &[]);
        // A shell-form `echo one` has no trailing newline: only the heredoc forms agree.
        let expected = if same.contains("<<") {
            Status::Cached
        } else {
            Status::Rebuild
        };
        assert_eq!(got[1], (2, expected), "{same:?}");
    }
    // A script with a shebang runs as a file named after the delimiter.
    let script = "FROM a\nRUN <<EOF\n#!/bin/sh\necho one\nEOF\n";
    let script_renamed = "FROM a\nRUN <<END\n#!/bin/sh\necho one\nEND\n";
    assert_eq!(
        statuses(script, script_renamed, &[], &[])[1],
        (2, Status::Rebuild)
    );
    // With a command around it, the shell gets the marker and the delimiter as written.
    let piped = "FROM a\nRUN cat <<EOF > /f\none\nEOF\n";
    let renamed = "FROM a\nRUN cat <<END > /f\none\nEND\n";
    assert_eq!(statuses(piped, renamed, &[], &[])[1], (2, Status::Rebuild));
}

#[test]
fn exec_and_shell_forms_with_one_command_line_are_one_step() {
    let shell = "FROM a\nRUN echo hi\n";
    let exec = "FROM a\nRUN [\"/bin/sh\", \"-c\", \"echo hi\"]\n";
    assert_eq!(statuses(shell, exec, &[], &[])[1], (2, Status::Cached));
    let other = "FROM a\nRUN [\"/bin/bash\", \"-c\", \"echo hi\"]\n";
    assert_eq!(statuses(shell, other, &[], &[])[1], (2, Status::Rebuild));
}

#[test]
fn cache_mount_ids_and_sharing_follow_the_engine() {
    let default = "FROM a\nRUN --mount=type=cache,target=/c ls\n";
    let id_is_target = "FROM a\nRUN --mount=type=cache,target=/c,id=/c ls\n";
    let own_id = "FROM a\nRUN --mount=type=cache,target=/c,id=one ls\n";
    let other_id = "FROM a\nRUN --mount=type=cache,target=/c,id=two,sharing=locked ls\n";
    let locked = "FROM a\nRUN --mount=type=cache,target=/c,sharing=locked ls\n";
    for engine in [Engine::BuildKit, Engine::Docker20] {
        let s = |a, b| statuses_with(a, b, &[], &[], engine)[1].1;
        assert_eq!(s(default, id_is_target), Status::Cached);
        assert_eq!(s(default, locked), Status::Rebuild);
    }
    let s = |a, b, e| statuses_with(a, b, &[], &[], e)[1].1;
    assert_eq!(s(own_id, other_id, Engine::BuildKit), Status::Cached);
    assert_eq!(s(own_id, other_id, Engine::Docker20), Status::Rebuild);
}

#[test]
fn secret_mount_defaults_are_filled_in() {
    let short = "FROM a\nRUN --mount=type=secret,id=s ls\n";
    let long = "FROM a\nRUN --mount=type=secret,id=s,target=/run/secrets/s ls\n";
    let by_target = "FROM a\nRUN --mount=type=secret,target=/run/secrets/s ls\n";
    assert_eq!(statuses(short, long, &[], &[])[1], (2, Status::Cached));
    assert_eq!(statuses(short, by_target, &[], &[])[1], (2, Status::Cached));
    let other = "FROM a\nRUN --mount=type=secret,id=t ls\n";
    assert_eq!(statuses(short, other, &[], &[])[1], (2, Status::Rebuild));
}

#[test]
fn workdir_is_cleaned_for_its_step_but_not_for_the_runs_after_it() {
    let slash = "FROM a\nWORKDIR /app/\nRUN pwd\n";
    let clean = "FROM a\nWORKDIR /app\nRUN pwd\n";
    let got = statuses(slash, clean, &[], &[]);
    assert_eq!(got[1..], [(2, Status::Cached), (3, Status::Rebuild)]);
    let relative = "FROM a\nWORKDIR /a\nWORKDIR b/\nRUN pwd\n";
    let absolute = "FROM a\nWORKDIR /a\nWORKDIR /a/b\nRUN pwd\n";
    assert!(statuses(relative, absolute, &[], &[])
        .iter()
        .all(|(_, s)| *s == Status::Cached));
}

#[test]
fn chmod_spellings_of_one_mode_and_link_are_not_in_the_key() {
    let a = "FROM a\nCOPY --chmod=755 x /x\n";
    let b = "FROM a\nCOPY --chmod=0755 --link x /x\n";
    assert_eq!(statuses(a, b, &[], &[])[1], (2, Status::Cached));
    let c = "FROM a\nCOPY --chmod=700 x /x\n";
    assert_eq!(statuses(a, c, &[], &[])[1], (2, Status::Rebuild));
}

#[test]
fn onbuild_triggers_run_as_steps_of_the_child_stage() {
    let before = "FROM a AS p\nONBUILD RUN one\nFROM p\nRUN child\n";
    let after = "FROM a AS p\nONBUILD RUN two\nFROM p\nRUN child\n";
    let plan = plan_of(before, after, Engine::BuildKit);
    let got: Vec<(usize, Status)> = plan.steps.iter().map(|s| (s.line, s.status)).collect();
    assert_eq!(
        got,
        [
            (1, Status::Cached),
            (2, Status::Rebuild),
            (3, Status::Metadata),
            (4, Status::Rebuild)
        ]
    );
    assert_eq!(plan.steps[1].stage, "1");
    // Without a child, an ONBUILD is only image metadata.
    let alone = "FROM a\nONBUILD RUN two\n";
    assert_eq!(
        statuses("FROM a\nONBUILD RUN one\n", alone, &[], &[])[1],
        (2, Status::Metadata)
    );
}

#[test]
fn stage_content_from_known_writes_is_cached_or_rebuilt_and_a_run_makes_it_maybe() {
    let known =
        "FROM a AS b\nWORKDIR /out\nCOPY --from=img /x /out/x\nFROM a\nCOPY --from=b /out/x /x\n";
    let edited =
        "FROM a AS b\nWORKDIR /out\nCOPY --from=img /y /out/x\nFROM a\nCOPY --from=b /out/x /x\n";
    let plan = plan_of(known, edited, Engine::BuildKit);
    assert_eq!(plan.steps[4].status, Status::Rebuild);
    assert_eq!(plan.steps[4].reason.kind, "stage-output");
    assert!(
        plan.steps[4]
            .reason
            .detail
            .ends_with("(written at line 1, 2, 3)"),
        "{:?}",
        plan.steps[4].reason
    );
    // A write elsewhere in the stage does not reach /out/x.
    let elsewhere = "FROM a AS b\nWORKDIR /out\nCOPY --from=img /x /out/x\nCOPY --from=img /z /other\nFROM a\nCOPY --from=b /out/x /x\n";
    let unrelated = "FROM a AS b\nWORKDIR /out\nCOPY --from=img /x /out/x\nCOPY --from=img /w /other\nFROM a\nCOPY --from=b /out/x /x\n";
    assert_eq!(
        plan_of(elsewhere, unrelated, Engine::BuildKit).steps[5].status,
        Status::Cached
    );
    // A RUN that re-runs can write anything: the copy is `maybe`.
    let run = "FROM a AS b\nRUN make\nFROM a\nCOPY --from=b /out/x /x\n";
    let rerun = "FROM a AS b\nRUN make all\nFROM a\nCOPY --from=b /out/x /x\n";
    let plan = plan_of(run, rerun, Engine::BuildKit);
    assert_eq!(plan.steps[3].status, Status::Maybe);
    assert!(
        plan.steps[3].reason.detail.contains("line 2"),
        "{:?}",
        plan.steps[3].reason
    );
}

/// A project with a build context `app` and a named context `shared` beside it.
fn named_project(dockerfile: &str) -> (tempfile::TempDir, Options, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    let shared = dir.path().join("shared");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::write(app.join("Dockerfile"), dockerfile).unwrap();
    std::fs::write(app.join("main.sh"), "echo app").unwrap();
    std::fs::write(shared.join("config.txt"), "v1").unwrap();
    std::fs::write(shared.join("lib.sh"), "echo lib v1").unwrap();
    std::fs::write(shared.join(".dockerignore"), "ignored.txt\n").unwrap();
    let opts = Options {
        named_contexts: vec![("shared".into(), shared.display().to_string())],
        ..Options::default()
    };
    (dir, opts, app)
}

fn named_statuses(dir: &Path, opts: &Options, app: &Path, change: &str, body: &str) -> Plan {
    let state = dir.join("state");
    record(app, opts, &state).unwrap();
    std::fs::write(dir.join("shared").join(change), body).unwrap();
    plan(app, opts, &Baseline::State(&state)).unwrap()
}

#[test]
fn a_named_context_is_read_like_the_main_one() {
    let text = "FROM busybox\nCOPY main.sh /app/\nCOPY --from=shared config.txt /app/\nRUN cat /app/config.txt\nRUN --mount=from=shared,target=/s cat /s/lib.sh\n";
    let (dir, opts, app) = named_project(text);
    let plan = named_statuses(dir.path(), &opts, &app, "lib.sh", "echo lib v2");
    let statuses: Vec<Status> = plan.steps.iter().map(|s| s.status).collect();
    use Status::{Cached, Rebuild};
    assert_eq!(statuses, [Cached, Cached, Cached, Cached, Rebuild]);
    assert_eq!(plan.steps[4].reason.kind, "files-changed");
    assert_eq!(plan.steps[4].reason.paths, ["shared:."]);

    let (dir, opts, app) = named_project(text);
    let plan = named_statuses(dir.path(), &opts, &app, "config.txt", "v2");
    let statuses: Vec<Status> = plan.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Cached, Cached, Rebuild, Rebuild, Rebuild]);
    assert_eq!(plan.steps[2].reason.paths, ["shared:config.txt"]);

    // The named context's own .dockerignore applies.
    let (dir, opts, app) = named_project(text);
    let plan = named_statuses(dir.path(), &opts, &app, "ignored.txt", "x");
    assert!(plan.steps.iter().all(|s| s.status == Cached), "{plan:?}");
}

#[test]
fn from_a_named_context_starts_from_its_files() {
    let text = "FROM shared AS files\nFROM busybox\nCOPY --from=files /config.txt /c\n";
    let (dir, opts, app) = named_project(text);
    let plan = named_statuses(dir.path(), &opts, &app, "config.txt", "v2");
    let statuses: Vec<Status> = plan.steps.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Status::Rebuild, Status::Cached, Status::Rebuild]);
    assert_eq!(plan.steps[0].reason.kind, "files-changed");
}

#[test]
fn a_named_context_elsewhere_is_not_predictable() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM busybox\nRUN echo a\nCOPY --from=tools /bin/tool /usr/bin/\n",
    )
    .unwrap();
    let opts = Options {
        named_contexts: vec![("tools".into(), "docker-image://tools:1".into())],
        ..Options::default()
    };
    let state = tempfile::tempdir().unwrap().path().join("state");
    record(dir.path(), &opts, &state).unwrap();
    let planned = plan(dir.path(), &opts, &Baseline::State(&state)).unwrap();
    assert_eq!(planned.steps[1].status, Status::Cached);
    assert_eq!(planned.steps[2].status, Status::Maybe);
    assert!(
        planned.steps[2].reason.detail.contains("`tools`"),
        "{:?}",
        planned.steps[2].reason
    );
    // A local named context that is missing is an error naming it.
    let missing = Options {
        named_contexts: vec![("tools".into(), "/nonexistent/berth".into())],
        ..Options::default()
    };
    let err = plan(dir.path(), &missing, &Baseline::None).unwrap_err();
    assert!(err.to_string().contains("build context `tools`"), "{err}");
}
