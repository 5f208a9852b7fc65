//! `berth parse`.

use super::CmdResult;

/// Arguments of `berth parse`.
#[derive(clap::Args)]
pub struct ParseArgs {}

pub fn run(_args: ParseArgs) -> CmdResult {
    Err("`berth parse` is not implemented yet".into())
}
