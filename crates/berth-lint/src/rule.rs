//! The rule API: what a rule implements ([`Rule`]), how it is declared with its metadata
//! ([`declare_rule!`](crate::declare_rule)) and registered ([`RuleEntry`],
//! [`rule_family!`](crate::rule_family)). The metadata itself is [`crate::meta`].
//!
//! See `crates/berth-lint/RULES.md` for a step-by-step guide to adding a rule.

use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::meta::Meta;

/// A lint rule.
///
/// The engine makes a fresh value (`Default`) for every file, so fields are per-file state:
/// a rule that must see the whole file (duplicate stage names, "last USER is root") keeps what
/// it needs in `self` while [`check`](Rule::check) visits instructions and reports from
/// [`finish`](Rule::finish).
pub trait Rule: Send {
    /// Called for every instruction whose keyword is in [`Meta::kinds`], in file order. For an
    /// `ONBUILD RUN ...`, rules that look at `Run` are also called with the inner instruction
    /// (`ctx.in_onbuild()` is then true; `ctx.index()` is the ONBUILD's index).
    fn check(&mut self, _instruction: &Instruction, _ctx: &mut LintContext) {}

    /// Called once after the last instruction.
    fn finish(&mut self, _ctx: &mut LintContext) {}
}

/// Static data a rule type carries; written by [`declare_rule!`](crate::declare_rule).
pub trait RuleMeta {
    /// The rule's metadata.
    const META: Meta;
}

/// One registry entry: the metadata and a constructor for a fresh per-file instance.
#[derive(Clone, Copy)]
pub struct RuleEntry {
    /// The rule's metadata.
    pub meta: &'static Meta,
    /// Makes the per-file instance.
    pub new: fn() -> Box<dyn Rule>,
}

impl std::fmt::Debug for RuleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleEntry")
            .field("code", &self.meta.code)
            .finish()
    }
}

/// A fresh boxed instance of `R` (the [`RuleEntry::new`] of `R`).
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
/// `kinds` lists the [`berth_syntax::Keyword`]s of the instructions `check` wants (`Unknown`
/// for every unknown keyword; `[]` when the rule only implements `finish`). Optional keys
/// after `summary`: `default_enabled: false`, `fix: Safe` or `fix: Unsafe`. Fields inside the
/// braces are per-file state and must implement `Default`.
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
            const META: $crate::meta::Meta = $crate::meta::Meta {
                code: $code,
                family: $crate::meta::Family::$family,
                severity: $crate::Severity::$severity,
                default_enabled: $crate::declare_rule!(@enabled $($enabled)?),
                kinds: $crate::keywords![$($kind),*],
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
        $(
            #[doc = concat!("The rule `", stringify!($rule), "`.")]
            pub mod $module;
        )*

        /// Every rule of this family, in declaration order.
        pub static RULES: &[$crate::rule::RuleEntry] = &[
            $($crate::rule::RuleEntry {
                meta: &<$module::$rule as $crate::rule::RuleMeta>::META,
                new: $crate::rule::new_boxed::<$module::$rule>,
            },)*
        ];
    };
}
