//! DL3028: Pin versions in gem install

use berth_syntax::Instruction;

use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `gem install`/`gem i` arguments without `:` (a version), unless the command gives
    /// `-v`, `--version` or `--version=...`. Arguments after `--` are not gems, and an option
    /// consumes the word after it.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever rubygems.org does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM ruby:3.3
    /// RUN gem install rake
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM ruby:3.3
    /// RUN gem install rake:13.2.1
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3028 {}
    meta {
        code: "DL3028",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in gem install",
    }
}

impl Rule for Dl3028 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| !pinned(p));
    }
}

/// The gem arguments of a `gem install` without a `--version` option.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("gem", &["install", "i"])
        || cmd.has_any_arg(&["-v", "--version"])
        || cmd.has_prefix_arg("gem", "--version=")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut args = cmd.args().iter().take_while(|w| w.value != "--");
    while let Some(w) = args.next() {
        if w.value.starts_with('-') {
            // hadolint assumes every option takes the next word as its value.
            args.next();
        } else if w.value != "install" && w.value != "i" {
            out.push(w.clone());
        }
    }
    out
}

fn pinned(p: &str) -> bool {
    p.contains(':')
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3028,
            pass: [
                "FROM ruby:3.3\nRUN gem install rake:13.2.1\n",
                "FROM ruby:3.3\nRUN gem install rake -v 13.2.1\n",
                "FROM ruby:3.3\nRUN gem install --version=1 rake\n"
            ],
            fail: [
                "FROM ruby:3.3\nRUN gem install rake\n",
                "FROM ruby:3.3\nONBUILD RUN gem i bundler\n"
            ],
        );
    }
}
