//! `berth parse FILE [--format json|buildkit-json]`.
//!
//! `buildkit-json` is DESIGN.md 3.2: exactly the fields and values of BuildKit's
//! parser as the PyPI package `dockerfile==3.4.0` exposes them. When BuildKit's
//! parser rejects the file, nothing is printed on stdout, its error goes to stderr
//! as `FILE:LINE:COL: message`, and the exit code is 1.
//!
//! `json` is berth's own full tree (see [`json`]: source, escape, directives,
//! comments, nodes, instructions with spans, flags, arguments, heredocs and typed
//! commands, errors and warnings). It is printed even when the file has errors;
//! every error (BuildKit's parser stage and its instructions layer) is also printed
//! on stderr, and any error makes the exit code 1.

mod json;

use std::io::Write;
use std::path::PathBuf;

use berth_syntax::{Dockerfile, SyntaxError};

use super::CmdResult;

/// Output format of `berth parse`.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum ParseFormat {
    /// berth's own tree with spans and typed instructions.
    #[default]
    Json,
    /// BuildKit's parser output (DESIGN.md 3.2).
    BuildkitJson,
}

/// Arguments of `berth parse`.
#[derive(clap::Args)]
pub struct ParseArgs {
    /// The Dockerfile to parse (`-` for stdin).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ParseFormat::Json)]
    pub format: ParseFormat,
}

fn report(name: &str, file: &Dockerfile, err: &SyntaxError) {
    let (line, col) = file.line_col(err.span.start);
    eprintln!("{name}:{line}:{col}: {}", err.message);
}

pub fn run(args: ParseArgs) -> CmdResult {
    let (name, bytes) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| format!("cannot read stdin: {e}"))?;
        ("-".to_string(), buf)
    } else {
        let bytes = std::fs::read(&args.file)
            .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
        (args.file.display().to_string(), bytes)
    };
    let file = berth_syntax::parse_bytes(&bytes);
    let mut out = std::io::stdout().lock();
    match args.format {
        ParseFormat::BuildkitJson => {
            if let Some(err) = file.parser_error() {
                report(&name, &file, err);
                return Ok(crate::EXIT_FINDINGS);
            }
            serde_json::to_writer_pretty(&mut out, &berth_syntax::buildkit::to_json(&file))?;
            writeln!(out)?;
            Ok(crate::EXIT_OK)
        }
        ParseFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &json::File::from(&file))?;
            writeln!(out)?;
            for err in &file.errors {
                report(&name, &file, err);
            }
            Ok(if file.errors.is_empty() {
                crate::EXIT_OK
            } else {
                crate::EXIT_FINDINGS
            })
        }
    }
}
