//! DL3010: Use ADD for extracting archives into an image

use berth_syntax::Instruction;
use berth_syntax::{Command, Span};

use super::helpers::paths::has_archive_extension;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::shell::{run_of, shell_of};

const MESSAGE: &str = "Use `ADD` for extracting archives into an image";

crate::declare_rule! {
    /// ## What it does
    /// Flags a `COPY` (without `--from`) of an archive (`.tar`, `.gz`, `.tgz`, `.xz`, ... by
    /// name) that a later RUN of the same stage extracts with `tar -x...`/`--extract`/`--get`
    /// or unzip, gunzip, bunzip2, unlzma, unxz, zgz, uncompress, zcat, gzcat (matching the
    /// archive's file name among the plain arguments). Reported on the COPY, once per archive.
    ///
    /// ## Why is this bad?
    /// `ADD` unpacks a local archive in one layer; copying then extracting keeps the archive in
    /// an extra layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// COPY app.tar.gz /tmp/
    /// RUN tar -xzf /tmp/app.tar.gz -C /opt
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// ADD app.tar.gz /opt/
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the archive's source word in the COPY. Like hadolint, only
    /// archives of the last stage are reported, `tar xf` without a dash is not recognised and
    /// any dash argument containing `x` counts as extracting.
    pub struct Dl3010 {
    /// Archives copied in this stage: (where, file name, extracted later).
    archives: Vec<(Span, String, bool)>,
}
    meta {
        code: "DL3010",
        family: Hadolint,
        severity: Info,
        kinds: [From, Copy, Run],
        summary: "Use ADD for extracting archives into an image",
    }
}

const UNZIPPERS: &[&str] = &[
    "unzip",
    "gunzip",
    "bunzip2",
    "unlzma",
    "unxz",
    "zgz",
    "uncompress",
    "zcat",
    "gzcat",
];

impl Rule for Dl3010 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        match &instruction.command {
            // hadolint forgets everything, reports included, at every FROM.
            Some(Command::From(_)) => self.archives.clear(),
            Some(Command::Copy(copy)) if copy.from.is_none() => {
                if is_archive(&copy.dest) {
                    self.archives
                        .push((copy.dest_span, basename(&copy.dest).to_string(), false));
                } else {
                    for source in copy.sources.iter().filter(|s| is_archive(&s.path)) {
                        self.archives.push((
                            source.span,
                            basename(&source.path).to_string(),
                            false,
                        ));
                    }
                }
            }
            _ if run_of(instruction).is_some() => {
                let Some(shell) = shell_of(instruction, ctx) else {
                    return;
                };
                for (_, name, extracted) in &mut self.archives {
                    *extracted |= shell.script.any_command(|c| {
                        extracts(c)
                            && c.args_no_flags()
                                .any(|w| basename(&w.value) == name.as_str())
                    });
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, ctx: &mut LintContext) {
        let mut seen: Vec<(Span, &str)> = Vec::new();
        for (span, name, extracted) in &self.archives {
            if *extracted && !seen.contains(&(*span, name.as_str())) {
                seen.push((*span, name));
                ctx.report(*span, MESSAGE);
            }
        }
    }
}

fn extracts(c: &berth_shell::Command) -> bool {
    let tar = c.is("tar")
        && c.arg_values()
            .any(|a| a == "--extract" || a == "--get" || (a.starts_with('-') && a.contains('x')));
    tar || c.name().is_some_and(|n| UNZIPPERS.contains(&n))
}

fn strip_quotes(path: &str) -> &str {
    let unquoted = path.strip_prefix('"').and_then(|p| p.strip_suffix('"'));
    unquoted
        .or_else(|| path.strip_prefix('\'').and_then(|p| p.strip_suffix('\'')))
        .unwrap_or(path)
}

fn basename(path: &str) -> &str {
    let path = strip_quotes(path);
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_archive(path: &str) -> bool {
    has_archive_extension(strip_quotes(path))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3010,
            pass: [
                "FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN echo done\n",
                "FROM debian:12\nADD app.tar.gz /opt/\n",
                "FROM debian:12\nCOPY app.tar.gz /tmp/\nFROM debian:12\nRUN tar -xzf /tmp/app.tar.gz\n",
                "FROM debian:12\nCOPY --from=build /x.tar /tmp/\nRUN tar -xf /tmp/x.tar\n"
            ],
            fail: [
                "FROM debian:12\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
                "FROM debian:12\nCOPY x /tmp/data.zip.gz\nRUN gunzip /tmp/data.zip.gz\n"
            ],
        );
    }
}
