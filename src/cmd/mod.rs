//! One module per subcommand. Each exposes its clap arguments and a `run` returning
//! the process exit code (`0`, `1`) or an error (reported by `main`, exit `2`).

pub mod cache;
pub mod cache_compose;
pub mod cache_history;
pub mod completions;
pub mod compose;
pub mod context;
pub mod fmt;
pub mod lint;
pub mod lsp;
pub mod man;
pub mod parse;
pub mod rule;
pub mod version;

/// What a subcommand returns: an exit code, or an error that becomes exit 2.
pub type CmdResult = Result<u8, Box<dyn std::error::Error>>;

/// `--format` of the commands that print either text for people or JSON for programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    /// Text for people.
    #[default]
    Text,
    /// JSON for programs.
    Json,
}
