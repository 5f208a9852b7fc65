//! Evidence from the real build context, for berth's cache rules (BR1xx). Optional: every
//! rule works from the Dockerfile alone and quotes these numbers when they are available.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobMatcher};

/// Contexts are large walks; keep at most this many paths.
const MAX_FILES: usize = 200_000;

/// The build contexts of Dockerfiles, each walked once: what `berth lint` and `berth lsp` quote
/// as cache-rule evidence. Dockerfiles of one directory share its context, unless one has its
/// own `<Dockerfile>.dockerignore`.
#[derive(Default)]
pub struct ContextCache {
    by_key: Mutex<HashMap<PathBuf, Option<Arc<BuildContext>>>>,
}

impl ContextCache {
    /// The context of the directory holding `dockerfile` (BuildKit's `docker build DIR` with
    /// the Dockerfile inside it), if it can be read.
    pub fn for_dockerfile(&self, dockerfile: &Path) -> Option<Arc<BuildContext>> {
        let dir = match dockerfile.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        self.get(&dir, Some(dockerfile))
    }

    /// The context `dir` as a build with `dockerfile` sends it (a compose service's, or the
    /// language server's configured context); an inline Dockerfile (`None`) uses
    /// `dir/.dockerignore`.
    pub fn get(&self, dir: &Path, dockerfile: Option<&Path>) -> Option<Arc<BuildContext>> {
        let mut key = dir.to_path_buf();
        if let Some(df) = dockerfile {
            let mut specific = df.as_os_str().to_owned();
            specific.push(".dockerignore");
            if Path::new(&specific).is_file() {
                key = df.to_path_buf();
            }
        }
        if let Some(hit) = self.by_key.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let context = BuildContext::load(dir, dockerfile).map(Arc::new);
        self.by_key.lock().ok()?.insert(key, context.clone());
        context
    }

    /// Forgets every context (files changed on disk).
    pub fn clear(&self) {
        if let Ok(mut map) = self.by_key.lock() {
            map.clear();
        }
    }

    /// How many contexts are held.
    pub fn len(&self) -> usize {
        self.by_key.lock().map_or(0, |m| m.len())
    }

    /// Whether no context is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The files a build would send, as the linter sees them.
///
/// ```
/// use berth_lint::BuildContext;
/// let ctx = BuildContext::new("/app".into(), vec!["package.json".into(), "src/a.js".into(), "src/b.js".into()], true);
/// assert_eq!(ctx.count_matching("."), 3);
/// assert_eq!(ctx.count_matching("src/"), 2);
/// assert_eq!(ctx.count_matching("*.json"), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct BuildContext {
    /// The context directory.
    pub root: PathBuf,
    /// Paths relative to `root`, `/`-separated, after `.dockerignore` (what the build sends).
    pub files: Vec<String>,
    /// Whether the context has a `.dockerignore`.
    pub has_dockerignore: bool,
}

impl BuildContext {
    pub fn new(root: PathBuf, mut files: Vec<String>, has_dockerignore: bool) -> Self {
        files.sort();
        BuildContext {
            root,
            files,
            has_dockerignore,
        }
    }

    /// The files a build of `dir` with `dockerfile` would send: berth-context's walk, which
    /// applies `<Dockerfile>.dockerignore` or `.dockerignore` with BuildKit's matcher. `None`
    /// when the directory cannot be read.
    pub fn load(dir: &Path, dockerfile: Option<&Path>) -> Option<BuildContext> {
        let context = berth_context::Context::open(dir, dockerfile, Default::default()).ok()?;
        let has_dockerignore = context.ignore_file().is_some();
        let entries = context.walk().ok()?;
        let files: Vec<String> = entries
            .iter()
            .filter(|e| e.kind != berth_context::EntryKind::Dir)
            .take(MAX_FILES)
            .map(|e| e.path_lossy().into_owned())
            .collect();
        Some(BuildContext::new(
            dir.to_path_buf(),
            files,
            has_dockerignore,
        ))
    }

    /// How many sent files a COPY/ADD source brings in: `.` is everything, a directory is
    /// everything below it, a pattern (`*.json`, `src/**`) matches paths, or their parent
    /// directories, as BuildKit's copy does.
    pub fn count_matching(&self, source: &str) -> usize {
        self.files_matching(source).count()
    }

    /// The sent files a COPY/ADD source brings in (see [`count_matching`](Self::count_matching)).
    pub fn files_matching<'a>(&'a self, source: &str) -> Box<dyn Iterator<Item = &'a str> + 'a> {
        let source = normalize(source);
        let files = self.files.iter().map(String::as_str);
        if source.is_empty() {
            return Box::new(files);
        }
        if source.contains(['*', '?', '[']) {
            let Some(glob) = glob(&source) else {
                return Box::new(std::iter::empty());
            };
            return Box::new(files.filter(move |f| matches_path_or_parent(&glob, f)));
        }
        Box::new(files.filter(move |f| {
            *f == source
                || (f.starts_with(source.as_str()) && f.as_bytes().get(source.len()) == Some(&b'/'))
        }))
    }

    /// How many sent files sit below the top-level directory `dir` (`.git`, `node_modules`).
    pub fn count_under(&self, dir: &str) -> usize {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let start = self.files.partition_point(|f| f.as_str() < prefix.as_str());
        self.files[start..]
            .iter()
            .take_while(|f| f.starts_with(&prefix))
            .count()
    }

    /// Whether a file at this relative path is sent.
    pub fn contains(&self, path: &str) -> bool {
        self.files
            .binary_search_by(|f| f.as_str().cmp(path))
            .is_ok()
    }
}

/// Strips `./`, leading `/` and trailing `/`; `.` becomes empty (the whole context).
fn normalize(source: &str) -> String {
    let mut s = source.trim();
    loop {
        if let Some(rest) = s.strip_prefix("./") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix('/') {
            s = rest;
        } else {
            break;
        }
    }
    let s = s.trim_end_matches('/');
    if s == "." {
        String::new()
    } else {
        s.to_string()
    }
}

fn glob(pattern: &str) -> Option<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

fn matches_path_or_parent(glob: &GlobMatcher, path: &str) -> bool {
    if glob.is_match(path) {
        return true;
    }
    let mut end = path.len();
    while let Some(i) = path[..end].rfind('/') {
        if glob.is_match(&path[..i]) {
            return true;
        }
        end = i;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> BuildContext {
        BuildContext::new(
            "/c".into(),
            vec![
                ".git/HEAD".into(),
                ".git/objects/ab".into(),
                "package.json".into(),
                "package-lock.json".into(),
                "src/index.js".into(),
                "src/lib/util.js".into(),
                "srcx".into(),
            ],
            false,
        )
    }

    #[test]
    fn counts() {
        let c = ctx();
        assert_eq!(c.count_matching("."), 7);
        assert_eq!(c.count_matching("./"), 7);
        assert_eq!(c.count_matching("src"), 2);
        assert_eq!(c.count_matching("./src/"), 2);
        assert_eq!(c.count_matching("package*.json"), 2);
        assert_eq!(c.count_matching("s*"), 3);
        assert_eq!(c.count_matching("missing"), 0);
        assert_eq!(c.count_under(".git"), 2);
        assert!(c.contains("package.json"));
    }
}
