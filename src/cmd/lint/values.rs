//! The closed value sets of `berth lint` whose names berth-lint owns, because the
//! configuration files and `HADOLINT_*` variables name them too: the output formats and the
//! failure thresholds. Each is a clap `ValueEnum` built from the library's name table (canonical
//! name first, then aliases), so help, completion and parsing never keep a second list.

use std::sync::LazyLock;

use berth_lint::report::Format;
use berth_lint::FailureThreshold;
use clap::builder::PossibleValue;

/// `--format`: one of [`Format::NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatArg(pub Format);

impl clap::ValueEnum for FormatArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: LazyLock<Vec<FormatArg>> =
            LazyLock::new(|| distinct(&Format::NAMES).map(FormatArg).collect());
        &VARIANTS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        possible_value(&Format::NAMES, self.0)
    }
}

/// `--failure-threshold`: one of [`FailureThreshold::NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThresholdArg(pub FailureThreshold);

impl clap::ValueEnum for ThresholdArg {
    fn value_variants<'a>() -> &'a [Self] {
        static VARIANTS: LazyLock<Vec<ThresholdArg>> = LazyLock::new(|| {
            distinct(&FailureThreshold::NAMES)
                .map(ThresholdArg)
                .collect()
        });
        &VARIANTS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        possible_value(&FailureThreshold::NAMES, self.0)
    }
}

/// The values of a name table, each once, in table order.
fn distinct<T: Copy + PartialEq>(names: &[(&str, T)]) -> impl Iterator<Item = T> {
    let mut seen: Vec<T> = Vec::new();
    for (_, value) in names {
        if !seen.contains(value) {
            seen.push(*value);
        }
    }
    seen.into_iter()
}

/// `value` as clap shows and matches it: its first name, the others as (hidden) aliases.
fn possible_value<T: PartialEq>(names: &[(&'static str, T)], value: T) -> Option<PossibleValue> {
    let mut matching = names.iter().filter(|(_, v)| *v == value).map(|(n, _)| *n);
    let canonical = matching.next()?;
    Some(PossibleValue::new(canonical).aliases(matching))
}

#[cfg(test)]
mod tests {
    use clap::ValueEnum;

    use super::*;

    #[test]
    fn every_library_name_parses_to_its_value_and_only_canonical_names_are_listed() {
        for (name, format) in Format::NAMES {
            assert_eq!(
                FormatArg::from_str(name, true),
                Ok(FormatArg(format)),
                "{name}"
            );
        }
        for (name, threshold) in FailureThreshold::NAMES {
            let parsed = ThresholdArg::from_str(&name.to_uppercase(), true);
            assert_eq!(parsed, Ok(ThresholdArg(threshold)), "{name}");
        }
        let listed: Vec<String> = FormatArg::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(
            listed,
            [
                "tty",
                "concise",
                "json",
                "sarif",
                "checkstyle",
                "gnu",
                "github",
                "gitlab",
                "codeclimate"
            ]
        );
        let thresholds: Vec<String> = ThresholdArg::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(thresholds, ["error", "warning", "info", "style"]);
        assert!(FormatArg::from_str("xml", true).is_err());
    }
}
