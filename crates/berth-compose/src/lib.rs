//! berth-compose: reads Docker Compose files into the image builds they describe.
//!
//! One job: from `compose.yaml` (and its override files, `include`s and `extends`), the
//! list of services with a `build:` section and, for each, the build context, the
//! Dockerfile (a path, or the text of `dockerfile_inline`), the build args, the target and
//! the additional contexts, exactly as `docker compose build` would pass them. It follows
//! compose's own loader (compose-go): interpolation from the environment and the `.env`
//! beside the first compose file, YAML anchors and merge keys, `x-` extension fields,
//! several files merged with compose's rules, `include`, `extends`, `profiles`, and relative
//! paths resolved against the right directory.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! std::fs::create_dir(dir.path().join("api")).unwrap();
//! std::fs::write(dir.path().join(".env"), "NODE=20\n").unwrap();
//! std::fs::write(
//!     dir.path().join("compose.yaml"),
//!     "services:\n  api:\n    build:\n      context: ./api\n      args:\n        NODE: ${NODE:-18}\n  db:\n    image: postgres\n",
//! ).unwrap();
//! let env = std::collections::HashMap::new();
//! let project = berth_compose::load(&berth_compose::LoadOptions::new(vec![dir.path().join("compose.yaml")], env)).unwrap();
//! let builds: Vec<_> = project.builds(&[]).unwrap();
//! assert_eq!(builds.len(), 1); // `db` has no build
//! assert_eq!(builds[0].service, "api");
//! assert_eq!(builds[0].args, [("NODE".to_string(), "20".to_string())]);
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod dotenv;
pub mod interpolate;
mod load;
mod merge;
mod project;
mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use load::{find_compose_files, load, LoadOptions, COMPOSE_FILE_NAMES};
pub use project::{Build, Context, Dockerfile, Project, Service};
pub use yaml::Pos;

/// A problem reading a compose project: the compose file, line, column and key it is
/// about, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The compose file (or `.env` file) the problem is in, when there is one.
    pub file: Option<PathBuf>,
    /// 1-based line, 0 when unknown.
    pub line: usize,
    /// 1-based column, 0 when unknown.
    pub column: usize,
    /// The key path (`services.web.build.context`), empty when none applies.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Error {
    pub(crate) fn at(pos: &Pos, key: &str, message: impl Into<String>) -> Error {
        Error {
            file: Some(pos.file.as_ref().clone()),
            line: pos.line,
            column: pos.column,
            key: key.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn in_file(file: &Path, message: impl Into<String>) -> Error {
        Error {
            file: Some(file.to_path_buf()),
            line: 0,
            column: 0,
            key: String::new(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if self.line > 0 {
                write!(f, ":{}", self.line)?;
                if self.column > 0 {
                    write!(f, ":{}", self.column)?;
                }
            }
            write!(f, ": ")?;
        }
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Error {}

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
