//! berth-context.
