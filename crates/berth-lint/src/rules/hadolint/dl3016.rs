//! DL3016: Pin versions in npm

use berth_syntax::Instruction;

use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str =
    "Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `npm install` packages without a version: a package needs `@version` (after its
    /// `@scope/`), or is a git URL with `#ref`, a tarball (`.tar`, `.tar.gz`, `.tgz`) or a path
    /// (`/`, `./`, `../`, `~/`). `npm install` with no package (the project's own dependencies)
    /// passes; so do `npm ci` and `npm i`.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever the registry does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22
    /// RUN npm install -g typescript
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM node:22
    /// RUN npm install -g typescript@5.6.3
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3016 {}
    meta {
        code: "DL3016",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in npm",
    }
}

impl Rule for Dl3016 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| !pinned(p));
    }
}

/// The package arguments of an `npm install` whose first plain argument is `install`.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    if !cmd.has_args("npm", &["install"]) {
        return Vec::new();
    }
    let view = cmd.drop_flag_values(&["loglevel", "registry"]);
    let plain: Vec<_> = view.args_no_flags().cloned().collect();
    if plain.first().map(|w| w.value.as_str()) != Some("install") {
        return Vec::new();
    }
    plain
        .into_iter()
        .skip_while(|w| w.value == "install")
        .collect()
}

fn pinned(p: &str) -> bool {
    if ["git://", "git+ssh://", "git+http://", "git+https://"]
        .iter()
        .any(|g| p.starts_with(g))
    {
        return p.contains('#');
    }
    if [".tar", ".tar.gz", ".tgz"].iter().any(|s| p.ends_with(s))
        || ["/", "./", "../", "~/"].iter().any(|s| p.starts_with(s))
    {
        return true;
    }
    // hadolint drops a leading `@scope` by skipping every character above `/`.
    let unscoped = if p.starts_with('@') {
        p.trim_start_matches(|c: char| c > '/')
    } else {
        p
    };
    unscoped.contains('@')
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3016,
            pass: [
                "FROM node:22\nRUN npm install\n",
                "FROM node:22\nRUN npm install express@4 @types/node@22 ./local git+https://h/r.git#v1\n",
                "FROM node:22\nRUN npm ci\n",
                "FROM node:22\nRUN npm --loglevel warn install x@1\n"
            ],
            fail: [
                "FROM node:22\nRUN npm install -g typescript\n",
                "FROM node:22\nRUN npm install @types/node\n",
                "FROM node:22\nONBUILD RUN npm install x\n"
            ],
        );
    }
}
