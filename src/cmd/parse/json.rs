//! The JSON of `berth parse --format json`: berth's whole syntax tree, as output
//! types of its own converted from `berth_syntax`'s tree (the tree types carry no
//! serialisation, so the wire format changes only here, on purpose).
//!
//! One object, [`File`]:
//!
//! - `source` (the decoded text), `escape` (`"\\"` or `` "`" ``);
//! - `directives`: `{name, value, span, name_span, value_span}`;
//! - `instructions`: [`Instruction`]s in file order;
//! - `comments`: `{text, span, in_continuation}`;
//! - `nodes`: `{kind: {type, index?}, span}` tiling the source (`type` one of `bom`,
//!   `directive`, `comment`, `blank`, `instruction`, `unparsed`; `index` into
//!   `directives`, `comments` or `instructions`);
//! - `errors`: `{code, message, span, instruction}` (`code` in kebab case, e.g.
//!   `unknown-instruction`; `instruction` an index or null);
//! - `warnings`: `{message, span, instruction}`.
//!
//! Spans are `{start, end}` byte offsets into `source`; absent values are `null`.

use std::borrow::Cow;

use serde::Serialize;

use berth_syntax as syntax;

/// A byte range of the source.
#[derive(Serialize)]
pub struct Span {
    start: usize,
    end: usize,
}

impl From<syntax::Span> for Span {
    fn from(span: syntax::Span) -> Span {
        Span {
            start: span.start,
            end: span.end,
        }
    }
}

/// The whole parsed file.
#[derive(Serialize)]
pub struct File<'a> {
    source: &'a str,
    escape: char,
    directives: Vec<Directive<'a>>,
    instructions: Vec<Instruction<'a>>,
    comments: Vec<Comment<'a>>,
    nodes: Vec<Node>,
    errors: Vec<Error<'a>>,
    warnings: Vec<Warning<'a>>,
}

impl<'a> From<&'a syntax::Dockerfile> for File<'a> {
    fn from(file: &'a syntax::Dockerfile) -> File<'a> {
        File {
            source: &file.source,
            escape: file.escape,
            directives: file.directives.iter().map(Directive::from).collect(),
            instructions: file.instructions.iter().map(Instruction::from).collect(),
            comments: file.comments.iter().map(Comment::from).collect(),
            nodes: file.nodes.iter().map(Node::from).collect(),
            errors: file.errors.iter().map(Error::from).collect(),
            warnings: file.warnings.iter().map(Warning::from).collect(),
        }
    }
}

/// A parser directive.
#[derive(Serialize)]
pub struct Directive<'a> {
    name: &'a str,
    value: &'a str,
    span: Span,
    name_span: Span,
    value_span: Span,
}

impl<'a> From<&'a syntax::Directive> for Directive<'a> {
    fn from(d: &'a syntax::Directive) -> Directive<'a> {
        Directive {
            name: &d.name,
            value: &d.value,
            span: d.span.into(),
            name_span: d.name_span.into(),
            value_span: d.value_span.into(),
        }
    }
}

/// A comment line.
#[derive(Serialize)]
pub struct Comment<'a> {
    text: &'a str,
    span: Span,
    in_continuation: bool,
}

impl<'a> From<&'a syntax::Comment> for Comment<'a> {
    fn from(c: &'a syntax::Comment) -> Comment<'a> {
        Comment {
            text: &c.text,
            span: c.span.into(),
            in_continuation: c.in_continuation,
        }
    }
}

/// A piece of the lossless tiling of the source.
#[derive(Serialize)]
pub struct Node {
    kind: NodeKind,
    span: Span,
}

/// What a node holds, and its index in the list of that kind.
#[derive(Serialize)]
#[serde(tag = "type", content = "index", rename_all = "snake_case")]
pub enum NodeKind {
    Bom,
    Directive(usize),
    Comment(usize),
    Blank,
    Instruction(usize),
    Unparsed,
}

impl From<&syntax::Node> for Node {
    fn from(node: &syntax::Node) -> Node {
        let kind = match node.kind {
            syntax::NodeKind::Bom => NodeKind::Bom,
            syntax::NodeKind::Directive(i) => NodeKind::Directive(i),
            syntax::NodeKind::Comment(i) => NodeKind::Comment(i),
            syntax::NodeKind::Blank => NodeKind::Blank,
            syntax::NodeKind::Instruction(i) => NodeKind::Instruction(i),
            syntax::NodeKind::Unparsed => NodeKind::Unparsed,
        };
        Node {
            kind,
            span: node.span.into(),
        }
    }
}

/// An error, with its check's code.
#[derive(Serialize)]
pub struct Error<'a> {
    code: &'static str,
    message: &'a str,
    span: Span,
    instruction: Option<usize>,
}

impl<'a> From<&'a syntax::SyntaxError> for Error<'a> {
    fn from(e: &'a syntax::SyntaxError) -> Error<'a> {
        Error {
            code: error_code(e.code),
            message: &e.message,
            span: e.span.into(),
            instruction: e.instruction,
        }
    }
}

/// The kebab-case name of an error code.
fn error_code(code: syntax::ErrorCode) -> &'static str {
    use syntax::ErrorCode as C;
    match code {
        C::LineTooLong => "line-too-long",
        C::DuplicateDirective => "duplicate-directive",
        C::InvalidEscapeToken => "invalid-escape-token",
        C::JsonNotStrings => "json-not-strings",
        C::MissingValue => "missing-value",
        C::MissingEquals => "missing-equals",
        C::UnterminatedHeredoc => "unterminated-heredoc",
        C::HeredocDelimiter => "heredoc-delimiter",
        C::NoInstructions => "no-instructions",
        C::UnknownInstruction => "unknown-instruction",
        C::Flag => "flag",
        C::Arguments => "arguments",
        C::StageName => "stage-name",
        C::NoBuildStage => "no-build-stage",
        C::Mount => "mount",
        C::Healthcheck => "healthcheck",
        C::Onbuild => "onbuild",
    }
}

/// A parser warning.
#[derive(Serialize)]
pub struct Warning<'a> {
    message: &'a str,
    span: Span,
    instruction: usize,
}

impl<'a> From<&'a syntax::SyntaxWarning> for Warning<'a> {
    fn from(w: &'a syntax::SyntaxWarning) -> Warning<'a> {
        Warning {
            message: &w.message,
            span: w.span.into(),
            instruction: w.instruction,
        }
    }
}

/// An instruction as BuildKit's parser reads it, with its typed form (`command`,
/// null when BuildKit rejects it).
#[derive(Serialize)]
pub struct Instruction<'a> {
    keyword: Keyword<'a>,
    keyword_text: &'a str,
    keyword_span: Span,
    span: Span,
    start_line: usize,
    end_line: usize,
    original: &'a str,
    flags: Vec<Flag<'a>>,
    args: Vec<Word<'a>>,
    json: bool,
    heredocs: Vec<Heredoc<'a>>,
    prev_comment: Vec<&'a str>,
    onbuild: Option<Box<Instruction<'a>>>,
    command: Option<Command<'a>>,
    empty_continuation_line: bool,
}

impl<'a> From<&'a syntax::Instruction> for Instruction<'a> {
    fn from(ins: &'a syntax::Instruction) -> Instruction<'a> {
        Instruction {
            keyword: Keyword::from(&ins.keyword),
            keyword_text: &ins.keyword_text,
            keyword_span: ins.keyword_span.into(),
            span: ins.span.into(),
            start_line: ins.start_line,
            end_line: ins.end_line,
            original: &ins.original,
            flags: ins.flags.iter().map(Flag::from).collect(),
            args: ins.args.iter().map(Word::from).collect(),
            json: ins.json,
            heredocs: ins.heredocs.iter().map(Heredoc::from).collect(),
            prev_comment: strs(&ins.prev_comment),
            onbuild: ins
                .onbuild
                .as_deref()
                .map(|sub| Box::new(Instruction::from(sub))),
            command: ins.command.as_ref().map(Command::from),
            empty_continuation_line: ins.empty_continuation_line,
        }
    }
}

/// A keyword: its upper-case name, or `{"UNKNOWN": "as written"}`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Keyword<'a> {
    Known(Cow<'static, str>),
    Unknown {
        #[serde(rename = "UNKNOWN")]
        unknown: &'a str,
    },
}

impl<'a> From<&'a syntax::Keyword> for Keyword<'a> {
    fn from(keyword: &'a syntax::Keyword) -> Keyword<'a> {
        match keyword {
            syntax::Keyword::Unknown(text) => Keyword::Unknown { unknown: text },
            known => Keyword::Known(known.as_upper()),
        }
    }
}

/// A `--name[=value]` flag.
#[derive(Serialize)]
pub struct Flag<'a> {
    name: &'a str,
    value: Option<&'a str>,
    text: &'a str,
    span: Span,
}

impl<'a> From<&'a syntax::Flag> for Flag<'a> {
    fn from(f: &'a syntax::Flag) -> Flag<'a> {
        Flag {
            name: &f.name,
            value: f.value.as_deref(),
            text: &f.text,
            span: f.span.into(),
        }
    }
}

/// An argument node.
#[derive(Serialize)]
pub struct Word<'a> {
    value: &'a str,
    span: Span,
}

impl<'a> From<&'a syntax::Word> for Word<'a> {
    fn from(w: &'a syntax::Word) -> Word<'a> {
        Word {
            value: &w.value,
            span: w.span.into(),
        }
    }
}

/// A heredoc.
#[derive(Serialize)]
pub struct Heredoc<'a> {
    name: &'a str,
    file_descriptor: u32,
    expand: bool,
    chomp: bool,
    content: &'a str,
    marker_span: Span,
    span: Span,
}

impl<'a> From<&'a syntax::Heredoc> for Heredoc<'a> {
    fn from(h: &'a syntax::Heredoc) -> Heredoc<'a> {
        Heredoc {
            name: &h.name,
            file_descriptor: h.file_descriptor,
            expand: h.expand,
            chomp: h.chomp,
            content: &h.content,
            marker_span: h.marker_span.into(),
            span: h.span.into(),
        }
    }
}

/// The typed form of an instruction: `{"kind": "run", "value": {...}}`.
#[derive(Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Command<'a> {
    From(FromCommand<'a>),
    Run(Run<'a>),
    Cmd(ShellOrExec<'a>),
    Entrypoint(ShellOrExec<'a>),
    Shell(Vec<&'a str>),
    Env(Vec<KeyValue<'a>>),
    Label(Vec<KeyValue<'a>>),
    Arg(Vec<ArgDecl<'a>>),
    Copy(CopyCommand<'a>),
    Add(AddCommand<'a>),
    Workdir(&'a str),
    User(&'a str),
    Maintainer(&'a str),
    Stopsignal(&'a str),
    Expose(Vec<&'a str>),
    Volume(Vec<&'a str>),
    Healthcheck(Healthcheck<'a>),
    Onbuild(&'a str),
}

impl<'a> From<&'a syntax::Command> for Command<'a> {
    fn from(command: &'a syntax::Command) -> Command<'a> {
        use syntax::Command as C;
        match command {
            C::From(from) => Command::From(FromCommand {
                image: &from.image,
                platform: from.platform.as_deref(),
                name: from.name.as_deref(),
                image_span: from.image_span.into(),
                name_span: from.name_span.map(Span::from),
            }),
            C::Run(run) => Command::Run(Run {
                cmd: ShellOrExec::from(&run.cmd),
                mounts: run.mounts.iter().map(Mount::from).collect(),
                network: run.network.as_deref(),
                security: run.security.as_deref(),
                devices: strs(&run.devices),
            }),
            C::Cmd(cmd) => Command::Cmd(ShellOrExec::from(cmd)),
            C::Entrypoint(cmd) => Command::Entrypoint(ShellOrExec::from(cmd)),
            C::Shell(argv) => Command::Shell(strs(argv)),
            C::Env(pairs) => Command::Env(pairs.iter().map(KeyValue::from).collect()),
            C::Label(pairs) => Command::Label(pairs.iter().map(KeyValue::from).collect()),
            C::Arg(decls) => Command::Arg(decls.iter().map(ArgDecl::from).collect()),
            C::Copy(copy) => Command::Copy(CopyCommand {
                sources: copy.sources.iter().map(Source::from).collect(),
                dest: &copy.dest,
                dest_span: copy.dest_span.into(),
                from: copy.from.as_deref(),
                chown: copy.chown.as_deref(),
                chmod: copy.chmod.as_deref(),
                link: copy.link,
                parents: copy.parents,
                exclude: strs(&copy.exclude),
            }),
            C::Add(add) => Command::Add(AddCommand {
                sources: add.sources.iter().map(Source::from).collect(),
                dest: &add.dest,
                dest_span: add.dest_span.into(),
                chown: add.chown.as_deref(),
                chmod: add.chmod.as_deref(),
                link: add.link,
                keep_git_dir: add.keep_git_dir,
                checksum: add.checksum.as_deref(),
                unpack: add.unpack,
                exclude: strs(&add.exclude),
            }),
            C::Workdir(path) => Command::Workdir(path),
            C::User(user) => Command::User(user),
            C::Maintainer(text) => Command::Maintainer(text),
            C::Stopsignal(signal) => Command::Stopsignal(signal),
            C::Expose(ports) => Command::Expose(strs(ports)),
            C::Volume(paths) => Command::Volume(strs(paths)),
            C::Healthcheck(check) => Command::Healthcheck(Healthcheck {
                test: strs(&check.test),
                interval: check.interval.map(Duration::from),
                timeout: check.timeout.map(Duration::from),
                start_period: check.start_period.map(Duration::from),
                start_interval: check.start_interval.map(Duration::from),
                retries: check.retries,
            }),
            C::Onbuild(trigger) => Command::Onbuild(trigger),
        }
    }
}

/// `FROM`.
#[derive(Serialize)]
pub struct FromCommand<'a> {
    image: &'a str,
    platform: Option<&'a str>,
    name: Option<&'a str>,
    image_span: Span,
    name_span: Option<Span>,
}

/// A command in shell form (`{"form": "shell", "value": "..."}`) or exec form
/// (`{"form": "exec", "value": [...]}`).
#[derive(Serialize)]
#[serde(tag = "form", content = "value", rename_all = "snake_case")]
pub enum ShellOrExec<'a> {
    Shell(&'a str),
    Exec(Vec<&'a str>),
}

impl<'a> From<&'a syntax::ShellOrExec> for ShellOrExec<'a> {
    fn from(cmd: &'a syntax::ShellOrExec) -> ShellOrExec<'a> {
        match cmd {
            syntax::ShellOrExec::Shell(line) => ShellOrExec::Shell(line),
            syntax::ShellOrExec::Exec(argv) => ShellOrExec::Exec(strs(argv)),
        }
    }
}

/// `RUN`.
#[derive(Serialize)]
pub struct Run<'a> {
    cmd: ShellOrExec<'a>,
    mounts: Vec<Mount<'a>>,
    network: Option<&'a str>,
    security: Option<&'a str>,
    devices: Vec<&'a str>,
}

/// A `RUN --mount` (`kind` and `sharing` in lower case).
#[derive(Serialize)]
pub struct Mount<'a> {
    kind: &'static str,
    from: Option<&'a str>,
    source: Option<&'a str>,
    target: Option<&'a str>,
    readonly: bool,
    id: Option<&'a str>,
    sharing: Option<&'static str>,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    required: bool,
    size: Option<&'a str>,
    env: Option<&'a str>,
    span: Span,
}

impl<'a> From<&'a syntax::Mount> for Mount<'a> {
    fn from(m: &'a syntax::Mount) -> Mount<'a> {
        Mount {
            kind: m.kind.as_str(),
            from: m.from.as_deref(),
            source: m.source.as_deref(),
            target: m.target.as_deref(),
            readonly: m.readonly,
            id: m.id.as_deref(),
            sharing: m.sharing.map(|sharing| match sharing {
                syntax::Sharing::Shared => "shared",
                syntax::Sharing::Private => "private",
                syntax::Sharing::Locked => "locked",
            }),
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            required: m.required,
            size: m.size.as_deref(),
            env: m.env.as_deref(),
            span: m.span.into(),
        }
    }
}

/// An ENV or LABEL pair.
#[derive(Serialize)]
pub struct KeyValue<'a> {
    key: &'a str,
    value: &'a str,
    legacy: bool,
    key_span: Span,
    value_span: Span,
}

impl<'a> From<&'a syntax::KeyValue> for KeyValue<'a> {
    fn from(kv: &'a syntax::KeyValue) -> KeyValue<'a> {
        KeyValue {
            key: &kv.key,
            value: &kv.value,
            legacy: kv.legacy,
            key_span: kv.key_span.into(),
            value_span: kv.value_span.into(),
        }
    }
}

/// An ARG declaration.
#[derive(Serialize)]
pub struct ArgDecl<'a> {
    name: &'a str,
    default: Option<&'a str>,
    span: Span,
}

impl<'a> From<&'a syntax::ArgDecl> for ArgDecl<'a> {
    fn from(decl: &'a syntax::ArgDecl) -> ArgDecl<'a> {
        ArgDecl {
            name: &decl.name,
            default: decl.default.as_deref(),
            span: decl.span.into(),
        }
    }
}

/// A COPY or ADD source (`heredoc`: index into the instruction's heredocs).
#[derive(Serialize)]
pub struct Source<'a> {
    path: &'a str,
    heredoc: Option<usize>,
    span: Span,
}

impl<'a> From<&'a syntax::Source> for Source<'a> {
    fn from(source: &'a syntax::Source) -> Source<'a> {
        Source {
            path: &source.path,
            heredoc: source.heredoc,
            span: source.span.into(),
        }
    }
}

/// `COPY`.
#[derive(Serialize)]
pub struct CopyCommand<'a> {
    sources: Vec<Source<'a>>,
    dest: &'a str,
    dest_span: Span,
    from: Option<&'a str>,
    chown: Option<&'a str>,
    chmod: Option<&'a str>,
    link: bool,
    parents: bool,
    exclude: Vec<&'a str>,
}

/// `ADD`.
#[derive(Serialize)]
pub struct AddCommand<'a> {
    sources: Vec<Source<'a>>,
    dest: &'a str,
    dest_span: Span,
    chown: Option<&'a str>,
    chmod: Option<&'a str>,
    link: bool,
    keep_git_dir: Option<bool>,
    checksum: Option<&'a str>,
    unpack: Option<bool>,
    exclude: Vec<&'a str>,
}

/// `HEALTHCHECK` (durations as `{secs, nanos}`).
#[derive(Serialize)]
pub struct Healthcheck<'a> {
    test: Vec<&'a str>,
    interval: Option<Duration>,
    timeout: Option<Duration>,
    start_period: Option<Duration>,
    start_interval: Option<Duration>,
    retries: Option<i32>,
}

/// A duration: whole seconds and the nanoseconds beyond them.
#[derive(Serialize)]
pub struct Duration {
    secs: u64,
    nanos: u32,
}

impl From<std::time::Duration> for Duration {
    fn from(d: std::time::Duration) -> Duration {
        Duration {
            secs: d.as_secs(),
            nanos: d.subsec_nanos(),
        }
    }
}

/// The texts of a list of strings.
fn strs(list: &[syntax::SharedStr]) -> Vec<&str> {
    list.iter().map(|s| s.as_str()).collect()
}
