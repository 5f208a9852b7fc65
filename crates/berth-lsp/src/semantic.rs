//! Semantic tokens: keywords, comments, directives, flags, stage names, images, variables,
//! strings and numbers, painted onto the text and sent in the protocol's relative encoding
//! (one token never spans two lines).

use berth_syntax::{Command, Keyword, NodeKind, Span};
use lsp_types::Range;
use serde_json::{json, Value};

use crate::analysis::DeclKind;
use crate::handlers::Ctx;
use crate::position::Encoding;

/// The token types, in legend order.
pub const TOKEN_TYPES: &[&str] = &[
    "keyword",
    "comment",
    "macro",
    "parameter",
    "namespace",
    "class",
    "variable",
    "string",
    "number",
    "property",
];
/// The token modifiers, in legend order.
pub const TOKEN_MODIFIERS: &[&str] = &["declaration", "readonly", "deprecated"];

const KEYWORD: u8 = 0;
const COMMENT: u8 = 1;
const MACRO: u8 = 2;
const PARAMETER: u8 = 3;
const NAMESPACE: u8 = 4;
const CLASS: u8 = 5;
const VARIABLE: u8 = 6;
const STRING: u8 = 7;
const NUMBER: u8 = 8;
const PROPERTY: u8 = 9;
const DECLARATION: u32 = 1;
const READONLY: u32 = 2;
const DEPRECATED: u32 = 4;

/// A painted byte: token type + 1 (0 = none) and modifiers.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct Paint {
    token: u8,
    modifiers: u32,
}

/// The tokens of the document (or of `range`).
pub fn tokens(ctx: &Ctx, range: Option<Range>) -> Value {
    let a = &ctx.analysis;
    let text = ctx.text();
    let mut paint = vec![Paint::default(); text.len()];
    let mut put = |span: Span, token: u8, modifiers: u32| {
        let end = span.end.min(paint.len());
        for p in &mut paint[span.start.min(end)..end] {
            *p = Paint {
                token: token + 1,
                modifiers,
            };
        }
    };
    for node in &a.file.nodes {
        if let NodeKind::Directive(_) = node.kind {
            put(node.span, MACRO, 0);
        }
    }
    for c in &a.file.comments {
        let is_pragma = c.text.starts_with("hadolint ") || c.text.starts_with("berth ");
        put(c.span, if is_pragma { MACRO } else { COMMENT }, 0);
    }
    for ins in &a.file.instructions {
        for i in std::iter::once(ins).chain(ins.onbuild.as_deref()) {
            let deprecated = if i.keyword == Keyword::Maintainer {
                DEPRECATED
            } else {
                0
            };
            put(i.keyword_span, KEYWORD, deprecated);
            for f in &i.flags {
                let name_end = f
                    .span
                    .text(text)
                    .find('=')
                    .map_or(f.span.end, |e| f.span.start + e);
                put(Span::new(f.span.start, name_end), PARAMETER, 0);
            }
            match &i.command {
                Some(Command::From(from)) => {
                    put(from.image_span, CLASS, 0);
                    if let [_, as_word, _] = i.args.as_slice() {
                        put(as_word.span, KEYWORD, 0);
                    }
                }
                Some(Command::Expose(_)) => {
                    for w in &i.args {
                        put(w.span, NUMBER, 0);
                    }
                }
                Some(Command::Label(pairs)) => {
                    for p in pairs {
                        put(p.key_span, PROPERTY, 0);
                    }
                }
                _ => {}
            }
            if i.json {
                for w in &i.args {
                    put(w.span, STRING, 0);
                }
            }
            for h in &i.heredocs {
                put(h.marker_span, STRING, 0);
            }
        }
    }
    for s in &a.stages {
        if let Some(span) = s.name_span {
            put(span, NAMESPACE, DECLARATION);
        }
    }
    for r in &a.stage_refs {
        put(r.span, NAMESPACE, 0);
    }
    for d in &a.var_decls {
        let readonly = if d.kind == DeclKind::Env { 0 } else { READONLY };
        put(d.span, VARIABLE, DECLARATION | readonly);
    }
    for r in &a.var_refs {
        // The `$` (and `{`) belong to the variable token.
        let mut start = r.span.start;
        let bytes = text.as_bytes();
        if start > 0 && bytes[start - 1] == b'{' {
            start -= 1;
        }
        if start > 0 && bytes[start - 1] == b'$' {
            start -= 1;
        }
        let readonly = r
            .decl
            .map(|d| a.var_decls[d].kind != DeclKind::Env)
            .unwrap_or(false);
        put(
            Span::new(start, r.span.end),
            VARIABLE,
            if readonly { READONLY } else { 0 },
        );
    }
    let (from, to) = match range {
        Some(r) => {
            let span = ctx.snapshot.lines.span(text, r, ctx.encoding);
            (span.start, span.end)
        }
        None => (0, text.len()),
    };
    json!({"data": encode(ctx, &paint, from, to)})
}

fn encode(ctx: &Ctx, paint: &[Paint], from: usize, to: usize) -> Vec<u32> {
    let text = ctx.text();
    let lines = &ctx.snapshot.lines;
    let mut data = Vec::new();
    let (mut prev_line, mut prev_char) = (0u32, 0u32);
    let mut i = from;
    let width = |s: &str| -> u32 {
        match ctx.encoding {
            Encoding::Utf8 => s.len() as u32,
            Encoding::Utf16 => s.encode_utf16().count() as u32,
        }
    };
    while i < to.min(paint.len()) {
        let p = paint[i];
        if p.token == 0 || !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < to.min(paint.len())
            && paint[end] == p
            && !matches!(text.as_bytes()[end], b'\n' | b'\r')
        {
            end += 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end == i {
            i += 1;
            continue;
        }
        let pos = lines.position(text, i, ctx.encoding);
        let delta_line = pos.line - prev_line;
        let delta_char = if delta_line == 0 {
            pos.character - prev_char
        } else {
            pos.character
        };
        data.extend([
            delta_line,
            delta_char,
            width(&text[i..end]),
            u32::from(p.token - 1),
            p.modifiers,
        ]);
        prev_line = pos.line;
        prev_char = pos.character;
        i = end;
    }
    data
}
