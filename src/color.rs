//! `--color auto|always|never`: the one colour decision of every subcommand.

/// When to colour the output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When the output is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always, even into a pipe or a file (and whatever `NO_COLOR` says).
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// Whether to colour output going to a stream; `to_terminal` says whether that stream is a
    /// terminal. `NO_COLOR` set to anything but the empty string turns `auto` off
    /// (<https://no-color.org>); an explicit `always` wins over it.
    pub fn enabled(self, to_terminal: bool) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        self.resolve(to_terminal, no_color)
    }

    fn resolve(self, to_terminal: bool, no_color: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => to_terminal && !no_color,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ColorChoice::{self, *};

    #[test]
    fn auto_needs_a_terminal_and_no_no_color_and_explicit_choices_win() {
        let cases: [(ColorChoice, bool, bool, bool); 8] = [
            (Auto, true, false, true),
            (Auto, false, false, false),
            (Auto, true, true, false),
            (Auto, false, true, false),
            (Always, false, true, true),
            (Always, false, false, true),
            (Never, true, false, false),
            (Never, true, true, false),
        ];
        for (choice, terminal, no_color, want) in cases {
            assert_eq!(
                choice.resolve(terminal, no_color),
                want,
                "{choice:?} terminal={terminal} NO_COLOR={no_color}"
            );
        }
    }
}
