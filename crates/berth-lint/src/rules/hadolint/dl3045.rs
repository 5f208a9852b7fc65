use std::collections::HashMap;

use berth_syntax::image::{FromParts, ImageRef};
use berth_syntax::{Command, Instruction, Keyword};

use super::helpers::paths::is_windows_absolute;
use crate::context::LintContext;
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a `COPY` to a relative destination in a stage that has not set `WORKDIR`
    /// (itself or in the earlier stage it is built `FROM`).
    ///
    /// ## Why is this bad?
    /// A relative destination is resolved against the working directory inherited from the
    /// base image, which the Dockerfile does not show and which can change with the next
    /// base image release.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:20
    /// COPY package.json .
    /// ```
    ///
    /// ## How to fix
    /// ```dockerfile
    /// FROM node:20
    /// WORKDIR /app
    /// COPY package.json .
    /// ```
    /// Destinations starting with `/`, a variable (`$APP_HOME`) or a Windows drive (`C:`) are
    /// absolute enough. As in hadolint, a stage is identified by its name, or by its image
    /// name when it has none, so an unnamed `FROM debian` inherits a `WORKDIR` set in an
    /// earlier unnamed `FROM debian`; the base image's own `WORKDIR` cannot be known.
    pub struct Dl3045 {
        /// The current stage's key (name, else image name); `None` before the first FROM.
        current: Option<String>,
        /// Whether a WORKDIR was set, per stage key.
        workdir_set: HashMap<Option<String>, bool>,
    }
    meta {
        code: "DL3045",
        family: Hadolint,
        severity: Warning,
        kinds: [From, Workdir, Copy],
        summary: "COPY to a relative destination without WORKDIR set",
    }
}

impl Rule for Dl3045 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        match instruction.keyword {
            Keyword::From => {
                let Some(from) = FromParts::of(instruction) else {
                    return;
                };
                let image = ImageRef::parse_from(from.image).name.to_string();
                let inherited = self
                    .workdir_set
                    .get(&Some(image.clone()))
                    .copied()
                    .unwrap_or(false);
                let key = from.alias.map_or(image, |(alias, _)| alias.to_string());
                self.workdir_set.insert(Some(key.clone()), inherited);
                self.current = Some(key);
            }
            Keyword::Workdir => {
                self.workdir_set.insert(self.current.clone(), true);
            }
            _ => {
                let Some(Command::Copy(copy)) = &instruction.command else {
                    return;
                };
                if self.workdir_set.get(&self.current) == Some(&true) {
                    return;
                }
                let dest = copy.dest.trim_matches(|c| c == '"' || c == '\'');
                if !(dest.starts_with('/') || dest.starts_with('$') || is_windows_absolute(dest)) {
                    ctx.report(
                        copy.dest_span,
                        "`COPY` to a relative destination without `WORKDIR` set.",
                    )
                    .help("set `WORKDIR` first, or copy to an absolute path");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Dl3045,
            pass: [
                "COPY bla.sh /usr/local/bin/blubb.sh\n",
                "COPY bla.sh \"/usr/local/bin/blubb.s\"\n",
                "COPY bla.sh c:\\system32\\blubb.sh\n",
                "COPY bla.sh \"d:\\mypath\\blubb.sh\"\n",
                "COPY bla.sh d:/mypath/blubb.sh\n",
                "FROM scratch\nWORKDIR /usr\nCOPY bla.sh blubb.sh\n",
                "FROM scratch\nWORKDIR c:\\system32\nCOPY bla.sh blubb.sh\n",
                "COPY src.sh ${SRC_BASE_ENV}\n",
                "COPY src.sh \"$SRC_BASE_ENV\"\n",
                "FROM debian:buster as base\nWORKDIR /usr\nFROM debian:buster as stage-inbetween\nRUN foo\nFROM base\nCOPY foo bar\n",
                "FROM debian:buster as base1\nWORKDIR /usr\nFROM base1 as base2\nRUN foo\nFROM base2\nCOPY foo bar\n",
                "FROM debian:buster\nONBUILD WORKDIR /usr/local/lib\nONBUILD COPY foo bar\n",
                "WORKDIR /app\nCOPY a b\n",
            ],
            fail: [
                "COPY bla.sh blubb.sh\n",
                "COPY bla.sh \"blubb.sh\"\n",
                "FROM debian:buster as stage1\nWORKDIR /usr\nFROM debian:buster\nCOPY foo bar\n",
                "FROM microsoft/windowsservercore as stage1\nWORKDIR c:\\system32\nFROM microsoft/windowsservercore\nCOPY foo bar\n",
                "FROM debian:12\nCOPY a .\n",
            ],
        );
    }
}
