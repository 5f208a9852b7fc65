use crate::context::LintContext;
use crate::pragma::{Pragma, PragmaKind, Scope, Tool};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Off by default. Flags every inline ignore pragma (`# hadolint ignore=DL3008` or
    /// `# berth ignore=DL3008`); file-wide (`global`), stage and shell pragmas are not
    /// flagged.
    ///
    /// ## Why is this bad?
    /// Teams that enforce their lint policy centrally (with `.hadolint.yaml` or
    /// `--disable-ignore-pragma`) want to see where a Dockerfile silences a check line by line.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// # hadolint ignore=DL3008
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Fix the finding the pragma hides, or move the exception into the configuration
    /// (`ignored:` in `.hadolint.yaml`) where it is reviewed with the policy.
    ///
    /// ## Differences from hadolint
    /// berth also flags its own `# berth ignore=` pragmas, which hadolint does not know.
    pub struct Dl1001 {}
    meta {
        code: "DL1001",
        family: Hadolint,
        severity: Info,
        kinds: [],
        summary: "Please refrain from using inline ignore pragmas",
        default_enabled: false,
    }
}

impl Rule for Dl1001 {
    fn finish(&mut self, ctx: &mut LintContext) {
        let inline: Vec<_> = ctx
            .pragmas()
            .iter()
            .filter(|p| is_inline_ignore(p))
            .map(|p| p.span)
            .collect();
        for span in inline {
            ctx.report(
                span,
                "Please refrain from using inline ignore pragmas  `# hadolint ignore=DLxxxx`.",
            );
        }
    }
}

/// An inline ignore pragma hadolint itself accepts: for `# hadolint ignore=`, codes made of
/// `D`, `L`, `S`, `C` and digits only (berth's own pragmas also name BuildKit checks).
fn is_inline_ignore(pragma: &Pragma) -> bool {
    let PragmaKind::Ignore {
        scope: Scope::Next,
        codes,
    } = &pragma.kind
    else {
        return false;
    };
    pragma.tool == Tool::Berth
        || codes.iter().all(|code| {
            code.chars()
                .all(|c| matches!(c, 'D' | 'L' | 'S' | 'C' | '0'..='9'))
        })
}

#[cfg(test)]
mod tests {
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        let mut settings = crate::Settings::default();
        settings.select.push("DL1001".into());
        crate::assert_rule!(RuleTest::new::<super::Dl1001>()
            .settings(settings)
            .pass([
                "# hadolint shell=powershell\nRUN foo bar\n",
                "# foobar\nRUN foo bar\n",
                "FROM debian\nRUN foo bar\n",
                "# hadolint global ignore=DL3003\nFROM debian\n",
                "FROM debian:12\n# hadolint ignore=dl3003\nRUN cd /y\n",
            ])
            .fail([
                "# hadolint ignore=DL3003\nRUN foo bar\n",
                "FROM debian:12\n# hadolint ignore=DL3003\nRUN cd /x\n# hadolint ignore=dl3003\nRUN cd /y\n",
            ]));
    }
}
