//! hadolint's DL rules (hadolint 2.15.1 codes, severities and triggers).
//!
//! One line per rule, sorted by code: `dl3020 => Dl3020,` declares `mod dl3020;` and registers
//! `dl3020::Dl3020`. DL1000 (parse errors) is emitted by the engine (see `rules/meta.rs`).

crate::rule_family! {}
