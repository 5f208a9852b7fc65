//! Codes the engine itself emits: parse errors (DL1000), internal errors (BR000) and bad
//! pragmas (BR001, BR002).
//! They are declared like rules so that `berth rule`, SARIF metadata and `--ignore` know them;
//! their `Rule` impls do nothing.

use crate::meta::Meta;
use crate::rule::{new_boxed, Rule, RuleEntry, RuleMeta};

crate::declare_rule! {
    /// ## What it does
    /// Reports a Dockerfile that BuildKit (`docker build`) rejects: a parser error such as an
    /// unterminated heredoc or a JSON array of non-strings, or an instruction BuildKit refuses
    /// (unknown instruction, unknown flag, wrong number of arguments, an instruction other than
    /// ARG before the first FROM).
    ///
    /// ## Why is this bad?
    /// The build fails before any step runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine
    /// CMD ["echo", 1]
    /// ```
    /// `when using JSON array syntax, arrays must be comprised of strings only`
    ///
    /// ## How to fix
    /// Correct the instruction; the message is BuildKit's own.
    ///
    /// ## Differences from hadolint
    /// hadolint reports DL1000 for its own parser's failures, including valid BuildKit syntax it
    /// does not know (new flags, some heredocs), and then runs no rule at all. berth reads the
    /// file exactly as BuildKit does, reports every error with its line and column, and still
    /// runs the rules on the rest of the file.
    pub struct Dl1000 {}
    meta {
        code: "DL1000",
        family: Hadolint,
        severity: Error,
        kinds: [],
        summary: "Dockerfile rejected by BuildKit (parse error)",
    }
}
impl Rule for Dl1000 {}

crate::declare_rule! {
    /// ## What it does
    /// Reports that berth failed on this file: one of its rules panicked. The finding names
    /// the rule, the panic's message and where in berth's code it happened. It replaces the
    /// file's other findings, which would be incomplete; the other files of the run are
    /// linted as usual, and `berth lint` exits 2.
    ///
    /// ## Why is this bad?
    /// It is a bug in berth, not in the Dockerfile: the file was not fully checked.
    ///
    /// ## Example
    /// No Dockerfile should produce it. berth's own tests provoke it with a rule that exists
    /// only in test builds (BR999):
    /// ```dockerfile
    /// FROM alpine
    /// RUN berth-test-panic
    /// ```
    ///
    /// ## How to fix
    /// Report it with the Dockerfile. It cannot be ignored or re-levelled: pragmas, `--ignore`
    /// and severity overrides do not apply to it.
    pub struct Br000 {}
    meta {
        code: "BR000",
        family: Berth,
        severity: Error,
        kinds: [],
        summary: "Internal error: a rule panicked on this file",
    }
}
impl Rule for Br000 {}

crate::declare_rule! {
    /// ## What it does
    /// Reports a comment that is meant as a pragma (`# hadolint ...` or `# berth ...` followed
    /// by `ignore`, `global`, `stage`, `shell` or `word=`) but does not follow the grammar.
    ///
    /// ## Why is this bad?
    /// A malformed pragma does nothing. hadolint drops it without a word, so the finding it was
    /// written for comes back, or the author believes a check is silenced when it is not.
    ///
    /// ## Example
    /// ```dockerfile
    /// # hadolint ignore=DL3008 pinned by the base image
    /// RUN apt-get install -y curl
    /// ```
    ///
    /// ## How to fix
    /// Separate codes with commas and put any reason after a second `#`:
    /// ```dockerfile
    /// # hadolint ignore=DL3008 # pinned by the base image
    /// ```
    /// Codes are case-sensitive (`DL3008`, not `dl3008`).
    pub struct Br001 {}
    meta {
        code: "BR001",
        family: Berth,
        severity: Warning,
        kinds: [],
        summary: "Malformed pragma",
    }
}
impl Rule for Br001 {}

crate::declare_rule! {
    /// ## What it does
    /// Reports a code in an ignore pragma that no rule has.
    ///
    /// ## Why is this bad?
    /// The pragma silences nothing: usually a typo (`DL3800` for `DL3008`) or a rule that was
    /// renamed.
    ///
    /// ## Example
    /// ```dockerfile
    /// # hadolint ignore=DL9999
    /// RUN make
    /// ```
    ///
    /// ## How to fix
    /// Use a code that `berth rule` lists, or remove the pragma. ShellCheck codes (`SC2086`)
    /// are always accepted.
    pub struct Br002 {}
    meta {
        code: "BR002",
        family: Berth,
        severity: Warning,
        kinds: [],
        summary: "Unknown rule code in pragma",
    }
}
impl Rule for Br002 {}

/// BR000's metadata.
pub const BR000: &Meta = &<Br000 as RuleMeta>::META;
/// DL1000's metadata.
pub const DL1000: &Meta = &<Dl1000 as RuleMeta>::META;
/// BR001's metadata.
pub const BR001: &Meta = &<Br001 as RuleMeta>::META;
/// BR002's metadata.
pub const BR002: &Meta = &<Br002 as RuleMeta>::META;

/// The engine's own codes.
pub static RULES: &[RuleEntry] = &[
    RuleEntry {
        meta: DL1000,
        new: new_boxed::<Dl1000>,
    },
    RuleEntry {
        meta: BR000,
        new: new_boxed::<Br000>,
    },
    RuleEntry {
        meta: BR001,
        new: new_boxed::<Br001>,
    },
    RuleEntry {
        meta: BR002,
        new: new_boxed::<Br002>,
    },
];
