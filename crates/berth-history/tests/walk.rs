//! Reading each commit's build inputs from a generated history repository.

mod support;

use berth_history::git::{Range, Repo};
use berth_history::walk::{Input, Layout, Walker};
use support::{all_histories, tempdir};

#[test]
fn each_commit_gets_its_dockerfile_ignore_file_and_context_changes() {
    let (_, h) = all_histories()
        .into_iter()
        .find(|(_, h)| h.name == "python-app")
        .expect("tests/repos/python-app.hist");
    let work = tempdir();
    let repo_dir = work.path().join("repo");
    let ids = h.generate(&repo_dir).unwrap();
    let repo = Repo::discover(&repo_dir).unwrap();
    let layout = Layout::new(repo.top(), &repo_dir.join("app"), None).unwrap();
    assert_eq!(layout.context, "app");
    assert_eq!(layout.dockerfile, "app/Dockerfile");
    assert_eq!(layout.dockerfile_in_context(), Some("Dockerfile"));
    let mut walker = Walker::new(&repo, layout);
    let commits = walker.commits(&Range::All).unwrap();
    let walked: Vec<String> = commits.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(walked, ids);
    let mut inputs = vec![];
    for commit in commits {
        inputs.push(walker.input(commit).unwrap());
    }
    // The first commit has no app/ folder yet.
    match &inputs[0] {
        Input::Skipped { why, .. } => assert!(why.contains("no build context"), "{why}"),
        Input::Build(_) => panic!("the first commit has no context"),
    }
    let build = |i: usize| match &inputs[i] {
        Input::Build(b) => b,
        Input::Skipped { why, .. } => panic!("commit {i} skipped: {why}"),
    };
    // What changed in the context since the build before (everything for the first).
    let paths = |i: usize| -> Vec<String> {
        let before = (i > 1).then(|| build(i - 1).context);
        repo.changes(before, Some(build(i).context))
            .unwrap()
            .iter()
            .map(|c| String::from_utf8_lossy(&c.path).into_owned())
            .collect()
    };
    assert!(build(1).first);
    assert_eq!(
        paths(1),
        [
            ".dockerignore",
            "Dockerfile",
            "app/__init__.py",
            "app/__main__.py",
            "app/server.py",
            "requirements.txt",
            "tests/test_server.py"
        ]
    );
    assert!(String::from_utf8_lossy(&build(1).dockerignore.clone().unwrap()).contains("tests/"));
    // Outside the context: nothing changed in it.
    assert!(!build(2).first);
    assert_eq!(build(2).context, build(1).context);
    assert!(paths(2).is_empty());
    assert_eq!(paths(3), ["tests/test_server.py"]);
    // The Dockerfile bytes are shared while its blob is unchanged.
    assert!(std::rc::Rc::ptr_eq(
        &build(2).dockerfile,
        &build(3).dockerfile
    ));
    assert!(String::from_utf8_lossy(&build(4).dockerfile).contains("--port"));
}

#[test]
fn a_context_or_dockerfile_outside_the_repository_is_refused() {
    let work = tempdir();
    let repo = work.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let err = Layout::new(&repo, work.path(), None).unwrap_err();
    assert!(err.contains("outside the git repository"), "{err}");
    let err = Layout::new(&repo, &repo, Some(&work.path().join("Dockerfile"))).unwrap_err();
    assert!(err.contains("Dockerfile"), "{err}");
}
