//! The Dockerfile side of shell analysis: which text of a `RUN` is analysed, and which
//! shells are not POSIX shells.
//!
//! hadolint analyses:
//! - shell form: the instruction's arguments with continuations joined;
//! - exec form (`RUN ["sh", "-c", "a | b"]`): the JSON strings joined with single spaces
//!   and parsed as shell again (so that example contains a pipe);
//! - heredoc form: when the arguments start with the heredoc marker (`RUN <<EOF`), the
//!   heredoc body, trimmed; otherwise (`RUN python3 <<EOF`) only the text before the
//!   first `<<`, trimmed — the body is not looked at.

/// The shells hadolint treats as not POSIX: a shell whose name contains one of these
/// words is never given to ShellCheck, and makes a stage "pipefail-safe" for DL4006.
pub const NON_POSIX_SHELLS: [&str; 3] = ["pwsh", "powershell", "cmd"];

/// True when `shell` (a `SHELL` instruction's first word, or a `# hadolint shell=`
/// pragma's name) is PowerShell or cmd.
///
/// ```
/// assert!(berth_shell::run::is_non_posix_shell("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"));
/// assert!(!berth_shell::run::is_non_posix_shell("/bin/bash"));
/// ```
pub fn is_non_posix_shell(shell: &str) -> bool {
    NON_POSIX_SHELLS.iter().any(|s| shell.contains(s))
}

/// Shebangs of scripts ShellCheck can check; any other `#!` line (python, node, ...)
/// means the RUN text is not shell.
const SHELL_SHEBANGS: [&str; 6] = [
    "#!/bin/sh",
    "#!/bin/bash",
    "#!/bin/ksh",
    "#!/usr/bin/env sh",
    "#!/usr/bin/env bash",
    "#!/usr/bin/env ksh",
];

/// True when `text` starts with a `#!` line that is not a POSIX shell's.
///
/// ```
/// assert!(berth_shell::run::has_unsupported_shebang("#!/usr/bin/env python3\nprint(1)"));
/// assert!(!berth_shell::run::has_unsupported_shebang("#!/bin/bash\nset -e"));
/// ```
pub fn has_unsupported_shebang(text: &str) -> bool {
    text.starts_with("#!") && !SHELL_SHEBANGS.iter().any(|s| text.starts_with(s))
}

/// The shell text of an exec-form instruction: its strings joined with single spaces.
///
/// ```
/// assert_eq!(berth_shell::run::exec_form_text(&["sh", "-c", "a | b"]), "sh -c a | b");
/// ```
pub fn exec_form_text<S: AsRef<str>>(args: &[S]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(a.as_ref());
    }
    out
}

/// Which part of a shell-form `RUN` hadolint analyses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellSource<'a> {
    /// A part of the command line, as a byte range of it.
    CommandLine {
        /// Where the analysed part starts.
        start: usize,
        /// Where it ends.
        end: usize,
    },
    /// The first heredoc's body, as a byte range of it.
    Heredoc {
        /// The whole body.
        body: &'a str,
        /// Where the analysed part of the body starts.
        start: usize,
        /// Where it ends.
        end: usize,
    },
}

/// Choose the analysed text of a shell-form `RUN`: `command_line` is the arguments with
/// continuations joined (heredoc markers included, bodies not); `first_heredoc_body` the
/// body of its first heredoc, if any.
///
/// ```
/// use berth_shell::run::{shell_source, ShellSource};
/// assert_eq!(shell_source("<<EOF", Some("\n  apt-get update\n")),
///            ShellSource::Heredoc { body: "\n  apt-get update\n", start: 3, end: 17 });
/// assert_eq!(shell_source("python3 <<EOF", Some("print(1)\n")),
///            ShellSource::CommandLine { start: 0, end: 7 });
/// ```
pub fn shell_source<'a>(
    command_line: &str,
    first_heredoc_body: Option<&'a str>,
) -> ShellSource<'a> {
    let (start, end) = trimmed(command_line);
    match first_heredoc_body {
        Some(body) if command_line[start..].starts_with("<<") => {
            let (start, end) = trimmed(body);
            ShellSource::Heredoc { body, start, end }
        }
        Some(_) => {
            let before = command_line.find("<<").unwrap_or(command_line.len());
            let (s, e) = trimmed(&command_line[..before]);
            ShellSource::CommandLine { start: s, end: e }
        }
        None => ShellSource::CommandLine { start, end },
    }
}

/// Byte range of `text` without leading and trailing whitespace.
fn trimmed(text: &str) -> (usize, usize) {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len().max(start);
    (start, end)
}
