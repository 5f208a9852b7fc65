//! DL3013: Pin versions in pip

use berth_syntax::Instruction;

use super::helpers::pip::is_pip_install;
use super::helpers::run_checks::check_pinned_packages;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`";

crate::declare_rule! {
    /// ## What it does
    /// Flags `pip install` (any command whose name starts with `pip` but not `pipenv`, or
    /// `python... -m pip install`) packages without a version specifier (`==`, `>=`, `<=`, `>`,
    /// `<`, `!=`, `~=`, `===`), unless they are VCS URLs with `@`, `.whl`/`.tar.gz` files or
    /// paths. Skipped with `-c`/`--constraint`, `-r`/`--requirement` or `.`.
    ///
    /// ## Why is this bad?
    /// Without a pinned version the image changes whenever PyPI does.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir requests
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM python:3.12
    /// RUN pip install --no-cache-dir requests==2.32.3
    /// ```
    ///
    /// ## Differences from hadolint
    /// The finding points at the first unpinned package (the others are labelled), not at the
    /// RUN's first line.
    pub struct Dl3013 {}
    meta {
        code: "DL3013",
        family: Hadolint,
        severity: Warning,
        kinds: [Run],
        summary: "Pin versions in pip",
    }
}

impl Rule for Dl3013 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_pinned_packages(instruction, ctx, MESSAGE, packages, |p| !pinned(p));
    }
}

/// Flags whose value is the next word.
const VALUE_FLAGS: &[&str] = &[
    "abi",
    "b",
    "build",
    "e",
    "editable",
    "extra-index-url",
    "f",
    "find-links",
    "i",
    "index-url",
    "implementation",
    "no-binary",
    "only-binary",
    "platform",
    "prefix",
    "progress-bar",
    "proxy",
    "python",
    "python-version",
    "root",
    "root-user-action",
    "src",
    "t",
    "target",
    "trusted-host",
    "upgrade-strategy",
];

/// The package arguments of a pip install that lists packages itself.
fn packages(cmd: &berth_shell::Command) -> Vec<berth_shell::Word> {
    let from_file = cmd.has_any_arg(&["--requirement", "-r", "."]);
    if !is_pip_install(cmd) || cmd.has_any_flag(&["constraint", "c"]) || from_file {
        return Vec::new();
    }
    let view = cmd.drop_flag_values(VALUE_FLAGS);
    let words: Vec<_> = view
        .args_no_flags()
        .skip_while(|w| w.value != "install")
        .skip_while(|w| w.value == "install")
        .cloned()
        .collect();
    words
}

const VCS_SCHEMES: &[&str] = &[
    "git+file",
    "git+https",
    "git+ssh",
    "git+http",
    "git+git",
    "git",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn",
    "svn+svn",
    "svn+http",
    "svn+https",
    "svn+ssh",
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
];

fn pinned(p: &str) -> bool {
    let vcs = VCS_SCHEMES.iter().any(|s| p.starts_with(s));
    ["==", ">=", "<=", ">", "<", "!=", "~=", "==="]
        .iter()
        .any(|s| p.contains(s))
        || (vcs && p.contains('@'))
        || p.ends_with(".whl")
        || p.ends_with(".tar.gz")
        || (!vcs && p.contains('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3013,
            pass: [
                "FROM python:3.12\nRUN pip install requests==2.32.3 'flask>=3' ./pkg\n",
                "FROM python:3.12\nRUN pip install -r requirements.txt\n",
                "FROM python:3.12\nRUN pip install -i https://mirror/simple x==1\n",
                "FROM python:3.12\nRUN pip install git+https://github.com/a/b@v1\n"
            ],
            fail: [
                "FROM python:3.12\nRUN pip install requests\n",
                "FROM python:3.12\nRUN python3 -m pip install --upgrade pip\n",
                "FROM python:3.12\nONBUILD RUN pip3 install x\n"
            ],
        );
    }
}
