use berth_syntax::{Command, Instruction};

use crate::context::LintContext;
use crate::rule::Rule;
use crate::Severity;

crate::declare_rule! {
    /// ## What it does
    /// Flags `ADD` of an `http://` or `https://` URL without `--checksum`.
    ///
    /// ## Why is this bad?
    /// BuildKit downloads the URL on every build to compute the step's cache key. Without a
    /// checksum the content is neither verified nor pinned: when the file behind the URL
    /// changes (a moving "latest" asset, a compromised mirror), this step and every step after
    /// it re-run and silently ship different bytes.
    ///
    /// ## When it does not fire, or says less
    /// - A git source (`https://host/repo.git#ref`, `?ref=`): BuildKit clones it and keys it by
    ///   the resolved commit; a checksum does not apply.
    /// - A URL that names a fixed release or commit (`/releases/download/v1.2.3/`,
    ///   `/1.2.3/`, a 40-hex commit, `${VERSION}`): the cache is not at risk, so it is reported
    ///   as an info about integrity only, not as a cache warning.
    ///
    /// ## What the fix costs and saves
    /// One digest to compute and to update with each new version. It saves a silent change of
    /// the image (and a re-run of every later step) when the bytes behind the URL change, and
    /// verifies the download.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// ADD https://example.com/tool/latest/tool.tgz /opt/
    /// ```
    ///
    /// ## How to fix
    /// Pin the download with its digest:
    /// ```dockerfile
    /// FROM alpine
    /// ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    ///     https://example.com/tool/latest/tool.tgz /opt/
    /// ```
    /// (`curl -fsSL URL | sha256sum` gives the digest.)
    pub struct Br104 {}
    meta {
        code: "BR104",
        family: Berth,
        severity: Warning,
        kinds: [Add],
        summary: "ADD of a URL without --checksum",
    }
}

/// Whether BuildKit reads the URL as a git repository (`.git` path, `#ref` fragment on a
/// `.git` URL, `?ref=`/`?tag=`/`?branch=` query).
fn is_git_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let path = lower.split(['#', '?']).next().unwrap_or(&lower);
    path.ends_with(".git")
        || lower.contains(".git#")
        || lower.contains("?ref=")
        || lower.contains("&ref=")
        || lower.contains("?tag=")
        || lower.contains("?branch=")
}

/// Whether the URL's path names a fixed release or commit: a version-number segment
/// (`v1.2.3`, `3.4.0`, `tool-1.2.3.tgz`), a full commit id, or a variable holding one.
fn is_versioned_url(url: &str) -> bool {
    let path = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = path.split_once('/').map_or("", |(_, p)| p);
    if path.contains('$') {
        return true;
    }
    path.split(['/', '-', '_']).any(|segment| {
        let s = segment.trim_start_matches(['v', 'V']);
        let dotted = s
            .split('.')
            .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .count();
        dotted >= 2 || (segment.len() >= 40 && segment.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

impl Rule for Br104 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let Some(Command::Add(add)) = &instruction.command else {
            return;
        };
        if add.checksum.is_some() {
            return;
        }
        let downloaded =
            |path: &str| berth_cache::remote_source(path) == Some(berth_cache::Remote::Http);
        for source in add
            .sources
            .iter()
            .filter(|s| downloaded(&s.path) && !is_git_url(&s.path))
        {
            let help = "add `--checksum=sha256:<digest>` (`curl -fsSL URL | sha256sum` prints it)";
            if is_versioned_url(&source.path) {
                ctx.report_as(
                    "BR104",
                    Severity::Info,
                    source.span,
                    format!(
                        "`ADD {}` has no --checksum: the URL names a fixed release, so the cache is safe, but the download is not verified",
                        source.path
                    ),
                )
                .help(help);
                continue;
            }
            ctx.report(
                source.span,
                format!(
                    "`ADD {}` has no --checksum: the download is neither verified nor pinned, and \
                     when it changes this step and every later step re-run",
                    source.path
                ),
            )
            .help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br104,
            pass: [
                "FROM alpine\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tgz /opt/\n",
                "FROM alpine\nADD app.tgz /opt/\n",
                "FROM alpine\nCOPY https-proxy.conf /etc/\n",
                "FROM alpine\nADD git@github.com:moby/buildkit.git /src\n",
                "FROM alpine\nADD https://github.com/moby/buildkit.git#v0.12.0 /src\n",
                "FROM alpine\nADD https://github.com/moby/buildkit.git?ref=main /src\n",
            ],
            fail: [
                "FROM alpine\nADD https://example.com/tool/latest/tool.tgz /opt/\n",
                "FROM alpine\nADD https://example.com/tool-1.2.tgz /opt/\n",
                "FROM alpine\nADD --chmod=755 HTTP://example.com/run.sh local.txt /usr/local/bin/\n",
                "FROM alpine\nONBUILD ADD https://example.com/a.tgz /opt/\n",
            ],
        );
    }
}

#[cfg(test)]
mod severity {
    use crate::Severity;

    #[test]
    fn a_versioned_url_is_an_integrity_info() {
        let test = crate::testing::RuleTest::new::<super::Br104>();
        for url in [
            "https://github.com/x/y/releases/download/v1.2.3/y.tgz",
            "https://example.com/dist/3.4.0/tool.tgz",
            "https://example.com/tool-${VERSION}.tgz",
            "https://raw.githubusercontent.com/x/y/0123456789abcdef0123456789abcdef01234567/install.sh",
        ] {
            let found = test.findings(&format!("FROM alpine\nADD {url} /opt/\n"));
            assert_eq!(found.len(), 1, "{url}");
            assert_eq!(found[0].severity, Severity::Info, "{url}");
        }
        let moving = test.findings("FROM alpine\nADD https://example.com/latest/tool.tgz /opt/\n");
        assert_eq!(moving[0].severity, Severity::Warning);
    }
}
