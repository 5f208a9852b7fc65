use std::collections::HashSet;

use berth_syntax::{Command, Instruction, Keyword};

use super::helpers::args::{args_span, joined_args};
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `USER` whose user part (before `:`) is not a numeric id, unless it refers to
    /// an `ARG` declared earlier (`USER ${APP_UID}`).
    ///
    /// ## Why is this bad?
    /// A user name is resolved inside the container through `/etc/passwd`. Kubernetes'
    /// `runAsNonRoot` and host tools see only the numeric id, and cannot tell whether `app`
    /// is root; a name that does not exist in the image fails only at run time.
    ///
    /// ## Example
    /// ```dockerfile
    /// USER app
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// USER 10001:10001
    /// ```
    /// `USER root` is flagged too (it is not numeric); as in hadolint, a variable set by `ENV`
    /// does not count as numeric.
    pub struct Dl3066 {
        args: HashSet<String>,
    }
    meta {
        code: "DL3066",
        family: Hadolint,
        severity: Info,
        kinds: [Arg, User],
        summary: "Non-numeric user-id may not be resolvable by host system",
    }
}

impl Rule for Dl3066 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        if instruction.keyword == Keyword::Arg {
            if let Some(Command::Arg(decls)) = &instruction.command {
                self.args.extend(decls.iter().map(|d| d.name.to_string()));
            }
            return;
        }
        let user = joined_args(instruction);
        let uid = user.split(':').next().unwrap_or("");
        let numeric = uid.bytes().all(|b| b.is_ascii_digit());
        let from_arg = self
            .args
            .iter()
            .any(|a| uid.contains(&format!("${{{a}}}")) || uid.contains(&format!("${a}")));
        if !numeric && !from_arg {
            ctx.report(
                args_span(instruction),
                "Non-numeric user-id may not be resolvable by host system",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3066,
            pass: [
                "USER 12345\n",
                "USER 1234:5678\n",
                "ARG APP_UID\nFROM foobar:barfoo\nUSER ${APP_UID}\n",
                "FROM a\nARG UID=1000\nUSER $UID:$UID\n",
            ],
            fail: [
                "USER foobar\n",
                "USER foobar:barfoo\n",
                "FROM debian:12\nUSER root\n",
                "FROM debian:12\nENV UID=1000\nUSER ${UID}\n",
            ],
        );
    }
}
