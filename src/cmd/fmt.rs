//! `berth fmt`: format Dockerfiles in place, check that they are formatted (`--check`), or
//! format standard input (`-`) to standard output. The same code as the language server's
//! formatting (berth-fmt).

use std::io::{self, Read, Write};
use std::path::PathBuf;

use super::lint::discover;
use super::lint::Input;
use super::CmdResult;
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

/// Arguments of `berth fmt`.
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Dockerfiles or directories (searched recursively as `berth lint` does); `-` formats
    /// standard input to standard output. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Change nothing: list the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,

    /// Continuation lines are indented by this many spaces.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub indent: u32,
}

pub fn run(args: FmtArgs) -> CmdResult {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let options = berth_fmt::Options::from_editor(args.indent, true);
    let (inputs, mut errors) = discover::inputs(&paths);
    let (mut unformatted, mut formatted, mut unchanged) = (Vec::new(), 0, 0);
    for input in &inputs {
        let (name, bytes) = match input {
            Input::Stdin => {
                let mut bytes = Vec::new();
                if let Err(e) = io::stdin().read_to_end(&mut bytes) {
                    errors.push(format!("-: cannot read standard input: {e}"));
                    continue;
                }
                ("-".to_string(), bytes)
            }
            Input::File(path) => match std::fs::read(path) {
                Ok(bytes) => (path.display().to_string(), bytes),
                Err(e) => {
                    errors.push(format!("{}: cannot read: {e}", path.display()));
                    continue;
                }
            },
        };
        let Ok(text) = String::from_utf8(bytes) else {
            // Writing back a lossy decoding would change bytes the build reads.
            errors.push(format!(
                "{name}: not valid UTF-8; left as it is (convert it to UTF-8 to format it)"
            ));
            continue;
        };
        let output = berth_fmt::format(&text, &options);
        let changed = output != text;
        match input {
            Input::Stdin if !args.check => {
                let mut out = io::stdout().lock();
                out.write_all(output.as_bytes())?;
                out.flush()?;
            }
            _ if !changed => unchanged += 1,
            _ if args.check => unformatted.push(name),
            Input::File(path) => match super::lint::fix::write_in_place(path, &output) {
                Ok(()) => formatted += 1,
                Err(e) => errors.push(e),
            },
            Input::Stdin => {}
        }
    }
    for e in &errors {
        eprintln!("berth: error: {e}");
    }
    let plural = |n: usize| if n == 1 { "file" } else { "files" };
    if args.check {
        for name in &unformatted {
            println!("Would reformat: {name}");
        }
        if !inputs.contains(&Input::Stdin) || inputs.len() > 1 {
            let n = unformatted.len();
            eprintln!(
                "{n} {} would be reformatted, {unchanged} already formatted.",
                plural(n)
            );
        }
    } else if !inputs.contains(&Input::Stdin) {
        eprintln!(
            "{formatted} {} reformatted, {unchanged} already formatted.",
            plural(formatted)
        );
    }
    Ok(if !errors.is_empty() {
        EXIT_ERROR
    } else if !unformatted.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
