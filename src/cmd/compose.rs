//! Compose projects as input (DESIGN.md 3.7): which compose files a command-line path
//! names, and loading them with the process environment. `berth lint` and `berth cache
//! --compose` both start here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use berth_compose::{Build, LoadOptions, Project};

/// Whether an explicit path names a compose file rather than a Dockerfile: a `.yaml` or
/// `.yml` file (no Dockerfile is named so).
pub fn is_compose_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The compose files of a directory as `docker compose` would pick them when run there:
/// `COMPOSE_FILE` when set (relative to the current directory), else the directory's
/// compose file and its override file. Empty when there is none.
pub fn files_in_dir(dir: &Path) -> Vec<PathBuf> {
    let env = process_environment();
    let cwd = std::env::current_dir().unwrap_or_default();
    if dir == Path::new(".") || dir.canonicalize().ok() == cwd.canonicalize().ok() {
        if let Some(files) = LoadOptions::files_from_environment(&env, &cwd) {
            return files;
        }
    }
    berth_compose::find_compose_files(dir)
}

/// The compose files a `--compose` value names: the file itself, or a directory's files.
pub fn files_for(path: &Path) -> Result<Vec<PathBuf>, String> {
    if path.is_dir() {
        let files = files_in_dir(path);
        if files.is_empty() {
            return Err(format!(
                "{}: no compose file here (looked for {})",
                path.display(),
                berth_compose::COMPOSE_FILE_NAMES.join(", ")
            ));
        }
        Ok(files)
    } else if path.exists() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(format!("{}: no such file or directory", path.display()))
    }
}

pub fn process_environment() -> HashMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Loads a project from its compose files, with the process environment and the active
/// profiles (none: `COMPOSE_PROFILES`).
pub fn load(files: Vec<PathBuf>, profiles: &[String]) -> Result<Project, berth_compose::Error> {
    let mut options = LoadOptions::new(files, process_environment());
    options.profiles = profiles.to_vec();
    berth_compose::load(&options)
}

/// A path as the user would type it: relative to the current directory when inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let shown = path.strip_prefix(&cwd).unwrap_or(path);
    let s = shown.display().to_string();
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}

/// A compose error with its file shown relative to the current directory.
pub fn error_text(err: &berth_compose::Error) -> String {
    let mut err = err.clone();
    if let Some(file) = &err.file {
        err.file = Some(PathBuf::from(display(file)));
    }
    err.to_string()
}

/// `Dockerfile` path of a build, for messages: the file, or `compose.yaml:12
/// (dockerfile_inline)`.
pub fn dockerfile_label(build: &Build) -> String {
    match &build.dockerfile {
        berth_compose::Dockerfile::File(p) => display(p),
        berth_compose::Dockerfile::Inline {
            pos, first_line, ..
        } => {
            format!("{}:{first_line} (dockerfile_inline)", display(&pos.file))
        }
    }
}
