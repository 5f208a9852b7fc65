//! DL3001: Commands that make no sense in a container

use berth_syntax::Instruction;

use super::helpers::run_checks::check_command_names;
use crate::context::LintContext;
use crate::rule::Rule;

const MESSAGE: &str = "For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`";

crate::declare_rule! {
    /// ## What it does
    /// Flags RUN commands that are interactive or manage a running system (free, kill, mount,
    /// ps, service, shutdown, ssh, top, vim), also inside ONBUILD.
    ///
    /// ## Why is this bad?
    /// A build step runs once in a throw-away container without an init system or a terminal:
    /// these commands either do nothing useful there or hang the build.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN service nginx start
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM debian:12
    /// CMD ["nginx", "-g", "daemon off;"]
    /// ```
    ///
    /// ## Differences from hadolint
    /// Like hadolint, `ifconfig` is named in the message but not checked; commands behind
    /// `sudo` or `env` are not looked at.
    pub struct Dl3001 {}
    meta {
        code: "DL3001",
        family: Hadolint,
        severity: Info,
        kinds: [Run],
        summary: "Commands that make no sense in a container",
    }
}

impl Rule for Dl3001 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        check_command_names(
            instruction,
            ctx,
            MESSAGE,
            &[
                "free", "kill", "mount", "ps", "service", "shutdown", "ssh", "top", "vim",
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(
            super::Dl3001,
            pass: [
                "FROM debian:12\nRUN apt-get install -y vim-tiny\n",
                "FROM debian:12\nRUN echo top\n"
            ],
            fail: [
                "FROM debian:12\nRUN service nginx start\n",
                "FROM debian:12\nRUN ps aux | grep x\n",
                "FROM debian:12\nONBUILD RUN vim /etc/x\n"
            ],
        );
    }
}
