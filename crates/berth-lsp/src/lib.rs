//! berth-lsp: the Dockerfile language server behind `berth lsp`.
//!
//! It speaks the Language Server Protocol over standard input and output and gives an editor
//! everything berth knows about a Dockerfile:
//!
//! - **diagnostics**: every berth finding (hadolint's DL rules, BuildKit's checks, berth's
//!   cache rules, parse errors) with exact ranges, the rule code and its public page, linted
//!   with the configuration `berth lint` would use in the document's folder and with the
//!   folder as build context; re-linted on every change (full or incremental sync), debounced,
//!   off the main thread;
//! - **code actions**: every fix as a quick fix, "ignore this rule for this instruction",
//!   and "fix all safe problems";
//! - **hover**: instruction and flag documentation, a step's cache explanation (what makes it
//!   re-run), a variable's value in effect and where it was set, a rule code's summary;
//! - **definition, references, highlight, rename** of stage names and variables;
//! - **completion** of instructions, flags, mount options, stage names, variables and rule
//!   codes, and **signature help**;
//! - **document symbols** (stages with their instructions), **folding**, **semantic tokens**,
//!   **document links** (images to their registry pages) and **formatting** (document, range
//!   and on-type, the same code as `berth fmt`).
//!
//! It is built on lsp-server's message types and lsp-types (as rust-analyzer is), with its own
//! transport so that a malformed message gets a JSON-RPC error instead of ending the session.

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod analysis;
mod cache_adapter;
mod capabilities;
mod completion;
mod diagnostics;
mod docs;
mod handlers;
mod position;
mod semantic;
mod server;
mod settings;
mod symbols;
mod transport;

pub use server::{run_stdio, serve};

/// The README's example (the crate's page on crates.io), run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
