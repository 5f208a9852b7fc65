//! berth's own cache rules (`BR1xx`): lints about the layer cache that explain, with evidence
//! from the build context when there is one, which steps re-run and how to reorder them.
//!
//! One line per rule, sorted by code.

pub(crate) mod support;

crate::rule_family! {
    br101 => Br101,
    br102 => Br102,
    br103 => Br103,
    br104 => Br104,
    br105 => Br105,
    br106 => Br106,
    br107 => Br107,
    br108 => Br108,
    br109 => Br109,
}
