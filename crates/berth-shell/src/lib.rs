//! berth-shell.
