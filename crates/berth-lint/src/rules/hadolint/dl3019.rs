//! DL3019: Use apk add --no-cache

use berth_syntax::Instruction;

use super::helpers::run_checks::check_commands_fixing;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages";

crate::declare_rule! {
    /// ## What it does
    /// Flags `apk add` without `--no-cache`, unless the RUN mounts a cache or tmpfs on a path
    /// containing `/var/cache/apk`.
    ///
    /// ## Why is this bad?
    /// The package index and cache stay in the layer and make the image larger.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add curl=8.9.1-r0
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM alpine:3.20
    /// RUN apk add --no-cache curl=8.9.1-r0
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the offending command inside the RUN rather than at the RUN's
    /// first line.
    pub struct Dl3019 {}
    meta {
        code: "DL3019",
        family: Hadolint,
        severity: Info,
        kinds: [Run],
        summary: "Use apk add --no-cache",
        fix: Unsafe,
    }
}

impl Rule for Dl3019 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_commands_fixing(
            instruction,
            ctx,
            MESSAGE,
            &["/var/cache/apk"],
            offends,
            insertion,
        );
    }
}

/// The fix: `--no-cache` right after `add`.
fn insertion(c: &berth_shell::Command) -> Option<(&berth_shell::Word, &'static str)> {
    let word = c.words.iter().skip(1).find(|w| w.value == "add")?;
    Some((word, " --no-cache"))
}

fn offends(c: &berth_shell::Command) -> bool {
    c.has_args("apk", &["add"]) && !c.has_flag("no-cache")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3019,
            pass: [
                "FROM alpine:3.20\nRUN apk add --no-cache x\n",
                "FROM alpine:3.20\nRUN --mount=type=cache,target=/var/cache/apk apk add x\n"
            ],
            fail: [
                "FROM alpine:3.20\nRUN apk add x\n",
                "FROM alpine:3.20\nONBUILD RUN apk update && apk add x\n"
            ],
        );
    }
}
