//! What hadolint recognises in a path: a Windows drive, an archive by its extension.

/// `C:...`: a letter followed by a colon.
pub(crate) fn is_windows_absolute(path: &str) -> bool {
    let mut chars = path.chars();
    matches!((chars.next(), chars.next()), (Some(d), Some(':')) if d.is_alphabetic())
}

/// Archive suffixes `ADD` unpacks, as hadolint lists them (DL3010, DL3020).
pub(crate) const ARCHIVE_EXTENSIONS: [&str; 15] = [
    ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz", ".tbz2", ".tgz", ".tlz",
    ".tpz", ".txz", ".xz",
];

/// Whether `path` ends in one of [`ARCHIVE_EXTENSIONS`] (quotes are the caller's business).
pub(crate) fn has_archive_extension(path: &str) -> bool {
    ARCHIVE_EXTENSIONS.iter().any(|ext| path.ends_with(ext))
}
