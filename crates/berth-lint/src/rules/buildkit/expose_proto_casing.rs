use berth_syntax::Span;

use crate::context::LintContext;
use crate::diagnostic::Fix;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EXPOSE` entry whose protocol (`tcp`, `udp`, `sctp`) is not written in lower
    /// case, after variable expansion.
    ///
    /// ## Why is this bad?
    /// Docker accepts any case here but stores the lower-case form; other tools reading the
    /// Dockerfile may not, and `80/TCP` next to `80/tcp` looks like two different ports.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx
    /// EXPOSE 80/TCP
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM nginx
    /// EXPOSE 80/tcp
    /// ```
    pub struct ExposeProtoCasing {}
    meta {
        code: "ExposeProtoCasing",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "Protocol in EXPOSE instruction should be lowercase",
        fix: Safe,
    }
}

impl Rule for ExposeProtoCasing {
    fn finish(&mut self, ctx: &mut LintContext) {
        for (span, port) in super::phase::exposed_ports(ctx) {
            // `[ip:][host:]port[/proto]`; a protocol BuildKit rejects is an error, not this.
            let Some((_, proto)) = port.split_once('/') else {
                continue;
            };
            let known = ["tcp", "udp", "sctp"]
                .iter()
                .any(|p| proto.eq_ignore_ascii_case(p));
            if known && proto != proto.to_lowercase() {
                let fix = lowercase_where_written(ctx, span, &port);
                ctx.report(
                    span,
                    format!("Defined protocol '{port}' in EXPOSE instruction should be lowercase"),
                )
                .help(format!("write `{}`", port.to_lowercase()))
                .fix(fix);
            }
        }
    }
}

/// The port written as is (no variable) inside the EXPOSE at `within`, in lower case.
fn lowercase_where_written(ctx: &LintContext, within: Span, port: &str) -> Option<Fix> {
    let source = ctx.source();
    let at = ctx
        .dockerfile()
        .instructions
        .iter()
        .find(|i| i.span == within)?
        .args
        .iter()
        .find(|a| source.get(a.span.start..a.span.end) == Some(port))?;
    let lower = port.to_lowercase();
    Some(Fix::replace(format!("Write `{lower}`"), at.span, lower))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::ExposeProtoCasing,
            pass: [
                "FROM nginx\nEXPOSE 80 443/tcp 53/udp\n",
                "FROM nginx\nEXPOSE 80/bogus\n",
            ],
            fail: [
                "FROM nginx\nEXPOSE 80/TCP\n",
                "FROM nginx\nENV P=53/Udp\nEXPOSE 80 $P\n",
            ],
        );
    }
}
