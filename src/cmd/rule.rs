//! `berth rule`: list every rule, or print one rule's documentation.

use std::io::Write;

use berth_lint::{registry, Applicability};

use super::{CmdResult, TextOrJson};
use crate::EXIT_OK;

/// Arguments of `berth rule`.
#[derive(clap::Args)]
pub struct RuleArgs {
    /// A rule code (`DL3008`, `StageNameCasing`, `BR101`; case-insensitive). Without it, list
    /// every rule.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: TextOrJson,
}

pub fn run(args: RuleArgs) -> CmdResult {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let json = args.format == TextOrJson::Json;
    match &args.code {
        None if json => {
            let rules: Vec<_> = registry::all().map(|e| describe(e.meta, false)).collect();
            serde_json::to_writer_pretty(&mut out, &rules)?;
            writeln!(out)?;
        }
        None => {
            for entry in registry::all() {
                let m = entry.meta;
                let off = if m.default_enabled {
                    ""
                } else {
                    " (off by default)"
                };
                writeln!(
                    out,
                    "{:<34} {:<9} {:<8} {}{off}",
                    m.code,
                    m.family.as_str(),
                    m.severity.as_str(),
                    m.summary
                )?;
            }
        }
        Some(code) => {
            let Some(entry) = registry::find(code).or_else(|| registry::find_ignore_case(code))
            else {
                return Err(format!("unknown rule `{code}`; `berth rule` lists every rule").into());
            };
            let m = entry.meta;
            if json {
                serde_json::to_writer_pretty(&mut out, &describe(m, true))?;
                writeln!(out)?;
            } else {
                writeln!(out, "# {}: {}\n", m.code, m.summary)?;
                let off = if m.default_enabled {
                    ""
                } else {
                    ", off by default"
                };
                writeln!(
                    out,
                    "Family: {}. Default severity: {}{off}.\n",
                    m.family.as_str(),
                    m.severity.as_str()
                )?;
                match m.fix {
                    Some(Applicability::Safe) => {
                        writeln!(out, "Fix: where it can, with `berth lint --fix`.\n")?
                    }
                    Some(Applicability::Unsafe) => writeln!(
                        out,
                        "Fix: where it can, with `berth lint --fix --unsafe-fixes` (it may \
                         change what the build does).\n"
                    )?,
                    None => {}
                }
                out.write_all(m.docs_text().as_bytes())?;
            }
        }
    }
    Ok(EXIT_OK)
}

fn describe(m: &berth_lint::Meta, docs: bool) -> serde_json::Value {
    let mut v = serde_json::json!({
        "code": m.code,
        "family": m.family.as_str(),
        "severity": m.severity.as_str(),
        "default_enabled": m.default_enabled,
        "summary": m.summary,
        "fix": m.fix,
    });
    if docs {
        v["docs"] = serde_json::Value::String(m.docs_text());
    }
    v
}
