//! The `berth` command line: argument parsing and dispatch. Each subcommand lives in
//! its own module under `cmd/` and owns its arguments and output.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod color;
mod progress;

#[global_allocator]
static GLOBAL: berth_alloc::Mimalloc = berth_alloc::Mimalloc;

/// Exit code: no finding at or above the failure threshold.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings, or a Dockerfile BuildKit would reject.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, I/O or internal error.
pub const EXIT_ERROR: u8 = 2;

/// The version `berth --version` prints: the package version and, when built from a git
/// checkout (or a crate packaged from one), the commit and its date (see build.rs).
pub const VERSION: &str = env!("BERTH_VERSION");

#[derive(Parser)]
#[command(
    name = "berth",
    version = VERSION,
    about = "Dockerfile parser, linter and layer-cache simulator",
    after_long_help = "\
Exit status:
  0  no finding at or above the failure threshold
  1  findings, or a Dockerfile BuildKit would reject
  2  usage, I/O or internal error

Environment:
  NO_COLOR  set and not empty: `--color auto` does not colour"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint Dockerfiles (files, directories, or `-` for stdin).
    Lint(Box<cmd::lint::LintArgs>),
    /// Print the syntax tree of a Dockerfile.
    Parse(cmd::parse::ParseArgs),
    /// Inspect the build context a build would send.
    #[command(subcommand)]
    Context(cmd::context::ContextCommand),
    /// Record and predict layer-cache behaviour.
    #[command(subcommand)]
    Cache(cmd::cache::CacheCommand),
    /// List rules, or explain one.
    Rule(cmd::rule::RuleArgs),
    /// Format Dockerfiles (keyword case, continuation indentation), or check they are.
    Fmt(cmd::fmt::FmtArgs),
    /// Run the Dockerfile language server over standard input and output.
    Lsp(cmd::lsp::LspArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(cmd::completions::CompletionsArgs),
    /// Print a manual page (roff), or write them all into a directory.
    Man(cmd::man::ManArgs),
    /// Print the version, the commit, the rule counts and the engines berth is checked against.
    Version(cmd::version::VersionArgs),
}

fn main() -> ExitCode {
    // Panics inside the shell parser and the lint rules are caught and handled (a rule's
    // panic is reported as an internal error of its file); don't print them.
    berth_shell::quiet_shell_parser_panics();
    berth_lint::quiet_rule_panics();
    // Usage errors exit 2 (clap's default for errors), help and version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Lint(args) => cmd::lint::run(*args),
        Command::Parse(args) => cmd::parse::run(args),
        Command::Context(command) => cmd::context::run(command),
        Command::Cache(command) => cmd::cache::run(command),
        Command::Rule(args) => cmd::rule::run(args),
        Command::Fmt(args) => cmd::fmt::run(args),
        Command::Lsp(args) => cmd::lsp::run(args),
        Command::Completions(args) => cmd::completions::run(args),
        Command::Man(args) => cmd::man::run(args),
        Command::Version(args) => cmd::version::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`berth rule | head`): nothing is wrong, nothing to say.
        Err(err) if is_broken_pipe(err.as_ref()) => ExitCode::from(EXIT_OK),
        Err(err) => {
            eprintln!("berth: error: {err:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Whether an error is (or wraps) a write to a closed pipe.
fn is_broken_pipe(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::BrokenPipe {
                return true;
            }
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_broken_pipe;
    use std::io;

    #[test]
    fn broken_pipes_are_recognised_and_nothing_else() {
        let pipe: Box<dyn std::error::Error> = io::Error::from(io::ErrorKind::BrokenPipe).into();
        assert!(is_broken_pipe(pipe.as_ref()));
        let other: Box<dyn std::error::Error> = io::Error::from(io::ErrorKind::NotFound).into();
        assert!(!is_broken_pipe(other.as_ref()));
        let text: Box<dyn std::error::Error> = "cannot read".into();
        assert!(!is_broken_pipe(text.as_ref()));
    }
}
