//! `berth cache` subcommands.

use super::CmdResult;

/// Subcommands of `berth cache`.
#[derive(clap::Subcommand)]
pub enum CacheCommand {}

pub fn run(command: CacheCommand) -> CmdResult {
    match command {}
}
