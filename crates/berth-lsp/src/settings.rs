//! The server's own settings: `initializationOptions` or `workspace/didChangeConfiguration`
//! `settings`, either at the top level or under a `berth` key.
//!
//! ```json
//! {"berth": {"context": "..", "config": "ci/berth.toml", "buildArgs": {"VERSION": "2"}}}
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

/// What a client may configure. Everything is optional: by default the configuration is
/// discovered from the document's folder and the build context is that folder.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerSettings {
    /// A configuration file (`berth lint -c`): `.toml` for berth's own, else `.hadolint.yaml`
    /// syntax. Relative paths are taken from the document's folder.
    pub config: Option<PathBuf>,
    /// Ignore every configuration file (`berth lint --isolated`).
    pub isolated: bool,
    /// The build context (default: the Dockerfile's folder); relative to the document's folder.
    pub context: Option<PathBuf>,
    /// Never read the build context (no cache-rule evidence, no cache hover).
    pub no_context: bool,
    /// Build args for the cache explanation and for variable values.
    pub build_args: BTreeMap<String, String>,
    /// The target stage for the cache explanation.
    pub target: Option<String>,
    /// Quiet time after an edit before the document is linted again (default 5 ms).
    pub debounce_ms: Option<u64>,
}

impl ServerSettings {
    /// The debounce in milliseconds.
    pub fn debounce_ms(&self) -> u64 {
        self.debounce_ms.unwrap_or(5).min(5_000)
    }
}
