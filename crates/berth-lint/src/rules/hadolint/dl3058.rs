use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `email` whose value is not an
    /// RFC 5322 address (`local-part@domain`, with a dot-atom or quoted local part and a
    /// dot-atom or `[literal]` domain).
    ///
    /// ## Why is this bad?
    /// A contact label nobody can write to is no contact.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   maintainer: email
    /// ```
    /// ```dockerfile
    /// LABEL maintainer="Jane Doe"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL maintainer="jane@example.com"
    /// ```
    pub struct Dl3058 {}
    meta {
        code: "DL3058",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is not a valid email address",
    }
}

impl Rule for Dl3058 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Email, is_email, |name| {
            format!("Label `{name}` is not a valid email format - must conform to RFC5322.")
        });
    }
}

/// RFC 5322 `addr-spec`.
fn is_email(text: &str) -> bool {
    let Some(at) = text.rfind('@') else {
        return false;
    };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    let local_ok = match local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        Some(quoted) => is_quoted_content(quoted),
        None => is_dot_atom(local),
    };
    let domain_ok = match domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => literal
            .bytes()
            .all(|c| (33..=126).contains(&c) && !matches!(c, b'[' | b']' | b'\\')),
        None => is_dot_atom(domain),
    };
    local_ok && domain_ok
}

fn is_dot_atom(text: &str) -> bool {
    text.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
    })
}

fn is_quoted_content(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return false,
            '\\' => {}
            '"' => return false,
            c if c.is_ascii_graphic() || c == ' ' || c == '\t' => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_email;
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3058>()
            .settings(schema_of("maintainer", crate::LabelType::Email))
            .pass([
                "LABEL maintainer=\"abcd@google.com\"\n",
                "LABEL other=\"doo\"\n"
            ])
            .fail([
                "LABEL maintainer=\"not-email\"\n",
                "LABEL maintainer=\"Jane <j@x.org>\"\n"
            ]));
    }

    #[test]
    fn addresses() {
        assert!(is_email("first.last+tag@sub.example.org"));
        assert!(is_email("\"john doe\"@example.com"));
        assert!(is_email("a@[192.168.0.1]"));
        assert!(!is_email("a@"));
        assert!(!is_email("@b.c"));
        assert!(!is_email("a..b@c.d"));
    }
}
