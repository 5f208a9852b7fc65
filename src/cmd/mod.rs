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

/// `--engine`: which engine to reproduce where engines differ (one setting for the
/// context and the cache model).
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum EngineProfile {
    /// Current BuildKit, as in Docker 28 (moby/patternmatcher for `.dockerignore`).
    #[default]
    Buildkit,
    /// Docker 20.10: BuildKit v0.8 and the 20.10 client's `.dockerignore` matching.
    Docker20,
}

impl From<EngineProfile> for berth_context::Engine {
    fn from(profile: EngineProfile) -> berth_context::Engine {
        match profile {
            EngineProfile::Buildkit => berth_context::Engine::BuildKit,
            EngineProfile::Docker20 => berth_context::Engine::Docker20,
        }
    }
}

/// `--format` of the commands that print either text for people or JSON for programs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    /// Text for people.
    #[default]
    Text,
    /// JSON for programs.
    Json,
}
