//! berth's own cache rules (`BR1xx`): lints about the layer cache that explain, with evidence
//! from the build context when there is one, which steps re-run and how to reorder them.
//!
//! One line per rule, sorted by code.

crate::rule_family! {
    br104 => Br104,
}
