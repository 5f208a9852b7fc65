//! Code several hadolint rules share. No rule lives here, and no rule file imports another:
//! what two rules need goes into one of these modules, each with one job.

pub(crate) mod args;
pub(crate) mod final_stage;
pub(crate) mod flags;
pub(crate) mod labels;
pub(crate) mod paths;
pub(crate) mod pip;
pub(crate) mod rpm_pins;
pub(crate) mod run_checks;
pub(crate) mod stages;
