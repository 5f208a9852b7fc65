//! Document symbols (stages with their instructions), folding ranges (stages, multi-line
//! instructions, heredocs, comment blocks) and document links (base images to their registry
//! pages).

use berth_syntax::{Command, Keyword, NodeKind, Span};
use serde_json::{json, Value};

use crate::analysis::stage_label;
use crate::handlers::Ctx;

const SYMBOL_MODULE: u8 = 2;
const SYMBOL_FUNCTION: u8 = 12;
const SYMBOL_VARIABLE: u8 = 13;
const SYMBOL_PROPERTY: u8 = 7;
const SYMBOL_EVENT: u8 = 24;

fn symbol_kind(keyword: &Keyword) -> u8 {
    match keyword {
        Keyword::Arg | Keyword::Env => SYMBOL_VARIABLE,
        Keyword::Label | Keyword::Expose | Keyword::Maintainer | Keyword::Stopsignal => {
            SYMBOL_PROPERTY
        }
        Keyword::Onbuild | Keyword::Healthcheck => SYMBOL_EVENT,
        _ => SYMBOL_FUNCTION,
    }
}

fn short(text: &str, max: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > max {
        format!("{}…", one.chars().take(max - 1).collect::<String>())
    } else {
        one
    }
}

/// Stages (with their instructions as children) and the global ARGs; a flat list for clients
/// without hierarchical symbols.
pub fn document_symbols(ctx: &Ctx) -> Value {
    let a = &ctx.analysis;
    let hierarchical = ctx
        .shared
        .caps
        .read()
        .map(|c| c.hierarchical_symbols)
        .unwrap_or(false);
    let instruction_symbol = |i: usize| {
        let ins = &a.file.instructions[i];
        let args = &ins.original[ins.original.len().min(ins.keyword_text.len())..];
        let name = match &ins.command {
            Some(Command::Arg(decls)) => format!(
                "ARG {}",
                decls
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            Some(Command::Env(pairs)) => format!(
                "ENV {}",
                pairs
                    .iter()
                    .map(|p| p.key.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            _ => format!("{} {}", ins.keyword.as_upper(), short(args, 60))
                .trim_end()
                .to_string(),
        };
        (name, symbol_kind(&ins.keyword), ins.span, ins.keyword_span)
    };
    if !hierarchical {
        let mut out = Vec::new();
        for (i, _) in a.file.instructions.iter().enumerate() {
            let (name, kind, span, _) = instruction_symbol(i);
            let container = a.stage_of[i].map(|s| stage_label(a, s));
            let mut v = json!({
                "name": name,
                "kind": kind,
                "location": {"uri": ctx.snapshot.uri, "range": ctx.range(span)},
            });
            if let Some(c) = container {
                v["containerName"] = json!(c);
            }
            out.push(v);
        }
        return Value::Array(out);
    }
    let mut out = Vec::new();
    let first_from = a
        .stages
        .first()
        .map_or(a.file.instructions.len(), |s| s.from);
    for i in 0..first_from {
        let (name, kind, span, selection) = instruction_symbol(i);
        out.push(json!({"name": name, "kind": kind, "range": ctx.range(span), "selectionRange": ctx.range(selection)}));
    }
    for (s, stage) in a.stages.iter().enumerate() {
        let members: Vec<usize> = (0..a.file.instructions.len())
            .filter(|&i| a.stage_of[i] == Some(s))
            .collect();
        let last = members.last().copied().unwrap_or(stage.from);
        let span = Span::new(
            a.file.instructions[stage.from].span.start,
            a.file.instructions[last].span.end,
        );
        let base = a
            .scope
            .stages
            .get(s)
            .map(|st| st.base_name.clone())
            .unwrap_or_default();
        let selection = stage
            .name_span
            .unwrap_or(a.file.instructions[stage.from].keyword_span);
        let children: Vec<Value> = members
            .iter()
            .filter(|&&i| i != stage.from)
            .map(|&i| {
                let (name, kind, span, selection) = instruction_symbol(i);
                json!({"name": name, "kind": kind, "range": ctx.range(span), "selectionRange": ctx.range(selection)})
            })
            .collect();
        out.push(json!({
            "name": stage_label(a, s),
            "detail": format!("FROM {base}"),
            "kind": SYMBOL_MODULE,
            "range": ctx.range(span),
            "selectionRange": ctx.range(selection),
            "children": children,
        }));
    }
    Value::Array(out)
}

/// Folding ranges, 0-based lines.
pub fn folding_ranges(ctx: &Ctx) -> Value {
    let a = &ctx.analysis;
    let lines = &ctx.snapshot.lines;
    let line = |offset: usize| lines.line_of(offset);
    let mut out: Vec<(usize, usize, Option<&str>)> = Vec::new();
    for (s, stage) in a.stages.iter().enumerate() {
        let last = (0..a.file.instructions.len())
            .rfind(|&i| a.stage_of[i] == Some(s))
            .unwrap_or(stage.from);
        let start = line(a.file.instructions[stage.from].span.start);
        let end = line(a.file.instructions[last].span.end);
        if end > start {
            out.push((start, end, Some("region")));
        }
    }
    for ins in &a.file.instructions {
        let (start, end) = (line(ins.span.start), line(ins.span.end));
        if end > start {
            out.push((start, end, None));
        }
        for h in ins
            .heredocs
            .iter()
            .chain(ins.onbuild.iter().flat_map(|o| o.heredocs.iter()))
        {
            let (hs, he) = (line(h.marker_span.start), line(h.span.end));
            if he > hs && (hs, he) != (start, end) {
                out.push((hs, he, None));
            }
        }
    }
    // Runs of two or more comment lines between instructions.
    let mut run: Option<(usize, usize)> = None;
    for node in &a.file.nodes {
        match node.kind {
            NodeKind::Comment(_) => {
                let l = line(node.span.start);
                run = match run {
                    Some((s, e)) if e + 1 == l => Some((s, l)),
                    other => {
                        if let Some((s, e)) = other.filter(|(s, e)| e > s) {
                            out.push((s, e, Some("comment")));
                        }
                        Some((l, l))
                    }
                };
            }
            _ => {
                if let Some((s, e)) = run.take().filter(|(s, e)| e > s) {
                    out.push((s, e, Some("comment")));
                }
            }
        }
    }
    if let Some((s, e)) = run.filter(|(s, e)| e > s) {
        out.push((s, e, Some("comment")));
    }
    out.sort();
    out.dedup();
    Value::Array(
        out.into_iter()
            .map(|(start, end, kind)| {
                let mut v = json!({"startLine": start, "endLine": end});
                if let Some(k) = kind {
                    v["kind"] = json!(k);
                }
                v
            })
            .collect(),
    )
}

/// The registry page of an image reference (`golang`, `user/app`, `ghcr.io/o/n`, ...),
/// without tag or digest.
pub fn image_page(image: &str) -> Option<(String, usize)> {
    if image.contains('$') || image.is_empty() || image == "scratch" {
        return None;
    }
    let name_end = image.find('@').unwrap_or(image.len());
    let name = &image[..name_end];
    // The tag starts at the last `:` after the last `/`.
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let name = match name[slash..].find(':') {
        Some(i) => &name[..slash + i],
        None => name,
    };
    let (first, rest) = match name.split_once('/') {
        Some((f, r)) => (f, Some(r)),
        None => (name, None),
    };
    let is_host =
        rest.is_some() && (first.contains('.') || first.contains(':') || first == "localhost");
    let url = match (is_host, first, rest) {
        (false, _, None) => format!("https://hub.docker.com/_/{name}"),
        (false, _, Some(_)) if name.starts_with("library/") => {
            format!("https://hub.docker.com/_/{}", &name["library/".len()..])
        }
        (false, _, Some(_)) => format!("https://hub.docker.com/r/{name}"),
        (true, "docker.io" | "index.docker.io" | "registry-1.docker.io", Some(path)) => {
            match path.strip_prefix("library/") {
                Some(official) => format!("https://hub.docker.com/_/{official}"),
                None if !path.contains('/') => format!("https://hub.docker.com/_/{path}"),
                None => format!("https://hub.docker.com/r/{path}"),
            }
        }
        (true, "ghcr.io", Some(path)) => format!("https://ghcr.io/{path}"),
        (true, "quay.io", Some(path)) => format!("https://quay.io/repository/{path}"),
        (true, "mcr.microsoft.com", Some(path)) => {
            format!("https://mcr.microsoft.com/artifact/mar/{path}")
        }
        (true, "gcr.io" | "registry.k8s.io" | "public.ecr.aws", Some(_)) => {
            format!("https://{name}")
        }
        _ => return None,
    };
    Some((url, name.len()))
}

/// Links from FROM images to their registry pages.
pub fn document_links(ctx: &Ctx) -> Value {
    let a = &ctx.analysis;
    let mut out = Vec::new();
    for (i, ins) in a.file.instructions.iter().enumerate() {
        let Some(Command::From(from)) = &ins.command else {
            continue;
        };
        let is_stage = a.stage_of[i]
            .and_then(|s| a.scope.stages.get(s))
            .is_some_and(|s| matches!(s.base, berth_syntax::scope::Base::Stage(_)));
        if is_stage || from.image_span.text(ctx.text()) != &*from.image {
            continue;
        }
        if let Some((url, len)) = image_page(&from.image) {
            let span = Span::new(from.image_span.start, from.image_span.start + len);
            out.push(json!({"range": ctx.range(span), "target": url, "tooltip": "Open the image's registry page"}));
        }
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::image_page;

    #[test]
    fn image_pages() {
        let page = |i: &str| image_page(i).map(|(u, _)| u);
        assert_eq!(
            page("golang:1.22").as_deref(),
            Some("https://hub.docker.com/_/golang")
        );
        assert_eq!(
            page("bitnami/redis:7").as_deref(),
            Some("https://hub.docker.com/r/bitnami/redis")
        );
        assert_eq!(
            page("ghcr.io/o/app@sha256:ab").as_deref(),
            Some("https://ghcr.io/o/app")
        );
        assert_eq!(
            page("quay.io/prometheus/node-exporter").as_deref(),
            Some("https://quay.io/repository/prometheus/node-exporter")
        );
        assert_eq!(
            page("mcr.microsoft.com/dotnet/sdk:8.0").as_deref(),
            Some("https://mcr.microsoft.com/artifact/mar/dotnet/sdk")
        );
        assert_eq!(
            page("docker.io/library/alpine").as_deref(),
            Some("https://hub.docker.com/_/alpine")
        );
        assert_eq!(page("localhost:5000/app"), None);
        assert_eq!(page("$BASE"), None);
        assert_eq!(image_page("golang:1.22").map(|(_, n)| n), Some(6));
    }
}
