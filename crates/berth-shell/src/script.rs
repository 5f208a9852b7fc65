//! The parsed script: a small tree of lists and pipelines plus flat lists of every simple
//! command, pipe operator and heredoc body.

use crate::{parse, Command, Span};

/// A sequence of and-or lists separated by `;`, `&` or newlines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct List {
    /// The and-or lists, in order.
    pub items: Vec<AndOrList>,
}

/// `a && b || c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AndOrList {
    /// The first pipeline.
    pub first: Pipeline,
    /// Every later pipeline with the operator before it.
    pub rest: Vec<(AndOr, Pipeline)>,
}

/// The operator joining two pipelines of an [`AndOrList`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AndOr {
    /// `&&`: the next pipeline runs when this one succeeds.
    And,
    /// `||`: the next pipeline runs when this one fails.
    Or,
}

/// `[!] a | b | c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// Written with a leading `!`.
    pub negated: bool,
    /// The commands joined by `|`, in order.
    pub stages: Vec<Node>,
}

/// One stage of a pipeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A simple command: index into [`Script::all_commands`].
    Simple(usize),
    /// `( list )`.
    Subshell(List),
    /// `{ list; }`.
    Group(List),
    /// `if`, `for`, `while`, `until`, `case`, `select`, coprocesses: the lists they run.
    Compound(Vec<List>),
    /// `name() { ...; }`.
    Function {
        /// The function's name.
        name: String,
        /// What it runs.
        body: Box<Node>,
    },
    /// `[[ ... ]]` or `(( ... ))`: no command runs.
    Test,
}

/// A heredoc body found in the script (`cat <<EOF ... EOF`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The delimiter as written (`EOF`, `'EOF'`).
    pub delimiter: String,
    /// The body text.
    pub body: String,
    /// Where the body is, when known.
    pub span: Option<Span>,
}

/// RUN text parsed as bash. Build one with [`Script::parse`].
#[derive(Clone, Debug, Default)]
pub struct Script {
    pub(crate) text: String,
    pub(crate) root: List,
    pub(crate) commands: Vec<Command>,
    pub(crate) pipes: Vec<Span>,
    pub(crate) heredocs: Vec<Heredoc>,
    pub(crate) parse_error: Option<String>,
    /// The shell parser rejected some part (the whole text or a `$( )` inside it).
    pub(crate) rejected_part: bool,
}

impl Script {
    /// Parse `text` as bash. Never fails: text the shell parser rejects is read by a
    /// simple tokenizer instead (see [`Script::parse_error`]).
    ///
    /// ```
    /// let s = berth_shell::Script::parse("cd /tmp && (wget -q x | sh)");
    /// let names: Vec<_> = s.commands().filter_map(|c| c.name()).collect();
    /// assert_eq!(names, ["cd", "wget", "sh"]);
    /// assert_eq!(s.pipes().len(), 1);
    /// ```
    pub fn parse(text: &str) -> Script {
        parse::parse_script(text, true)
    }

    /// Parse `text` as bash; text the shell parser rejects yields no commands at all
    /// (only [`Script::parse_error`]). This is what hadolint's rules see: ShellCheck's
    /// parser gives them nothing for a script it cannot parse (PowerShell, templates).
    ///
    /// ```
    /// let s = berth_shell::Script::parse_strict("Write-Host ('a' -f $b) | Out-Null");
    /// assert!(s.parse_error().is_some());
    /// assert_eq!(s.commands().count(), 0);
    /// ```
    pub fn parse_strict(text: &str) -> Script {
        parse::parse_script(text, false)
    }

    /// The parsed text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The top-level list.
    pub fn root(&self) -> &List {
        &self.root
    }

    /// Every simple command that has a name, in source order (an outer command comes
    /// before the commands of its `$( )` arguments). This is hadolint's command list.
    pub fn commands(&self) -> impl Iterator<Item = &Command> + Clone {
        self.commands.iter().filter(|c| c.name.is_some())
    }

    /// Every simple command, including those without a literal name (`$CMD x`, `A=1`).
    pub fn all_commands(&self) -> &[Command] {
        &self.commands
    }

    /// Spans of the `|` and `|&` operators (not `||`).
    pub fn pipes(&self) -> &[Span] {
        &self.pipes
    }

    /// True when some pipeline has two or more commands.
    pub fn has_pipes(&self) -> bool {
        !self.pipes.is_empty()
    }

    /// The heredoc bodies inside the script.
    pub fn heredocs(&self) -> &[Heredoc] {
        &self.heredocs
    }

    /// The shell parser's error when it rejected the text (the commands then come from
    /// the fallback tokenizer).
    pub fn parse_error(&self) -> Option<&str> {
        self.parse_error.as_deref()
    }

    /// True when the shell parser read every part of the text, `$( )` substitutions
    /// included, and nothing in it would stop ShellCheck's parser (a command word glued to
    /// a `[`). Then [`Script::parse`] and [`Script::parse_strict`] give the same script,
    /// so one can stand in for the other.
    ///
    /// ```
    /// use berth_shell::Script;
    /// assert!(Script::parse_strict("echo $(date) && ls").fully_parsed());
    /// assert!(!Script::parse_strict("echo $(if) && ls").fully_parsed());
    /// ```
    pub fn fully_parsed(&self) -> bool {
        !self.rejected_part
    }

    /// True when any named command satisfies `check`.
    pub fn any_command(&self, check: impl FnMut(&Command) -> bool) -> bool {
        self.commands().any(check)
    }

    /// The first named command satisfying `check`.
    pub fn find_command(&self, mut check: impl FnMut(&Command) -> bool) -> Option<&Command> {
        self.commands().find(|c| check(c))
    }

    /// Position (among named commands) of the first command satisfying `check`.
    pub fn find_command_index(&self, check: impl FnMut(&Command) -> bool) -> Option<usize> {
        self.commands().position(check)
    }

    /// True when some command is named `name`.
    pub fn uses_program(&self, name: &str) -> bool {
        self.commands().any(|c| c.is(name))
    }

    /// The named commands, in order.
    pub fn command_names(&self) -> impl Iterator<Item = &str> {
        self.commands().filter_map(|c| c.name())
    }
}
