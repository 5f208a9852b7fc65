//! `RUN --mount` (`instructions/commands_runmount.go`): the flag's value read as
//! one CSV record of `key=value` fields.

use super::flags::lower_case;
use super::{Mount, MountKind, Sharing};
use crate::go::go_quote;
use crate::shared::SharedStr;
use crate::span::Span;
use crate::suggest;

/// Go's `encoding/csv` reading one record (no lazy quotes, no space trimming): the
/// fields, unquoted ones shared from `text`.
fn csv_fields(text: &SharedStr) -> Result<Vec<SharedStr>, String> {
    let s = text.as_str();
    if s.is_empty() {
        return Err("EOF".to_string());
    }
    let mut fields = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let start = i;
        if b.get(i) == Some(&b'"') {
            i += 1;
            let mut field = String::new();
            let mut run = i;
            loop {
                match b.get(i) {
                    None => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            s.len() + 1
                        ))
                    }
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => {
                        field.push_str(&s[run..=i]);
                        i += 2;
                        run = i;
                    }
                    Some(b'"') => {
                        field.push_str(&s[run..i]);
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            match b.get(i) {
                None => {
                    fields.push(field.into());
                    return Ok(fields);
                }
                Some(b',') => {
                    fields.push(field.into());
                    i += 1;
                }
                Some(_) => {
                    return Err(format!(
                    "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                    i + 1
                ))
                }
            }
        } else {
            // Byte searches: both characters are ASCII, and fields are short.
            let end = b[start..]
                .iter()
                .position(|&c| c == b',')
                .map_or(s.len(), |j| start + j);
            if let Some(q) = b[start..end].iter().position(|&c| c == b'"') {
                return Err(format!(
                    "parse error on line 1, column {}: bare \" in non-quoted-field",
                    start + q + 1
                ));
            }
            fields.push(text.substr(start..end));
            if end == s.len() {
                return Ok(fields);
            }
            i = end + 1;
        }
    }
}

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// `parseMount`, values taken as written.
pub(super) fn parse_mount(value: &SharedStr, span: Span) -> Result<Mount, String> {
    let fields = csv_fields(value).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    let mut m = Mount {
        kind: MountKind::Bind,
        from: None,
        source: None,
        target: None,
        readonly: false,
        id: None,
        sharing: None,
        mode: None,
        uid: None,
        gid: None,
        required: false,
        size: None,
        env: None,
        span,
    };
    // Whether `readonly` is still the kind's default (no ro/rw field was given).
    let mut ro_auto = true;
    for field in &fields {
        mount_field(&mut m, &mut ro_auto, field)?;
    }
    let file_info_allowed = matches!(
        m.kind,
        MountKind::Secret | MountKind::Ssh | MountKind::Cache
    );
    if !file_info_allowed {
        let kind = || go_quote(m.kind.as_str());
        if m.mode.is_some() {
            return Err(format!("mode not allowed for {} type mounts", kind()));
        }
        if m.uid.is_some() {
            return Err(format!("uid not allowed for {} type mounts", kind()));
        }
        if m.gid.is_some() {
            return Err(format!("gid not allowed for {} type mounts", kind()));
        }
    }
    if ro_auto {
        m.readonly = !matches!(m.kind, MountKind::Cache | MountKind::Tmpfs);
    }
    if m.sharing.is_some() && m.kind != MountKind::Cache {
        return Err(format!(
            "invalid cache sharing set for {} mount",
            m.kind.as_str()
        ));
    }
    if m.kind == MountKind::Secret {
        if m.from.is_some() {
            return Err("secret mount should not have a from".to_string());
        }
        if m.source.is_none() && m.target.is_none() && m.id.is_none() {
            return Err("invalid secret mount. one of source, target required".to_string());
        }
        if m.source.is_some() && m.id.is_some() {
            return Err("both source and id can't be set".to_string());
        }
    }
    if m.target.as_deref() == Some("/") {
        return Err("invalid mount target \"/\"".to_string());
    }
    Ok(m)
}

/// The error of a mount option that its mount type does not take.
fn unexpected_key(key: &str, kind: MountKind) -> String {
    format!("unexpected key '{key}' for mount type '{}'", kind.as_str())
}

/// One `key[=value]` field of a mount (its values shared from it).
fn mount_field(m: &mut Mount, ro_auto: &mut bool, field: &SharedStr) -> Result<(), String> {
    let secret_or_ssh = |m: &Mount| matches!(m.kind, MountKind::Secret | MountKind::Ssh);
    let (key, val) = match field.split_once('=') {
        Some((key, value)) => (lower_case(key), Some(value)),
        None => (lower_case(field), None),
    };
    let Some(val) = val else {
        match &*key {
            "readonly" | "ro" => m.readonly = true,
            "readwrite" | "rw" => m.readonly = false,
            "required" if secret_or_ssh(m) => m.required = true,
            "required" => return Err(unexpected_key(&key, m.kind)),
            _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
        }
        *ro_auto = false;
        return Ok(());
    };
    match &*key {
        "type" => {
            m.kind = MountKind::from_text(&lower_case(val)).ok_or_else(|| {
                let mut msg = format!("unsupported mount type {}", go_quote(val));
                let kinds = ["bind", "cache", "tmpfs", "secret", "ssh"];
                if let Some(kind) = suggest::closest(val, kinds) {
                    msg.push_str(&format!(" (did you mean {kind}?)"));
                }
                msg
            })?;
        }
        "from" => {
            if let Some(i) = val.find('$') {
                if i + 1 < val.len() {
                    return Err(
                        "'from' doesn't support variable expansion, define alias stage instead"
                            .to_string(),
                    );
                }
            }
            m.from = Some(field.substr_of(val));
        }
        "source" | "src" => m.source = Some(field.substr_of(val)),
        "target" | "dst" | "destination" => m.target = Some(field.substr_of(val)),
        "readonly" | "ro" => {
            m.readonly =
                parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
            *ro_auto = false;
        }
        "readwrite" | "rw" => {
            m.readonly =
                !parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
            *ro_auto = false;
        }
        "required" => {
            if !secret_or_ssh(m) {
                return Err(unexpected_key(&key, m.kind));
            }
            m.required =
                parse_bool(val).ok_or_else(|| format!("invalid value for {key}: {val}"))?;
        }
        "id" => m.id = Some(field.substr_of(val)),
        "sharing" => {
            if m.kind != MountKind::Cache {
                return Err(format!(
                    "invalid cache sharing set for {} mount",
                    m.kind.as_str()
                ));
            }
            m.sharing = Some(match &*lower_case(val) {
                "shared" => Sharing::Shared,
                "private" => Sharing::Private,
                "locked" => Sharing::Locked,
                _ => return Err(format!("unsupported sharing value {}", go_quote(val))),
            });
        }
        "mode" => {
            m.mode = Some(
                u32::from_str_radix(val, 8).map_err(|_| format!("invalid value {val} for mode"))?,
            )
        }
        "uid" => {
            m.uid = Some(
                val.parse()
                    .map_err(|_| format!("invalid value {val} for uid"))?,
            )
        }
        "gid" => {
            m.gid = Some(
                val.parse()
                    .map_err(|_| format!("invalid value {val} for gid"))?,
            )
        }
        "env" => m.env = Some(field.substr_of(val)),
        "size" => {
            if m.kind != MountKind::Tmpfs {
                return Err(unexpected_key(&key, m.kind));
            }
            m.size = Some(field.substr_of(val));
        }
        _ => {
            let keys = [
                "type",
                "from",
                "source",
                "target",
                "readonly",
                "id",
                "sharing",
                "required",
                "size",
                "mode",
                "uid",
                "gid",
                "src",
                "dst",
                "destination",
                "ro",
                "rw",
                "readwrite",
                "env",
            ];
            let mut msg = format!("unexpected key '{key}' in '{field}'");
            if let Some(close) = suggest::closest(&key, keys) {
                msg.push_str(&format!(" (did you mean {close}?)"));
            }
            return Err(msg);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv() {
        assert_eq!(
            csv_fields(&r#"type=cache,"target=/a,b""#.into()).unwrap(),
            ["type=cache", "target=/a,b"]
        );
        assert_eq!(
            csv_fields(&r#""a""b",c,"#.into()).unwrap(),
            ["a\"b", "c", ""]
        );
        assert!(csv_fields(&r#"a"b"#.into()).is_err());
        assert!(csv_fields(&r#""a"b"#.into()).is_err());
    }

    #[test]
    fn quoted_fields_read_like_plain_ones() {
        let span = Span::new(0, 0);
        for (plain, quoted) in [
            (
                "type=cache,target=/root/.cache/a-long-path-of-more-than-30-bytes,sharing=locked,ro",
                "\"type=cache\",target=/root/.cache/a-long-path-of-more-than-30-bytes,sharing=locked,ro",
            ),
            ("type=secret,id=x,required", "type=secret,\"id=x\",required"),
            ("type=cache,", "\"type=cache\","),
            ("type=tmpfs,size=1g,uid=1", "type=tmpfs,\"size=1g\",uid=1"),
            ("TYPE=Bind,Source=s,Target=t", "\"TYPE=Bind\",Source=s,Target=t"),
        ] {
            assert_eq!(
                parse_mount(&plain.into(), span),
                parse_mount(&quoted.into(), span),
                "{plain}"
            );
        }
        assert_eq!(
            parse_mount(&"".into(), span),
            Err("failed to parse csv mounts: EOF".to_string())
        );
        assert_eq!(
            parse_mount(&"type=cahce".into(), span),
            Err("unsupported mount type \"cahce\" (did you mean cache?)".to_string())
        );
        assert_eq!(
            parse_mount(&"type=cache,traget=/x".into(), span),
            Err("unexpected key 'traget' in 'traget=/x' (did you mean target?)".to_string())
        );
    }
}
