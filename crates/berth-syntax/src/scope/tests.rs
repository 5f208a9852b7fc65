use super::*;
use crate::parse;

fn scope_of(source: &str, options: &ScopeOptions) -> (Dockerfile, Scope) {
    let file = parse(source);
    let scope = resolve(&file, options);
    (file, scope)
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn meta_args_are_visible_to_from_only() {
    let source = "ARG IMG=alpine\nARG TAG=3.$MINOR\nFROM $IMG:$TAG\nRUN echo\nCOPY $IMG /x\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default().build_arg("MINOR", "20"));
    let stage = &scope.stages[0];
    // MINOR is not a meta ARG: the build arg alone does not declare it.
    assert_eq!(stage.base_name, "alpine:3.");
    assert_eq!(stage.base, Base::Image("alpine:3.".into()));
    assert_eq!(stage.from_matched, names(&["IMG", "TAG"]));
    let copy = stage.step(4).unwrap();
    assert_eq!(copy.env.get("IMG"), None);
    assert_eq!(copy.undefined, names(&["IMG"]));
    assert_eq!(scope.meta_args[1].value.as_deref(), Some("3."));
}

#[test]
fn build_args_override_meta_defaults_without_expansion() {
    let source = "ARG V=1\nARG W=$V-x\nFROM img:$W\n";
    let options = ScopeOptions::default().build_arg("V", "$HOME");
    let (_, scope) = scope_of(source, &options);
    assert_eq!(scope.global.get("V"), Some("$HOME"));
    assert_eq!(scope.global.get("W"), Some("$HOME-x"));
    assert_eq!(scope.global_defaults.get("W"), Some("1-x"));
    assert_eq!(scope.stages[0].base_name, "img:$HOME-x");
    assert_eq!(scope.meta_args[1].deps, names(&["V"]));
}

#[test]
fn stage_args_take_build_arg_then_default_then_global() {
    let source = "\
ARG G=global
FROM scratch
ARG G
ARG D=default-$G
ARG B=ignored
ARG U
RUN true
";
    let options = ScopeOptions::default().build_arg("B", "given");
    let (_, scope) = scope_of(source, &options);
    let run = scope.stages[0].step(6).unwrap();
    assert_eq!(run.env.get("G"), Some("global"));
    assert_eq!(run.env.get("D"), Some("default-global"));
    assert_eq!(run.env.get("B"), Some("given"));
    assert_eq!(run.env.get("U"), None);
    let declared: Vec<_> = run
        .args
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_deref()))
        .collect();
    assert_eq!(
        declared,
        [
            ("G", Some("global")),
            ("D", Some("default-global")),
            ("B", Some("given")),
            ("U", None)
        ]
    );
}

#[test]
fn automatic_args_default_to_the_native_platform() {
    let source =
        "FROM --platform=$BUILDPLATFORM img AS build\nARG TARGETARCH\nARG TARGETSTAGE\nRUN x\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let stage = &scope.stages[0];
    let native = Platform::native();
    assert_eq!(stage.platform, Some(native.format()));
    if cfg!(target_arch = "x86_64") {
        assert_eq!(native, Platform::linux_amd64());
    }
    let run = stage.step(3).unwrap();
    assert_eq!(run.env.get("TARGETARCH"), Some(native.arch.as_str()));
    assert_eq!(run.env.get("TARGETSTAGE"), Some("build"));
    // Not declared in the stage: not in the environment.
    assert_eq!(run.env.get("BUILDOS"), None);

    let arm = ScopeOptions {
        target_platform: crate::image::parse_platform("linux/arm64/v8").unwrap(),
        ..ScopeOptions::default()
    };
    let (_, scope) = scope_of(source, &arm.build_arg("BUILDPLATFORM", "linux/riscv64"));
    assert_eq!(scope.global.get("TARGETPLATFORM"), Some("linux/arm64/v8"));
    assert_eq!(scope.global.get("TARGETVARIANT"), Some("v8"));
    assert_eq!(scope.stages[0].platform.as_deref(), Some("linux/riscv64"));
}

#[test]
fn target_stage_defaults_to_default_when_unnamed() {
    let (_, scope) = scope_of("FROM a AS one\nFROM b\n", &ScopeOptions::default());
    assert_eq!(scope.global.get("TARGETSTAGE"), Some("default"));
    let (_, scope) = scope_of(
        "FROM a AS one\nFROM b\n",
        &ScopeOptions::default().target("ONE"),
    );
    assert_eq!(scope.global.get("TARGETSTAGE"), Some("ONE"));
    assert_eq!(scope.target, Some(0));
}

#[test]
fn env_pairs_see_the_environment_from_before_the_instruction() {
    let source = "FROM scratch\nENV abc=hello\nENV abc=bye def=$abc\nENV ghi=$def\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let stage = &scope.stages[0];
    assert_eq!(
        stage.step(2).unwrap().expansion,
        Some(Expansion::Env(vec![
            ("abc".into(), "bye".into()),
            ("def".into(), "hello".into())
        ]))
    );
    assert_eq!(stage.step(3).unwrap().env.get("def"), Some("hello"));
    assert_eq!(stage.final_env.get("ghi"), Some("hello"));
    assert_eq!(stage.final_env.get("PATH"), Some(DEFAULT_PATH));
}

#[test]
fn args_on_one_line_see_earlier_names() {
    let (_, scope) = scope_of("FROM scratch\nARG a=1 b=$a-2\n", &ScopeOptions::default());
    assert_eq!(scope.stages[0].final_env.get("b"), Some("1-2"));
}

#[test]
fn stages_inherit_env_and_args_from_their_base_stage() {
    let source = "\
FROM alpine AS base
ARG VERSION=1
ENV HOME_DIR=/srv
FROM base AS app
COPY $HOME_DIR/$VERSION $UNSET_ARG /dst
FROM Base
";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let app = &scope.stages[1];
    assert_eq!(app.base, Base::Stage(0));
    let copy = app.step(4).unwrap();
    match &copy.expansion {
        Some(Expansion::Copy(files)) => assert_eq!(files.sources, ["/srv/1", ""]),
        other => panic!("{other:?}"),
    }
    assert_eq!(copy.args[0].name, "VERSION");
    assert_eq!(copy.undefined, names(&["UNSET_ARG"]));
    // BuildKit compares the expanded name with lower-cased stage names, case-sensitively.
    assert_eq!(scope.stages[2].base, Base::Image("Base".into()));
}

#[test]
fn declared_args_without_value_are_not_undefined() {
    let source = "FROM scratch\nARG NOVALUE\nWORKDIR /$NOVALUE/$OTHER\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let workdir = scope.stages[0].step(2).unwrap();
    assert_eq!(workdir.expansion, Some(Expansion::Workdir("//".into())));
    assert_eq!(workdir.unmatched, names(&["NOVALUE", "OTHER"]));
    assert_eq!(workdir.undefined, names(&["OTHER"]));
}

#[test]
fn copy_add_flags_and_heredocs_are_expanded() {
    let source = "\
FROM scratch
ARG U=app M=0755 SUM=sha256:abc
COPY --from=build --chown=$U:$U --chmod=$M a b /$U/
ADD --checksum=$SUM https://x/$U.tgz /
COPY <<EOF <<'RAW' /etc/
user=$U \"$M\"
EOF
keep $U
RAW
";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let stage = &scope.stages[0];
    match &stage.step(2).unwrap().expansion {
        Some(Expansion::Copy(files)) => {
            assert_eq!(files.chown.as_deref(), Some("app:app"));
            assert_eq!(files.chmod.as_deref(), Some("0755"));
            assert_eq!(files.from.as_deref(), Some("build"));
            assert_eq!(files.dest, "/app/");
        }
        other => panic!("{other:?}"),
    }
    match &stage.step(3).unwrap().expansion {
        Some(Expansion::Add(files)) => {
            assert_eq!(files.checksum.as_deref(), Some("sha256:abc"));
            assert_eq!(files.sources, ["https://x/app.tgz"]);
        }
        other => panic!("{other:?}"),
    }
    match &stage.step(4).unwrap().expansion {
        Some(Expansion::Copy(files)) => {
            assert_eq!(files.heredocs, ["user=app \"0755\"\n", "keep $U\n"]);
            assert_eq!(files.dest, "/etc/");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn expose_splits_words_and_reports_no_undefined_names() {
    let source = "FROM scratch\nENV PORTS=\"80 443\"\nEXPOSE $PORTS $MISSING 8080/tcp\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let expose = scope.stages[0].step(2).unwrap();
    assert_eq!(
        expose.expansion,
        Some(Expansion::Expose(vec![
            "80".into(),
            "443".into(),
            "8080/tcp".into()
        ]))
    );
    assert!(expose.undefined.is_empty());
}

#[test]
fn run_mount_values_are_expanded() {
    let source = "FROM scratch AS a\nFROM scratch\nARG DIR=/cache\nRUN --mount=type=cache,target=$DIR,id=$DIR-id --mount=from=a,src=/s,target=/t make\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let run = scope.stages[1].step(3).unwrap();
    match &run.expansion {
        Some(Expansion::Run { mounts }) => {
            assert_eq!(mounts[0][1], ("target".to_string(), "/cache".to_string()));
            assert_eq!(mounts[0][2], ("id".to_string(), "/cache-id".to_string()));
        }
        other => panic!("{other:?}"),
    }
    assert!(scope.stages[0].reachable);
    assert_eq!(scope.stages[1].depends_on, BTreeSet::from([0]));
}

#[test]
fn reachability_follows_bases_and_copy_from() {
    let source = "\
FROM scratch AS tools
FROM scratch AS unused
FROM scratch AS build
COPY --from=tools /a /a
FROM build AS final
COPY --from=0 /b /b
";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let reachable: Vec<bool> = scope.stages.iter().map(|s| s.reachable).collect();
    assert_eq!(reachable, [true, false, true, true]);
    let (_, scope) = scope_of(source, &ScopeOptions::default().target("unused"));
    let reachable: Vec<bool> = scope.stages.iter().map(|s| s.reachable).collect();
    assert_eq!(reachable, [false, true, false, false]);
}

#[test]
fn proxy_args_are_collected_but_not_declared() {
    let source = "FROM scratch\nRUN curl x\n";
    let options = ScopeOptions::default()
        .build_arg("https_proxy", "http://proxy:3128")
        .build_arg("OTHER", "1");
    let (_, scope) = scope_of(source, &options);
    assert_eq!(
        scope.proxy_env.get("https_proxy"),
        Some("http://proxy:3128")
    );
    assert_eq!(scope.proxy_env.len(), 1);
    assert_eq!(
        scope.stages[0].step(1).unwrap().env.get("https_proxy"),
        None
    );
}

#[test]
fn expansion_errors_are_reported_with_the_instruction() {
    let source = "FROM scratch\nWORKDIR ${X:?must be set}\nUSER ${\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    let messages: Vec<(usize, &str)> = scope
        .errors
        .iter()
        .map(|e| (e.instruction, e.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (1, "failed to process \"${X:?must be set}\": X: must be set"),
            (2, "failed to process \"${\": syntax error: missing '}'"),
        ]
    );
    assert!(scope.stages[0].step(1).unwrap().expansion.is_none());
}

#[test]
fn blank_base_name_is_an_error() {
    let (_, scope) = scope_of("ARG IMG\nFROM $IMG\n", &ScopeOptions::default());
    assert_eq!(
        scope.errors[0].message,
        "base name ($IMG) should not be blank"
    );
}

#[test]
fn base_image_env_is_used_when_known() {
    let mut options = ScopeOptions::default();
    options.base_image_env.insert(
        "node:20".into(),
        vec![
            ("NODE_VERSION".into(), "20.1".into()),
            ("PATH".into(), "/n".into()),
        ],
    );
    let (_, scope) = scope_of("FROM node:20\nENV V=$NODE_VERSION\n", &options);
    let stage = &scope.stages[0];
    assert_eq!(stage.final_env.get("V"), Some("20.1"));
    assert_eq!(stage.final_env.get("PATH"), Some("/n"));
}

#[test]
fn csv_fields_follow_quotes() {
    assert_eq!(csv_fields("a=1,\"b=x,y\",c"), ["a=1", "b=x,y", "c"]);
    assert_eq!(csv_fields("\"a=\"\"q\"\"\""), ["a=\"q\""]);
}

#[test]
fn setting_a_name_again_moves_it_to_the_end() {
    // Measured on Docker 28.5.2 and 20.10.24: `ENV A=1 / ENV B=2` and the same plus a
    // second `ENV A=1` give RUN different keys.
    let (_, scope) = scope_of(
        "FROM scratch\nENV A=1\nENV B=2\nENV A=1\nARG B=3\nRUN x\n",
        &ScopeOptions::default(),
    );
    let run = scope.stages[0].step(5).unwrap();
    let names: Vec<_> = run.env.names().collect();
    assert_eq!(names, ["PATH", "A", "B"]);
    assert_eq!(run.env.get("B"), Some("3"));
    // The image config keeps each ENV name where it was first set.
    let config: Vec<_> = scope.stages[0].final_config_env.names().collect();
    assert_eq!(config, ["PATH", "A", "B"]);
}

#[test]
fn a_derived_stage_reapplies_the_image_config_env() {
    // Measured on both engines: the RUN of the second stage is cached across either
    // change to the first stage, because BuildKit re-adds the image config's ENV (in
    // config order) on top of the inherited state, ARG-only names first.
    let env_of = |source: &str| -> Vec<String> {
        let (_, scope) = scope_of(source, &ScopeOptions::default());
        let stage = &scope.stages[1];
        let run = stage.steps.last().unwrap();
        run.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
    };
    let reset = env_of("FROM img AS base\nENV A=1\nENV B=2\nENV A=1\nFROM base\nRUN x\n");
    let plain = env_of("FROM img AS base\nENV A=1\nENV B=2\nFROM base\nRUN x\n");
    assert_eq!(reset, plain);
    let arg_first = env_of("FROM img AS base\nARG X=1\nENV A=1\nFROM base\nRUN x\n");
    let arg_last = env_of("FROM img AS base\nENV A=1\nARG X=1\nFROM base\nRUN x\n");
    assert_eq!(arg_first, arg_last);
    assert_eq!(arg_first[0], "X=1");
}

#[test]
fn the_frontend_decides_which_args_exist() {
    let source = "FROM scratch\nARG TARGETSTAGE\nARG BUILDOSVERSION\nARG BUILDKIT_SBOM_SCAN_STAGE=true\nRUN x\n";
    let (_, current) = scope_of(source, &ScopeOptions::default());
    let run = current.stages[0].step(4).unwrap();
    assert_eq!(run.env.get("TARGETSTAGE"), Some("default"));
    assert_eq!(run.env.get("BUILDOSVERSION"), Some(""));
    assert_eq!(run.env.get("BUILDKIT_SBOM_SCAN_STAGE"), None);
    let old = ScopeOptions {
        frontend: Frontend::BUILDKIT_0_8,
        ..ScopeOptions::default()
    };
    let (_, old) = scope_of(source, &old);
    let run = old.stages[0].step(4).unwrap();
    assert_eq!(run.env.get("TARGETSTAGE"), None);
    assert_eq!(run.env.get("BUILDOSVERSION"), None);
    assert_eq!(run.env.get("BUILDKIT_SBOM_SCAN_STAGE"), Some("true"));
}

#[test]
fn stage_references_follow_buildkit() {
    let source = "FROM a AS one\nFROM b AS two\nCOPY --from=one /x /x\nCOPY --from=0 /y /y\nCOPY --from=three /z /z\nCOPY --from=7 /w /w\nCOPY --from=nginx /v /v\nFROM c AS three\n";
    let (_, scope) = scope_of(source, &ScopeOptions::default());
    assert_eq!(scope.stage_ref("ONE", 1), Ok(StageRef::Stage(0)));
    assert_eq!(scope.stage_ref("0", 1), Ok(StageRef::Stage(0)));
    assert_eq!(
        scope.stage_ref("nginx", 1),
        Ok(StageRef::Image("nginx".into()))
    );
    assert_eq!(scope.stages[1].depends_on, [0].into_iter().collect());
    let messages: Vec<_> = scope
        .errors
        .iter()
        .map(|e| (e.instruction, e.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                4,
                "cannot copy from stage \"three\", it needs to be defined before current stage \"two\""
            ),
            (5, "invalid stage index 7"),
        ]
    );
    let (_, cyclic) = scope_of("FROM a AS a\nRUN x\n", &ScopeOptions::default());
    assert_eq!(
        cyclic.errors[0].message,
        "circular dependency detected on stage: a"
    );
}
