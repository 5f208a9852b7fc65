//! Compose files as a tree of positioned nodes: YAML read with yaml-rust2's event parser
//! (which reports the line and column of every node), aliases expanded, `<<` merge keys
//! applied and plain scalars resolved the way compose's YAML library (go-yaml v3) reads them
//! into untyped values, so `4.0`, `0x10` and `True` become the strings compose passes on
//! (`"4"`, `"16"`, `"true"`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::Error;

/// Where a node was written: file, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pos {
    /// The compose file.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// A YAML node with its position.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub value: Value,
    pub pos: Pos,
    /// compose's `!reset` / `!override` tags, which change how the node merges.
    pub tag: MergeTag,
    /// A `|` or `>` block scalar (`pos` is then its first non-blank line of text).
    pub block_scalar: bool,
}

/// How a node takes part in a merge of compose files (compose's custom YAML tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MergeTag {
    /// Merged by compose's rules.
    None,
    /// `!reset`: removes the value from the files before.
    Reset,
    /// `!override`: replaces the value of the files before instead of merging with it.
    Override,
}

#[derive(Clone, Debug)]
pub(crate) enum Value {
    Null,
    /// A scalar, resolved to the text compose would see (numbers and booleans canonical).
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub name: String,
    pub pos: Pos,
}

impl Node {
    pub fn new(value: Value, pos: Pos) -> Node {
        Node {
            value,
            pos,
            tag: MergeTag::None,
            block_scalar: false,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key entry `key` of a mapping (for its position).
    pub fn key(&self, key: &str) -> Option<&Key> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, _)| k),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Reads every YAML document of `text` (compose merges the documents of one file in order).
pub(crate) fn parse(text: &str, file: &Path) -> Result<Vec<Node>, Error> {
    let file = Arc::new(file.to_path_buf());
    let mut builder = Builder {
        file: file.clone(),
        stack: vec![],
        anchors: HashMap::new(),
        aliased: 0,
        documents: vec![],
        error: None,
    };
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        return Err(Error::at(
            &position(&file, m),
            "",
            format!("invalid YAML: {}", e.info()),
        ));
    }
    if let Some(e) = builder.error {
        return Err(e);
    }
    Ok(builder.documents)
}

fn position(file: &Arc<PathBuf>, m: &Marker) -> Pos {
    Pos {
        file: file.clone(),
        line: m.line(),
        column: m.col() + 1,
    }
}

/// The internal name of a plain `<<` key (a quoted `"<<"` is an ordinary key).
const MERGE_KEY: &str = "\u{0}<<";

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        tag: MergeTag,
    },
    Map {
        entries: Vec<(Key, Node)>,
        /// Keys from `<<` merges, applied when the mapping ends (explicit keys win).
        merged: Vec<(Key, Node)>,
        pending_key: Option<Key>,
        pos: Pos,
        anchor: usize,
        tag: MergeTag,
    },
}

/// At most this many nodes may be copied by aliases in one file: a few nested anchors can
/// otherwise expand to billions of nodes ("billion laughs"). go-yaml refuses such files too.
const MAX_ALIASED_NODES: usize = 1_000_000;

fn size(node: &Node) -> usize {
    1 + match &node.value {
        Value::Seq(items) => items.iter().map(size).sum(),
        Value::Map(entries) => entries.iter().map(|(_, v)| 1 + size(v)).sum(),
        _ => 0,
    }
}

struct Builder {
    file: Arc<PathBuf>,
    stack: Vec<Frame>,
    /// Anchored nodes and their sizes.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes copied by aliases so far.
    aliased: usize,
    documents: Vec<Node>,
    error: Option<Error>,
}

fn merge_tag(tag: &Option<Tag>) -> MergeTag {
    match tag {
        Some(t) if t.handle == "!" && t.suffix == "reset" => MergeTag::Reset,
        Some(t) if t.handle == "!" && t.suffix == "override" => MergeTag::Override,
        _ => MergeTag::None,
    }
}

impl Builder {
    fn fail(&mut self, pos: &Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::at(pos, "", message));
        }
    }

    /// Hands a finished node to its parent (or to the document list).
    fn push(&mut self, node: Node, anchor: usize, is_merge_key: bool) {
        if anchor != 0 {
            let n = size(&node);
            self.anchors.insert(anchor, (node.clone(), n));
        }
        let mut problem = None;
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                merged,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    // A key: mappings and lists as keys are not something compose reads.
                    match node.value {
                        Value::Str(name) => {
                            let name = if is_merge_key { MERGE_KEY.into() } else { name };
                            *pending_key = Some(Key {
                                name,
                                pos: node.pos,
                            })
                        }
                        Value::Null => {
                            *pending_key = Some(Key {
                                name: String::new(),
                                pos: node.pos,
                            })
                        }
                        _ => {
                            problem =
                                Some((node.pos.clone(), "a mapping key must be a string".into()));
                            *pending_key = Some(Key {
                                name: String::new(),
                                pos: node.pos,
                            });
                        }
                    }
                }
                Some(key) if key.name == MERGE_KEY => {
                    // YAML merge key: a mapping, or a list of mappings (earlier ones win).
                    let sources: Vec<Node> = match node.value {
                        Value::Map(_) => vec![node],
                        Value::Seq(items) => items,
                        _ => {
                            problem = Some((
                                node.pos.clone(),
                                "the merge key `<<` takes a mapping or a list of mappings".into(),
                            ));
                            vec![]
                        }
                    };
                    for source in sources {
                        match source.value {
                            Value::Map(more) => {
                                for (k, v) in more {
                                    if !merged.iter().any(|(m, _)| m.name == k.name) {
                                        merged.push((k, v));
                                    }
                                }
                            }
                            _ => {
                                problem = Some((
                                    source.pos.clone(),
                                    "the merge key `<<` takes a mapping or a list of mappings"
                                        .into(),
                                ))
                            }
                        }
                    }
                }
                Some(key) => {
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == key.name) {
                        problem = Some((
                            key.pos.clone(),
                            format!(
                                "mapping key `{}` already defined at line {}",
                                key.name, first.pos.line
                            ),
                        ));
                    }
                    entries.push((key, node));
                }
            },
        }
        if let Some((pos, message)) = problem {
            self.fail(&pos, message);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = position(&self.file, &mark);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let is_merge_key = plain
                    && text == "<<"
                    && matches!(
                        self.stack.last(),
                        Some(Frame::Map {
                            pending_key: None,
                            ..
                        })
                    );
                let value = if plain && tag.is_none() {
                    resolve_plain(&text)
                } else {
                    Value::Str(text)
                };
                let mut node = Node::new(value, pos);
                node.tag = merge_tag(&tag);
                node.block_scalar = matches!(style, TScalarStyle::Literal | TScalarStyle::Folded);
                self.push(node, anchor, is_merge_key);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((_, n)) if self.aliased + n > MAX_ALIASED_NODES => {
                    self.fail(
                        &pos,
                        "the aliases in this file expand to too many nodes (more than 1,000,000)"
                            .into(),
                    );
                    self.push(Node::new(Value::Null, pos), 0, false);
                }
                Some((node, n)) => {
                    let mut node = node.clone();
                    node.pos = pos;
                    self.aliased += n;
                    self.push(node, 0, false);
                }
                None => self.fail(&pos, "alias of an unknown anchor".into()),
            },
            Event::SequenceStart(anchor, tag) => self.stack.push(Frame::Seq {
                items: vec![],
                pos,
                anchor,
                tag: merge_tag(&tag),
            }),
            Event::MappingStart(anchor, tag) => self.stack.push(Frame::Map {
                entries: vec![],
                merged: vec![],
                pending_key: None,
                pos,
                anchor,
                tag: merge_tag(&tag),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let (node, anchor) = match frame {
                    Frame::Seq {
                        items,
                        pos,
                        anchor,
                        tag,
                    } => (
                        Node {
                            value: Value::Seq(items),
                            pos,
                            tag,
                            block_scalar: false,
                        },
                        anchor,
                    ),
                    Frame::Map {
                        mut entries,
                        merged,
                        pos,
                        anchor,
                        tag,
                        ..
                    } => {
                        for (k, v) in merged {
                            if !entries.iter().any(|(e, _)| e.name == k.name) {
                                entries.push((k, v));
                            }
                        }
                        (
                            Node {
                                value: Value::Map(entries),
                                pos,
                                tag,
                                block_scalar: false,
                            },
                            anchor,
                        )
                    }
                };
                self.push(node, anchor, false);
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd => {}
        }
    }
}

/// A plain scalar as go-yaml v3 resolves it into an untyped value, then as compose prints
/// it back to a string: null, booleans (`true`, `True`, `TRUE`), integers in any base and
/// floats become their canonical text; everything else (`yes`, `tRue`, `1:20`) stays as
/// written.
pub(crate) fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Str("true".into()),
        "false" | "False" | "FALSE" => return Value::Str("false".into()),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Str("+Inf".into()),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Str("-Inf".into()),
        ".nan" | ".NaN" | ".NAN" => return Value::Str("NaN".into()),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        if let Some(number) = number(text) {
            return Value::Str(number);
        }
    }
    Value::Str(text.to_string())
}

/// The canonical text of a YAML number (go-yaml v3's resolution, Go's `%v` formatting).
fn number(text: &str) -> Option<String> {
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Some(i);
    }
    if is_yaml_float(&plain) || text.starts_with('.') {
        if let Ok(f) = plain.parse::<f64>() {
            if f.is_finite() {
                return Some(go_format_float(f));
            }
        }
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: optional sign, `0x`/`0o`/`0b`
/// prefixes and a leading `0` for octal; the decimal text of the value.
fn go_parse_int(s: &str) -> Option<String> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(b) = lower.strip_prefix("0x") {
        (16, b)
    } else if let Some(b) = lower.strip_prefix("0o") {
        (8, b)
    } else if let Some(b) = lower.strip_prefix("0b") {
        (2, b)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        // i64's range: down to -2^63.
        if magnitude > 1 << 63 {
            return None;
        }
        if magnitude == 0 {
            return Some("0".into());
        }
        Some(format!("-{magnitude}"))
    } else {
        Some(magnitude.to_string())
    }
}

/// go-yaml's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): the shortest digits that
/// round-trip, in exponent form when the decimal exponent is below -4 or at least 6
/// (`1e+06`, `1.5e-07`).
pub(crate) fn go_format_float(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `1.5e-7`, `-1e20`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if negative { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (head, tail) = digits.split_at(1);
        let frac = if tail.is_empty() {
            String::new()
        } else {
            format!(".{tail}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{head}{frac}e{esign}{:02}", exp.abs());
    }
    // Plain form: place the decimal point `exp + 1` digits in.
    let point = exp + 1;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if (point as usize) >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> Option<String> {
        match resolve_plain(text) {
            Value::Str(s) => Some(s),
            Value::Null => None,
            _ => unreachable!(),
        }
    }

    /// Plain scalars as `docker compose config` printed them (compose 2.40.3).
    #[test]
    fn plain_scalars_resolve_as_compose_prints_them() {
        let table = [
            ("4.0", "4"),
            ("0x10", "16"),
            ("1e3", "1000"),
            ("007", "7"),
            ("010", "8"),
            ("True", "true"),
            ("FALSE", "false"),
            ("tRue", "tRue"),
            ("yes", "yes"),
            ("12345678901234567890", "12345678901234567890"),
            ("123456789012345678901234", "1.2345678901234569e+23"),
            ("1_000", "1000"),
            ("-0", "0"),
            (".inf", "+Inf"),
            ("-.inf", "-Inf"),
            (".NaN", "NaN"),
            ("1.5e-7", "1.5e-07"),
            ("1e21", "1e+21"),
            ("1e20", "1e+20"),
            ("100000000000000000000.0", "1e+20"),
            ("0b101", "5"),
            ("0o17", "15"),
            ("+5", "5"),
            ("1.0e+2", "100"),
            ("-1_0", "-10"),
            (".5", "0.5"),
            ("5.", "5"),
            ("0.1", "0.1"),
            ("0.00001", "1e-05"),
            ("0x_1F", "31"),
            ("1.5E3", "1500"),
            ("1:20", "1:20"),
            ("v1.2", "v1.2"),
            ("1.2.3", "1.2.3"),
            ("-", "-"),
            ("123456", "123456"),
            ("123456.0", "123456"),
            ("1234567.0", "1.234567e+06"),
        ];
        for (written, compose) in table {
            assert_eq!(scalar(written).as_deref(), Some(compose), "{written}");
        }
        for null in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(scalar(null), None, "{null}");
        }
    }

    #[test]
    fn anchors_merge_keys_and_positions() {
        let text = "x-base: &base\n  a: 1\n  b: two\nsvc:\n  <<: *base\n  b: own\n  c: [*base]\n";
        let docs = parse(text, Path::new("c.yaml")).unwrap();
        let root = &docs[0];
        let svc = root.get("svc").unwrap();
        assert_eq!(svc.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(svc.get("b").unwrap().as_str(), Some("own"));
        let b = svc.get("b").unwrap();
        assert_eq!((b.pos.line, b.pos.column), (6, 6));
        assert_eq!(svc.key("b").unwrap().pos.line, 6);
        match &svc.get("c").unwrap().value {
            Value::Seq(items) => assert!(items[0].get("a").is_some()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn merge_list_earlier_wins_and_quoted_merge_key_is_a_key() {
        let text = "a: &a {k: 1}\nb: &b {k: 2, m: 3}\nc:\n  <<: [*a, *b]\nd:\n  '<<': 5\n";
        let docs = parse(text, Path::new("c.yaml")).unwrap();
        let c = docs[0].get("c").unwrap();
        assert_eq!(c.get("k").unwrap().as_str(), Some("1"));
        assert_eq!(c.get("m").unwrap().as_str(), Some("3"));
        assert_eq!(
            docs[0].get("d").unwrap().get("<<").unwrap().as_str(),
            Some("5")
        );
    }

    #[test]
    fn errors_have_positions() {
        let err = parse("a: 1\nb: [\n", Path::new("bad.yaml")).unwrap_err();
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
        let err = parse("a: 1\na: 2\n", Path::new("dup.yaml")).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string().contains("already defined at line 1"),
            "{err}"
        );
        let err = parse("a: *nope\n", Path::new("alias.yaml")).unwrap_err();
        assert!(err.to_string().contains("alias.yaml:1:"), "{err}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&text, Path::new("bomb.yaml")).unwrap_err();
        assert!(err.to_string().contains("too many nodes"), "{err}");
    }

    #[test]
    fn reset_and_override_tags_are_kept() {
        let docs = parse("a: !reset []\nb: !override {x: 1}\n", Path::new("t.yaml")).unwrap();
        assert_eq!(docs[0].get("a").unwrap().tag, MergeTag::Reset);
        assert_eq!(docs[0].get("b").unwrap().tag, MergeTag::Override);
    }
}
