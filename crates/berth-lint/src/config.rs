//! Configuration: `.hadolint.yaml` (hadolint's discovery order and keys), berth's own
//! `berth.toml` / `.berth.toml`, and the `HADOLINT_*` environment variables.
//!
//! Each source becomes a [`Layer`]; [`resolve`] merges layers the way hadolint does: list
//! values (ignores, overrides, trusted registries, formats) are concatenated across every
//! source, scalars (failure threshold, no-fail, ...) come from the most important source that
//! sets them. Importance, lowest first: environment, `.hadolint.yaml`, `berth.toml`, command line.
//!
//! A malformed file is a [`ConfigError`] naming the file, line, column and key.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::Severity;
use crate::settings::{CheckConfig, FailureThreshold, LabelType, Level, Settings};

/// A partial configuration from one source.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layer {
    /// Codes or prefixes to run only ([`Settings::select`]); a later layer's list replaces.
    pub select: Vec<String>,
    /// Codes or prefixes not to run ([`Settings::ignore`]); the layers' lists add up.
    pub ignore: Vec<String>,
    /// Severity overrides by code or prefix ([`Settings::overrides`]).
    pub overrides: Vec<(String, Level)>,
    /// Per-file ignores: glob and codes ([`Settings::per_file_ignores`]).
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Registries DL3026 accepts ([`Settings::trusted_registries`]).
    pub trusted_registries: Vec<String>,
    /// Required labels and their types ([`Settings::label_schema`]).
    pub label_schema: BTreeMap<String, LabelType>,
    /// Output formats named, in order (the last one wins).
    pub formats: Vec<String>,
    /// DL3050 on ([`Settings::strict_labels`]), when set.
    pub strict_labels: Option<bool>,
    /// Pragmas ignored ([`Settings::disable_ignore_pragma`]), when set.
    pub disable_ignore_pragma: Option<bool>,
    /// When a run fails ([`Settings::failure_threshold`]), when set.
    pub failure_threshold: Option<FailureThreshold>,
    /// Exit 0 whatever the findings, when set.
    pub no_fail: Option<bool>,
    /// No colour in the output, when set.
    pub no_color: Option<bool>,
    /// Print the configuration files used, when set.
    pub verbose: Option<bool>,
    /// Run ShellCheck on RUN text ([`Settings::shellcheck`]), when set.
    pub shellcheck: Option<bool>,
    /// BuildKit's check configuration ([`Settings::buildkit_check`]), when set.
    pub buildkit_check: Option<CheckConfig>,
}

/// The merged configuration: lint [`Settings`] plus output options.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// What the engine and the rules see.
    pub settings: Settings,
    /// Output formats named, in order (the last one wins).
    pub formats: Vec<String>,
    /// Exit 0 whatever the findings.
    pub no_fail: bool,
    /// No colour in the output.
    pub no_color: bool,
    /// Print the configuration files used.
    pub verbose: bool,
}

/// Merges layers given from least to most important.
pub fn resolve(layers: &[Layer]) -> Config {
    let mut config = Config::default();
    let s = &mut config.settings;
    for layer in layers {
        s.select.extend(layer.select.iter().cloned());
        s.ignore.extend(layer.ignore.iter().cloned());
        s.overrides.extend(layer.overrides.iter().cloned());
        s.per_file_ignores
            .extend(layer.per_file_ignores.iter().cloned());
        s.trusted_registries
            .extend(layer.trusted_registries.iter().cloned());
        for (k, v) in &layer.label_schema {
            s.label_schema.insert(k.clone(), *v);
        }
        config.formats.extend(layer.formats.iter().cloned());
        if let Some(v) = layer.strict_labels {
            s.strict_labels = v;
        }
        if let Some(v) = layer.disable_ignore_pragma {
            s.disable_ignore_pragma = v;
        }
        if let Some(v) = layer.failure_threshold {
            s.failure_threshold = v;
        }
        if let Some(v) = layer.shellcheck {
            s.shellcheck = v;
        }
        if let Some(v) = &layer.buildkit_check {
            s.buildkit_check = Some(v.clone());
        }
        if let Some(v) = layer.no_fail {
            config.no_fail = v;
        }
        if let Some(v) = layer.no_color {
            config.no_color = v;
        }
        if let Some(v) = layer.verbose {
            config.verbose = v;
        }
    }
    config
}

/// A configuration problem: file, position and key when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration file (or the environment variable's name).
    pub path: PathBuf,
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column of the problem, when known.
    pub column: Option<usize>,
    /// The key whose value is wrong, when known.
    pub key: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

// ---------------------------------------------------------------------------------------------
// Discovery

/// Where to look for configuration files and environment variables. Injected (rather than read
/// from the process) so that discovery and precedence are testable.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The working directory (`$PWD`).
    pub cwd: PathBuf,
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME` (defaults to `$HOME/.config`).
    pub xdg_config_home: Option<PathBuf>,
    /// The environment variables berth reads (`HADOLINT_*`, `BUILDKIT_DOCKERFILE_CHECK`, ...).
    pub vars: HashMap<String, String>,
}

impl Environment {
    /// The current process's directory and variables.
    pub fn from_process() -> std::io::Result<Environment> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Ok(Environment {
            cwd: std::env::current_dir()?,
            home: vars.get("HOME").map(PathBuf::from),
            xdg_config_home: vars.get("XDG_CONFIG_HOME").map(PathBuf::from),
            vars,
        })
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// hadolint's discovery order (first existing file wins; no parent-directory search).
pub fn hadolint_candidates(env: &Environment) -> Vec<PathBuf> {
    let mut out = vec![
        env.cwd.join(".hadolint.yaml"),
        env.cwd.join(".hadolint.yml"),
    ];
    let xdg = env
        .xdg_config_home
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
    if let Some(xdg) = xdg {
        out.push(xdg.join("hadolint.yaml"));
        out.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = &env.home {
        for name in [
            ".hadolint/hadolint.yaml",
            ".hadolint/hadolint.yml",
            ".hadolint/config.yaml",
            ".hadolint/config.yml",
            ".hadolint.yaml",
            ".hadolint.yml",
        ] {
            out.push(home.join(name));
        }
    }
    out
}

/// berth's discovery: `berth.toml` then `.berth.toml` in the working directory and each parent,
/// nearest first, then `$XDG_CONFIG_HOME/berth/berth.toml`.
pub fn berth_candidates(env: &Environment) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in env.cwd.ancestors() {
        out.push(dir.join("berth.toml"));
        out.push(dir.join(".berth.toml"));
    }
    let xdg = env
        .xdg_config_home
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
    if let Some(xdg) = xdg {
        out.push(xdg.join("berth").join("berth.toml"));
    }
    out
}

/// The files a run uses and the layers they give.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The merged configuration.
    pub config: Config,
    /// The configuration files that were read.
    pub files: Vec<PathBuf>,
    /// Non-fatal notes (unknown keys in `.hadolint.yaml`, which hadolint ignores).
    pub warnings: Vec<String>,
}

/// Loads the environment layer and the discovered (or explicitly given) files, then merges
/// them with `cli` (the command line's own layer, most important).
///
/// `explicit`: a `-c/--config FILE`; a `.toml` file replaces berth.toml discovery, anything
/// else replaces `.hadolint.yaml` discovery. A missing explicit file is an error.
pub fn load(env: &Environment, explicit: Option<&Path>, cli: Layer) -> Result<Loaded, ConfigError> {
    let mut loaded = Loaded::default();
    let mut layers = vec![env_layer(env)?];

    let explicit_is_toml = explicit.is_some_and(|p| p.extension().is_some_and(|e| e == "toml"));
    let hadolint_file = match explicit {
        Some(p) if !explicit_is_toml => Some(require(p)?),
        _ => hadolint_candidates(env).into_iter().find(|p| p.is_file()),
    };
    let berth_file = match explicit {
        Some(p) if explicit_is_toml => Some(require(p)?),
        _ => berth_candidates(env).into_iter().find(|p| p.is_file()),
    };
    if let Some(path) = hadolint_file {
        let text = read(&path)?;
        let (layer, unknown) = parse_hadolint_yaml(&text, &path)?;
        for key in unknown {
            loaded.warnings.push(format!(
                "{}: unknown key `{key}` ignored (hadolint ignores it too)",
                path.display()
            ));
        }
        layers.push(layer);
        loaded.files.push(path);
    }
    if let Some(path) = berth_file {
        let text = read(&path)?;
        layers.push(parse_berth_toml(&text, &path)?);
        loaded.files.push(path);
    }
    layers.push(cli);
    let hadolint_config = loaded
        .files
        .iter()
        .any(|f| f.extension().is_none_or(|e| e != "toml"));
    loaded.config = resolve(&layers);
    if hadolint_config {
        loaded.config.settings.prefer_family = Some(crate::meta::Family::Hadolint);
    }
    Ok(loaded)
}

/// The configuration of a `berth lint` run in `env.cwd`, as the command line discovers it:
/// the environment layer and the discovered (or `explicit`) files, or with `isolated` the
/// environment and `cli` layers alone. `berth lsp` calls it with `cwd` set to the document's
/// folder, so the editor sees what the command line would there.
pub fn discover(
    env: &Environment,
    explicit: Option<&Path>,
    isolated: bool,
    cli: Layer,
) -> Result<Loaded, ConfigError> {
    if isolated {
        Ok(Loaded {
            config: resolve(&[env_layer(env)?, cli]),
            ..Loaded::default()
        })
    } else {
        load(env, explicit, cli)
    }
}

fn require(path: &Path) -> Result<PathBuf, ConfigError> {
    if path.is_file() {
        Ok(path.to_path_buf())
    } else {
        Err(ConfigError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            key: None,
            message: "configuration file not found".into(),
        })
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: None,
        column: None,
        key: None,
        message: format!("cannot read: {e}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Environment variables

fn truthy(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "1" | "y" | "on" | "true" | "yes"
    )
}

fn comma_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

/// hadolint's variables (reference section 9) plus `BUILDKIT_DOCKERFILE_CHECK`. `NO_COLOR`
/// is not among them: it decides only what `--color auto` means, which is the command line's
/// business (one colour choice for every subcommand).
pub fn env_layer(env: &Environment) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    let env_error = |name: &str, message: String| ConfigError {
        path: PathBuf::from(format!("${name}")),
        line: None,
        column: None,
        key: None,
        message,
    };
    let flag = |name: &str| env.var(name).map(truthy);
    layer.no_fail = flag("HADOLINT_NOFAIL");
    layer.verbose = flag("HADOLINT_VERBOSE");
    layer.strict_labels = flag("HADOLINT_STRICT_LABELS");
    layer.disable_ignore_pragma = flag("HADOLINT_DISABLE_IGNORE_PRAGMA");
    if let Some(v) = env.var("HADOLINT_FORMAT") {
        layer.formats.extend(comma_list(v));
    }
    if let Some(v) = env.var("HADOLINT_FAILURE_THRESHOLD") {
        layer.failure_threshold = Some(
            v.parse()
                .map_err(|e| env_error("HADOLINT_FAILURE_THRESHOLD", e))?,
        );
    }
    for (name, severity) in [
        ("HADOLINT_OVERRIDE_ERROR", "error"),
        ("HADOLINT_OVERRIDE_WARNING", "warning"),
        ("HADOLINT_OVERRIDE_INFO", "info"),
        ("HADOLINT_OVERRIDE_STYLE", "style"),
    ] {
        if let Some(v) = env.var(name) {
            let level: Level = severity.parse().expect("static severity word");
            layer
                .overrides
                .extend(comma_list(v).map(|code| (code, level)));
        }
    }
    if let Some(v) = env.var("HADOLINT_IGNORE") {
        layer.ignore.extend(comma_list(v));
    }
    if let Some(v) = env.var("HADOLINT_TRUSTED_REGISTRIES") {
        layer.trusted_registries.extend(comma_list(v));
    }
    if let Some(v) = env.var("HADOLINT_REQUIRE_LABELS") {
        // hadolint drops entries with an invalid type.
        for entry in comma_list(v) {
            let (name, ty) = entry.split_once(':').unwrap_or((&entry, ""));
            if let Ok(ty) = ty.parse() {
                layer.label_schema.insert(name.to_string(), ty);
            }
        }
    }
    if let Some(v) = env.var("BUILDKIT_DOCKERFILE_CHECK") {
        layer.buildkit_check =
            Some(CheckConfig::parse(v).map_err(|e| env_error("BUILDKIT_DOCKERFILE_CHECK", e))?);
    }
    Ok(layer)
}

// ---------------------------------------------------------------------------------------------
// .hadolint.yaml

/// A value parsed with `FromStr`, so a bad word is a serde error with a position.
#[derive(Clone, Copy, Debug)]
struct Parsed<T>(T);

impl<'de, T> Deserialize<'de> for Parsed<T>
where
    T: std::str::FromStr<Err = String>,
{
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map(Parsed).map_err(serde::de::Error::custom)
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct HadolintOverride {
    error: Vec<String>,
    warning: Vec<String>,
    info: Vec<String>,
    style: Vec<String>,
}

/// Parses a `.hadolint.yaml`. Returns the layer and the unknown top-level keys (hadolint
/// ignores them; berth warns).
///
/// ```
/// use berth_lint::config::parse_hadolint_yaml;
/// let (layer, unknown) = parse_hadolint_yaml("ignored: [DL3008]\nfailure-threshold: warning\n", ".hadolint.yaml".as_ref()).unwrap();
/// assert_eq!(layer.ignore, ["DL3008"]);
/// assert!(unknown.is_empty());
/// let err = parse_hadolint_yaml("ignored: DL3008\n", ".hadolint.yaml".as_ref()).unwrap_err();
/// assert_eq!(err.line, Some(1));
/// assert_eq!(err.key.as_deref(), Some("ignored"));
/// ```
pub fn parse_hadolint_yaml(text: &str, path: &Path) -> Result<(Layer, Vec<String>), ConfigError> {
    use serde_yaml_ng::Value;
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| ConfigError {
        path: path.to_path_buf(),
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        key: None,
        message: e
            .to_string()
            .rsplit_once(" at line ")
            .map_or(e.to_string(), |(m, _)| m.to_string()),
    })?;
    let mut layer = Layer::default();
    let mut unknown = Vec::new();
    let map = match value {
        Value::Null => return Ok((layer, unknown)),
        Value::Mapping(map) => map,
        _ => {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: Some(1),
                column: Some(1),
                key: None,
                message: "expected a mapping of keys to values".into(),
            })
        }
    };
    for (key, value) in map {
        let Some(key) = key.as_str().map(String::from) else {
            continue;
        };
        // Each key is converted on its own, so an error always names its key and line.
        let err = |e: String| {
            let (line, column) = yaml_key_line(text, &key).unzip();
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                key: Some(key.clone()),
                message: e,
            }
        };
        fn get<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
            serde_yaml_ng::from_value(v).map_err(|e| e.to_string())
        }
        match key.as_str() {
            "ignored" => layer.ignore = get(value).map_err(err)?,
            "override" => {
                let o: HadolintOverride = get(value).map_err(err)?;
                for (codes, severity) in [
                    (o.error, Severity::Error),
                    (o.warning, Severity::Warning),
                    (o.info, Severity::Info),
                    (o.style, Severity::Style),
                ] {
                    layer
                        .overrides
                        .extend(codes.into_iter().map(|c| (c, Level::On(severity))));
                }
            }
            "trustedRegistries" => layer.trusted_registries = get(value).map_err(err)?,
            "label-schema" => {
                let schema: BTreeMap<String, Parsed<LabelType>> = get(value).map_err(err)?;
                layer.label_schema = schema.into_iter().map(|(k, v)| (k, v.0)).collect();
            }
            "strict-labels" => layer.strict_labels = get(value).map_err(err)?,
            "disable-ignore-pragma" => layer.disable_ignore_pragma = get(value).map_err(err)?,
            "failure-threshold" => {
                layer.failure_threshold = get::<Option<Parsed<FailureThreshold>>>(value)
                    .map_err(err)?
                    .map(|p| p.0)
            }
            "no-fail" => layer.no_fail = get(value).map_err(err)?,
            "no-color" => layer.no_color = get(value).map_err(err)?,
            "verbose" => layer.verbose = get(value).map_err(err)?,
            "format" => layer
                .formats
                .extend(get::<Option<String>>(value).map_err(err)?),
            "formats" => layer
                .formats
                .extend(get::<Vec<String>>(value).map_err(err)?),
            _ => unknown.push(key),
        }
    }
    Ok((layer, unknown))
}

/// 1-based (line, column) of a top-level key.
fn yaml_key_line(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let rest = line
            .strip_prefix(key)
            .or_else(|| line.strip_prefix(&format!("'{key}'")))
            .or_else(|| line.strip_prefix(&format!("\"{key}\"")))?;
        rest.trim_start().starts_with(':').then_some((i + 1, 1))
    })
}

// ---------------------------------------------------------------------------------------------
// berth.toml

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct BerthFile {
    lint: BerthLint,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct BerthLint {
    select: Vec<String>,
    ignore: Vec<String>,
    severity: BTreeMap<String, Parsed<Level>>,
    per_file_ignores: BTreeMap<String, Vec<String>>,
    trusted_registries: Vec<String>,
    label_schema: BTreeMap<String, Parsed<LabelType>>,
    strict_labels: Option<bool>,
    disable_ignore_pragma: Option<bool>,
    failure_threshold: Option<Parsed<FailureThreshold>>,
    no_fail: Option<bool>,
    format: Option<String>,
    shellcheck: Option<bool>,
}

/// Parses a `berth.toml`:
///
/// ```toml
/// [lint]
/// select = ["DL", "BR", "StageNameCasing"]   # codes or prefixes; default: every rule
/// ignore = ["DL3008"]
/// failure-threshold = "warning"
/// trusted-registries = ["docker.io", "*.example.com"]
/// [lint.severity]
/// DL3059 = "off"
/// BR1 = "error"
/// [lint.per-file-ignores]
/// "legacy/**" = ["DL3006"]
/// ```
///
/// ```
/// use berth_lint::config::parse_berth_toml;
/// let layer = parse_berth_toml("[lint]\nignore = [\"DL3008\"]\n", "berth.toml".as_ref()).unwrap();
/// assert_eq!(layer.ignore, ["DL3008"]);
/// let err = parse_berth_toml("[lint]\nignore = \"DL3008\"\n", "berth.toml".as_ref()).unwrap_err();
/// assert_eq!((err.line, err.key.as_deref()), (Some(2), Some("lint.ignore")));
/// ```
pub fn parse_berth_toml(text: &str, path: &Path) -> Result<Layer, ConfigError> {
    let file: BerthFile = toml::from_str(text).map_err(|e| toml_error(&e, text, path))?;
    let l = file.lint;
    for glob in l.per_file_ignores.keys() {
        if let Err(e) = globset::Glob::new(glob) {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: find_line(text, glob),
                column: None,
                key: Some("lint.per-file-ignores".into()),
                message: format!("invalid glob `{glob}`: {}", e.kind()),
            });
        }
    }
    Ok(Layer {
        select: l.select,
        ignore: l.ignore,
        overrides: l.severity.into_iter().map(|(k, v)| (k, v.0)).collect(),
        per_file_ignores: l.per_file_ignores.into_iter().collect(),
        trusted_registries: l.trusted_registries,
        label_schema: l.label_schema.into_iter().map(|(k, v)| (k, v.0)).collect(),
        strict_labels: l.strict_labels,
        disable_ignore_pragma: l.disable_ignore_pragma,
        failure_threshold: l.failure_threshold.map(|p| p.0),
        no_fail: l.no_fail,
        formats: l.format.into_iter().collect(),
        shellcheck: l.shellcheck,
        ..Layer::default()
    })
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

fn toml_error(e: &toml::de::Error, text: &str, path: &Path) -> ConfigError {
    let (line, column, key) = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (Some(line), Some(column), toml_key_at(text, line))
        }
        None => (None, None, None),
    };
    ConfigError {
        path: path.to_path_buf(),
        line,
        column,
        key,
        message: e.message().trim_end().to_string(),
    }
}

/// The dotted key on `line` (1-based): the nearest `[table]` header above plus the line's key.
fn toml_key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let current = lines.get(line.checked_sub(1)?)?.trim();
    let header = |l: &str| {
        let l = l.trim();
        (l.starts_with('[') && l.ends_with(']'))
            .then(|| l.trim_matches(['[', ']']).trim().to_string())
    };
    if let Some(table) = header(current) {
        return Some(table);
    }
    let key = current
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string());
    let table = lines[..line - 1].iter().rev().find_map(|l| header(l));
    match (table, key) {
        (Some(t), Some(k)) => Some(format!("{t}.{k}")),
        (None, Some(k)) => Some(k),
        (t, None) => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hadolint_yaml_keys() {
        let text = "\
ignored: [DL3000, DL3001]
override:
  error: [DL3008]
  info: [DL3059]
trustedRegistries:
  - docker.io
  - '*.example.com'
label-schema:
  maintainer: email
  version: semver
strict-labels: true
failure-threshold: warning
no-fail: false
format: json
frobnicate: 1
";
        let (layer, unknown) = parse_hadolint_yaml(text, Path::new("h.yaml")).unwrap();
        assert_eq!(layer.ignore, ["DL3000", "DL3001"]);
        assert_eq!(
            layer.overrides,
            [
                ("DL3008".to_string(), Level::On(Severity::Error)),
                ("DL3059".to_string(), Level::On(Severity::Info))
            ]
        );
        assert_eq!(layer.trusted_registries, ["docker.io", "*.example.com"]);
        assert_eq!(layer.label_schema["maintainer"], LabelType::Email);
        assert_eq!(layer.strict_labels, Some(true));
        assert_eq!(
            layer.failure_threshold,
            Some(FailureThreshold::At(Severity::Warning))
        );
        assert_eq!(layer.formats, ["json"]);
        assert_eq!(unknown, ["frobnicate"]);
    }

    #[test]
    fn hadolint_yaml_errors_name_line_and_key() {
        let err = parse_hadolint_yaml(
            "ignored: []\nfailure-threshold: loud\n",
            Path::new("h.yaml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.key.as_deref(), Some("failure-threshold"));
        assert!(err.message.contains("loud"), "{err}");
        let err = parse_hadolint_yaml("ignored: [\n", Path::new("h.yaml")).unwrap_err();
        assert!(err.line.is_some(), "{err}");
    }

    #[test]
    fn berth_toml_errors_name_line_and_key() {
        let err = parse_berth_toml("[lint]\nselct = []\n", Path::new("berth.toml")).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.message.contains("selct"), "{err}");
        let err = parse_berth_toml(
            "[lint]\n[lint.severity]\nDL3008 = \"loud\"\n",
            Path::new("berth.toml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3));
        assert_eq!(err.key.as_deref(), Some("lint.severity.DL3008"));
        assert_eq!(
            err.to_string(),
            format!(
                "berth.toml:3:10: key `lint.severity.DL3008`: {}",
                err.message
            )
        );
        let err = parse_berth_toml(
            "[lint.per-file-ignores]\n\"a/[\" = [\"DL3006\"]\n",
            Path::new("b.toml"),
        )
        .unwrap_err();
        assert_eq!(err.line, Some(2));
    }

    #[test]
    fn precedence_lists_concatenate_scalars_override() {
        let env = Layer {
            ignore: vec!["DL1".into()],
            failure_threshold: Some(FailureThreshold::At(Severity::Error)),
            ..Layer::default()
        };
        let file = Layer {
            ignore: vec!["DL2".into()],
            failure_threshold: Some(FailureThreshold::At(Severity::Style)),
            ..Layer::default()
        };
        let cli = Layer {
            ignore: vec!["DL3".into()],
            ..Layer::default()
        };
        let config = resolve(&[env, file, cli]);
        assert_eq!(config.settings.ignore, ["DL1", "DL2", "DL3"]);
        assert_eq!(
            config.settings.failure_threshold,
            FailureThreshold::At(Severity::Style)
        );
    }

    #[test]
    fn env_variables() {
        let mut env = Environment::default();
        for (k, v) in [
            ("HADOLINT_NOFAIL", "Yes"),
            ("HADOLINT_IGNORE", "DL3008, DL3009"),
            ("HADOLINT_OVERRIDE_ERROR", "DL3020"),
            ("HADOLINT_REQUIRE_LABELS", "maintainer:email,bad:nonsense"),
            ("HADOLINT_STRICT_LABELS", "nah"),
            // Read by the command line's one colour choice, not a configuration layer.
            ("NO_COLOR", "1"),
        ] {
            env.vars.insert(k.into(), v.into());
        }
        let layer = env_layer(&env).unwrap();
        assert_eq!(layer.no_fail, Some(true));
        assert_eq!(layer.no_color, None);
        assert_eq!(layer.strict_labels, Some(false));
        assert_eq!(layer.ignore, ["DL3008", "DL3009"]);
        assert_eq!(
            layer.overrides,
            [("DL3020".to_string(), Level::On(Severity::Error))]
        );
        assert_eq!(layer.label_schema.len(), 1);
        env.vars
            .insert("HADOLINT_FAILURE_THRESHOLD".into(), "loud".into());
        assert!(env_layer(&env).is_err());
    }

    #[test]
    fn discovery_order() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        let cwd = dir.path().join("proj/sub");
        std::fs::create_dir_all(home.join(".config")).unwrap();
        std::fs::create_dir_all(&cwd).unwrap();
        let env = Environment {
            cwd: cwd.clone(),
            home: Some(home.clone()),
            ..Environment::default()
        };
        std::fs::write(home.join(".hadolint.yaml"), "ignored: [DL1]\n").unwrap();
        std::fs::write(home.join(".config/hadolint.yml"), "ignored: [DL2]\n").unwrap();
        let loaded = load(&env, None, Layer::default()).unwrap();
        assert_eq!(loaded.files, [home.join(".config/hadolint.yml")]);
        assert_eq!(loaded.config.settings.ignore, ["DL2"]);

        std::fs::write(cwd.join(".hadolint.yml"), "ignored: [DL3]\n").unwrap();
        std::fs::write(
            dir.path().join("proj/.berth.toml"),
            "[lint]\nignore = [\"BR1\"]\n",
        )
        .unwrap();
        let loaded = load(&env, None, Layer::default()).unwrap();
        assert_eq!(loaded.config.settings.ignore, ["DL3", "BR1"]);

        let explicit = dir.path().join("custom.yaml");
        std::fs::write(&explicit, "ignored: [DL4]\n").unwrap();
        let loaded = load(&env, Some(&explicit), Layer::default()).unwrap();
        assert_eq!(loaded.config.settings.ignore, ["DL4", "BR1"]);
        assert!(load(
            &env,
            Some(&dir.path().join("missing.yaml")),
            Layer::default()
        )
        .is_err());
    }
}
