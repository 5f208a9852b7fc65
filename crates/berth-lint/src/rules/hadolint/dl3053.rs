use berth_syntax::Instruction;

use super::helpers::labels::check_typed_labels;
use crate::context::LintContext;
use crate::rule::Rule;
use crate::settings::LabelType;

crate::declare_rule! {
    /// ## What it does
    /// With a label schema configured, flags a label of type `rfc3339` whose value is not a
    /// full RFC 3339 timestamp (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.5+02:00`).
    ///
    /// ## Why is this bad?
    /// Build dates are compared and sorted by tools; a bare date or a local format cannot be.
    ///
    /// ## Example
    /// With this label schema:
    /// ```yaml
    /// # .hadolint.yaml
    /// label-schema:
    ///   org.opencontainers.image.created: rfc3339
    /// ```
    /// ```dockerfile
    /// LABEL org.opencontainers.image.created="2024-05-01"
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// LABEL org.opencontainers.image.created="2024-05-01T00:00:00Z"
    /// ```
    pub struct Dl3053 {}
    meta {
        code: "DL3053",
        family: Hadolint,
        severity: Warning,
        kinds: [Label],
        summary: "Label is not a valid RFC 3339 time",
    }
}

impl Rule for Dl3053 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_typed_labels(instruction, ctx, LabelType::Rfc3339, is_rfc3339, |name| {
            format!("Label `{name}` is not a valid time format - must conform to RFC3339.")
        });
    }
}

/// RFC 3339 `date-time`: `YYYY-MM-DD` `T` `HH:MM:SS[.frac]` then `Z` or `±HH:MM`, with real
/// calendar dates (leap years included) and a leap second allowed.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return false;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let s = text.get(from..to)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (Some(year), Some(month), Some(day)) = (num(0, 4), num(5, 7), num(8, 10)) else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) = (num(11, 13), num(14, 16), num(17, 19)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    if rest == "Z" || rest == "z" {
        return true;
    }
    let o = rest.as_bytes();
    o.len() == 6
        && matches!(o[0], b'+' | b'-')
        && o[3] == b':'
        && rest[1..3].parse::<u32>().is_ok_and(|h| h < 24)
        && rest[4..6].parse::<u32>().is_ok_and(|m| m < 60)
        && rest[1..].bytes().filter(|c| c.is_ascii_digit()).count() == 4
}

#[cfg(test)]
mod tests {
    use super::is_rfc3339;
    use crate::testing::schema_of;
    use crate::testing::RuleTest;

    #[test]
    fn cases() {
        crate::assert_rule!(RuleTest::new::<super::Dl3053>()
            .settings(schema_of("datelabel", crate::LabelType::Rfc3339))
            .pass([
                "LABEL datelabel=\"2021-03-10T10:26:33.564595127+01:00\"\n",
                "LABEL other=\"doo\"\n",
            ])
            .fail([
                "LABEL datelabel=\"not-date\"\n",
                "LABEL datelabel=\"2020-01-01\"\n"
            ]));
    }

    #[test]
    fn timestamps() {
        assert!(is_rfc3339("2024-02-29T23:59:60Z"));
        assert!(is_rfc3339("2021-03-10t10:26:33-05:30"));
        assert!(!is_rfc3339("2023-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2021-03-10T10:26:33"));
        assert!(!is_rfc3339("2021-03-10T10:26:33+0100"));
        assert!(!is_rfc3339("2021-03-10T10:26:33.Z"));
        assert!(!is_rfc3339("2021-13-10T10:26:33Z"));
    }
}
