//! BuildKit's `BFlags` (`instructions/bflag.go`): an instruction's flags checked
//! against the ones it allows, and their values looked up.

use std::borrow::Cow;

use crate::ast::Flag;
use crate::error::ErrorCode;
use crate::shared::SharedStr;
use crate::span::Span;
use crate::suggest;

/// What a check of the instructions layer gives: the value, or BuildKit's error and
/// where to report it.
pub(super) type CheckResult<T> = Result<T, (ErrorCode, String, Span)>;

/// Kinds of flags in BuildKit's `BFlags`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum FlagType {
    /// `--name`, `--name=true` or `--name=false`.
    Bool,
    /// `--name=value`, given once.
    String,
    /// `--name=value`, repeatable.
    Strings,
}

/// The flags an instruction allows: name and kind.
pub(super) type FlagDefs<'d> = &'d [(&'d str, FlagType)];

/// The flags of one instruction, checked against the allowed ones. Values are looked
/// up in the flags as written (an instruction has a flag or two).
pub(super) struct Flags<'a> {
    given: &'a [Flag],
}

impl<'a> Flags<'a> {
    /// `BFlags.Parse`: every flag must be allowed, given once unless repeatable, and
    /// have a value of its kind.
    pub(super) fn parse(flags: &'a [Flag], defs: FlagDefs<'_>) -> CheckResult<Flags<'a>> {
        for (k, flag) in flags.iter().enumerate() {
            let error = |message: String| (ErrorCode::Flag, message, flag.span);
            if !flag.text.starts_with("--") {
                return Err(error(format!("arg should start with -- : {}", flag.text)));
            }
            let name = &flag.name;
            let Some(&(_, kind)) = defs.iter().find(|(allowed, _)| allowed == name) else {
                let mut message = format!("unknown flag: --{name}");
                if let Some(close) = suggest::closest(name, defs.iter().map(|(d, _)| *d)) {
                    message.push_str(&format!(" (did you mean --{close}?)"));
                }
                return Err(error(message));
            };
            // Every earlier flag passed these checks, so one of the same name was
            // given the same definition.
            if kind != FlagType::Strings && flags[..k].iter().any(|f| f.name == *name) {
                return Err(error(format!("duplicate flag specified: --{name}")));
            }
            match (kind, &flag.value) {
                (FlagType::Bool, None) => {}
                (FlagType::Bool, Some(v)) if v.is_empty() => {
                    return Err(error(format!("missing a value on flag: --{name}")))
                }
                (FlagType::Bool, Some(v)) => {
                    let lower = lower_case(v);
                    if lower != "true" && lower != "false" {
                        return Err(error(format!(
                            "expecting boolean value for flag --{name}, not: {v}"
                        )));
                    }
                }
                (_, None) => return Err(error(format!("missing a value on flag: --{name}"))),
                (_, Some(_)) => {}
            }
        }
        Ok(Flags { given: flags })
    }

    /// The flags named `name`, in the order written.
    fn named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a Flag> + 's {
        self.given.iter().filter(move |f| f.name.as_str() == name)
    }

    /// The first flag named `name`.
    pub(super) fn flag(&self, name: &str) -> Option<&'a Flag> {
        self.named(name).next()
    }

    /// The value of a string flag (which [`Flags::parse`] made sure has one).
    pub(super) fn string(&self, name: &str) -> Option<SharedStr> {
        self.flag(name)?.value.clone()
    }

    /// A boolean flag: a bare `--name` is true, else its value, which [`Flags::parse`]
    /// made sure is `true` or `false` in some case.
    pub(super) fn bool(&self, name: &str) -> Option<bool> {
        let flag = self.flag(name)?;
        Some(
            flag.value
                .as_ref()
                .is_none_or(|v| v.eq_ignore_ascii_case("true")),
        )
    }

    /// The values of a repeatable string flag.
    pub(super) fn strings(&self, name: &str) -> Vec<SharedStr> {
        self.all(name).map(|(_, v)| v.clone()).collect()
    }

    /// The flags of a repeatable string flag with their values.
    pub(super) fn all<'s>(
        &'s self,
        name: &'s str,
    ) -> impl Iterator<Item = (&'a Flag, &'a SharedStr)> + 's {
        self.named(name)
            .filter_map(|f| f.value.as_ref().map(|v| (f, v)))
    }
}

/// `s.to_lowercase()`, without a copy when `s` has no upper-case letter (flag values
/// and mount options are nearly always written in lower case already).
pub(super) fn lower_case(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.to_lowercase())
    }
}
