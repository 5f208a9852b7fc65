//! Property tests of the simulator on generated Dockerfiles and contexts.

use berth_cache::{compare, evaluate_text, Options, Status};
use berth_context::{Entry, RootHeader, Snapshot};
use proptest::prelude::*;

fn snapshot(files: &[(String, String)]) -> Snapshot {
    let entries = files
        .iter()
        .map(|(path, content)| Entry::file(path.as_bytes(), 0o644, content.as_bytes()))
        .collect();
    Snapshot::from_entries(entries, RootHeader::Transfer)
}

fn instruction(stage: usize) -> impl Strategy<Value = String> {
    let from_earlier = if stage > 0 {
        (0..stage)
            .prop_map(|s| format!("COPY --from=s{s} /out /in{s}"))
            .boxed()
    } else {
        Just("RUN echo first".to_string()).boxed()
    };
    prop_oneof![
        "[a-z]{1,6}".prop_map(|c| format!("RUN echo {c} > /out")),
        ("[A-Z]{1,3}", "[a-z0-9]{0,3}").prop_map(|(k, v)| format!("ENV {k}={v}")),
        ("[A-Z]{1,3}", "[a-z0-9]{0,3}").prop_map(|(k, v)| format!("ARG {k}={v}")),
        prop_oneof![
            Just("src/"),
            Just("a.txt"),
            Just("src/*.js"),
            Just("."),
            Just("lib")
        ]
        .prop_map(|p| format!("COPY {p} /app/")),
        "[a-z]{1,4}".prop_map(|d| format!("WORKDIR /{d}")),
        "[a-z]{1,4}".prop_map(|l| format!("LABEL k={l}")),
        Just("USER 1:1".to_string()),
        Just("RUN --mount=type=bind,source=src,target=/m ls /m".to_string()),
        Just("RUN --mount=type=cache,target=/c ls /c".to_string()),
        from_earlier,
    ]
}

fn dockerfile() -> impl Strategy<Value = String> {
    (1usize..4)
        .prop_flat_map(|stages| {
            (0..stages)
                .map(|s| {
                    prop::collection::vec(instruction(s), 0..6).prop_map(move |body| (s, body))
                })
                .collect::<Vec<_>>()
        })
        .prop_map(|stages| {
            let mut text = String::from("ARG BASE=busybox\n");
            for (s, body) in stages {
                text.push_str(&format!("FROM $BASE AS s{s}\n"));
                for line in body {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
            text
        })
}

fn files() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("src/a.js"),
                Just("src/b.js"),
                Just("src/x/c.ts"),
                Just("a.txt"),
                Just("lib/l"),
                Just("README")
            ],
            "[a-z]{0,5}",
        )
            .prop_map(|(p, c)| (p.to_string(), c)),
        0..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Recording and planning the same inputs gives cached for every build step of
    /// the target, and every instruction appears once.
    #[test]
    fn same_inputs_plan_all_cached(df in dockerfile(), fs in files(), value in "[a-z]{0,3}") {
        let snap = snapshot(&fs);
        let opts = Options { build_args: vec![("BASE".into(), format!("busybox{value}"))], ..Options::default() };
        let recorded = evaluate_text(&df, &snap, &opts).unwrap();
        let current = evaluate_text(&df, &snap, &opts).unwrap();
        let plan = compare(&current, &snap, Some((&recorded, &snap)));
        let instructions = berth_syntax::parse(&df).instructions.len();
        prop_assert_eq!(plan.steps.len(), instructions);
        for step in &plan.steps {
            prop_assert!(
                matches!(step.status, Status::Cached | Status::Metadata | Status::Skipped),
                "line {} {:?}: {:?}\n{}", step.line, step.instruction, step.status, df
            );
        }
    }

    /// Changing the content of a file re-runs exactly the steps that can see it: every
    /// step that is not cached must have the file among what can invalidate it.
    #[test]
    fn a_changed_file_only_reruns_steps_that_depend_on_it(df in dockerfile(), fs in files(), which in 0usize..8) {
        prop_assume!(!fs.is_empty());
        let snap = snapshot(&fs);
        let mut changed_files = fs.clone();
        let i = which % fs.len();
        changed_files[i].1.push_str("-changed");
        let changed_path = changed_files[i].0.clone();
        let changed = snapshot(&changed_files);
        let opts = Options::default();
        let recorded = evaluate_text(&df, &snap, &opts).unwrap();
        let current = evaluate_text(&df, &changed, &opts).unwrap();
        let plan = compare(&current, &changed, Some((&recorded, &snap)));
        let explanation = berth_cache::explain_evaluation(&current, &changed);
        for (step, why) in plan.steps.iter().zip(&explanation.steps) {
            if matches!(step.status, Status::Rebuild | Status::Maybe) {
                let top = match changed_path.split_once('/') { Some((t, _)) => format!("{t}/"), None => changed_path.clone() };
                prop_assert!(
                    why.top_paths.iter().any(|(t, _)| *t == top),
                    "line {} re-runs but does not depend on {}\n{}", step.line, changed_path, df
                );
            }
        }
    }
}
