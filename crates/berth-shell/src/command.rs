//! Simple commands, their words and flags, and the queries hadolint's rules ask of them.

use crate::Span;

/// One shell word: where it was written and its value as hadolint reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// Byte span of the word in the parsed text.
    pub span: Span,
    /// The value with quotes removed and expansions written `${name}` (hadolint's
    /// "simplified" argument: `"$V"` is `${V}`, `$(uname -r)` is `${uname-r}`,
    /// arithmetic and backticks are `${VAR}`).
    pub value: String,
    /// True when the word is a plain string (no expansion, no glob).
    pub literal: bool,
    /// Position among the command's arguments (0 = first argument after the name);
    /// stays the same in views with some arguments dropped.
    pub id: usize,
}

/// A flag read from an argument: `--name[=value]` gives `name`, `-abc` gives `a`, `b`, `c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The flag's name, without dashes or value.
    pub name: String,
    /// [`Word::id`] of the argument the flag was read from.
    pub arg: usize,
}

/// What a redirection does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// `>`, `>>`, `<`, `>|`, `<>`, `&>`, `&>>`, ... to or from a file.
    File,
    /// `n>&m`, `n<&m`: duplicate a descriptor.
    Duplicate,
    /// `<<EOF` / `<<-EOF` (the body is in [`Script::heredocs`](crate::Script::heredocs)).
    Heredoc,
    /// `<<<word`.
    HereString,
}

/// A redirection of a simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// What the redirection does.
    pub kind: RedirectKind,
    /// The file, descriptor, heredoc delimiter or here-string.
    pub target: Option<Word>,
}

/// One simple command: `[assignments] name [arguments] [redirections]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Command {
    /// From the first to the last word, assignment or redirection target.
    pub span: Span,
    /// Leading `NAME=value` words.
    pub assignments: Vec<Word>,
    /// The command word followed by the arguments; redirections excluded.
    pub words: Vec<Word>,
    /// The redirections, in the order written.
    pub redirects: Vec<Redirect>,
    pub(crate) name: Option<String>,
    pub(crate) flags: Vec<Flag>,
}

impl Command {
    /// Build a command from its parts: resolves the name as hadolint does and reads the
    /// flags. The span covers every part; `at` is used when there is none.
    pub(crate) fn new(
        at: usize,
        assignments: Vec<Word>,
        words: Vec<Word>,
        redirects: Vec<Redirect>,
    ) -> Command {
        let span = assignments
            .iter()
            .chain(&words)
            .chain(redirects.iter().filter_map(|r| r.target.as_ref()))
            .map(|w| w.span)
            .reduce(Span::cover)
            .unwrap_or(Span::new(at, at));
        let name = command_name(&words);
        let flags = read_flags(words.get(1..).unwrap_or(&[]));
        Command {
            span,
            assignments,
            words,
            redirects,
            name,
            flags,
        }
    }

    /// The command name hadolint uses: the first word when it is literal, looking through
    /// `busybox X`, `builtin X`, `command X`, `run X` and `exec X` (then the name is `X`
    /// while the arguments still start with `X`). `None` when the name is not a literal
    /// (`$CMD args`) or there is no command word (`A=1`); hadolint ignores such commands.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// True when the command's name is `name`.
    pub fn is(&self, name: &str) -> bool {
        self.name.as_deref() == Some(name)
    }

    /// The word the command name was read from.
    pub fn name_word(&self) -> Option<&Word> {
        self.words.first()
    }

    /// The arguments: every word after the command word.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The argument values.
    pub fn arg_values(&self) -> impl Iterator<Item = &str> {
        self.args().iter().map(|w| w.value.as_str())
    }

    /// The flags read from the arguments (`-` and `--` are not flags).
    pub fn flags(&self) -> &[Flag] {
        &self.flags
    }

    /// True when some argument carries flag `name` (`y` for `-y` or `-qy`, `yes` for `--yes`).
    pub fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f.name == name)
    }

    /// How many times flag `name` occurs (`-qq` counts `q` twice).
    pub fn count_flag(&self, name: &str) -> usize {
        self.flags.iter().filter(|f| f.name == name).count()
    }

    /// True when any of the flags is present.
    pub fn has_any_flag(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|f| names.contains(&f.name.as_str()))
    }

    /// True when some argument is exactly `value`.
    pub fn has_arg(&self, value: &str) -> bool {
        self.arg_values().any(|a| a == value)
    }

    /// True when some argument is one of `values`.
    pub fn has_any_arg(&self, values: &[&str]) -> bool {
        self.arg_values().any(|a| values.contains(&a))
    }

    /// hadolint's `cmdHasArgs`: the name is `name` and **any** of `values` is an argument.
    pub fn has_args(&self, name: &str, values: &[&str]) -> bool {
        self.is(name) && self.has_any_arg(values)
    }

    /// True when the name is `name` and some argument starts with `prefix`.
    pub fn has_prefix_arg(&self, name: &str, prefix: &str) -> bool {
        self.is(name) && self.arg_values().any(|a| a.starts_with(prefix))
    }

    /// The arguments that are not flag words (`install`, `curl` in `install -y curl`).
    pub fn args_no_flags(&self) -> impl Iterator<Item = &Word> {
        self.args()
            .iter()
            .filter(move |w| !self.flags.iter().any(|f| f.arg == w.id))
    }

    /// The same command without the value word after each of `flags` written without
    /// `=` (`-t bookworm` loses `bookworm`; `--target-release=bookworm` loses nothing).
    pub fn drop_flag_values(&self, flags: &[&str]) -> Command {
        let drop: Vec<usize> = self
            .flags
            .iter()
            .filter(|f| flags.contains(&f.name.as_str()) && !self.arg_has_equals(f.arg))
            .filter_map(|f| self.next_arg_id(f.arg))
            .collect();
        let mut view = self.clone();
        view.words = self
            .words
            .iter()
            .enumerate()
            .filter(|(i, w)| *i == 0 || !drop.contains(&w.id))
            .map(|(_, w)| w.clone())
            .collect();
        view
    }

    /// The values given to flag `name` as the next argument (`useradd -u 1000` gives `1000`).
    pub fn flag_values(&self, name: &str) -> Vec<&Word> {
        let ids: Vec<usize> = self
            .flags
            .iter()
            .filter(|f| f.name == name)
            .filter_map(|f| self.next_arg_id(f.arg))
            .collect();
        self.args().iter().filter(|w| ids.contains(&w.id)).collect()
    }

    /// The argument with the given id.
    pub fn arg_by_id(&self, id: usize) -> Option<&Word> {
        self.args().iter().find(|w| w.id == id)
    }

    fn arg_has_equals(&self, id: usize) -> bool {
        self.arg_by_id(id).is_some_and(|w| w.value.contains('='))
    }

    fn next_arg_id(&self, id: usize) -> Option<usize> {
        self.args().iter().map(|w| w.id).filter(|i| *i > id).min()
    }
}

/// Flags of the arguments, as hadolint reads them.
fn read_flags(args: &[Word]) -> Vec<Flag> {
    let mut flags = Vec::new();
    for w in args {
        let v = w.value.as_str();
        if v == "-" || v == "--" {
            continue;
        }
        if let Some(long) = v.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or("");
            flags.push(Flag {
                name: name.to_string(),
                arg: w.id,
            });
        } else if let Some(short) = v.strip_prefix('-') {
            flags.extend(short.chars().map(|c| Flag {
                name: c.to_string(),
                arg: w.id,
            }));
        }
    }
    flags
}

/// ShellCheck's `getCommandName` over the command words.
fn command_name(words: &[Word]) -> Option<String> {
    // ShellCheck reads `[ ... ]` as a condition, not as a command.
    let first = words.first().filter(|w| w.literal && w.value != "[")?;
    let rest = &words[1..];
    let effective = match first.value.as_str() {
        "busybox" | "builtin" | "command" | "run" => {
            rest.first().filter(|w| !w.value.starts_with('-'))
        }
        "exec" => exec_target(rest),
        _ => None,
    };
    match effective {
        Some(w) if w.literal => Some(w.value.clone()),
        Some(_) => None,
        None => Some(first.value.clone()),
    }
}

/// The command `exec` runs: the first argument after its options `-c`, `-l`, `-a NAME`.
fn exec_target(args: &[Word]) -> Option<&Word> {
    let mut i = 0;
    while i < args.len() {
        let v = args[i].value.as_str();
        if v == "--" {
            return args.get(i + 1);
        }
        match v.strip_prefix('-') {
            Some(opts) if !opts.is_empty() => {
                for (k, c) in opts.char_indices() {
                    match c {
                        'c' | 'l' => {}
                        // `-a NAME` or `-aNAME`: the rest of the word, else the next word.
                        'a' => {
                            if k + 1 == opts.len() {
                                i += 1;
                                args.get(i)?;
                            }
                            break;
                        }
                        _ => return None,
                    }
                }
                i += 1;
            }
            _ => return Some(&args[i]),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::Script;

    fn first(text: &str) -> crate::Command {
        Script::parse(text).all_commands()[0].clone()
    }

    #[test]
    fn flags_long_short_and_combined() {
        let c = first("apt-get -qq --yes=1 install -y - -- foo");
        let names: Vec<_> = c.flags().iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["q", "q", "yes", "y"]);
        assert_eq!(c.count_flag("q"), 2);
        let plain: Vec<_> = c.args_no_flags().map(|w| w.value.as_str()).collect();
        assert_eq!(plain, ["install", "-", "--", "foo"]);
    }

    #[test]
    fn drop_flag_values_respects_inline_values() {
        let c = first("apt-get install -t bookworm --target-release=x foo");
        let view = c.drop_flag_values(&["t", "target-release"]);
        let plain: Vec<_> = view.args_no_flags().map(|w| w.value.as_str()).collect();
        assert_eq!(plain, ["install", "foo"]);
    }

    #[test]
    fn flag_values_are_the_next_argument() {
        let c = first("useradd -u 1000 -m luser");
        let v: Vec<_> = c
            .flag_values("u")
            .iter()
            .map(|w| w.value.as_str())
            .collect();
        assert_eq!(v, ["1000"]);
    }

    #[test]
    fn names_look_through_wrappers() {
        assert_eq!(first("busybox wget x").name(), Some("wget"));
        assert_eq!(first("command -v wget").name(), Some("command"));
        assert_eq!(first("exec -a foo apt-get x").name(), Some("apt-get"));
        assert_eq!(first("exec -x apt-get").name(), Some("exec"));
        assert_eq!(first("sudo apt-get install").name(), Some("sudo"));
        assert_eq!(first("\"apt\"-get x").name(), Some("apt-get"));
        assert_eq!(first("$CMD x").name(), None);
        assert_eq!(first("builtin $X").name(), None);
        let c = first("busybox wget x");
        assert_eq!(c.args()[0].value, "wget");
    }
}
