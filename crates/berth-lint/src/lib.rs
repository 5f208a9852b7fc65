//! berth-lint: the Dockerfile linter behind `berth lint`: hadolint's DL rules, BuildKit's
//! build checks and berth's own cache rules on one engine, with hadolint's pragmas and
//! configuration files, and reporters for every output format.
//!
//! ```
//! use berth_lint::{lint, Settings, Severity};
//!
//! let result = lint("FROM alpine\nADD https://example.com/app.tgz /opt/\n", &Settings::default());
//! for d in &result.diagnostics {
//!     let (line, column) = result.dockerfile.line_col(d.span.start);
//!     println!("{line}:{column} {} {}: {}", d.code, d.severity, d.message);
//! }
//! assert!(result.diagnostics.iter().any(|d| d.code == "BR104" && d.severity == Severity::Warning));
//! ```
//!
//! Adding a rule: see `RULES.md` in this crate.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod config;
pub mod context;
pub mod diagnostic;
#[cfg(test)]
mod doc_examples;
pub mod ecosystem;
pub mod engine;
pub mod evidence;
pub mod fix;
pub mod guard;
pub mod meta;
pub mod pragma;
pub mod registry;
mod reorder;
pub mod report;
pub mod rule;
pub mod rules;
pub mod same_problem;
pub mod settings;
mod shell;
#[cfg(test)]
pub(crate) mod testing;

pub use context::{LintContext, PerStage, StageInfo};
pub use diagnostic::{Applicability, Diagnostic, Edit, Fix, Label, Position, Severity};
pub use engine::{lint, LintResult, Linter};
pub use evidence::BuildContext;
pub use fix::Fixed;
pub use guard::quiet_rule_panics;
pub use meta::{Family, KeywordSet, Meta};
pub use rule::{Rule, RuleEntry, RuleMeta};
pub use settings::{CheckConfig, FailureThreshold, LabelType, Level, Settings};

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
