use berth_syntax::{Add, Command, Instruction, Span};

use super::helpers::args::drop_quotes;
use super::helpers::paths::has_archive_extension;
use crate::context::LintContext;
use crate::diagnostic::Fix;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `ADD` of a source that is neither a local archive (`.tar`, `.gz`, `.tgz`, ...)
    /// nor an `http://`/`https://` URL.
    ///
    /// ## Why is this bad?
    /// `ADD` does more than copy: it unpacks local archives and downloads URLs. For plain
    /// files and folders `COPY` does the same with no surprises, and says so.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD app.py /app/
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// COPY app.py /app/
    /// ```
    /// Git sources (`git@...`) are flagged too, as hadolint does.
    pub struct Dl3020 {}
    meta {
        code: "DL3020",
        family: Hadolint,
        severity: Error,
        kinds: [Add],
        summary: "Use COPY instead of ADD for files and folders",
        fix: Unsafe,
    }
}

impl Rule for Dl3020 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(Command::Add(add)) = &instruction.command else {
            return;
        };
        let plain: Vec<Span> = add
            .sources
            .iter()
            .filter(|s| !is_archive(&s.path) && !is_url(&s.path))
            .map(|s| s.span)
            .collect();
        if let Some(first) = plain.first() {
            let span = Span::new(first.start, plain.last().unwrap_or(first).end);
            let fix = copy_reads_the_same(add).then(|| {
                Fix::replace("Replace ADD with COPY", instruction.keyword_span, "COPY").unsafe_()
            });
            ctx.report(span, "Use COPY instead of ADD for files and folders")
                .help("`COPY` copies files and folders without unpacking or downloading anything")
                .fix(fix);
        }
    }
}

/// Whether `COPY` would accept this `ADD` as written and copy the same named paths: every
/// source a plain local path (no URL or git remote, no variable that could hold one, no
/// wildcard that could match an archive ADD would unpack) and no ADD-only flag. Still
/// unsafe: a named file may be an archive without an archive suffix.
fn copy_reads_the_same(add: &Add) -> bool {
    let plain_path = |path: &str| {
        let remote = path.contains("://") || path.starts_with("git@");
        let may_vary = path.contains(['$', '*', '?', '[', '<']);
        !(is_archive(path) || remote || may_vary)
    };
    add.sources.iter().all(|s| plain_path(&s.path))
        && add.checksum.is_none()
        && add.keep_git_dir.is_none()
        && add.unpack.is_none()
}

/// A path ending (quotes removed) in an archive's extension.
fn is_archive(path: &str) -> bool {
    has_archive_extension(drop_quotes(path))
}

fn is_url(path: &str) -> bool {
    let path = drop_quotes(path);
    path.starts_with("https://") || path.starts_with("http://")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3020,
            pass: [
                "ADD file.tar /usr/src/app/\n",
                "ADD file.gz /usr/src/app/\n",
                "ADD file.bz2 /usr/src/app/\n",
                "ADD file.xz /usr/src/app/\n",
                "ADD file.tgz /usr/src/app/\n",
                "ADD http://file.com /usr/src/app/\n",
                "ADD \"file.tgz\" /usr/src/app/\n",
                "ADD \"http://file.com\" /usr/src/app/\n",
            ],
            fail: [
                "ADD file /usr/src/app/\n",
                "ADD file.zip /usr/src/app/\n",
                "ADD \"file.zip\" /usr/src/app/\n",
                "FROM a\nADD --chown=1:1 a.tgz src/ /app/\n",
                "FROM a\nADD git@github.com:moby/buildkit.git /src\n",
                // No fix: COPY cannot download, and `$URL` or `fil*` may name a URL or an
                // archive that ADD would fetch or unpack.
                "FROM a\nADD https://example.com/a.tgz notes.txt /opt/\n",
                "FROM a\nADD $URL /opt/\n",
                "FROM a\nADD context/fil* /opt/\n",
            ],
        );
    }
}
