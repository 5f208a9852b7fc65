use std::collections::HashSet;

use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::{Command, Instruction, Keyword, MountKind};

use super::helpers::flags::copy_from;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// When trusted registries are configured (`trustedRegistries` in `.hadolint.yaml`,
    /// `--trusted-registry`), flags images from any other registry: in `FROM`, in
    /// `COPY --from=<image>` and in `RUN --mount=type=cache|bind,from=<image>`.
    ///
    /// ## Why is this bad?
    /// Images from unvetted registries are a supply-chain risk; a policy of allowed registries
    /// is only useful if every place that pulls an image follows it.
    ///
    /// ## Example
    /// With one trusted registry:
    /// ```yaml
    /// # .hadolint.yaml
    /// trustedRegistries:
    ///   - my.registry.io
    /// ```
    /// ```dockerfile
    /// FROM quay.io/org/base:1.0
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM my.registry.io/org/base:1.0
    /// ```
    /// Patterns: `*` trusts everything, `*.example.com` any subdomain (not `example.com`
    /// itself), `prefix*` any registry starting with `prefix`, anything else exactly. An image
    /// without a registry (`debian:12`) is a Docker Hub image: trust `docker.io` or
    /// `hub.docker.com` to allow it. A registry is only recognised when it contains a dot, as
    /// in hadolint (`localhost:5000/app` is a Docker Hub name). Earlier stage names and
    /// `scratch` are always allowed.
    pub struct Dl3026 {
        aliases: HashSet<String>,
    }
    meta {
        code: "DL3026",
        family: Hadolint,
        severity: Error,
        kinds: [From, Copy, Run],
        summary: "Use only an allowed registry in the FROM image",
    }
}

const MESSAGE: &str = "Use only an allowed registry in the FROM image";

impl Rule for Dl3026 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        let trusted = &ctx.settings().trusted_registries;
        if trusted.is_empty() || ctx.in_onbuild() {
            return;
        }
        match instruction.keyword {
            Keyword::From => {
                let Some(from) = FromParts::of(instruction) else {
                    return;
                };
                let allowed = self.allowed(trusted, &ImageRef::parse_from(from.image));
                if let Some((alias, _)) = from.alias {
                    self.aliases.insert(alias.to_string());
                }
                if !allowed {
                    ctx.report(from.image_span, MESSAGE);
                }
            }
            Keyword::Copy => {
                if let Some((from, span)) = copy_from(instruction) {
                    if !self.allowed(trusted, &ImageRef::parse_reference(from)) {
                        ctx.report(span, MESSAGE);
                    }
                }
            }
            _ => {
                let Some(Command::Run(run)) = &instruction.command else {
                    return;
                };
                let untrusted = run.mounts.iter().find(|m| {
                    matches!(m.kind, MountKind::Cache | MountKind::Bind) && {
                        let from = m.from.as_deref().unwrap_or("scratch");
                        !self.allowed(trusted, &ImageRef::parse_reference(from))
                    }
                });
                if let Some(mount) = untrusted {
                    ctx.report(mount.span, MESSAGE);
                }
            }
        }
    }
}

impl Dl3026 {
    fn allowed(&self, trusted: &[String], image: &ImageRef) -> bool {
        if self.aliases.contains(image.name) {
            return true;
        }
        let is_trusted = |registry: &str| trusted.iter().any(|p| matches_pattern(p, registry));
        match image.registry {
            Some(registry) => is_trusted(registry),
            None => {
                image.name == "scratch" || is_trusted("docker.io") || is_trusted("hub.docker.com")
            }
        }
    }
}

/// `*` matches everything, `*.x` a registry ending in `.x`, `x*` one starting with `x`,
/// anything else exactly.
fn matches_pattern(pattern: &str, registry: &str) -> bool {
    if pattern == "*" {
        true
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        registry.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        registry.starts_with(prefix)
    } else {
        registry == pattern
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;

    fn trusting(registries: &[&str]) -> crate::Settings {
        let mut settings = crate::Settings::default();
        settings
            .trusted_registries
            .extend(registries.iter().map(|r| r.to_string()));
        settings
    }

    #[test]
    fn disabled_without_trusted_registries() {
        let test = RuleTest::new::<super::Dl3026>();
        assert!(test.findings("FROM random.com/debian\n").is_empty());
    }

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3026>()
            .settings(trusting(&["trusted.com", "*.random.com"]))
            .pass([
                "FROM trusted.com/debian\n",
                "FROM foo.random.com/debian\n",
                "FROM scratch\n",
                "FROM trusted.com/foo AS builder1\nFROM builder1 AS builder2\n",
                "COPY --from=trusted.com/repo/image:tag /foo /bar\n",
                "RUN --mount=type=bind,from=trusted.com/repo/image:tag,target=/foo foobar\n",
                "RUN --mount=type=cache,target=/foo foobar\n",
                "RUN --mount=type=secret,id=x,from=evil.com/x foobar\n",
            ])
            .fail([
                "FROM random.com/debian\n",
                "FROM ubuntu:18.04\n",
                "COPY --from=untrusted.com/repo/image:tag /foo /bar\n",
                "RUN --mount=type=bind,from=untrusted.com/repo/image:tag,target=/foo foobar\n",
                "RUN --mount=type=cache,from=untrusted.com/repo/image:tag,target=/foo foobar\n",
                "FROM trusted.com/a:1 AS a\nFROM trusted.com/b:1\nCOPY --from=0 /a /b\n",
            ]));
    }

    #[test]
    fn docker_hub_and_patterns() {
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["docker.io"]));
        let df = "FROM ubuntu:18.04 AS b1\nFROM zemanlx/ubuntu:18.04 AS b2\nFROM docker.io/zemanlx/ubuntu:18.04 AS b3\n";
        assert!(test.findings(df).is_empty());
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["*"]));
        assert!(test.findings("FROM quay.io/a:1\n").is_empty());
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["*.gcr.io"]));
        assert_eq!(
            test.findings("FROM gcr.io/foo:1\nFROM eu.gcr.io/foo:1\n")
                .len(),
            1
        );
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["localhost:5000"]));
        assert_eq!(test.findings("FROM localhost:5000/foo\n").len(), 1);
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["my.io:5000"]));
        assert!(test.findings("FROM my.io:5000/foo:1\n").is_empty());
        let test = RuleTest::new::<super::Dl3026>().settings(trusting(&["trusted.com"]));
        let df = "FROM ubuntu:18.04 AS b1\nFROM zemanlx/ubuntu:18.04 AS b2\nFROM docker.io/zemanlx/ubuntu:18.04 AS b3\n";
        assert_eq!(test.findings(df).len(), 3);
    }
}
