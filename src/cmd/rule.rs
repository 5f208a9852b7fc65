//! `berth rule`.

use super::CmdResult;

/// Arguments of `berth rule`.
#[derive(clap::Args)]
pub struct RuleArgs {}

pub fn run(_args: RuleArgs) -> CmdResult {
    Err("`berth rule` is not implemented yet".into())
}
