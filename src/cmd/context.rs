//! `berth context` subcommands.

use super::CmdResult;

/// Subcommands of `berth context`.
#[derive(clap::Subcommand)]
pub enum ContextCommand {}

pub fn run(command: ContextCommand) -> CmdResult {
    match command {}
}
