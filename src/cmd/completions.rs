//! `berth completions SHELL`: a completion script generated from the clap definition at run
//! time, so every subcommand, option and closed set of values (`lint --format`) is offered as
//! soon as it exists, with nothing to regenerate by hand.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::CmdResult;
use crate::EXIT_OK;

/// Arguments of `berth completions`.
#[derive(clap::Args)]
#[command(after_long_help = "\
Installing (or put the line in the shell's startup file):
  bash        berth completions bash > ~/.local/share/bash-completion/completions/berth
  zsh         berth completions zsh > \"${fpath[1]}/_berth\"
  fish        berth completions fish > ~/.config/fish/completions/berth.fish
  powershell  berth completions powershell | Out-String | Invoke-Expression
  elvish      eval (berth completions elvish | slurp)")]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: CompletionsArgs) -> CmdResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut crate::Cli::command(), "berth", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(EXIT_OK)
}
