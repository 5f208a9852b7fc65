//! The rule API: what a rule declares ([`Meta`]), what it implements ([`Rule`]) and the
//! instruction-kind bitsets the engine uses to skip rules that cannot match.
//!
//! See `crates/berth-lint/RULES.md` for a step-by-step guide to adding a rule.

use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::diagnostic::Severity;

/// Which rule family a rule belongs to; decides its code style and how it is configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// hadolint's DL rules (and DL1000 for parse errors).
    Hadolint,
    /// BuildKit's build checks (`docker build --check`), named as BuildKit names them.
    BuildKit,
    /// berth's own rules: `BR0xx` pragma/config meta rules, `BR1xx` cache rules.
    Berth,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Hadolint => "hadolint",
            Family::BuildKit => "buildkit",
            Family::Berth => "berth",
        }
    }
}

/// The instruction keywords, as a dense enum so that a set of them fits one `u32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Kind {
    From,
    Run,
    Cmd,
    Label,
    Maintainer,
    Expose,
    Env,
    Add,
    Copy,
    Entrypoint,
    Volume,
    User,
    Workdir,
    Arg,
    Onbuild,
    Stopsignal,
    Healthcheck,
    Shell,
    /// A keyword BuildKit does not know (BuildKit rejects the file; the tree keeps it).
    Unknown,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 19] = [
        Kind::From,
        Kind::Run,
        Kind::Cmd,
        Kind::Label,
        Kind::Maintainer,
        Kind::Expose,
        Kind::Env,
        Kind::Add,
        Kind::Copy,
        Kind::Entrypoint,
        Kind::Volume,
        Kind::User,
        Kind::Workdir,
        Kind::Arg,
        Kind::Onbuild,
        Kind::Stopsignal,
        Kind::Healthcheck,
        Kind::Shell,
        Kind::Unknown,
    ];

    /// The kind of a keyword, case-insensitively (`run`, `Run` and `RUN` are all RUN).
    pub fn from_keyword(keyword: &str) -> Kind {
        Kind::ALL[..18]
            .iter()
            .copied()
            .find(|k| k.keyword().eq_ignore_ascii_case(keyword))
            .unwrap_or(Kind::Unknown)
    }

    /// The upper-case keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::From => "FROM",
            Kind::Run => "RUN",
            Kind::Cmd => "CMD",
            Kind::Label => "LABEL",
            Kind::Maintainer => "MAINTAINER",
            Kind::Expose => "EXPOSE",
            Kind::Env => "ENV",
            Kind::Add => "ADD",
            Kind::Copy => "COPY",
            Kind::Entrypoint => "ENTRYPOINT",
            Kind::Volume => "VOLUME",
            Kind::User => "USER",
            Kind::Workdir => "WORKDIR",
            Kind::Arg => "ARG",
            Kind::Onbuild => "ONBUILD",
            Kind::Stopsignal => "STOPSIGNAL",
            Kind::Healthcheck => "HEALTHCHECK",
            Kind::Shell => "SHELL",
            Kind::Unknown => "",
        }
    }
}

/// A set of instruction kinds (oxc's node-type bitset). Build one with [`kinds!`](crate::kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct KindSet(u32);

impl KindSet {
    /// No instruction: the rule only implements [`Rule::finish`].
    pub const NONE: KindSet = KindSet(0);
    /// Every instruction.
    pub const ALL: KindSet = KindSet(u32::MAX);

    /// A set of one kind.
    pub const fn one(kind: Kind) -> KindSet {
        KindSet(1 << kind as u8)
    }

    /// This set plus `kind`.
    pub const fn with(self, kind: Kind) -> KindSet {
        KindSet(self.0 | (1 << kind as u8))
    }

    /// Union of two sets.
    pub const fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    pub const fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// `kinds![Run, Copy]` builds a [`KindSet`] at compile time; `kinds![]` is the empty set.
#[macro_export]
macro_rules! kinds {
    ($($kind:ident),* $(,)?) => {
        $crate::rule::KindSet::NONE $(.with($crate::rule::Kind::$kind))*
    };
}

/// Everything the registry, `berth rule` and the reporters know about a rule.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    /// The code users write in pragmas and config: `DL3020`, `StageNameCasing`, `BR101`.
    pub code: &'static str,
    pub family: Family,
    /// The default severity.
    pub severity: Severity,
    /// Off unless the user selects the code or overrides its severity (hadolint's DL1001, DL3057).
    pub default_enabled: bool,
    /// The instruction kinds [`Rule::check`] wants to see; the engine skips the others.
    pub kinds: KindSet,
    /// One line: what the rule checks ("Use COPY instead of ADD for files and folders").
    pub summary: &'static str,
    /// The kind of fix the rule attaches where it can (`berth lint --fix`), if any.
    pub fix: Option<crate::Applicability>,
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

/// A lint rule.
///
/// The engine makes a fresh value (`Default`) for every file, so fields are per-file state:
/// a rule that must see the whole file (duplicate stage names, "last USER is root") keeps what
/// it needs in `self` while [`check`](Rule::check) visits instructions and reports from
/// [`finish`](Rule::finish).
pub trait Rule: Send {
    /// Called for every instruction whose kind is in [`Meta::kinds`], in file order. For an
    /// `ONBUILD RUN ...`, rules that look at `Run` are also called with the inner instruction
    /// (`ctx.in_onbuild()` is then true; `ctx.index()` is the ONBUILD's index).
    fn check(&mut self, _instruction: &Instruction, _ctx: &mut LintContext) {}

    /// Called once after the last instruction.
    fn finish(&mut self, _ctx: &mut LintContext) {}
}

/// Static data a rule type carries; written by [`declare_rule!`](crate::declare_rule).
pub trait RuleMeta {
    const META: Meta;
}

/// One registry entry: the metadata and a constructor for a fresh per-file instance.
#[derive(Clone, Copy)]
pub struct RuleEntry {
    pub meta: &'static Meta,
    pub new: fn() -> Box<dyn Rule>,
}

impl std::fmt::Debug for RuleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleEntry")
            .field("code", &self.meta.code)
            .finish()
    }
}

#[doc(hidden)]
pub fn new_boxed<R: Rule + Default + 'static>() -> Box<dyn Rule> {
    Box::new(R::default())
}

/// Declares a rule type with its docs and metadata.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct Dl3020 {}
///     meta {
///         code: "DL3020",
///         family: Hadolint,
///         severity: Error,
///         kinds: [Add],
///         summary: "Use COPY instead of ADD for files and folders",
///     }
/// }
/// ```
///
/// Optional keys after `summary`: `default_enabled: false`. Fields inside the braces are per-file
/// state and must implement `Default`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident { $($field:tt)* }
        meta {
            code: $code:literal,
            family: $family:ident,
            severity: $severity:ident,
            kinds: [$($kind:ident),* $(,)?],
            summary: $summary:literal
            $(, default_enabled: $enabled:literal)?
            $(, fix: $fix:ident)?
            $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Default)]
        $vis struct $name { $($field)* }

        impl $crate::rule::RuleMeta for $name {
            const META: $crate::rule::Meta = $crate::rule::Meta {
                code: $code,
                family: $crate::rule::Family::$family,
                severity: $crate::Severity::$severity,
                default_enabled: $crate::declare_rule!(@enabled $($enabled)?),
                kinds: $crate::kinds![$($kind),*],
                summary: $summary,
                fix: $crate::declare_rule!(@fix $($fix)?),
                docs: concat!($($doc, "\n"),*),
            };
        }
    };
    (@enabled) => { true };
    (@enabled $enabled:literal) => { $enabled };
    (@fix) => { None };
    (@fix $fix:ident) => { Some($crate::Applicability::$fix) };
}

/// Declares a family's rule modules and its registry list, one line per rule:
///
/// ```ignore
/// crate::rule_family! {
///     dl3020 => Dl3020,
///     dl3021 => Dl3021,
/// }
/// ```
///
/// This declares `mod dl3020;` (the file `dl3020.rs` next to the family's `mod.rs`) and adds
/// `dl3020::Dl3020` to the family's `RULES` slice.
#[macro_export]
macro_rules! rule_family {
    ($($module:ident => $rule:ident),* $(,)?) => {
        $(pub mod $module;)*

        /// Every rule of this family, in declaration order.
        pub static RULES: &[$crate::rule::RuleEntry] = &[
            $($crate::rule::RuleEntry {
                meta: &<$module::$rule as $crate::rule::RuleMeta>::META,
                new: $crate::rule::new_boxed::<$module::$rule>,
            },)*
        ];
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_sets() {
        let set = kinds![Run, Copy];
        assert!(set.contains(Kind::Run));
        assert!(set.contains(Kind::Copy));
        assert!(!set.contains(Kind::From));
        assert!(kinds![].is_empty());
        assert!(KindSet::ALL.contains(Kind::Unknown));
    }

    #[test]
    fn keywords_are_case_insensitive() {
        assert_eq!(Kind::from_keyword("run"), Kind::Run);
        assert_eq!(Kind::from_keyword("HealthCheck"), Kind::Healthcheck);
        assert_eq!(Kind::from_keyword("FOO"), Kind::Unknown);
        assert_eq!(Kind::from_keyword(""), Kind::Unknown);
    }
}
