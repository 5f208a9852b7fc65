//! HEALTHCHECK (`instructions/parse.go`, `parseHealthcheck`): its type, its
//! command and its options, with Go's duration syntax.

use std::time::Duration;

use super::check::{at_least_one, values};
use super::flags::{CheckResult, FlagType, Flags};
use super::{Command, Healthcheck};
use crate::ast::Instruction;
use crate::error::ErrorCode;
use crate::go::go_quote;
use crate::shared::SharedStr;

/// `HEALTHCHECK NONE` or `HEALTHCHECK [options] CMD command`.
pub(super) fn healthcheck(ins: &Instruction) -> CheckResult<Command> {
    at_least_one(ins, "HEALTHCHECK")?;
    let typ = ins.args[0].value.to_uppercase();
    let rest = &ins.args[1..];
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err((
                ErrorCode::Healthcheck,
                "HEALTHCHECK NONE takes no arguments".to_string(),
                rest[0].span,
            ));
        }
        return Ok(Command::Healthcheck(Box::new(Healthcheck {
            test: vec![typ.into()],
            interval: None,
            timeout: None,
            start_period: None,
            start_interval: None,
            retries: None,
        })));
    }
    let flags = Flags::parse(
        &ins.flags,
        &[
            ("interval", FlagType::String),
            ("timeout", FlagType::String),
            ("start-period", FlagType::String),
            ("start-interval", FlagType::String),
            ("retries", FlagType::String),
        ],
    )?;
    if typ != "CMD" {
        return Err((
            ErrorCode::Healthcheck,
            format!("Unknown type {} in HEALTHCHECK (try CMD)", go_quote(&typ)),
            ins.args[0].span,
        ));
    }
    let cmd: Vec<SharedStr> = if ins.json {
        values(rest)
    } else if rest.is_empty() {
        Vec::new()
    } else {
        vec![values(rest).join(" ").into()]
    };
    if cmd.is_empty() {
        return Err((
            ErrorCode::Healthcheck,
            "Missing command after HEALTHCHECK CMD".to_string(),
            ins.span,
        ));
    }
    let mut test = vec![SharedStr::from(if ins.json { "CMD" } else { "CMD-SHELL" })];
    test.extend(cmd);
    let interval = |name: &str| -> CheckResult<Option<Duration>> {
        let Some(v) = flags.string(name) else {
            return Ok(None);
        };
        let span = flags.flag(name).map_or(ins.span, |f| f.span);
        if v.is_empty() {
            return Ok(None);
        }
        let d = parse_go_duration(&v).map_err(|e| (ErrorCode::Healthcheck, e, span))?;
        match d {
            0 => Ok(None),
            n if n < 1_000_000 => Err((
                ErrorCode::Healthcheck,
                format!("Interval {} cannot be less than 1ms", go_quote(name)),
                span,
            )),
            n => Ok(Some(Duration::from_nanos(n as u64))),
        }
    };
    let interval_v = interval("interval")?;
    let timeout = interval("timeout")?;
    let start_period = interval("start-period")?;
    let start_interval = interval("start-interval")?;
    let retries = match flags.string("retries") {
        Some(v) if !v.is_empty() => {
            let span = flags.flag("retries").map_or(ins.span, |f| f.span);
            let n: i32 = v.parse().map_err(|_| {
                let why = if v
                    .trim_start_matches(['-', '+'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                    && v.len() > 1
                {
                    "value out of range"
                } else {
                    "invalid syntax"
                };
                (
                    ErrorCode::Healthcheck,
                    format!("strconv.ParseInt: parsing {}: {why}", go_quote(&v)),
                    span,
                )
            })?;
            if n < 0 {
                return Err((
                    ErrorCode::Healthcheck,
                    format!("--retries cannot be negative ({n})"),
                    span,
                ));
            }
            Some(n)
        }
        _ => None,
    };
    Ok(Command::Healthcheck(Box::new(Healthcheck {
        test,
        interval: interval_v,
        timeout,
        start_period,
        start_interval,
        retries,
    })))
}

/// Go's `time.ParseDuration`, in nanoseconds (may be negative).
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(s));
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, after) = rest.split_at(int_len);
        let (frac_part, after) = match after.strip_prefix('.') {
            Some(a) => {
                let n = a.bytes().take_while(u8::is_ascii_digit).count();
                (&a[..n], &a[n..])
            }
            None => ("", after),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(invalid());
        }
        let unit_len = after
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let unit = &after[..unit_len];
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(s)));
        }
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    go_quote(unit),
                    go_quote(s)
                ))
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            frac_part
        )
        .parse()
        .map_err(|_| invalid())?;
        total += number * scale;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        rest = &after[unit_len..];
    }
    let n = total as i64;
    Ok(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("-1.5ms"), Ok(-1_500_000));
        assert_eq!(parse_go_duration("1h2µs"), Ok(3_600_000_002_000));
        assert_eq!(
            parse_go_duration("10"),
            Err("time: missing unit in duration \"10\"".into())
        );
        assert_eq!(
            parse_go_duration("3x"),
            Err("time: unknown unit \"x\" in duration \"3x\"".into())
        );
        assert_eq!(
            parse_go_duration(""),
            Err("time: invalid duration \"\"".into())
        );
    }
}
