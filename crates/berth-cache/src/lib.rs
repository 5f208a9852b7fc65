//! berth-cache.
