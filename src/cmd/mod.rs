//! One module per subcommand. Each exposes its clap arguments and a `run` returning
//! the process exit code (`0`, `1`) or an error (reported by `main`, exit `2`).

pub mod cache;
pub mod cache_compose;
pub mod cache_history;
pub mod compose;
pub mod context;
pub mod lint;
pub mod parse;
pub mod rule;

/// What a subcommand returns: an exit code, or an error that becomes exit 2.
pub type CmdResult = Result<u8, Box<dyn std::error::Error>>;
