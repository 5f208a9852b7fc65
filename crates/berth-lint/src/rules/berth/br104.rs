use berth_syntax::{Command, Instruction};

use crate::context::LintContext;
use crate::rule::Rule;

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
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// ADD https://example.com/tool-1.2.tgz /opt/
    /// ```
    ///
    /// ## How to fix
    /// Pin the download with its digest:
    /// ```dockerfile
    /// ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d \
    ///     https://example.com/tool-1.2.tgz /opt/
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
        for source in add.sources.iter().filter(|s| downloaded(&s.path)) {
            ctx.report(
                source.span,
                format!(
                    "`ADD {}` has no --checksum: the download is neither verified nor pinned, and \
                     when it changes this step and every later step re-run",
                    source.path
                ),
            )
            .help("add `--checksum=sha256:<digest>` (`curl -fsSL URL | sha256sum` prints it)");
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
            ],
            fail: [
                "FROM alpine\nADD https://example.com/tool-1.2.tgz /opt/\n",
                "FROM alpine\nADD --chmod=755 HTTP://example.com/run.sh local.txt /usr/local/bin/\n",
                "FROM alpine\nONBUILD ADD https://example.com/a.tgz /opt/\n",
            ],
        );
    }
}
