//! Resolved settings: what the engine and the rules see, after every config file, environment
//! variable and command-line flag has been merged (see [`crate::config`]).

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::diagnostic::Severity;
use crate::meta::Meta;

/// When a run fails: findings at or above this severity make the exit code 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureThreshold {
    /// Fail on findings of at least this severity.
    At(Severity),
    /// Never fail because of findings (hadolint's `none`/`ignore` thresholds mean "any finding"
    /// in hadolint 2.15.1; berth follows that, see [`FailureThreshold::from_str`]).
    Never,
}

impl Default for FailureThreshold {
    /// hadolint's default: `info` (style-only results pass).
    fn default() -> Self {
        FailureThreshold::At(Severity::Info)
    }
}

impl FailureThreshold {
    /// Every name `--failure-threshold` and the configuration files accept, with its meaning:
    /// the four severities, then hadolint's `ignore` and `none`, which fail on any finding in
    /// hadolint 2.15.1 (verified), as `style` does. Parsing ([`FailureThreshold::from_str`])
    /// and the command line's list of values both come from this table.
    pub const NAMES: [(&'static str, FailureThreshold); 6] = [
        ("error", FailureThreshold::At(Severity::Error)),
        ("warning", FailureThreshold::At(Severity::Warning)),
        ("info", FailureThreshold::At(Severity::Info)),
        ("style", FailureThreshold::At(Severity::Style)),
        ("ignore", FailureThreshold::At(Severity::Style)),
        ("none", FailureThreshold::At(Severity::Style)),
    ];

    /// Whether a finding of this severity fails the run.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            FailureThreshold::At(threshold) => severity >= threshold,
            FailureThreshold::Never => false,
        }
    }
}

impl FromStr for FailureThreshold {
    type Err = String;
    /// A name of [`FailureThreshold::NAMES`], in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = s.to_ascii_lowercase();
        FailureThreshold::NAMES
            .iter()
            .find(|(name, _)| *name == wanted)
            .map(|(_, threshold)| *threshold)
            .ok_or_else(|| {
                format!(
                    "unknown failure threshold `{s}` (expected error, warning, info, style, ignore or none)"
                )
            })
    }
}

/// A label type for hadolint's label-schema rules (DL3049–DL3058).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelType {
    /// Any text that is not empty (DL3051).
    Text,
    /// An absolute URI (DL3052).
    Url,
    /// A semantic version (DL3056).
    Semver,
    /// A git commit hash (DL3055).
    Hash,
    /// An RFC 3339 date and time (DL3053).
    Rfc3339,
    /// An SPDX license expression (DL3054).
    Spdx,
    /// An email address (DL3058).
    Email,
}

impl FromStr for LabelType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "" | "text" => LabelType::Text,
            "url" => LabelType::Url,
            "semver" => LabelType::Semver,
            "hash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "spdx" => LabelType::Spdx,
            "email" => LabelType::Email,
            other => {
                return Err(format!(
                "unknown label type `{other}` (expected text, url, semver, hash, rfc3339, spdx or email)"
            ))
            }
        })
    }
}

/// A severity override: a level, or `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The rule does not run (its findings are dropped).
    Off,
    /// The rule's findings get this severity.
    On(Severity),
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "off" | "ignore" | "none" => Ok(Level::Off),
            _ => s.parse().map(Level::On).map_err(|_| {
                format!("unknown level `{s}` (expected error, warning, info, style or off)")
            }),
        }
    }
}

/// BuildKit's `# check=` directive / `BUILDKIT_DOCKERFILE_CHECK` value: which build checks to
/// skip, and whether they fail the build.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckConfig {
    /// `skip=all`.
    pub skip_all: bool,
    /// `skip=A,B`: check names to skip.
    pub skip: Vec<String>,
    /// `error=true`: build checks are errors.
    pub error: bool,
    /// `experimental=A,B`: experimental checks to run (`experimental=all` sets
    /// `experimental_all`). `skip` does not apply to them, as in BuildKit.
    pub experimental: Vec<String>,
    /// `experimental=all`: every experimental check runs.
    pub experimental_all: bool,
}

impl CheckConfig {
    /// Parses `skip=A,B;error=true` (BuildKit's grammar: `;`-separated `key=value` pairs, keys
    /// case-insensitive, unknown keys rejected). Returns an error message for a bad value.
    ///
    /// ```
    /// use berth_lint::CheckConfig;
    /// let c = CheckConfig::parse("skip=JSONArgsRecommended,StageNameCasing;error=true").unwrap();
    /// assert_eq!(c.skip, ["JSONArgsRecommended", "StageNameCasing"]);
    /// assert!(c.error && !c.skip_all);
    /// ```
    pub fn parse(value: &str) -> Result<CheckConfig, String> {
        let mut config = CheckConfig::default();
        for part in value.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((key, val)) = part.split_once('=') else {
                return Err(format!(
                    "invalid check option `{part}` (expected key=value)"
                ));
            };
            match key.trim().to_ascii_lowercase().as_str() {
                "skip" => {
                    for name in val.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        if name.eq_ignore_ascii_case("all") {
                            config.skip_all = true;
                        } else {
                            config.skip.push(name.to_string());
                        }
                    }
                }
                "error" => {
                    config.error = match val.trim().to_ascii_lowercase().as_str() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        other => return Err(format!("invalid check error value `{other}`")),
                    }
                }
                "experimental" => {
                    for name in val.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        if name.eq_ignore_ascii_case("all") {
                            config.experimental_all = true;
                        } else {
                            config.experimental.push(name.to_string());
                        }
                    }
                }
                other => return Err(format!("unknown check option `{other}`")),
            }
        }
        Ok(config)
    }

    /// Whether the check `name` is skipped.
    pub fn skips(&self, name: &str) -> bool {
        self.skip_all || self.skip.iter().any(|s| s == name)
    }

    /// Whether the experimental check `name` is turned on.
    ///
    /// ```
    /// use berth_lint::CheckConfig;
    /// let c = CheckConfig::parse("skip=all;experimental=InvalidDefinitionDescription").unwrap();
    /// assert!(c.runs_experimental("InvalidDefinitionDescription"));
    /// assert!(!c.runs_experimental("Other"));
    /// ```
    pub fn runs_experimental(&self, name: &str) -> bool {
        self.experimental_all || self.experimental.iter().any(|s| s == name)
    }
}

/// Everything that configures a lint run. Build it with [`Settings::default`] and adjust fields,
/// or load it from the configuration files with [`crate::config::load`] (its
/// [`Config::settings`](crate::config::Config::settings)).
///
/// Code lists (`select`, `ignore`, override keys, per-file ignores) take full codes (`DL3008`),
/// prefixes (`DL30`, `BR1`, `DL`) or `ALL`; a BuildKit check is named in full
/// (`StageNameCasing`).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// If non-empty, only rules matching one of these are enabled (berth.toml `select`).
    pub select: Vec<String>,
    /// Rules matching one of these are disabled (hadolint `ignored`, `--ignore`).
    pub ignore: Vec<String>,
    /// Severity overrides by code or prefix; the most specific pattern wins, then (for equally
    /// specific ones, as in hadolint) the most severe level.
    pub overrides: Vec<(String, Level)>,
    /// Per-file ignores: glob (matched against the path as given) → codes or prefixes.
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    /// Registries DL3026 accepts (`docker.io`, `*.example.com`).
    pub trusted_registries: Vec<String>,
    /// Required labels and their types (DL3049–DL3058).
    pub label_schema: BTreeMap<String, LabelType>,
    /// DL3050: labels outside the schema are findings.
    pub strict_labels: bool,
    /// Ignore `# hadolint ignore=` / `# berth ignore=` pragmas (all scopes).
    pub disable_ignore_pragma: bool,
    /// Findings at or above this severity fail the run (exit 1).
    pub failure_threshold: FailureThreshold,
    /// Override of BuildKit's `# check=` directive (`BUILDKIT_DOCKERFILE_CHECK`): when set, it
    /// replaces the directive, as BuildKit's build arg does.
    pub buildkit_check: Option<CheckConfig>,
    /// Run `shellcheck` on RUN text when it is on PATH (hadolint's SC findings).
    pub shellcheck: bool,
    /// Which family's code names a problem two families report, when the configuration says
    /// (a loaded `.hadolint.yaml` sets hadolint's); `None` leaves it to the file (see
    /// [`crate::same_problem::preference`]).
    pub prefer_family: Option<crate::meta::Family>,
}

/// How specific a pattern is for `code`: `None` if it does not match, else its length
/// (`ALL` = 0, a prefix = its length, the exact code = longest).
pub fn pattern_specificity(pattern: &str, code: &str) -> Option<usize> {
    if pattern.eq_ignore_ascii_case("ALL") {
        Some(0)
    } else if code.starts_with(pattern) && !pattern.is_empty() {
        Some(pattern.len())
    } else {
        None
    }
}

fn matches_any(patterns: &[String], code: &str) -> bool {
    patterns
        .iter()
        .any(|p| pattern_specificity(p, code).is_some())
}

impl Settings {
    /// The effective severity of `code` (default `default`), or `None` when it is off.
    ///
    /// ```
    /// use berth_lint::{Settings, Severity, Level};
    /// let mut s = Settings::default();
    /// s.overrides.push(("DL3".into(), Level::On(Severity::Error)));
    /// s.overrides.push(("DL3008".into(), Level::Off));
    /// assert_eq!(s.level_of("DL3020", Severity::Warning, true), Some(Severity::Error));
    /// assert_eq!(s.level_of("DL3008", Severity::Warning, true), None);
    /// ```
    pub fn level_of(
        &self,
        code: &str,
        default: Severity,
        default_enabled: bool,
    ) -> Option<Severity> {
        let mut best: Option<(usize, Level)> = None;
        for (pattern, level) in &self.overrides {
            let Some(spec) = pattern_specificity(pattern, code) else {
                continue;
            };
            best = match best {
                Some((s, l)) if s > spec => Some((s, l)),
                Some((s, l)) if s == spec => Some((s, more_severe(l, *level))),
                _ => Some((spec, *level)),
            };
        }
        let explicitly_selected = self.select.iter().any(|p| p == code);
        match best {
            Some((_, Level::Off)) => None,
            Some((_, Level::On(severity))) => Some(severity),
            None if default_enabled || explicitly_selected => Some(default),
            None => None,
        }
    }

    /// Whether a rule runs at all under `select`/`ignore`/overrides (ignoring pragmas and
    /// per-file ignores, which filter findings afterwards).
    pub fn enables(&self, meta: &Meta) -> bool {
        if !self.select.is_empty() && !matches_any(&self.select, meta.code) {
            return false;
        }
        if matches_any(&self.ignore, meta.code) {
            return false;
        }
        self.level_of(meta.code, meta.severity, meta.default_enabled)
            .is_some()
    }

    /// Whether any BR1xx cache rule is on: only then is the build context worth reading for
    /// evidence.
    pub fn reads_build_context(&self) -> bool {
        crate::registry::all().any(|e| e.meta.code.starts_with("BR1") && self.enables(e.meta))
    }

    /// Whether a finding with `code` is dropped by `ignore`/`select` (used for codes without a
    /// registry entry, such as ShellCheck's SC codes).
    pub fn drops_code(&self, code: &str) -> bool {
        (!self.select.is_empty() && !matches_any(&self.select, code))
            || matches_any(&self.ignore, code)
    }
}

/// hadolint's merge of several override lists naming one code: the most severe wins.
fn more_severe(a: Level, b: Level) -> Level {
    match (a, b) {
        (Level::On(x), Level::On(y)) => Level::On(x.max(y)),
        (Level::On(x), Level::Off) | (Level::Off, Level::On(x)) => Level::On(x),
        (Level::Off, Level::Off) => Level::Off,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_parsing() {
        assert_eq!(
            "warning".parse::<FailureThreshold>(),
            Ok(FailureThreshold::At(Severity::Warning))
        );
        assert_eq!(
            "none".parse::<FailureThreshold>(),
            Ok(FailureThreshold::At(Severity::Style))
        );
        assert!("bad".parse::<FailureThreshold>().is_err());
        assert!(!FailureThreshold::default().fails(Severity::Style));
        assert!(FailureThreshold::default().fails(Severity::Info));
    }

    #[test]
    fn overrides_most_specific_then_most_severe() {
        let mut s = Settings::default();
        s.overrides
            .push(("DL3008".into(), Level::On(Severity::Info)));
        s.overrides
            .push(("DL3008".into(), Level::On(Severity::Error)));
        s.overrides.push(("DL".into(), Level::Off));
        assert_eq!(
            s.level_of("DL3008", Severity::Warning, true),
            Some(Severity::Error)
        );
        assert_eq!(s.level_of("DL3009", Severity::Warning, true), None);
        // Default-off rules come on with an override or an exact select.
        let mut s = Settings::default();
        assert_eq!(s.level_of("DL3057", Severity::Info, false), None);
        s.select.push("DL3057".into());
        assert_eq!(
            s.level_of("DL3057", Severity::Info, false),
            Some(Severity::Info)
        );
    }

    #[test]
    fn check_directive() {
        let c = CheckConfig::parse("skip=all").unwrap();
        assert!(c.skip_all && c.skips("Anything"));
        assert!(CheckConfig::parse("error=maybe").is_err());
        assert!(CheckConfig::parse("frobnicate=1").is_err());
        assert_eq!(CheckConfig::parse("").unwrap(), CheckConfig::default());
    }
}
