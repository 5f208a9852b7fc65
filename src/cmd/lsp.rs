//! `berth lsp`: the language server (berth-lsp) over standard input and output.

use super::CmdResult;

/// Arguments of `berth lsp`.
#[derive(clap::Args, Debug)]
pub struct LspArgs {
    /// Accepted because editors pass it; standard input and output are the only transport.
    #[arg(long)]
    pub stdio: bool,
}

/// Serves until the client sends `exit`: exit code 0 after `shutdown`, 1 otherwise (as the
/// protocol asks).
pub fn run(_args: LspArgs) -> CmdResult {
    Ok(if berth_lsp::run_stdio() == 0 { 0 } else { 1 })
}
