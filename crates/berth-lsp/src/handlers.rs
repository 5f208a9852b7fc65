//! Request handlers. Each takes a snapshot of one document version and the request's
//! parameters and returns the result as JSON; they run on the worker pool.

use berth_lint::{Applicability, Linter};
use berth_syntax::{Keyword, Span};
use lsp_server::ErrorCode;
use lsp_types::{Position, Range};
use serde_json::{json, Value};

use crate::analysis::{stage_label, Analysis, DeclKind, Symbol};
use crate::cache_adapter::{Inputs, StepCache};
use crate::diagnostics::{self, setup};
use crate::position::Encoding;
use crate::server::{Shared, Snapshot};
use crate::{completion, docs, semantic, symbols};

/// The command behind "Fix all safe problems" for clients without code-action edits.
pub const FIX_ALL_COMMAND: &str = "berth.fixAll";

/// An error answer.
pub struct HandlerError {
    pub code: ErrorCode,
    pub message: String,
}

type Result<T> = std::result::Result<T, HandlerError>;

fn invalid(message: impl Into<String>) -> HandlerError {
    HandlerError {
        code: ErrorCode::InvalidParams,
        message: message.into(),
    }
}

/// The requests that are about one open document (`textDocument.uri`).
pub fn is_document_request(method: &str) -> bool {
    matches!(
        method,
        "textDocument/hover"
            | "textDocument/completion"
            | "textDocument/signatureHelp"
            | "textDocument/definition"
            | "textDocument/references"
            | "textDocument/documentHighlight"
            | "textDocument/prepareRename"
            | "textDocument/rename"
            | "textDocument/documentSymbol"
            | "textDocument/foldingRange"
            | "textDocument/documentLink"
            | "textDocument/semanticTokens/full"
            | "textDocument/semanticTokens/range"
            | "textDocument/formatting"
            | "textDocument/rangeFormatting"
            | "textDocument/onTypeFormatting"
            | "textDocument/codeAction"
    )
}

/// Everything a handler needs about its document.
pub struct Ctx<'a> {
    pub shared: &'a Shared,
    pub snapshot: &'a Snapshot,
    pub encoding: Encoding,
    pub analysis: Analysis,
}

impl Ctx<'_> {
    pub fn text(&self) -> &str {
        &self.snapshot.text
    }
    pub fn range(&self, span: Span) -> Range {
        self.snapshot.lines.range(self.text(), span, self.encoding)
    }
    pub fn offset(&self, position: Position) -> usize {
        self.snapshot
            .lines
            .offset(self.text(), position, self.encoding)
    }
    fn location(&self, span: Span) -> Value {
        json!({"uri": self.snapshot.uri, "range": self.range(span)})
    }
}

fn position(params: &Value) -> Result<Position> {
    params
        .get("position")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .ok_or_else(|| invalid("missing or malformed position"))
}

fn range_param(params: &Value) -> Result<Range> {
    params
        .get("range")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
        .ok_or_else(|| invalid("missing or malformed range"))
}

/// Answers one request.
pub fn handle(shared: &Shared, snapshot: &Snapshot, method: &str, params: Value) -> Result<Value> {
    let ctx = Ctx {
        shared,
        snapshot,
        encoding: shared.encoding(),
        analysis: Analysis::new(&snapshot.text),
    };
    match method {
        "textDocument/hover" => hover(&ctx, position(&params)?),
        "textDocument/completion" => Ok(completion::complete(&ctx, position(&params)?)),
        "textDocument/signatureHelp" => Ok(completion::signature_help(&ctx, position(&params)?)),
        "textDocument/definition" => definition(&ctx, position(&params)?),
        "textDocument/references" => {
            let include = params
                .pointer("/context/includeDeclaration")
                .and_then(Value::as_bool)
                .unwrap_or(true);
            references(&ctx, position(&params)?, include)
        }
        "textDocument/documentHighlight" => highlight(&ctx, position(&params)?),
        "textDocument/prepareRename" => prepare_rename(&ctx, position(&params)?),
        "textDocument/rename" => {
            let name = params
                .get("newName")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("missing newName"))?;
            rename(&ctx, position(&params)?, name)
        }
        "textDocument/documentSymbol" => Ok(symbols::document_symbols(&ctx)),
        "textDocument/foldingRange" => Ok(symbols::folding_ranges(&ctx)),
        "textDocument/documentLink" => Ok(symbols::document_links(&ctx)),
        "textDocument/semanticTokens/full" => Ok(semantic::tokens(&ctx, None)),
        "textDocument/semanticTokens/range" => {
            Ok(semantic::tokens(&ctx, Some(range_param(&params)?)))
        }
        "textDocument/formatting" => Ok(formatting(&ctx, &params, None)),
        "textDocument/rangeFormatting" => {
            let range = range_param(&params)?;
            Ok(formatting(
                &ctx,
                &params,
                Some((range.start.line, range.end.line)),
            ))
        }
        "textDocument/onTypeFormatting" => {
            let at = position(&params)?;
            Ok(formatting(
                &ctx,
                &params,
                Some((at.line.saturating_sub(1), at.line)),
            ))
        }
        "textDocument/codeAction" => code_actions(&ctx, &params),
        _ => Err(HandlerError {
            code: ErrorCode::MethodNotFound,
            message: format!("unhandled method {method}"),
        }),
    }
}

// ------------------------------------------------------------------------------------------
// Hover

fn markdown(ctx: &Ctx, value: String, span: Span) -> Value {
    json!({"contents": {"kind": "markdown", "value": value}, "range": ctx.range(span)})
}

fn hover(ctx: &Ctx, at: Position) -> Result<Value> {
    let offset = ctx.offset(at);
    let a = &ctx.analysis;
    let text = ctx.text();
    // A rule code in a pragma or `# check=` comment.
    if let Some((code, span)) = completion::code_at(text, &ctx.snapshot.lines, offset) {
        if let Some(entry) = berth_lint::registry::find(&code) {
            let mut value = format!(
                "**{}** ({}, {}): {}",
                entry.meta.code,
                entry.meta.family.as_str(),
                entry.meta.severity,
                entry.meta.summary
            );
            if let Some(page) = diagnostics::rule_page(&code) {
                value.push_str(&format!("\n\n[Documentation]({page})"));
            }
            return Ok(markdown(ctx, value, span));
        }
    }
    if let Some(symbol) = a.symbol_at(offset) {
        if let Some(value) = symbol_hover(ctx, &symbol) {
            let span = symbol_span(a, &symbol, offset);
            return Ok(markdown(ctx, value, span));
        }
    }
    let Some(index) = a.instruction_at(offset) else {
        return Ok(Value::Null);
    };
    let ins = &a.file.instructions[index];
    let inner = ins.onbuild.as_deref();
    for keyword_ins in std::iter::once(ins).chain(inner) {
        if keyword_ins.keyword_span.start <= offset && offset <= keyword_ins.keyword_span.end {
            let Some(doc) = docs::instruction(&keyword_ins.keyword.as_upper()) else {
                return Ok(Value::Null);
            };
            let mut value = format!(
                "**{}**: {}\n\n```dockerfile\n{}\n```",
                doc.keyword, doc.summary, doc.usage
            );
            if std::ptr::eq(keyword_ins, ins) {
                if let Some(cache) = step_cache_text(ctx, index) {
                    value.push_str("\n\n---\n\n");
                    value.push_str(&cache);
                }
            }
            return Ok(markdown(ctx, value, keyword_ins.keyword_span));
        }
        for flag in &keyword_ins.flags {
            if flag.span.start <= offset && offset <= flag.span.end {
                let keyword = keyword_ins.keyword.as_upper();
                if let Some(doc) = docs::flag(&keyword, &flag.name) {
                    let value = format!("**--{}** ({keyword}): {}", doc.name, doc.summary);
                    return Ok(markdown(ctx, value, flag.span));
                }
            }
        }
    }
    // Anywhere else on a step: what makes it re-run.
    match step_cache_text(ctx, index) {
        Some(value) => Ok(markdown(ctx, value, ins.span)),
        None => Ok(Value::Null),
    }
}

fn symbol_span(a: &Analysis, symbol: &Symbol, offset: usize) -> Span {
    match symbol {
        Symbol::VarRef(i) => a.var_refs[*i].span,
        Symbol::VarDecl(i) => a.var_decls[*i].span,
        Symbol::UnknownStage(span) => *span,
        Symbol::Stage(s) => a
            .stages
            .get(*s)
            .and_then(|d| d.name_span)
            .filter(|sp| sp.start <= offset && offset <= sp.end)
            .or_else(|| {
                a.stage_refs
                    .iter()
                    .find(|r| r.span.start <= offset && offset <= r.span.end)
                    .map(|r| r.span)
            })
            .unwrap_or_default(),
    }
}

fn line_of(a: &Analysis, instruction: usize) -> usize {
    a.file.instructions[instruction].start_line
}

fn first_line(a: &Analysis, instruction: usize) -> String {
    let original = &a.file.instructions[instruction].original;
    let one: String = original.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 70 {
        format!("{}…", one.chars().take(69).collect::<String>())
    } else {
        one
    }
}

fn symbol_hover(ctx: &Ctx, symbol: &Symbol) -> Option<String> {
    let a = &ctx.analysis;
    match symbol {
        Symbol::Stage(s) => {
            let stage = a.stages.get(*s)?;
            let base = a
                .scope
                .stages
                .get(*s)
                .map(|st| st.base_name.clone())
                .unwrap_or_default();
            Some(format!(
                "**stage {}** (index {s}), from `{base}`\n\nDeclared on line {}: `{}`",
                stage_label(a, *s),
                line_of(a, stage.from),
                first_line(a, stage.from)
            ))
        }
        Symbol::UnknownStage(span) => Some(format!(
            "`{}` is not a stage of this Dockerfile: BuildKit reads it as an image name",
            span.text(ctx.text())
        )),
        Symbol::VarDecl(i) => {
            let d = &a.var_decls[*i];
            let what = match d.kind {
                DeclKind::GlobalArg => "global build argument: visible in FROM lines, and in a stage only after `ARG NAME` there",
                DeclKind::Arg => "build argument of this stage (`--build-arg` sets it; a new value re-runs every RUN after it)",
                DeclKind::Env => "environment variable of this stage, of the stages built FROM it, and of the image",
            };
            let mut out = format!("**{}**: {what}", d.name);
            match (&d.value, d.kind) {
                (Some(v), DeclKind::Env) => out.push_str(&format!("\n\nValue as written: `{v}`")),
                (Some(v), _) => out.push_str(&format!("\n\nDefault as written: `{v}`")),
                (None, _) => {
                    let shadowed = a.var_decls.iter().find(|g| {
                        g.kind == DeclKind::GlobalArg && g.name == d.name && d.kind == DeclKind::Arg
                    });
                    match shadowed {
                        Some(g) => out.push_str(&format!(
                            "\n\nNo default here: takes the global `ARG {}` of line {}{}",
                            g.name,
                            line_of(a, g.instruction),
                            g.value
                                .as_ref()
                                .map(|v| format!(" (default `{v}`)"))
                                .unwrap_or_default()
                        )),
                        None => out.push_str(
                            "\n\nNo default: unset unless `--build-arg` gives it a value",
                        ),
                    }
                }
            }
            if let Some(value) = value_before(a, &d.name, d.instruction + 1) {
                out.push_str(&format!("\n\nValue after this line: {value}"));
            }
            Some(out)
        }
        Symbol::VarRef(i) => {
            let r = &a.var_refs[*i];
            let value =
                value_before(a, &r.name, r.instruction).unwrap_or_else(|| "unset".to_string());
            let mut out = format!("**{}** = {value}", r.name);
            match r.decl {
                Some(d) => {
                    let decl = &a.var_decls[d];
                    out.push_str(&format!(
                        "\n\nSet by `{}` on line {}",
                        first_line(a, decl.instruction),
                        line_of(a, decl.instruction)
                    ));
                    if let Some(s) = a.stage_of[decl.instruction] {
                        out.push_str(&format!(" (stage {})", stage_label(a, s)));
                    }
                }
                None => {
                    let global = a
                        .var_decls
                        .iter()
                        .find(|g| g.kind == DeclKind::GlobalArg && g.name == r.name);
                    let ins = &a.file.instructions[r.instruction];
                    match global {
                        Some(g) if ins.keyword != Keyword::From => out.push_str(&format!(
                            "\n\nThe global `ARG {}` (line {}) is not visible here: declare `ARG {}` in this stage to use it",
                            r.name,
                            line_of(a, g.instruction),
                            r.name
                        )),
                        _ => out.push_str("\n\nNot declared by an ARG or ENV of this Dockerfile (it may come from the base image)"),
                    }
                }
            }
            Some(out)
        }
    }
}

/// The value of `name` BuildKit has in effect before instruction `index`, as Markdown.
fn value_before(a: &Analysis, name: &str, index: usize) -> Option<String> {
    let show = |v: &str| format!("`{}`", v.replace('`', "'"));
    // The environment first (ENV, and ARGs with a value), then ARGs declared without one.
    let in_stage = |env: &berth_syntax::scope::Env, args: &[berth_syntax::scope::DeclaredArg]| {
        if let Some(v) = env.get(name) {
            return Some(show(v));
        }
        args.iter()
            .rev()
            .find(|d| d.name == name)
            .map(|d| match &d.value {
                Some(v) => show(v),
                None => "unset (declared without a value)".into(),
            })
    };
    if index >= a.file.instructions.len() {
        let stage = a.stage_of.last().copied().flatten()?;
        let scope = a.scope.stages.get(stage)?;
        return in_stage(&scope.final_env, &scope.final_args);
    }
    let ins = &a.file.instructions[index];
    match a.stage_of[index] {
        Some(_) if ins.keyword != Keyword::From => {
            let (_, step) = a.scope.step(index)?;
            in_stage(&step.env, &step.args)
        }
        _ => {
            // FROM lines and meta ARGs: the global scope (meta ARGs up to this point).
            let meta = a
                .scope
                .meta_args
                .iter()
                .filter(|m| m.instruction < index)
                .rev()
                .find(|m| m.name == name);
            match meta {
                Some(m) => Some(
                    m.value
                        .as_deref()
                        .map_or("unset (declared without a value)".into(), show),
                ),
                None => a.scope.global.get(name).map(show),
            }
        }
    }
}

/// The cache explanation of the step at `index`, as Markdown.
fn step_cache_text(ctx: &Ctx, index: usize) -> Option<String> {
    let ins = &ctx.analysis.file.instructions[index];
    let setup = setup(ctx.shared, ctx.snapshot);
    let Some(dir) = setup.context_dir else {
        return docs::instruction(&ins.keyword.as_upper())
            .filter(|d| d.build_step)
            .map(|_| "**Cache**: no build context (save the file, or set `context`) to explain what re-runs this step".to_string());
    };
    let settings = ctx
        .shared
        .settings
        .read()
        .map(|s| s.clone())
        .unwrap_or_default();
    let inputs = Inputs {
        build_args: settings.build_args.into_iter().collect(),
        target: settings.target,
    };
    let explanation = ctx.shared.explanations.get(&dir, ctx.text(), &inputs);
    match explanation.as_ref() {
        Ok(steps) => steps
            .iter()
            .find(|s| s.line == ins.start_line)
            .map(render_cache),
        Err(e) => Some(format!("**Cache**: cannot explain this build: {e}")),
    }
}

fn render_cache(step: &StepCache) -> String {
    if step.skipped {
        return "**Cache**: its stage is not built for the target".into();
    }
    if !step.is_step {
        return format!("**Cache**: no build step of its own. {}", step.summary);
    }
    let mut out = format!("**Cache**: {}", step.summary);
    if !step.top_paths.is_empty() {
        out.push_str("\n\nFiles that re-run it:");
        for (path, count) in step.top_paths.iter().take(8) {
            out.push_str(&format!(
                "\n- `{path}` ({count} file{})",
                if *count == 1 { "" } else { "s" }
            ));
        }
        if step.top_paths.len() > 8 {
            out.push_str(&format!("\n- … {} more", step.top_paths.len() - 8));
        }
    }
    if !step.args.is_empty() {
        out.push_str(&format!("\n\nBuild args: {}", list(&step.args)));
    }
    if !step.env.is_empty() {
        out.push_str(&format!("\n\nENV: {}", list(&step.env)));
    }
    if !step.earlier_steps.is_empty() {
        let lines: Vec<String> = step.earlier_steps.iter().map(|l| l.to_string()).collect();
        out.push_str(&format!("\n\nEarlier steps (lines): {}", lines.join(", ")));
    }
    if !step.stages.is_empty() {
        out.push_str(&format!("\n\nStages it reads: {}", list(&step.stages)));
    }
    out
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ------------------------------------------------------------------------------------------
// Definition, references, highlight, rename

/// Declarations and uses of the symbol at `offset`.
fn occurrences(a: &Analysis, symbol: &Symbol) -> (Vec<Span>, Vec<Span>) {
    match symbol {
        Symbol::Stage(s) => {
            let (decl, uses) = a.stage_occurrences(*s);
            (decl.into_iter().collect(), uses)
        }
        Symbol::UnknownStage(_) => (Vec::new(), Vec::new()),
        Symbol::VarDecl(_) | Symbol::VarRef(_) => {
            let (decls, refs) = a.variable_group(symbol);
            (
                decls.iter().map(|&d| a.var_decls[d].span).collect(),
                refs.iter().map(|&r| a.var_refs[r].span).collect(),
            )
        }
    }
}

fn definition(ctx: &Ctx, at: Position) -> Result<Value> {
    let a = &ctx.analysis;
    let offset = ctx.offset(at);
    let target = match a.symbol_at(offset) {
        Some(Symbol::Stage(s)) => a.stages.get(s).and_then(|d| d.name_span),
        Some(Symbol::VarRef(r)) => a.var_refs[r].decl.map(|d| a.var_decls[d].span),
        Some(Symbol::VarDecl(d)) => {
            // A re-declaration goes to what it re-declares (a stage `ARG X` to the global one).
            let decl = &a.var_decls[d];
            a.declaration_of(&decl.name, decl.instruction, decl.span.start)
                .map(|e| a.var_decls[e].span)
                .or_else(|| {
                    a.var_decls
                        .iter()
                        .find(|g| {
                            g.kind == DeclKind::GlobalArg
                                && g.name == decl.name
                                && decl.kind == DeclKind::Arg
                        })
                        .map(|g| g.span)
                })
                .or(Some(decl.span))
        }
        _ => None,
    };
    Ok(target.map_or(Value::Null, |span| ctx.location(span)))
}

fn references(ctx: &Ctx, at: Position, include_declaration: bool) -> Result<Value> {
    let a = &ctx.analysis;
    let Some(symbol) = a.symbol_at(ctx.offset(at)) else {
        return Ok(Value::Null);
    };
    let (decls, uses) = occurrences(a, &symbol);
    let mut spans: Vec<Span> = uses;
    if include_declaration {
        spans.extend(decls);
    }
    spans.sort();
    spans.dedup();
    Ok(Value::Array(
        spans.into_iter().map(|s| ctx.location(s)).collect(),
    ))
}

fn highlight(ctx: &Ctx, at: Position) -> Result<Value> {
    let a = &ctx.analysis;
    let Some(symbol) = a.symbol_at(ctx.offset(at)) else {
        return Ok(Value::Null);
    };
    let (decls, uses) = occurrences(a, &symbol);
    let mut out: Vec<(Span, u8)> = decls
        .into_iter()
        .map(|s| (s, 3))
        .chain(uses.into_iter().map(|s| (s, 2)))
        .collect();
    out.sort();
    Ok(Value::Array(
        out.into_iter()
            .map(|(s, kind)| json!({"range": ctx.range(s), "kind": kind}))
            .collect(),
    ))
}

fn renamable(ctx: &Ctx, at: Position) -> Option<(Symbol, Span)> {
    let a = &ctx.analysis;
    let offset = ctx.offset(at);
    let symbol = a.symbol_at(offset)?;
    if matches!(symbol, Symbol::UnknownStage(_)) {
        return None;
    }
    let span = symbol_span(a, &symbol, offset);
    // `--from=0` names a stage by index: nothing to rename there.
    if span.text(ctx.text()).bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((symbol, span))
}

fn prepare_rename(ctx: &Ctx, at: Position) -> Result<Value> {
    Ok(match renamable(ctx, at) {
        Some((_, span)) => json!({"range": ctx.range(span), "placeholder": span.text(ctx.text())}),
        None => Value::Null,
    })
}

fn rename(ctx: &Ctx, at: Position, new_name: &str) -> Result<Value> {
    let Some((symbol, _)) = renamable(ctx, at) else {
        return Err(HandlerError {
            code: ErrorCode::RequestFailed,
            message: "nothing to rename here: put the cursor on a stage name or a variable".into(),
        });
    };
    let valid = match symbol {
        Symbol::Stage(_) => {
            let mut chars = new_name.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        }
        _ => {
            let mut chars = new_name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    };
    if !valid {
        return Err(invalid(format!(
            "`{new_name}` is not a valid {} name",
            if matches!(symbol, Symbol::Stage(_)) {
                "stage"
            } else {
                "variable"
            }
        )));
    }
    let (decls, uses) = occurrences(&ctx.analysis, &symbol);
    let mut spans: Vec<Span> = decls.into_iter().chain(uses).collect();
    spans.sort();
    spans.dedup();
    let edits: Vec<Value> = spans
        .into_iter()
        .map(|s| json!({"range": ctx.range(s), "newText": new_name}))
        .collect();
    let mut changes = serde_json::Map::new();
    changes.insert(ctx.snapshot.uri.as_str().to_string(), Value::Array(edits));
    Ok(json!({"changes": changes}))
}

// ------------------------------------------------------------------------------------------
// Formatting

fn formatting(ctx: &Ctx, params: &Value, lines: Option<(u32, u32)>) -> Value {
    let tab = params
        .pointer("/options/tabSize")
        .and_then(Value::as_u64)
        .unwrap_or(4) as u32;
    let spaces = params
        .pointer("/options/insertSpaces")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let options = berth_fmt::Options::from_editor(tab, spaces);
    let edits = berth_fmt::edits_for(&ctx.analysis.file, &options);
    Value::Array(
        edits
            .into_iter()
            .map(|e| (ctx.range(e.span), e.replacement))
            .filter(|(range, _)| match lines {
                Some((first, last)) => range.end.line >= first && range.start.line <= last,
                None => true,
            })
            .map(|(range, text)| json!({"range": range, "newText": text}))
            .collect(),
    )
}

// ------------------------------------------------------------------------------------------
// Code actions

fn text_edit(ctx: &Ctx, span: Span, text: &str) -> Value {
    json!({"range": ctx.range(span), "newText": text})
}

fn workspace_edit(ctx: &Ctx, edits: Vec<Value>) -> Value {
    let mut changes = serde_json::Map::new();
    changes.insert(ctx.snapshot.uri.as_str().to_string(), Value::Array(edits));
    json!({"changes": changes})
}

fn code_actions(ctx: &Ctx, params: &Value) -> Result<Value> {
    let range = range_param(params)?;
    let only: Option<Vec<String>> = params
        .pointer("/context/only")
        .and_then(|o| serde_json::from_value(o.clone()).ok());
    let wants = |kind: &str| {
        only.as_ref().is_none_or(|o| {
            o.iter()
                .any(|k| kind == k || kind.starts_with(&format!("{k}.")))
        })
    };
    let setup = setup(ctx.shared, ctx.snapshot);
    let linter = Linter::new(&setup.settings);
    let result = linter.lint_parsed(&ctx.analysis.file, &setup.path, setup.context.as_deref());
    let requested = ctx.snapshot.lines.span(ctx.text(), range, ctx.encoding);
    let mut actions = Vec::new();
    let touches = |s: Span| s.start <= requested.end && requested.start <= s.end;
    if wants("quickfix") {
        for d in result.iter().filter(|d| touches(d.span)) {
            let diagnostic = diagnostics::to_lsp(d, ctx.snapshot, ctx.encoding);
            if let Some(fix) = &d.fix {
                let safe = fix.applicability == Applicability::Safe;
                let title = if safe {
                    fix.message.clone()
                } else {
                    format!("{} (may change what the image does)", fix.message)
                };
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| text_edit(ctx, e.span, &e.replacement))
                    .collect();
                actions.push(json!({
                    "title": title,
                    "kind": "quickfix",
                    "diagnostics": [diagnostic],
                    "isPreferred": safe,
                    "edit": workspace_edit(ctx, edits),
                }));
            }
            if let Some(edit) = ignore_edit(ctx, &d.code, d.span) {
                actions.push(json!({
                    "title": format!("Ignore {} for this instruction", d.code),
                    "kind": "quickfix",
                    "diagnostics": [diagnostic],
                    "edit": workspace_edit(ctx, vec![edit]),
                }));
            }
        }
    }
    if wants("source.fixAll.berth")
        && result.iter().any(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
        })
    {
        if let Some(edit) = fix_all_edit(ctx.shared, ctx.snapshot) {
            actions.push(json!({
                "title": "Fix all safe problems (berth)",
                "kind": "source.fixAll.berth",
                "edit": edit,
            }));
        }
    }
    Ok(Value::Array(actions))
}

/// The edit that applies every safe fix (`berth lint --fix`), as one minimal replacement.
pub fn fix_all_edit(shared: &Shared, snapshot: &Snapshot) -> Option<Value> {
    let setup = setup(shared, snapshot);
    let linter = Linter::new(&setup.settings);
    let fixed = linter.fix(&snapshot.text, &setup.path, setup.context.as_deref(), false);
    let old: &str = &snapshot.text;
    let new = fixed.source.as_str();
    if fixed.applied == 0 || new == old {
        return None;
    }
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let mut prefix = prefix;
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix) {
        suffix -= 1;
    }
    let span = Span::new(prefix, old.len() - suffix);
    let replacement = &new[prefix..new.len() - suffix];
    let encoding = shared.encoding();
    let range = snapshot.lines.range(old, span, encoding);
    let mut changes = serde_json::Map::new();
    changes.insert(
        snapshot.uri.as_str().to_string(),
        json!([{"range": range, "newText": replacement}]),
    );
    Some(json!({"changes": changes}))
}

/// An edit adding `# hadolint ignore=CODE` (hadolint's codes) or `# berth ignore=CODE` (the
/// others) above the instruction holding `span`, or adding the code to such a pragma already
/// there.
fn ignore_edit(ctx: &Ctx, code: &str, span: Span) -> Option<Value> {
    if code == "DL1000" || code.starts_with("BR0") {
        return None;
    }
    let a = &ctx.analysis;
    let index = a.instruction_at(span.start)?;
    let ins = &a.file.instructions[index];
    let tool = if code.starts_with("DL") || code.starts_with("SC") {
        "hadolint"
    } else {
        "berth"
    };
    let text = ctx.text();
    let lines = &ctx.snapshot.lines;
    let line = lines.line_of(ins.span.start);
    let line_start = lines.line_start(line);
    let indent: String = text[line_start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    if line > 0 {
        let above_start = lines.line_start(line - 1);
        let above = &text[above_start..lines.line_end(text, line - 1)];
        let prefix = format!("# {tool} ignore=");
        if let Some(rest) = above.trim_start().strip_prefix(&prefix) {
            let codes_len = rest
                .find(|c: char| c.is_whitespace() || c == '#')
                .unwrap_or(rest.len());
            let codes_end = above_start + (above.len() - rest.len()) + codes_len;
            if rest[..codes_len].split(',').any(|c| c.trim() == code) {
                return None;
            }
            return Some(text_edit(
                ctx,
                Span::new(codes_end, codes_end),
                &format!(",{code}"),
            ));
        }
    }
    let eol = if text[line_start..].contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    Some(text_edit(
        ctx,
        Span::new(line_start, line_start),
        &format!("{indent}# {tool} ignore={code}{eol}"),
    ))
}
