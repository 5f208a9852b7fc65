//! `berth lint`.

use super::CmdResult;

/// Arguments of `berth lint`.
#[derive(clap::Args)]
pub struct LintArgs {}

pub fn run(_args: LintArgs) -> CmdResult {
    Err("`berth lint` is not implemented yet".into())
}
