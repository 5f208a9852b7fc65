//! `berth lint --fix`: writing fixed Dockerfiles back, and saying what was fixed.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::Linted;

/// Replace the file at `path` with `text` atomically: a temporary file beside it gets
/// the text and the original's permissions, is flushed to disk, then renamed over it. A
/// reader (or a crash) sees the old file or the new one, never half of either. A symbolic
/// link is followed, so the file it points to is fixed and the link stays a link.
pub(crate) fn write_in_place(path: &Path, text: &str) -> Result<(), String> {
    let fail = |what: &str, e: io::Error| format!("{}: cannot {what}: {e}", path.display());
    let target = fs::canonicalize(path).map_err(|e| fail("read", e))?;
    let path = target.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.berth-fix-{}", std::process::id()));
    let permissions = fs::metadata(path)
        .map_err(|e| fail("read", e))?
        .permissions();
    let written = (|| {
        let mut file = fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.set_permissions(permissions)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(fail("write the fixes", e));
    }
    Ok(())
}

/// One line on what `--fix` did: `Fixed 3 findings in 2 files (5 left).`
pub(super) fn write_summary(linted: &[Linted], out: &mut dyn Write) -> io::Result<()> {
    let fixed: usize = linted.iter().map(|l| l.fixed).sum();
    let files = linted.iter().filter(|l| l.fixed > 0).count();
    let left: usize = linted.iter().map(|l| l.diagnostics.len()).sum();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "Fixed {} in {} ({left} left).",
        plural(fixed, "finding"),
        plural(files, "file"),
    )
}

/// The unified diff from `before` to `after` of the file shown as `path` (`--- a/path`,
/// `+++ b/path`, three lines of context, as `git diff` and `patch -p1` read it); empty when
/// nothing changed.
pub(super) fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string()
}

/// One line on what `--diff` shows: `Would fix 3 findings in 2 files.`
pub(super) fn write_diff_summary(linted: &[Linted], out: &mut dyn Write) -> io::Result<()> {
    let fixed: usize = linted.iter().map(|l| l.fixed).sum();
    let files = linted.iter().filter(|l| !l.diff.is_empty()).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    writeln!(
        out,
        "Would fix {} in {}.",
        plural(fixed, "finding"),
        plural(files, "file"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_place_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        fs::write(&path, "from alpine:3 as a\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        }
        write_in_place(&path, "FROM alpine:3 AS a\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "FROM alpine:3 AS a\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o640);
        }
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_stays_a_link_to_the_fixed_file() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("Dockerfile.prod");
        fs::write(&real, "from alpine:3 as a\n").unwrap();
        let link = dir.path().join("Dockerfile");
        std::os::unix::fs::symlink("Dockerfile.prod", &link).unwrap();
        write_in_place(&link, "FROM alpine:3 AS a\n").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "FROM alpine:3 AS a\n");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone");
        let error = write_in_place(&path, "x").unwrap_err();
        assert!(
            error.contains("gone") && error.contains("cannot read"),
            "{error}"
        );
    }
}
