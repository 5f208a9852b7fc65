//! berth-history: replays a git history over berth's layer-cache model — for every
//! first-parent commit, which build steps a builder that built every earlier commit would
//! re-run, and why (`berth cache history`, DESIGN.md 3.5).
#![warn(missing_docs)]

pub mod git;
pub mod html;
pub mod report;
pub mod walk;
