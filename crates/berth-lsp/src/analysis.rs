//! What the navigation features share: every stage name and variable in a file, where each is
//! declared and used, and which declaration each use means.
//!
//! Values and stage bases come from `berth_syntax::scope` (the one ARG/ENV/stage resolution);
//! this module only finds where names are written and which declaring instruction a use
//! reads: the nearest ARG or ENV of that name before it in its stage, then in the stage it is
//! built FROM; in FROM lines and meta ARG defaults, the global (meta) ARG before it.

use berth_syntax::scope::{resolve, Base, Scope, ScopeOptions};
use berth_syntax::{Command, Dockerfile, Instruction, Keyword, Span};

/// A parsed document with its scope and symbols.
pub struct Analysis {
    /// The parse.
    pub file: Dockerfile,
    /// ARG/ENV values and stage bases.
    pub scope: Scope,
    /// Stage of each instruction (`None` before the first FROM).
    pub stage_of: Vec<Option<usize>>,
    /// Stage declarations (`AS name`), by stage index.
    pub stages: Vec<StageDecl>,
    /// Uses of stage names.
    pub stage_refs: Vec<StageRef>,
    /// ARG and ENV declarations, in file order.
    pub var_decls: Vec<VarDecl>,
    /// `$NAME` / `${NAME}` uses, in file order.
    pub var_refs: Vec<VarRef>,
}

/// A build stage.
pub struct StageDecl {
    /// The name as written, if any.
    pub name: Option<String>,
    /// Where the name is written.
    pub name_span: Option<Span>,
    /// Index of its FROM instruction.
    pub from: usize,
}

/// A use of a stage name: `FROM x`, `COPY --from=x`, `RUN --mount=from=x`.
pub struct StageRef {
    /// The name (or index) as written.
    pub span: Span,
    /// The stage it names, when it names one.
    pub stage: Option<usize>,
}

/// How a variable was declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclKind {
    /// ARG before the first FROM (global).
    GlobalArg,
    /// ARG inside a stage.
    Arg,
    /// ENV.
    Env,
}

/// A variable declaration.
pub struct VarDecl {
    pub name: String,
    pub span: Span,
    pub instruction: usize,
    pub kind: DeclKind,
    /// The default or value as written (`ARG A=1`, `ENV A=1`).
    pub value: Option<String>,
}

/// A variable use.
pub struct VarRef {
    pub name: String,
    /// The name only (without `$`, `{`).
    pub span: Span,
    pub instruction: usize,
    /// Index into [`Analysis::var_decls`] of the declaration it reads.
    pub decl: Option<usize>,
}

/// What sits at an offset.
pub enum Symbol {
    /// A stage: its index, and whether the offset is on its declaration.
    Stage(usize),
    /// A use of a name that is no stage (an image, or a typo).
    UnknownStage(Span),
    /// A variable declaration (index into `var_decls`).
    VarDecl(usize),
    /// A variable use (index into `var_refs`).
    VarRef(usize),
}

impl Analysis {
    /// Parses and analyses `text`.
    pub fn new(text: &str) -> Analysis {
        Analysis::of(berth_syntax::parse(text))
    }

    /// Analyses a parse.
    pub fn of(file: Dockerfile) -> Analysis {
        let scope = resolve(&file, &ScopeOptions::default());
        let syntax_stages = file.stages();
        let mut stage_of = vec![None; file.instructions.len()];
        for stage in &syntax_stages {
            for i in stage.instructions.clone() {
                stage_of[i] = Some(stage.index);
            }
        }
        let stages = syntax_stages
            .iter()
            .map(|s| {
                let (name, name_span) = match &file.instructions[s.from].command {
                    Some(Command::From(f)) => (f.name.as_deref().map(str::to_string), f.name_span),
                    _ => (s.name.as_deref().map(str::to_string), None),
                };
                StageDecl {
                    name,
                    name_span,
                    from: s.from,
                }
            })
            .collect();
        let mut analysis = Analysis {
            file,
            scope,
            stage_of,
            stages,
            stage_refs: Vec::new(),
            var_decls: Vec::new(),
            var_refs: Vec::new(),
        };
        analysis.find_stage_refs();
        analysis.find_vars();
        analysis
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.file.source
    }

    /// The stage a name (or index) written in `--from` or FROM means.
    fn stage_named(&self, name: &str, before: usize) -> Option<usize> {
        if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
            return name.parse().ok().filter(|&i| i < self.stages.len());
        }
        let wanted = name.to_lowercase();
        self.stages
            .iter()
            .enumerate()
            .filter(|(_, s)| s.from < before || before == usize::MAX)
            .filter(|(_, s)| s.name.as_deref().map(str::to_lowercase).as_deref() == Some(&wanted))
            .map(|(i, _)| i)
            .next_back()
    }

    fn find_stage_refs(&mut self) {
        let mut refs = Vec::new();
        let source = self.file.source.clone();
        for (index, ins) in self.file.instructions.iter().enumerate() {
            match &ins.command {
                Some(Command::From(f)) => {
                    // scope decides whether the base is an earlier stage.
                    let stage =
                        self.stage_of[index].and_then(|s| match self.scope.stages.get(s)?.base {
                            Base::Stage(p) => Some(p),
                            _ => None,
                        });
                    if stage.is_some() && f.image_span.text(&source) == &*f.image {
                        refs.push(StageRef {
                            span: f.image_span,
                            stage,
                        });
                    }
                }
                _ => {
                    for flag in &ins.flags {
                        let raw = flag.span.text(&source);
                        if ins.keyword == Keyword::Copy && &*flag.name == "from" {
                            if let Some(value) = raw.strip_prefix("--from=") {
                                if !value.is_empty() && !value.contains(['"', '\'', '$', '\\']) {
                                    let start = flag.span.end - value.len();
                                    refs.push(StageRef {
                                        span: Span::new(start, flag.span.end),
                                        stage: self.stage_named(value, usize::MAX),
                                    });
                                }
                            }
                        }
                        if ins.keyword == Keyword::Run && &*flag.name == "mount" {
                            if let Some(span) = mount_field(raw, flag.span.start, "from") {
                                let value = span.text(&source);
                                if !value.contains(['"', '\'', '$', '\\']) {
                                    refs.push(StageRef {
                                        span,
                                        stage: self.stage_named(value, usize::MAX),
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        self.stage_refs = refs;
    }

    fn find_vars(&mut self) {
        let source = self.file.source.clone();
        let escape = self.file.escape;
        let first_from = self
            .file
            .instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .unwrap_or(self.file.instructions.len());
        let mut decls = Vec::new();
        let mut refs = Vec::new();
        for (index, ins) in self.file.instructions.iter().enumerate() {
            match &ins.command {
                Some(Command::Arg(args)) => {
                    for arg in args {
                        let text = arg.span.text(&source);
                        if text.starts_with(&*arg.name) {
                            decls.push(VarDecl {
                                name: arg.name.to_string(),
                                span: Span::new(arg.span.start, arg.span.start + arg.name.len()),
                                instruction: index,
                                kind: if index < first_from {
                                    DeclKind::GlobalArg
                                } else {
                                    DeclKind::Arg
                                },
                                value: arg.default.as_deref().map(str::to_string),
                            });
                        }
                    }
                }
                Some(Command::Env(pairs)) => {
                    for pair in pairs {
                        if pair.key_span.text(&source) == &*pair.key {
                            decls.push(VarDecl {
                                name: pair.key.to_string(),
                                span: pair.key_span,
                                instruction: index,
                                kind: DeclKind::Env,
                                value: Some(pair.value.to_string()),
                            });
                        }
                    }
                }
                _ => {}
            }
            for span in reference_regions(ins) {
                for (name, at) in variable_uses(span.text(&source), escape) {
                    let start = span.start + at;
                    // An ARG/ENV key is a declaration, not a use.
                    if decls.iter().any(|d: &VarDecl| d.span.start == start) {
                        continue;
                    }
                    refs.push(VarRef {
                        span: Span::new(start, start + name.len()),
                        name,
                        instruction: index,
                        decl: None,
                    });
                }
            }
        }
        self.var_decls = decls;
        for r in &mut refs {
            r.decl = declaration_for(self, &r.name, r.instruction, r.span.start);
        }
        self.var_refs = refs;
    }

    /// The declaration a use of `name` in instruction `index` (at `offset`) reads.
    pub fn declaration_of(&self, name: &str, index: usize, offset: usize) -> Option<usize> {
        declaration_for(self, name, index, offset)
    }

    /// What is written at `offset` (the end of a name counts as on it).
    pub fn symbol_at(&self, offset: usize) -> Option<Symbol> {
        let on = |s: Span| s.start <= offset && offset <= s.end;
        if let Some(i) = self.var_refs.iter().position(|r| on(r.span)) {
            return Some(Symbol::VarRef(i));
        }
        if let Some(i) = self.var_decls.iter().position(|d| on(d.span)) {
            return Some(Symbol::VarDecl(i));
        }
        if let Some(i) = self.stages.iter().position(|s| s.name_span.is_some_and(on)) {
            return Some(Symbol::Stage(i));
        }
        if let Some(r) = self.stage_refs.iter().find(|r| on(r.span)) {
            return Some(match r.stage {
                Some(s) => Symbol::Stage(s),
                None => Symbol::UnknownStage(r.span),
            });
        }
        None
    }

    /// Every place a stage's name is written: its declaration first, then its uses.
    pub fn stage_occurrences(&self, stage: usize) -> (Option<Span>, Vec<Span>) {
        let decl = self.stages.get(stage).and_then(|s| s.name_span);
        let uses = self
            .stage_refs
            .iter()
            .filter(|r| r.stage == Some(stage))
            .filter(|r| {
                // Uses by index (`--from=0`) are not renamed with the name.
                !r.span.text(self.text()).bytes().all(|b| b.is_ascii_digit())
            })
            .map(|r| r.span)
            .collect();
        (decl, uses)
    }

    /// The declarations and uses that are one variable: those linked by "this use reads that
    /// declaration", a stage `ARG X` without a value re-declaring the global `ARG X`, and a
    /// stage's ARG/ENV re-setting one inherited from its base stage. Unresolved uses of a
    /// name form one group per name.
    pub fn variable_group(&self, symbol: &Symbol) -> (Vec<usize>, Vec<usize>) {
        let n = self.var_decls.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let union = |a: usize, b: usize, parent: &mut Vec<usize>| {
            let (ra, rb) = (find(parent, a), find(parent, b));
            if ra != rb {
                parent[ra] = rb;
            }
        };
        // A re-declaration (or re-assignment) is one variable with what it shadows.
        for (i, d) in self.var_decls.iter().enumerate() {
            if d.kind == DeclKind::GlobalArg {
                continue;
            }
            let earlier = declaration_for(self, &d.name, d.instruction, d.span.start);
            let shadowed = earlier.or_else(|| {
                self.var_decls
                    .iter()
                    .position(|g| g.kind == DeclKind::GlobalArg && g.name == d.name)
            });
            if let Some(e) = shadowed {
                union(i, e, &mut parent);
            }
        }
        let root = match symbol {
            Symbol::VarDecl(i) => Some(find(&mut parent, *i)),
            Symbol::VarRef(i) => self.var_refs[*i].decl.map(|d| find(&mut parent, d)),
            _ => return (Vec::new(), Vec::new()),
        };
        match root {
            Some(root) => {
                let decls: Vec<usize> = (0..n).filter(|&i| find(&mut parent, i) == root).collect();
                let refs = self
                    .var_refs
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.decl.is_some_and(|d| decls.contains(&d)))
                    .map(|(i, _)| i)
                    .collect();
                (decls, refs)
            }
            None => {
                let Symbol::VarRef(i) = symbol else {
                    return (Vec::new(), Vec::new());
                };
                let name = &self.var_refs[*i].name;
                let refs = self
                    .var_refs
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.decl.is_none() && &r.name == name)
                    .map(|(i, _)| i)
                    .collect();
                (Vec::new(), refs)
            }
        }
    }

    /// The instruction whose text holds `offset` (its span, or the end of its last line).
    pub fn instruction_at(&self, offset: usize) -> Option<usize> {
        self.file
            .instructions
            .iter()
            .position(|i| i.span.start <= offset && offset <= i.span.end)
    }
}

fn declaration_for(a: &Analysis, name: &str, index: usize, offset: usize) -> Option<usize> {
    let ins = &a.file.instructions[index];
    let declared_in = |i: usize, before: usize| {
        a.var_decls
            .iter()
            .enumerate()
            .filter(|(_, d)| d.instruction == i && d.name == name && d.span.start < before)
            .map(|(k, _)| k)
            .next_back()
    };
    let global = |before: usize| {
        a.var_decls
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.kind == DeclKind::GlobalArg && d.name == name && d.instruction < before
            })
            .map(|(k, _)| k)
            .next_back()
    };
    let Some(mut stage) = a.stage_of[index].filter(|_| ins.keyword != Keyword::From) else {
        // FROM lines and meta ARGs read global ARGs (an ARG default sees earlier names on
        // its own line).
        return declared_in(index, offset).or_else(|| global(index));
    };
    // Uses in an ARG/ENV see the names set before them on the same line (ARG), or before
    // the instruction (ENV: every pair expands against the environment before it).
    if ins.keyword == Keyword::Arg {
        if let Some(d) = declared_in(index, offset) {
            return Some(d);
        }
    }
    let mut before = index;
    loop {
        let from = a.stages[stage].from;
        for i in (from + 1..before).rev() {
            if let Some(d) = declared_in(i, usize::MAX) {
                return Some(d);
            }
        }
        match a.scope.stages.get(stage).map(|s| &s.base) {
            Some(Base::Stage(parent)) if *parent < stage => {
                stage = *parent;
                before = a
                    .stage_of
                    .iter()
                    .rposition(|s| *s == Some(stage))
                    .map_or(0, |last| last + 1);
            }
            _ => return None,
        }
    }
}

/// The text regions of an instruction where `$NAME` can refer to an ARG or ENV: flags,
/// arguments (the shell sees them as environment variables in RUN too) and expanding heredoc
/// bodies. ONBUILD triggers run in another build and are left out.
fn reference_regions(ins: &Instruction) -> Vec<Span> {
    if ins.keyword == Keyword::Onbuild {
        return Vec::new();
    }
    let mut regions: Vec<Span> = ins.flags.iter().map(|f| f.span).collect();
    match ins.keyword {
        // ENV/LABEL words come as key, value, separator: the separator spans overlap.
        Keyword::Env | Keyword::Label => {
            regions.extend(ins.args.chunks(3).filter_map(|c| c.get(1)).map(|w| w.span))
        }
        Keyword::Arg => {
            if let Some(Command::Arg(decls)) = &ins.command {
                regions.extend(decls.iter().map(|d| d.span));
            }
        }
        _ => {
            if let (Some(first), Some(last)) = (ins.args.first(), ins.args.last()) {
                regions.push(Span::new(
                    first.span.start,
                    last.span.end.max(first.span.end),
                ));
            }
        }
    }
    regions.extend(ins.heredocs.iter().filter(|h| h.expand).map(|h| h.span));
    regions.retain(|s| s.start < s.end);
    regions.sort_by_key(|s| s.start);
    regions.dedup();
    regions
}

/// Every `$NAME` and `${NAME...}` in `text` outside single quotes and not escaped: the name
/// and its byte offset.
pub fn variable_uses(text: &str, escape: char) -> Vec<(String, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut single = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if single {
            if c == b'\'' {
                single = false;
            }
            i += 1;
            continue;
        }
        if c == b'\'' {
            single = true;
        } else if c as char == escape || c == b'\\' {
            i += 2;
            continue;
        } else if c == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            let valid = end > start && !bytes[start].is_ascii_digit();
            if valid {
                out.push((text[start..end].to_string(), start));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The value span of `key=` in a `--mount=a=b,key=value` flag written at `at`.
pub fn mount_field(raw: &str, at: usize, key: &str) -> Option<Span> {
    let body = raw.strip_prefix("--mount=")?;
    let mut offset = at + "--mount=".len();
    for field in body.split(',') {
        if let Some(value) = field.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
            let start = offset + key.len() + 1;
            return (!value.is_empty()).then(|| Span::new(start, start + value.len()));
        }
        offset += field.len() + 1;
    }
    None
}

/// Instruction index → stage name for display ("build", or "stage 2").
pub fn stage_label(a: &Analysis, stage: usize) -> String {
    match a.stages.get(stage).and_then(|s| s.name.clone()) {
        Some(name) => name,
        None => format!("stage {stage}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
ARG VERSION=1.0
ARG BASE=alpine:3.20
FROM $BASE AS builder
ARG VERSION
ENV APP=/opt/app-${VERSION}
RUN echo $APP '$NOT' \\$NOR
FROM builder AS test
RUN echo $APP
FROM alpine:3.20
COPY --from=builder /a /b
RUN --mount=type=cache,from=test,target=/x echo $VERSION
";

    fn at(text: &str, needle: &str, nth: usize) -> usize {
        text.match_indices(needle).nth(nth).unwrap().0
    }

    #[test]
    fn stages_and_their_uses() {
        let a = Analysis::new(FILE);
        assert_eq!(a.stages.len(), 3);
        let (decl, uses) = a.stage_occurrences(0);
        assert_eq!(decl.unwrap().text(FILE), "builder");
        let uses: Vec<&str> = uses.iter().map(|s| s.text(FILE)).collect();
        assert_eq!(uses, ["builder", "builder"]);
        let (_, uses) = a.stage_occurrences(1);
        assert_eq!(uses.len(), 1, "--mount=from=test");
        assert!(matches!(
            a.symbol_at(at(FILE, "from=test", 0) + 6),
            Some(Symbol::Stage(1))
        ));
    }

    #[test]
    fn variables_resolve_to_their_declarations() {
        let a = Analysis::new(FILE);
        let decl_line = |r: &VarRef| a.var_decls[r.decl.unwrap()].instruction;
        let names: Vec<(&str, Option<usize>)> = a
            .var_refs
            .iter()
            .map(|r| (r.name.as_str(), r.decl.map(|_| decl_line(r))))
            .collect();
        assert_eq!(
            names,
            [
                ("BASE", Some(1)),
                ("VERSION", Some(3)),
                ("APP", Some(4)),
                ("APP", Some(4)),
                // The last stage re-declares no VERSION: unresolved.
                ("VERSION", None),
            ]
        );
        // $VERSION in the first stage belongs with the global ARG (re-declared).
        let r = a.var_refs.iter().position(|r| r.name == "VERSION").unwrap();
        let (decls, refs) = a.variable_group(&Symbol::VarRef(r));
        assert_eq!(decls.len(), 2);
        assert_eq!(refs.len(), 1);
    }

    #[test]
    fn uses_skip_quotes_and_escapes() {
        let uses = variable_uses("echo $A ${B:-x} '$C' \\$D $1 \"$E\"", '\\');
        let names: Vec<&str> = uses.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["A", "B", "E"]);
        assert_eq!(uses[1].1, 10);
    }
}
