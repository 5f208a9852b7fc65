use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EXPOSE` entry that names a host IP address or a host port
    /// (`127.0.0.1:80:80`, `8080:80`), after variable expansion.
    ///
    /// ## Why is this bad?
    /// `EXPOSE` only documents which container ports the image listens on; publishing to a
    /// host address or port is decided by `docker run -p`. BuildKit ignores the host part
    /// today and will reject it in a future release.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx
    /// EXPOSE 8080:80
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM nginx
    /// EXPOSE 80
    /// ```
    /// and publish with `docker run -p 8080:80`.
    pub struct ExposeInvalidFormat {}
    meta {
        code: "ExposeInvalidFormat",
        family: BuildKit,
        severity: Warning,
        kinds: [],
        summary: "IP address and host-port mapping should not be used in EXPOSE instruction",
    }
}

impl Rule for ExposeInvalidFormat {
    fn finish(&mut self, ctx: &mut LintContext) {
        for (span, port) in super::phase::exposed_ports(ctx) {
            if !port.contains(':') {
                continue;
            }
            let container_port = port.rsplit(':').next().unwrap_or(&port);
            ctx.report(
                    span,
                    format!(
                        "EXPOSE instruction should not define an IP address or host-port mapping, found '{port}'"
                    ),
                )
                .help(format!("expose `{container_port}` and publish with `docker run -p`"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::ExposeInvalidFormat,
            pass: [
                "FROM nginx\nEXPOSE 80 8000-8010/udp\n",
            ],
            fail: [
                "FROM nginx\nEXPOSE 8080:80\n",
                "FROM nginx\nEXPOSE 127.0.0.1:80:80 [::1]:8080:8080 8000\n",
            ],
        );
    }
}
