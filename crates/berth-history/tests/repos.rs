//! The history repositories without the engine: every file reads, generates the same
//! repository on every machine, and holds the engine's answers for every commit that
//! `tests/engine.rs` builds.

mod support;

use support::{all_histories, tempdir, Git};

#[test]
fn every_history_generates_its_repository() {
    let histories = all_histories();
    assert!(!histories.is_empty(), "no history in tests/repos");
    for (_, h) in &histories {
        let work = tempdir();
        let repo = work.path().join("repo");
        let ids = h.generate(&repo).unwrap_or_else(|e| panic!("{e}"));
        let git = Git::new(&repo);
        // The builds are main's first-parent line, in the order the file gives them.
        let listed = git
            .output(&["rev-list", "--first-parent", "--reverse", "main"])
            .unwrap();
        let listed: Vec<&str> = listed.lines().collect();
        assert_eq!(listed, ids, "{}: first-parent line", h.name);
        // Side-branch commits exist and are reachable, but not on the first-parent line.
        let all = git.output(&["rev-list", "--count", "main"]).unwrap();
        let side = h.commits().filter(|c| !c.on_main()).count();
        assert_eq!(
            all.trim().parse::<usize>().unwrap(),
            ids.len() + side,
            "{}",
            h.name
        );
        // A commit is `not-built` exactly when its Dockerfile is missing.
        let dockerfile = if h.context.is_empty() {
            h.dockerfile.clone()
        } else {
            format!("{}/{}", h.context, h.dockerfile)
        };
        for (commit, id) in h.main_line().into_iter().zip(&ids) {
            let present = git
                .run(&["cat-file", "-e", &format!("{id}:{dockerfile}")])
                .is_ok();
            assert_eq!(
                present, !commit.not_built,
                "{}: commit `{}`: Dockerfile present {present}",
                h.name, commit.subject
            );
        }
        // Generating twice gives the same commit ids.
        let again = h.generate(&work.path().join("again")).unwrap();
        assert_eq!(
            again, ids,
            "{}: commit ids differ between two generations",
            h.name
        );
    }
}

#[test]
fn every_history_holds_the_engine_answers() {
    for (path, h) in all_histories() {
        assert!(
            h.has_expectations(),
            "{}: a built commit has no `--- expect` (record them: BERTH_HISTORY_RECORD=1 with the engine, see tests/engine.rs)",
            path.display()
        );
    }
}
