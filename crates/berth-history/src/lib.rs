//! berth-history: replays a git history over berth's layer-cache model — for every
//! first-parent commit, which build steps a builder that built every earlier commit would
//! re-run, and why (`berth cache history`, DESIGN.md 3.5).
//!
//! The walk reads git objects in-process ([`git`]), gives each commit's build inputs
//! ([`walk`]), and one [`sim::Simulator`] per Dockerfile (the committed one, and the
//! `--what-if` alternative) evaluates and compares each build with berth-cache, the code
//! behind `berth cache plan`. [`report`] holds the result and its summary, [`html`] draws it.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod git;
pub mod html;
pub mod report;
pub mod sim;
pub mod walk;

use std::rc::Rc;

use git::{BlobReader, GitError, Range, Repo};
use report::{CommitBuild, History, Summary, WhatIf};
use sim::{Outcome, Simulator};
use walk::{Input, Layout, Walker};

/// What to replay.
pub struct Options {
    /// Where the context and Dockerfile are in the repository.
    pub layout: Layout,
    /// Build args and target (the Dockerfile path is the layout's).
    pub build: berth_cache::Options,
    /// Which commits.
    pub range: Range,
    /// `--what-if FILE`: its name (for the report) and its text.
    pub what_if: Option<(String, Vec<u8>)>,
}

/// Progress of a replay: commits done, commits in all.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// One Dockerfile's replay: its builder and what it found.
struct Replay {
    simulator: Simulator,
    commits: Vec<CommitBuild>,
    target: Option<String>,
}

impl Replay {
    fn new(simulator: Simulator) -> Replay {
        Replay {
            simulator,
            commits: vec![],
            target: None,
        }
    }

    fn skip(&mut self, commit: &git::Commit, why: String) {
        self.commits.push(CommitBuild {
            rev: commit.id.to_string(),
            subject: commit.subject.clone(),
            baseline: false,
            skipped: Some(why),
            steps: vec![],
        });
    }

    fn build(
        &mut self,
        repo: &Repo,
        reader: &BlobReader,
        build: &walk::Build,
    ) -> Result<(), GitError> {
        match self.simulator.build(repo, reader, build)? {
            Outcome::Built(steps, target) => {
                self.commits.push(CommitBuild {
                    rev: build.commit.id.to_string(),
                    subject: build.commit.subject.clone(),
                    baseline: self.target.is_none(),
                    skipped: None,
                    steps,
                });
                self.target = Some(target);
            }
            Outcome::Refused(why) => self.skip(&build.commit, format!("the build fails: {why}")),
        }
        Ok(())
    }
}

/// Replays the history of `repo` (DESIGN.md 3.5).
pub fn replay(repo: &Repo, opts: &Options, progress: Progress) -> Result<History, GitError> {
    let mut walker = Walker::new(repo, opts.layout.clone());
    let commits = walker.commits(&opts.range)?;
    let mut main = Replay::new(Simulator::new(opts.build.clone(), None));
    let mut what_if = opts.what_if.as_ref().map(|(_, text)| {
        let in_context = opts.layout.dockerfile_in_context().map(str::to_string);
        Replay::new(Simulator::new(
            opts.build.clone(),
            Some((Rc::new(text.clone()), in_context)),
        ))
    });
    let reader = repo.blob_reader();
    let total = commits.len();
    for (done, commit) in commits.into_iter().enumerate() {
        match walker.input(commit)? {
            Input::Skipped { commit, why } => {
                main.skip(&commit, why.clone());
                if let Some(w) = &mut what_if {
                    w.skip(&commit, why);
                }
            }
            Input::Build(build) => {
                main.build(repo, &reader, &build)?;
                if let Some(w) = &mut what_if {
                    w.build(repo, &reader, &build)?;
                }
            }
        }
        progress(done + 1, total);
    }
    let what_if = what_if
        .zip(opts.what_if.as_ref())
        .map(|(w, (file, _))| WhatIf {
            file: file.clone(),
            summary: Summary::of(&w.commits),
            commits: w.commits,
        });
    Ok(History {
        target: main.target.unwrap_or_default(),
        summary: Summary::of(&main.commits),
        commits: main.commits,
        what_if,
    })
}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
