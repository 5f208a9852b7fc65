use std::collections::HashSet;

use berth_syntax::image::FromParts;
use berth_syntax::{Instruction, Keyword};

use super::helpers::args::drop_quotes;
use super::helpers::flags::copy_from;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags `COPY --from=X` where `X` is neither a stage defined earlier (by name, or by an
    /// index below the number of stages so far) nor an image reference with a tag (`:`).
    ///
    /// ## Why is this bad?
    /// An unknown name is taken as an image to pull: a typo in a stage name silently copies
    /// from `docker.io/library/<typo>:latest` instead of failing, and an untagged image is as
    /// unpinned as `FROM image` without a tag.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM alpine:3.20
    /// COPY --from=buidl /app /app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM golang:1.22 AS build
    /// FROM alpine:3.20
    /// COPY --from=build /app /app
    /// ```
    /// To copy from an image, give its tag: `COPY --from=nginx:1.25 /etc/nginx /etc/nginx`.
    pub struct Dl3022 {
        aliases: HashSet<String>,
        stages: usize,
    }
    meta {
        code: "DL3022",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Copy],
        summary: "COPY --from should reference a previously defined FROM alias",
    }
}

impl Rule for Dl3022 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::From {
            self.stages += 1;
            if let Some((alias, _)) = FromParts::of(instruction).and_then(|f| f.alias) {
                self.aliases.insert(alias.to_string());
            }
            return;
        }
        let Some((from, span)) = copy_from(instruction) else {
            return;
        };
        let known = drop_quotes(from).contains(':')
            || self.aliases.contains(from)
            || leading_number(from).is_some_and(|n| n < self.stages as u128);
        if !known {
            ctx.report(
                span,
                "`COPY --from` should reference a previously defined `FROM` alias",
            );
        }
    }
}

/// The decimal number `text` starts with (hadolint reads `--from=1abc` as stage 1).
fn leading_number(text: &str) -> Option<u128> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    match text[..digits].parse::<u128>() {
        Ok(n) => Some(n),
        Err(_) if digits > 0 => Some(u128::MAX),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3022,
            pass: [
                "FROM scratch as build\nRUN foo\nFROM node\nCOPY --from=build foo .\nRUN baz\n",
                "COPY --from=haskell:latest bar .\n",
                "FROM scratch as build\nRUN foo\nFROM node\nCOPY --from=0 foo .\n",
                "FROM scratch\nRUN foo\nFROM node\nCOPY --from=0 foo .\n",
                "FROM debian:12\nCOPY --from=nginx:1 /a /b\n",
                "FROM debian:12\nCOPY --from=0 /a /b\n",
            ],
            fail: [
                "COPY --from=foo bar .\n",
                "FROM scratch\nCOPY --from=build foo .\nFROM node as build\nRUN baz\n",
                "COPY --from=0 bar .\n",
                "FROM debian:12\nCOPY --from=nginx /a /b\n",
                "FROM debian:12\nCOPY --from=1 /a /b\n",
            ],
        );
    }
}
