use berth_syntax::Instruction;

use super::helpers::labels::label_pairs;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `LABEL` with a key that breaks Docker's label-key guidelines: it must start
    /// with a lower-case letter, end with a lower-case letter or digit, use only `a-z`, `0-9`,
    /// `.`, `-`, `_` and `/`, contain no `..` or `--`, and not use the reserved namespaces
    /// `com.docker.`, `io.docker.` and `org.dockerproject.`.
    ///
    /// ## Why is this bad?
    /// Tools that read labels (registries, scanners, orchestrators) expect reverse-DNS,
    /// lower-case keys; `Maintainer` and `maintainer` are different keys, and the reserved
    /// namespaces belong to Docker.
    ///
    /// ## Example
    /// ```dockerfile
    /// LABEL Maintainer="me@example.com"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.authors="me@example.com"
    /// ```
    pub struct Dl3048 {}
    meta {
        code: "DL3048",
        family: Hadolint,
        severity: Style,
        kinds: [Label],
        summary: "Invalid label key",
    }
}

impl Rule for Dl3048 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let escape = ctx.dockerfile().escape;
        // One finding per LABEL, on its first bad key.
        if let Some(bad) = label_pairs(instruction, escape)
            .into_iter()
            .find(|p| !is_valid_key(&p.key))
        {
            ctx.report(bad.key_span, "Invalid label key.").help(format!(
                "`{}` is not a lower-case, reverse-DNS label key",
                bad.key
            ));
        }
    }
}

fn is_valid_key(key: &str) -> bool {
    let valid_char = |c: char| matches!(c, 'a'..='z' | '0'..='9' | '.' | '-' | '_' | '/');
    key.starts_with(|c: char| c.is_ascii_lowercase())
        && key.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && key.chars().all(valid_char)
        && !["com.docker.", "io.docker.", "org.dockerproject."]
            .iter()
            .any(|ns| key.starts_with(ns))
        && !key.contains("..")
        && !key.contains("--")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3048,
            pass: [
                "LABEL org.valid-key.label3=\"foo\"\n",
                "LABEL validlabel=\"foo\"\n",
                "LABEL \"quoted.key\"=x\n",
                "FROM a\nONBUILD LABEL Bad=x\n",
            ],
            fail: [
                "LABEL com.docker.label=\"foo\"\n",
                "LABEL io.docker.label=\"foo\"\n",
                "LABEL org.dockerproject.label=\"foo\"\n",
                "LABEL invalid$character=\"foo\"\n",
                "LABEL .invalid =\"foo\"\n",
                "LABEL -invalid =\"foo\"\n",
                "LABEL 1invalid =\"foo\"\n",
                "LABEL invalid..character=\"foo\"\n",
                "LABEL invalid--character=\"foo\"\n",
                "FROM debian:12\nLABEL Maintainer=x\n",
                "FROM debian:12\nLABEL ok=1 \\\n      not.ok-=2\n",
            ],
        );
    }
}
