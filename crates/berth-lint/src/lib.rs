//! berth-lint.
