use berth_syntax::Instruction;

use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags an `EXPOSE` port, or either end of a port range, above 65535.
    ///
    /// ## Why is this bad?
    /// TCP and UDP ports are 16-bit numbers: such a port cannot exist, and the value is most
    /// likely a typo.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 80000
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// EXPOSE 8000
    /// ```
    /// Ports given by variables (`EXPOSE ${PORT}`) are not checked.
    pub struct Dl3011 {}
    meta {
        code: "DL3011",
        family: Hadolint,
        severity: Error,
        kinds: [Expose],
        summary: "Valid UNIX ports range from 0 to 65535",
    }
}

impl Rule for Dl3011 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let out_of_range = instruction.args.iter().find(|word| {
            let port = word.value.split('/').next().unwrap_or("");
            port.split('-').any(|end| {
                !end.is_empty() && end.bytes().all(|b| b.is_ascii_digit()) && too_big(end)
            })
        });
        // One finding per EXPOSE, on the first bad port.
        if let Some(word) = out_of_range {
            ctx.report(word.span, "Valid UNIX ports range from 0 to 65535");
        }
    }
}

/// A decimal number above 65535 (any length).
fn too_big(digits: &str) -> bool {
    let digits = digits.trim_start_matches('0');
    digits.len() > 5 || digits.parse::<u32>().is_ok_and(|n| n > 65535)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3011,
            pass: [
                "EXPOSE 60000\n",
                "EXPOSE ${FOOBAR}\n",
                "EXPOSE 40000-60000/tcp\n",
                "EXPOSE 40000-${FOOBAR}\n",
                "EXPOSE 80 443/udp 0\n",
            ],
            fail: [
                "EXPOSE 80000\n",
                "EXPOSE 40000-80000/tcp\n",
                "FROM debian:12\nEXPOSE 80-70000\n",
                "EXPOSE 80 99999999999999999999999/udp\n",
            ],
        );
    }
}
