//! What a rule declares about itself ([`Meta`]): its code, family, default severity, the
//! instruction keywords it looks at and its docs. The settings, the engine, the registry and
//! the reporters read it; it depends on nothing but the diagnostic types.

use berth_syntax::Keyword;

use crate::diagnostic::{Applicability, Severity};

/// Which rule family a rule belongs to; decides its code style and how it is configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// hadolint's DL rules (and DL1000 for parse errors).
    Hadolint,
    /// BuildKit's build checks (`docker build --check`), named as BuildKit names them.
    BuildKit,
    /// berth's own rules: `BR0xx` engine and pragma codes, `BR1xx` cache rules.
    Berth,
}

impl Family {
    /// The family's name in lower case (`hadolint`, `buildkit`, `berth`).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Hadolint => "hadolint",
            Family::BuildKit => "buildkit",
            Family::Berth => "berth",
        }
    }
}

/// A set of instruction keywords (oxc's node-type bitset): the instructions a rule looks
/// at. Build one with [`keywords!`](crate::keywords); every unknown keyword is one member,
/// `Unknown`.
///
/// ```
/// use berth_lint::KeywordSet;
/// use berth_syntax::Keyword;
///
/// let set = berth_lint::keywords![Run, Copy];
/// assert!(set.contains(&Keyword::Run));
/// assert!(!set.contains(&Keyword::From));
/// assert!(KeywordSet::ALL.contains(&Keyword::Unknown("FORM".into())));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct KeywordSet(u32);

impl KeywordSet {
    /// How many members a set can have: the 18 keywords BuildKit knows, plus `Unknown`.
    pub const SLOTS: usize = 19;
    /// No instruction: the rule only implements [`Rule::finish`](crate::Rule::finish).
    pub const NONE: KeywordSet = KeywordSet(0);
    /// Every instruction.
    pub const ALL: KeywordSet = KeywordSet((1 << Self::SLOTS) - 1);
    /// The set of every unknown keyword.
    pub const UNKNOWN: KeywordSet = KeywordSet(1 << (Self::SLOTS - 1));

    /// This set plus `keyword`.
    pub const fn with(self, keyword: &Keyword) -> KeywordSet {
        KeywordSet(self.0 | 1 << Self::slot(keyword))
    }

    /// Union of two sets.
    pub const fn union(self, other: KeywordSet) -> KeywordSet {
        KeywordSet(self.0 | other.0)
    }

    /// Whether `keyword` is in the set.
    pub const fn contains(self, keyword: &Keyword) -> bool {
        self.contains_slot(Self::slot(keyword))
    }

    /// Whether the keyword with this [slot](KeywordSet::slot) is in the set.
    pub const fn contains_slot(self, slot: usize) -> bool {
        slot < Self::SLOTS && self.0 & (1 << slot) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The keyword's place in the set, below [`KeywordSet::SLOTS`] (the engine keeps one
    /// list of rules per slot).
    pub const fn slot(keyword: &Keyword) -> usize {
        match keyword {
            Keyword::Add => 0,
            Keyword::Arg => 1,
            Keyword::Cmd => 2,
            Keyword::Copy => 3,
            Keyword::Entrypoint => 4,
            Keyword::Env => 5,
            Keyword::Expose => 6,
            Keyword::From => 7,
            Keyword::Healthcheck => 8,
            Keyword::Label => 9,
            Keyword::Maintainer => 10,
            Keyword::Onbuild => 11,
            Keyword::Run => 12,
            Keyword::Shell => 13,
            Keyword::Stopsignal => 14,
            Keyword::User => 15,
            Keyword::Volume => 16,
            Keyword::Workdir => 17,
            Keyword::Unknown(_) => 18,
        }
    }
}

/// `keywords![Run, Copy]` builds a [`KeywordSet`] at compile time from
/// [`berth_syntax::Keyword`] variant names (`Unknown` stands for every unknown keyword);
/// `keywords![]` is the empty set.
#[macro_export]
macro_rules! keywords {
    ($($keyword:ident),* $(,)?) => {
        $crate::meta::KeywordSet::NONE $(.union($crate::keywords!(@one $keyword)))*
    };
    (@one Unknown) => {
        $crate::meta::KeywordSet::UNKNOWN
    };
    (@one $keyword:ident) => {
        $crate::meta::KeywordSet::NONE.with(&::berth_syntax::Keyword::$keyword)
    };
}

/// Everything the registry, `berth rule` and the reporters know about a rule.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// The code users write in pragmas and config: `DL3020`, `StageNameCasing`, `BR101`.
    pub code: &'static str,
    /// The family the rule belongs to.
    pub family: Family,
    /// The default severity.
    pub severity: Severity,
    /// Off unless the user selects the code or overrides its severity (hadolint's DL1001, DL3057).
    pub default_enabled: bool,
    /// The instructions [`Rule::check`](crate::Rule::check) wants to see, by keyword; the
    /// engine skips the others.
    pub kinds: KeywordSet,
    /// One line: what the rule checks ("Use COPY instead of ADD for files and folders").
    pub summary: &'static str,
    /// The kind of fix the rule attaches where it can (`berth lint --fix`), if any.
    pub fix: Option<Applicability>,
    /// The rule's doc comment (Markdown): what it does, why, example, how to fix.
    pub docs: &'static str,
}

impl Meta {
    /// The docs with rustdoc's one-space indentation removed, as `berth rule CODE` prints them.
    pub fn docs_text(&self) -> String {
        let mut out = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_sets() {
        let set = crate::keywords![Run, Copy];
        assert!(set.contains(&Keyword::Run));
        assert!(set.contains(&Keyword::Copy));
        assert!(!set.contains(&Keyword::From));
        assert!(crate::keywords![].is_empty());
        let unknown = Keyword::from_text("FORM");
        assert!(KeywordSet::ALL.contains(&unknown));
        assert!(crate::keywords![Unknown].contains(&unknown));
        assert!(!crate::keywords![Unknown].contains(&Keyword::Run));
        // Every keyword has its own slot.
        let mut slots: Vec<usize> = Keyword::ALL
            .iter()
            .map(|k| KeywordSet::slot(&Keyword::from_text(k)))
            .chain([KeywordSet::slot(&unknown)])
            .collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots, (0..KeywordSet::SLOTS).collect::<Vec<_>>());
        assert_eq!(
            KeywordSet::ALL,
            Keyword::ALL.iter().fold(KeywordSet::UNKNOWN, |set, k| set
                .with(&Keyword::from_text(k)))
        );
    }
}
