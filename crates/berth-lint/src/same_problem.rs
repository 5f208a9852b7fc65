//! One problem, one finding: rules of two families that report the same problem at the same
//! place, and which of the two findings a run keeps.
//!
//! hadolint's rules and BuildKit's build checks overlap: `MAINTAINER` is DL4000 and
//! MaintainerDeprecated, a shell-form CMD is DL3025 and JSONArgsRecommended, and so on. With
//! both families on (the default selection) each such problem would be reported twice. When
//! both findings of a pair fall on the same instruction, the run keeps one: the family the
//! file's configuration points to (see [`preference`]). The finding kept names the other code
//! ([`Diagnostic::also`]), and `--select` of either code still runs that rule alone.

use crate::diagnostic::Diagnostic;
use crate::meta::Family;

/// Pairs of (hadolint code, BuildKit check) that report the same problem on the same
/// instruction. Checked on the corpus (3,281 files; findings on one line, before merging):
/// DL4000/MaintainerDeprecated 151 of 151, DL3025/JSONArgsRecommended all 89 of the check's
/// (DL3025 also flags ENTRYPOINT), DL3029/FromPlatformFlagConstDisallowed all 30 of the
/// check's, DL3000/WorkdirRelativePath 17 (each also fires alone: hadolint on variables,
/// BuildKit on expanded values), DL4003-DL4004/MultipleInstructionsDisallowed 10 (the check
/// marks the overridden instruction and labels the overriding one, hadolint the latter),
/// DL3044/UndefinedVar all 17 of DL3044's (UndefinedVar also covers variables never defined).
pub const SAME_PROBLEM: &[(&str, &str)] = &[
    ("DL4000", "MaintainerDeprecated"),
    ("DL3025", "JSONArgsRecommended"),
    ("DL3029", "FromPlatformFlagConstDisallowed"),
    ("DL3000", "WorkdirRelativePath"),
    ("DL4003", "MultipleInstructionsDisallowed"),
    ("DL4004", "MultipleInstructionsDisallowed"),
    ("DL3044", "UndefinedVar"),
];

/// The other codes of the pairs `code` is in (MultipleInstructionsDisallowed is the check of
/// both DL4003's CMD and DL4004's ENTRYPOINT).
pub fn partners(code: &str) -> impl Iterator<Item = &'static str> + '_ {
    SAME_PROBLEM.iter().filter_map(move |&(h, b)| match code {
        c if c == h => Some(b),
        c if c == b => Some(h),
        _ => None,
    })
}

/// Which family's finding a file keeps when two report the same problem.
///
/// - hadolint's code when hadolint's configuration is in play: the file has a `# hadolint`
///   pragma (its ignore lists name DL codes), or a `.hadolint.yaml` was loaded (the loader
///   sets [`Settings::prefer_family`](crate::Settings::prefer_family), which decides first);
/// - else BuildKit's name when BuildKit's is: the file has a `# check=` directive or
///   `BUILDKIT_DOCKERFILE_CHECK` is set (its skip lists name checks);
/// - else hadolint's code, the documented default: it is the name existing CI configurations,
///   ignore pragmas and editor setups already use, and hadolint's severity is never the lower
///   of the two.
pub fn preference(hadolint_in_play: bool, buildkit_in_play: bool) -> Family {
    match (hadolint_in_play, buildkit_in_play) {
        (true, _) => Family::Hadolint,
        (false, true) => Family::BuildKit,
        (false, false) => Family::Hadolint,
    }
}

/// Merges the pairs in `findings`, each with the first lines of the instructions it points
/// at (its own first, then its labels'): of two findings of one pair where the hadolint
/// finding's instruction is among the BuildKit finding's (MultipleInstructionsDisallowed marks
/// the overridden CMD and labels the one that overrides it, which is where DL4003 points), the
/// one of `keep`'s family stays, with the other's code in [`Diagnostic::also`] and a help line
/// saying so.
///
/// One line can hold two problems of the pair UndefinedVar/DL3044 (`ENV A=1 B=$A C=$NOPE`):
/// those pair only when the check names the variable DL3044 points at (`source` gives its
/// name).
pub fn merge(
    findings: Vec<(Vec<usize>, Diagnostic)>,
    keep: Family,
    source: &str,
) -> Vec<(Vec<usize>, Diagnostic)> {
    let mut drop = vec![false; findings.len()];
    let mut also: Vec<Option<&'static str>> = vec![None; findings.len()];
    for (i, (line, d)) in findings.iter().enumerate() {
        let Some(&(hadolint, buildkit)) = SAME_PROBLEM.iter().find(|(h, _)| *h == d.code) else {
            continue;
        };
        let Some(j) = findings.iter().enumerate().position(|(j, (l, o))| {
            !drop[j]
                && o.code == buildkit
                && line.first().is_some_and(|h| l.contains(h))
                && (hadolint != "DL3044" || names_variable(o, d, source))
        }) else {
            continue;
        };
        let (kept, dropped, other) = match keep {
            Family::BuildKit => (j, i, hadolint),
            _ => (i, j, buildkit),
        };
        drop[dropped] = true;
        also[kept] = Some(other);
    }
    findings
        .into_iter()
        .zip(drop.into_iter().zip(also))
        .filter(|(_, (dropped, _))| !dropped)
        .map(|((line, mut d), (_, other))| {
            if let Some(other) = other {
                let note = format!("{other} reports the same problem here");
                d.help = Some(match d.help.take() {
                    Some(help) => format!("{help}\n{note}"),
                    None => note,
                });
                d.also = Some(other.into());
            }
            (line, d)
        })
        .collect()
}

/// Whether UndefinedVar's finding `check` is about the variable DL3044's `finding` points at.
fn names_variable(check: &Diagnostic, finding: &Diagnostic, source: &str) -> bool {
    source
        .get(finding.span.start..finding.span.end)
        .is_some_and(|name| check.message.contains(&format!("'${name}'")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry;

    #[test]
    fn every_pair_names_a_hadolint_rule_and_a_buildkit_check() {
        for &(hadolint, buildkit) in SAME_PROBLEM {
            let h = registry::find(hadolint).expect(hadolint);
            let b = registry::find(buildkit).expect(buildkit);
            assert_eq!(h.meta.family, Family::Hadolint, "{hadolint}");
            assert_eq!(b.meta.family, Family::BuildKit, "{buildkit}");
            assert!(partners(hadolint).eq([buildkit]));
            assert!(partners(buildkit).any(|p| p == hadolint));
        }
    }

    /// Each pair, on a file where both rules fire on one instruction: one finding is left,
    /// of the preferred family, naming the other code.
    #[test]
    fn each_pair_is_reported_once() {
        let files = [
            (
                "DL4000",
                "FROM alpine:3.19\nMAINTAINER Jane <jane@example.com>\n",
            ),
            ("DL3025", "FROM alpine:3.19\nCMD echo hi\n"),
            (
                "DL3029",
                "FROM --platform=linux/amd64 alpine:3.19\nRUN true\n",
            ),
            ("DL3000", "FROM alpine:3.19\nWORKDIR app\n"),
            ("DL4003", "FROM alpine:3.19\nCMD [\"a\"]\nCMD [\"b\"]\n"),
            (
                "DL4004",
                "FROM alpine:3.19\nENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n",
            ),
            ("DL3044", "FROM alpine:3.19\nENV A=1 B=${A}x\n"),
        ];
        for (hadolint, source) in files {
            let buildkit = partners(hadolint).next().unwrap();
            let settings = crate::Settings::default();
            let found = crate::lint(source, &settings).diagnostics;
            let pair: Vec<_> = found
                .iter()
                .filter(|d| d.code == hadolint || d.code == buildkit)
                .collect();
            assert!(!pair.is_empty(), "{hadolint}: {found:?}");
            assert!(
                pair.iter().all(|d| d.code == hadolint),
                "{hadolint}: {pair:?}"
            );
            assert!(
                pair.iter().any(|d| d.also.as_deref() == Some(buildkit)),
                "{pair:?}"
            );
            // `# check=` points to BuildKit's names.
            let with_check = format!("# check=error=false\n{source}");
            let found = crate::lint(&with_check, &settings).diagnostics;
            let pair: Vec<_> = found
                .iter()
                .filter(|d| d.code == hadolint || d.code == buildkit)
                .collect();
            assert!(
                pair.iter().all(|d| d.code == buildkit),
                "{buildkit}: {pair:?}"
            );
            assert!(pair.iter().any(|d| d.also.as_deref() == Some(hadolint)));
            // Selecting either code runs that rule alone, as before.
            for code in [hadolint, buildkit] {
                let only = crate::Settings {
                    select: vec![code.to_string()],
                    ..crate::Settings::default()
                };
                let found = crate::lint(source, &only).diagnostics;
                assert!(
                    !found.is_empty() && found.iter().all(|d| d.code == code && d.also.is_none()),
                    "{code}: {found:?}"
                );
            }
        }
    }

    #[test]
    fn another_variable_on_the_line_is_another_problem() {
        let source = "FROM alpine:3.19\nENV A=1 B=${A}x C=$NOPE\n";
        let found = crate::lint(source, &crate::Settings::default()).diagnostics;
        let undefined: Vec<_> = found.iter().filter(|d| d.code == "UndefinedVar").collect();
        assert_eq!(undefined.len(), 1, "{found:?}");
        assert!(undefined[0].message.contains("$NOPE"));
        assert!(found
            .iter()
            .any(|d| d.code == "DL3044" && d.also.as_deref() == Some("UndefinedVar")));
    }

    #[test]
    fn a_hadolint_pragma_points_to_hadolint_codes() {
        let source = "# check=error=false\n# hadolint global ignore=DL3006\nFROM alpine:3.19\nMAINTAINER x\n";
        let found = crate::lint(source, &crate::Settings::default()).diagnostics;
        let codes: Vec<_> = found.iter().map(|d| d.code.as_ref()).collect();
        assert!(
            codes.contains(&"DL4000") && !codes.contains(&"MaintainerDeprecated"),
            "{codes:?}"
        );
    }

    #[test]
    fn ignoring_either_code_in_the_file_silences_the_problem() {
        for code in ["DL4000", "MaintainerDeprecated"] {
            let source = format!("FROM alpine:3.19\n# hadolint ignore={code}\nMAINTAINER x\n");
            let found = crate::lint(&source, &crate::Settings::default()).diagnostics;
            assert!(
                found.iter().all(|d| partners(&d.code).next().is_none()),
                "{code}: {found:?}"
            );
        }
    }
}
