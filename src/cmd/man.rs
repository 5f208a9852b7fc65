//! `berth man`: manual pages (roff) generated from the clap definition at run time, like the
//! completions, so a new subcommand or option is documented the moment it exists.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::CmdResult;
use crate::EXIT_OK;

/// Arguments of `berth man`.
#[derive(clap::Args)]
#[command(after_long_help = "\
Examples:
  berth man | man -l -                        read berth(1)
  berth man context hash | man -l -           read berth-context-hash(1)
  berth man --dir ~/.local/share/man/man1     install every page")]
pub struct ManArgs {
    /// The command whose page to print (`lint`, `context hash`); default: berth(1).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,
    /// Write every page (berth.1, berth-lint.1, berth-context-hash.1, ...) into DIR instead.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: ManArgs) -> CmdResult {
    let mut root = crate::Cli::command().disable_help_subcommand(true);
    // Gives every subcommand its display name (`berth-context-hash`), used for page names.
    root.build();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
        let mut written = 0;
        write_pages(&root, dir, &mut written)?;
        eprintln!("wrote {written} manual pages to {}", dir.display());
        return Ok(EXIT_OK);
    }
    let mut command = &root;
    for name in &args.command {
        command = command.find_subcommand(name).ok_or_else(|| {
            format!(
                "`{name}` is not a command of `{}`; `berth man` without arguments lists them",
                command.get_display_name().unwrap_or("berth")
            )
        })?;
    }
    let mut page = Vec::new();
    page_of(command).render(&mut page)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&page)?;
    out.flush()?;
    Ok(EXIT_OK)
}

/// The page of one command, dated with the commit berth was built from (when known).
fn page_of(command: &clap::Command) -> Page {
    let man = clap_mangen::Man::new(command.clone())
        .date(env!("BERTH_COMMIT_DATE"))
        .source(format!("berth {}", env!("CARGO_PKG_VERSION")))
        .manual("berth manual");
    Page {
        man,
        command: command.clone(),
    }
}

/// A manual page: clap_mangen's sections, except that the command's long after-help
/// (paragraphs of the form `Heading:` then indented lines, as `--help` shows them) becomes one
/// section per paragraph (EXIT STATUS, ENVIRONMENT, EXAMPLES) instead of one called EXTRA.
struct Page {
    man: clap_mangen::Man,
    command: clap::Command,
}

impl Page {
    fn get_filename(&self) -> String {
        self.man.get_filename()
    }

    fn render(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let man = &self.man;
        man.render_title(out)?;
        man.render_name_section(out)?;
        man.render_synopsis_section(out)?;
        man.render_description_section(out)?;
        man.render_options_section(out)?;
        if self.command.has_subcommands() {
            man.render_subcommands_section(out)?;
        }
        if let Some(after) = self.command.get_after_long_help() {
            out.write_all(after_help_sections(&after.to_string()).as_bytes())?;
        }
        if self.command.get_version().is_some() {
            man.render_version_section(out)?;
        }
        Ok(())
    }
}

/// roff for `Heading:` paragraphs: `.SH HEADING`, then the indented lines as they are.
fn after_help_sections(text: &str) -> String {
    let mut roff = String::new();
    for paragraph in text.split("\n\n") {
        let (heading, body) = match paragraph.split_once('\n') {
            Some((first, rest)) if first.ends_with(':') => (first.trim_end_matches(':'), rest),
            _ => ("Notes", paragraph),
        };
        roff.push_str(&format!(".SH \"{}\"\n.nf\n", heading.to_uppercase()));
        for line in body.lines() {
            roff.push_str(&roff_text(line.strip_prefix("  ").unwrap_or(line)));
            roff.push('\n');
        }
        roff.push_str(".fi\n");
    }
    roff
}

/// Text as roff prints it literally: backslashes and dashes escaped, and a line that starts
/// with a control character kept from being read as a request.
fn roff_text(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// Writes the page of `command` and of every visible subcommand below it.
fn write_pages(command: &clap::Command, dir: &Path, written: &mut usize) -> CmdResult {
    let page = page_of(command);
    let path = dir.join(page.get_filename());
    let mut text = Vec::new();
    page.render(&mut text)?;
    std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    *written += 1;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(EXIT_OK)
}
