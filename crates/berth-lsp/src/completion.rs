//! Completion and signature help.
//!
//! What is offered depends on what the cursor is in: the start of a line gets instructions
//! (as snippets), `--` after a keyword gets that instruction's flags, `--from=` and
//! `--mount=...,from=` get stage names, `--mount=` gets mount types and options, `$` gets the
//! variables in effect there, and the code list of `# hadolint ignore=`, `# berth ignore=` and
//! `# check=skip=` gets rule codes.

use berth_syntax::Keyword;
use lsp_types::Position;
use serde_json::{json, Value};

use crate::docs;
use crate::handlers::Ctx;
use crate::position::LineMap;

const KIND_KEYWORD: u8 = 14;
const KIND_PROPERTY: u8 = 10;
const KIND_VARIABLE: u8 = 6;
const KIND_MODULE: u8 = 9;
const KIND_VALUE: u8 = 12;
const KIND_CONSTANT: u8 = 21;

fn item(label: &str, kind: u8, detail: &str, doc: &str) -> Value {
    let mut v = json!({"label": label, "kind": kind});
    if !detail.is_empty() {
        v["detail"] = json!(detail);
    }
    if !doc.is_empty() {
        v["documentation"] = json!({"kind": "markdown", "value": doc});
    }
    v
}

/// Completion items at `at`.
pub fn complete(ctx: &Ctx, at: Position) -> Value {
    let text = ctx.text();
    let offset = ctx.offset(at);
    let lines = &ctx.snapshot.lines;
    let line = lines.line_of(offset);
    let line_start = lines.line_start(line);
    let before = &text[line_start..offset];
    let snippets = ctx.shared.caps.read().map(|c| c.snippets).unwrap_or(false);

    // Rule codes in pragmas and `# check=skip=`.
    if let Some((prefix, buildkit_only)) = code_list_prefix(before) {
        let items: Vec<Value> = berth_lint::registry::all()
            .filter(|e| !buildkit_only || e.meta.family == berth_lint::Family::BuildKit)
            .filter(|e| {
                e.meta
                    .code
                    .to_lowercase()
                    .starts_with(&prefix.to_lowercase())
            })
            .map(|e| item(e.meta.code, KIND_CONSTANT, e.meta.summary, ""))
            .collect();
        return json!({"isIncomplete": false, "items": items});
    }
    if before.trim_start().starts_with('#') {
        return json!({"isIncomplete": false, "items": []});
    }

    // Variables after `$` or `${`.
    let trimmed = before.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
    if trimmed.ends_with('$') || trimmed.ends_with("${") {
        return json!({"isIncomplete": false, "items": variables(ctx, offset)});
    }

    let index = ctx.analysis.instruction_at(offset).filter(|&i| {
        let ins = &ctx.analysis.file.instructions[i];
        ins.keyword_span.end <= offset
    });
    let continuation = index.is_some() && {
        let ins = &ctx.analysis.file.instructions[index.unwrap_or(0)];
        lines.line_of(ins.keyword_span.start) < line
    };
    let word_start = before.rfind([' ', '\t']).map_or(0, |i| i + 1);
    let word = &before[word_start..];

    // Instructions at the start of a line (or after ONBUILD).
    let only_blank = before.trim().chars().all(|c| c.is_ascii_alphabetic());
    let after_onbuild = before
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("ONBUILD ")
        && before.trim_start()[8..]
            .trim()
            .chars()
            .all(|c| c.is_ascii_alphabetic());
    if (only_blank && !continuation) || after_onbuild {
        let items: Vec<Value> = docs::INSTRUCTIONS
            .iter()
            .filter(|d| !after_onbuild || !matches!(d.keyword, "FROM" | "ONBUILD" | "MAINTAINER"))
            .map(|d| {
                let mut v = item(d.keyword, KIND_KEYWORD, d.usage, d.summary);
                if snippets {
                    v["insertText"] = json!(d.snippet);
                    v["insertTextFormat"] = json!(2);
                }
                v
            })
            .collect();
        return json!({"isIncomplete": false, "items": items});
    }
    let Some(index) = index else {
        return json!({"isIncomplete": false, "items": []});
    };
    let ins = &ctx.analysis.file.instructions[index];
    let ins = match &ins.onbuild {
        Some(inner) if inner.keyword_span.end <= offset => inner.as_ref(),
        _ => ins,
    };
    let keyword = ins.keyword.as_upper().into_owned();

    // Values of flags.
    if let Some(rest) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) {
        if let Some((name, value)) = rest.split_once('=') {
            return json!({"isIncomplete": false, "items": flag_values(ctx, index, &keyword, name, value)});
        }
        let items: Vec<Value> = docs::flags_of(&keyword)
            .map(|f| {
                let mut v = item(&format!("--{}", f.name), KIND_PROPERTY, "", f.summary);
                let plain = f
                    .snippet
                    .split("${")
                    .next()
                    .unwrap_or(f.name)
                    .trim_end_matches('$');
                v["filterText"] = json!(format!("--{}", f.name));
                if snippets {
                    v["insertText"] = json!(format!("--{}", f.snippet));
                    v["insertTextFormat"] = json!(2);
                } else {
                    v["insertText"] = json!(format!("--{plain}"));
                }
                // Replace the dashes typed so far.
                let start =
                    ctx.snapshot
                        .lines
                        .position(text, line_start + word_start, ctx.encoding);
                v["textEdit"] = json!({
                    "range": {"start": start, "end": at},
                    "newText": v["insertText"].clone(),
                });
                v
            })
            .collect();
        return json!({"isIncomplete": false, "items": items});
    }
    // `FROM ` → stage names (and scratch); `FROM x ` → AS.
    if ins.keyword == Keyword::From {
        let words: Vec<&str> = before[ins
            .keyword_span
            .end
            .saturating_sub(line_start)
            .min(before.len())..]
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let typing = !before.ends_with([' ', '\t']);
        let position = words.len() - usize::from(typing && !words.is_empty());
        if position == 0 {
            let mut items = stage_items(ctx, index);
            items.push(item("scratch", KIND_VALUE, "an empty base image", ""));
            return json!({"isIncomplete": false, "items": items});
        }
        if position == 1 {
            return json!({"isIncomplete": false, "items": [item("AS", KIND_KEYWORD, "name this stage", "")]});
        }
    }
    json!({"isIncomplete": false, "items": []})
}

fn stage_items(ctx: &Ctx, index: usize) -> Vec<Value> {
    let a = &ctx.analysis;
    let current = a.stage_of.get(index).copied().flatten();
    a.stages
        .iter()
        .enumerate()
        .filter(|(i, s)| Some(*i) != current && s.name.is_some())
        .map(|(i, s)| {
            let base = a
                .scope
                .stages
                .get(i)
                .map(|st| st.base_name.clone())
                .unwrap_or_default();
            let mut v = item(
                s.name.as_deref().unwrap_or(""),
                KIND_MODULE,
                &format!("stage {i}, from {base}"),
                "",
            );
            // Earlier stages first.
            v["sortText"] = json!(format!("{:04}", if s.from < index { i } else { 1000 + i }));
            v
        })
        .collect()
}

fn flag_values(ctx: &Ctx, index: usize, keyword: &str, name: &str, value: &str) -> Vec<Value> {
    let values = |list: &[&str], kind: u8| -> Vec<Value> {
        list.iter().map(|v| item(v, kind, "", "")).collect()
    };
    match (keyword, name) {
        ("COPY", "from") => stage_items(ctx, index),
        ("FROM", "platform") => values(
            &[
                "$BUILDPLATFORM",
                "$TARGETPLATFORM",
                "linux/amd64",
                "linux/arm64",
                "linux/arm/v7",
                "windows/amd64",
            ],
            KIND_VALUE,
        ),
        ("COPY" | "ADD", "chmod") => values(&["755", "644", "700", "600"], KIND_VALUE),
        ("RUN", "network") => values(&["default", "none", "host"], KIND_VALUE),
        ("RUN", "security") => values(&["sandbox", "insecure"], KIND_VALUE),
        ("RUN", "mount") => {
            let field = value.rsplit(',').next().unwrap_or("");
            let typ = value
                .split(',')
                .find_map(|f| f.strip_prefix("type="))
                .unwrap_or("bind");
            match field.split_once('=') {
                Some(("type", _)) => values(docs::MOUNT_TYPES, KIND_VALUE),
                Some(("from", _)) => stage_items(ctx, index),
                Some(("sharing", _)) => values(&["shared", "private", "locked"], KIND_VALUE),
                Some(_) => Vec::new(),
                None => {
                    let mut keys: Vec<&str> = Vec::new();
                    if !value.contains("type=") {
                        keys.push("type");
                    }
                    if let Some((_, k)) = docs::MOUNT_KEYS.iter().find(|(t, _)| *t == typ) {
                        keys.extend(k.iter().copied());
                    }
                    keys.into_iter()
                        .filter(|k| !value.split(',').any(|f| f.split('=').next() == Some(k)))
                        .map(|k| {
                            let mut v = item(&format!("{k}="), KIND_PROPERTY, &format!("--mount option for type={typ}"), "");
                            v["command"] = json!({"title": "suggest", "command": "editor.action.triggerSuggest"});
                            v
                        })
                        .collect()
                }
            }
        }
        _ => Vec::new(),
    }
}

/// The variables in effect at `offset`, with their values.
fn variables(ctx: &Ctx, offset: usize) -> Vec<Value> {
    let a = &ctx.analysis;
    let mut out: Vec<(String, String)> = Vec::new();
    let index = a.instruction_at(offset);
    let in_stage = index
        .and_then(|i| a.stage_of[i].filter(|_| a.file.instructions[i].keyword != Keyword::From))
        .is_some();
    match index.and_then(|i| a.scope.step(i)).filter(|_| in_stage) {
        Some((_, step)) => {
            for (k, v) in step.env.iter() {
                out.push((k.to_string(), v.to_string()));
            }
            for d in &step.args {
                if !out.iter().any(|(k, _)| *k == d.name) {
                    out.push((d.name.clone(), d.value.clone().unwrap_or_default()));
                }
            }
        }
        None => {
            let before = index.unwrap_or(a.file.instructions.len());
            for m in a.scope.meta_args.iter().filter(|m| m.instruction < before) {
                out.retain(|(k, _)| *k != m.name);
                out.push((m.name.clone(), m.value.clone().unwrap_or_default()));
            }
            for (k, v) in a.scope.global.iter() {
                if !out.iter().any(|(n, _)| n == k) {
                    out.push((k.to_string(), v.to_string()));
                }
            }
        }
    }
    // RUN also sees the proxy variables BuildKit passes without a declaration.
    if index.is_some_and(|i| a.file.instructions[i].keyword == Keyword::Run) {
        for p in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "FTP_PROXY",
            "NO_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "ftp_proxy",
            "no_proxy",
            "all_proxy",
        ] {
            if !out.iter().any(|(k, _)| k == p) {
                out.push((p.to_string(), String::new()));
            }
        }
    }
    out.into_iter()
        .map(|(name, value)| {
            let detail = if value.is_empty() {
                "(no value)".to_string()
            } else {
                value
            };
            item(&name, KIND_VARIABLE, &detail, "")
        })
        .collect()
}

/// In a `# hadolint ignore=`, `# berth ignore=` (also `global`/`stage`) or `# check=skip=`
/// code list: the code typed so far and whether only BuildKit checks belong there.
fn code_list_prefix(before: &str) -> Option<(String, bool)> {
    let comment = before.trim_start().strip_prefix('#')?.trim_start();
    let (list, buildkit) = if let Some(rest) = comment.strip_prefix("check=") {
        let skip = rest
            .rsplit(';')
            .next()?
            .trim_start()
            .strip_prefix("skip=")?;
        (skip, true)
    } else {
        let rest = comment
            .strip_prefix("hadolint")
            .or_else(|| comment.strip_prefix("berth"))?
            .trim_start();
        let rest = rest
            .strip_prefix("global")
            .or_else(|| rest.strip_prefix("stage"))
            .unwrap_or(rest)
            .trim_start();
        let rest = rest
            .strip_prefix("ignore")?
            .trim_start()
            .strip_prefix('=')?;
        (rest, false)
    };
    if list.contains(['#', ' ']) && !list.trim_end().ends_with(',') && list.trim().contains(' ') {
        return None;
    }
    let current = list.rsplit(',').next().unwrap_or("").trim();
    Some((current.to_string(), buildkit))
}

/// The rule code under `offset` inside a pragma or `# check=` comment, with its span.
pub fn code_at(text: &str, lines: &LineMap, offset: usize) -> Option<(String, berth_syntax::Span)> {
    let line = lines.line_of(offset);
    let start = lines.line_start(line);
    let end = lines.line_end(text, line);
    let line_text = &text[start..end];
    let trimmed = line_text.trim_start();
    if !trimmed.starts_with('#') || !(trimmed.contains("ignore=") || trimmed.contains("skip=")) {
        return None;
    }
    let is_code = |c: char| c.is_ascii_alphanumeric();
    let at = offset - start;
    let word_start = line_text[..at.min(line_text.len())]
        .rfind(|c: char| !is_code(c))
        .map_or(0, |i| i + 1);
    let word_end = line_text[word_start..]
        .find(|c: char| !is_code(c))
        .map_or(line_text.len(), |i| word_start + i);
    let word = &line_text[word_start..word_end];
    code_list_prefix(&line_text[..word_end])?;
    (!word.is_empty()).then(|| {
        (
            word.to_string(),
            berth_syntax::Span::new(start + word_start, start + word_end),
        )
    })
}

/// Signature help: the usage line of the instruction under the cursor, its flags and
/// arguments as parameters.
pub fn signature_help(ctx: &Ctx, at: Position) -> Value {
    let offset = ctx.offset(at);
    let a = &ctx.analysis;
    let Some(index) = a.instruction_at(offset) else {
        return Value::Null;
    };
    let outer = &a.file.instructions[index];
    let ins = match &outer.onbuild {
        Some(inner) if inner.keyword_span.end <= offset => inner.as_ref(),
        _ => outer,
    };
    if offset < ins.keyword_span.end {
        return Value::Null;
    }
    let Some(doc) = docs::instruction(&ins.keyword.as_upper()) else {
        return Value::Null;
    };
    // Parameters: the bracketed flags and the rest, as label offsets in the usage line.
    let usage = doc.usage.split(" | ").next().unwrap_or(doc.usage);
    let mut params: Vec<(usize, usize)> = Vec::new();
    let mut i = usage.find(' ').map_or(usage.len(), |i| i + 1);
    while i < usage.len() {
        let rest = &usage[i..];
        let len = if rest.starts_with('[') {
            rest.find(']').map_or(rest.len(), |e| e + 1)
        } else {
            rest.find(' ').unwrap_or(rest.len())
        };
        params.push((i, i + len));
        i += len + 1;
    }
    let flag_params: Vec<usize> = params
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| usage[*s..].starts_with("[--"))
        .map(|(i, _)| i)
        .collect();
    let active = match ins
        .flags
        .iter()
        .find(|f| f.span.start <= offset && offset <= f.span.end)
    {
        Some(flag) => flag_params
            .iter()
            .copied()
            .find(|&p| usage[params[p].0..params[p].1].starts_with(&format!("[--{}", flag.name)))
            .unwrap_or(0),
        None => {
            let typing_flag = ctx.text()[..offset].ends_with('-');
            if typing_flag {
                flag_params.first().copied().unwrap_or(0)
            } else {
                let args_before = ins.args.iter().filter(|w| w.span.end < offset).count();
                let first_arg = flag_params.last().map_or(0, |l| l + 1);
                (first_arg + args_before).min(params.len().saturating_sub(1))
            }
        }
    };
    let parameters: Vec<Value> = params
        .iter()
        .map(|(s, e)| json!({"label": [s, e]}))
        .collect();
    json!({
        "signatures": [{
            "label": usage,
            "documentation": {"kind": "markdown", "value": doc.summary},
            "parameters": parameters,
        }],
        "activeSignature": 0,
        "activeParameter": active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lists() {
        assert_eq!(
            code_list_prefix("# hadolint ignore=DL30"),
            Some(("DL30".into(), false))
        );
        assert_eq!(
            code_list_prefix("# berth global ignore=DL3008,BR"),
            Some(("BR".into(), false))
        );
        assert_eq!(
            code_list_prefix("# check=skip=Stage"),
            Some(("Stage".into(), true))
        );
        assert_eq!(
            code_list_prefix("# check=error=true;skip="),
            Some(("".into(), true))
        );
        assert_eq!(code_list_prefix("# just a comment"), None);
        assert_eq!(code_list_prefix("RUN x"), None);
    }
}
