//! Merging compose trees (`-f a.yaml -f b.yaml`, `extends`) with compose's rules
//! (compose-go's `override` package): mappings merge key by key, lists append, scalars are
//! replaced; `build: ./dir` merges as `{context: ./dir}`; build `args`,
//! `additional_contexts` and `labels` merge as `KEY=VALUE` lists in which a later key wins
//! (so a map and a list merge); `command` and `entrypoint` are replaced whole. compose's
//! `!reset` removes a value and `!override` replaces it without merging.

use crate::yaml::{Key, MergeTag, Node, Value};
use crate::Error;

/// How a path is merged, beyond the generic rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    Build,
    ToSequence,
    Replace,
}

fn special(path: &[String]) -> Option<Special> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["services", _, "build"] => Some(Special::Build),
        ["services", _, "build", "args" | "additional_contexts" | "labels"] => {
            Some(Special::ToSequence)
        }
        ["services", _, "command" | "entrypoint"] => Some(Special::Replace),
        ["services", _, "healthcheck", "test"] => Some(Special::Replace),
        _ => None,
    }
}

/// Merges `over` onto `base` at `path` (the keys from the root, e.g. `services.web`).
pub(crate) fn merge(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, Error> {
    if over.tag == MergeTag::Override {
        return Ok(over);
    }
    match special(path) {
        Some(Special::Build) => {
            return merge_mappings(build_mapping(base), build_mapping(over), path);
        }
        Some(Special::ToSequence) => {
            let pos = over.pos.clone();
            let mut items = to_sequence(base);
            items.extend(to_sequence(over));
            return Ok(Node::new(Value::Seq(items), pos));
        }
        Some(Special::Replace) => return Ok(over),
        None => {}
    }
    if matches!(over.value, Value::Null) {
        return Ok(base);
    }
    match (&base.value, &over.value) {
        (Value::Map(_), Value::Map(_)) => merge_mappings(base, over, path),
        (Value::Map(_), _) => Err(Error::at(
            &over.pos,
            &path.join("."),
            format!("cannot override a mapping with {}", over.kind()),
        )),
        (Value::Seq(_), Value::Seq(_)) => {
            let Value::Seq(mut items) = base.value else {
                unreachable!()
            };
            let Value::Seq(more) = over.value else {
                unreachable!()
            };
            items.extend(more);
            Ok(Node::new(Value::Seq(items), over.pos))
        }
        (Value::Seq(_), _) => Err(Error::at(
            &over.pos,
            &path.join("."),
            format!("cannot override a list with {}", over.kind()),
        )),
        _ => Ok(over),
    }
}

/// `build: ./dir` is `build: {context: ./dir}` for merging.
pub(crate) fn build_mapping(node: Node) -> Node {
    match node.value {
        Value::Str(context) => {
            let key = Key {
                name: "context".into(),
                pos: node.pos.clone(),
            };
            let value = Node::new(Value::Str(context), node.pos.clone());
            Node::new(Value::Map(vec![(key, value)]), node.pos)
        }
        _ => node,
    }
}

fn merge_mappings(base: Node, over: Node, path: &mut Vec<String>) -> Result<Node, Error> {
    let pos = base.pos.clone();
    let mut entries = match base.value {
        Value::Map(entries) => entries,
        Value::Null => vec![],
        _ => {
            return Err(Error::at(
                &base.pos,
                &path.join("."),
                format!("expected a mapping, found {}", base.kind()),
            ))
        }
    };
    let more = match over.value {
        Value::Map(more) => more,
        Value::Null => vec![],
        _ => {
            return Err(Error::at(
                &over.pos,
                &path.join("."),
                format!("expected a mapping, found {}", over.kind()),
            ))
        }
    };
    for (key, value) in more {
        let existing = entries.iter().position(|(k, _)| k.name == key.name);
        if value.tag == MergeTag::Reset {
            if let Some(i) = existing {
                entries.remove(i);
            }
            continue;
        }
        match existing {
            None => entries.push((key, value)),
            Some(i) => {
                let (old_key, old) = entries.remove(i);
                path.push(key.name.clone());
                let merged = merge(old, value, path);
                path.pop();
                entries.insert(i, (old_key, merged?));
            }
        }
    }
    Ok(Node {
        value: Value::Map(entries),
        pos,
        tag: MergeTag::None,
        block_scalar: false,
    })
}

/// compose's `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` (or `KEY` for a
/// null value) strings, a list stays, a string is a one-item list.
fn to_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Map(entries) => {
            let mut items: Vec<Node> = entries
                .into_iter()
                .map(|(key, value)| {
                    let text = match &value.value {
                        Value::Null => key.name.clone(),
                        Value::Str(v) => format!("{}={v}", key.name),
                        // A list or mapping as a value is not a string; keep the key.
                        _ => format!("{}=", key.name),
                    };
                    let pos = if matches!(value.value, Value::Null) {
                        key.pos
                    } else {
                        value.pos
                    };
                    Node::new(Value::Str(text), pos)
                })
                .collect();
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        Value::Null => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;
    use std::path::Path;

    fn merged(a: &str, b: &str) -> Node {
        let a = parse(a, Path::new("a.yaml")).unwrap().remove(0);
        let b = parse(b, Path::new("b.yaml")).unwrap().remove(0);
        merge(a, b, &mut vec![]).unwrap()
    }

    fn strings(node: &Node) -> Vec<String> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .map(|i| i.as_str().unwrap_or("?").to_string())
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    fn at<'a>(node: &'a Node, path: &str) -> &'a Node {
        path.split('.')
            .fold(node, |n, k| n.get(k).unwrap_or_else(|| panic!("{path}")))
    }

    /// (first file, second file, path, expected): compose's merge of two files.
    #[test]
    fn merge_table() {
        let svc = |body: &str| format!("services:\n  web:\n{body}");
        // Scalars are replaced.
        let m = merged(
            &svc("    build:\n      context: a\n      target: one\n"),
            &svc("    build:\n      target: two\n"),
        );
        assert_eq!(at(&m, "services.web.build.target").as_str(), Some("two"));
        assert_eq!(at(&m, "services.web.build.context").as_str(), Some("a"));
        // The short form merges as a context.
        let m = merged(
            &svc("    build: ./a\n"),
            &svc("    build:\n      target: t\n"),
        );
        assert_eq!(at(&m, "services.web.build.context").as_str(), Some("./a"));
        assert_eq!(at(&m, "services.web.build.target").as_str(), Some("t"));
        let m = merged(
            &svc("    build:\n      context: a\n      dockerfile: D\n"),
            &svc("    build: ./b\n"),
        );
        assert_eq!(at(&m, "services.web.build.context").as_str(), Some("./b"));
        assert_eq!(at(&m, "services.web.build.dockerfile").as_str(), Some("D"));
        // Args: a map and a list merge as KEY=VALUE lists (dedup happens when read).
        let m = merged(
            &svc("    build:\n      args:\n        B: 1\n        A: 2\n"),
            &svc("    build:\n      args:\n        - A=3\n        - C\n"),
        );
        assert_eq!(
            strings(at(&m, "services.web.build.args")),
            ["A=2", "B=1", "A=3", "C"]
        );
        // Lists append (profiles; dedup happens when read), mappings merge.
        let m = merged(
            &svc("    profiles: [a]\n    x-note: {k: 1}\n"),
            &svc("    profiles: [b]\n    x-note: {j: 2}\n"),
        );
        assert_eq!(strings(at(&m, "services.web.profiles")), ["a", "b"]);
        assert!(at(&m, "services.web.x-note").get("k").is_some());
        // command is replaced, not appended.
        let m = merged(&svc("    command: [a, b]\n"), &svc("    command: [c]\n"));
        assert_eq!(strings(at(&m, "services.web.command")), ["c"]);
        // !reset removes, !override replaces.
        let m = merged(
            &svc("    build:\n      context: a\n      target: t\n"),
            &svc("    build:\n      target: !reset null\n"),
        );
        assert!(at(&m, "services.web.build").get("target").is_none());
        let m = merged(
            &svc("    build:\n      context: a\n      args: {A: 1}\n"),
            &svc("    build: !override\n      context: b\n"),
        );
        assert!(at(&m, "services.web.build").get("args").is_none());
        // A null value keeps the first file's.
        let m = merged(&svc("    image: x\n"), &svc("    image:\n"));
        assert_eq!(at(&m, "services.web.image").as_str(), Some("x"));
    }

    #[test]
    fn type_conflicts_are_errors_with_positions() {
        let a = parse(
            "services:\n  web:\n    build: {context: a}\n    profiles: [x]\n",
            Path::new("a.yaml"),
        )
        .unwrap()
        .remove(0);
        let b = parse("services:\n  web:\n    profiles: x\n", Path::new("b.yaml"))
            .unwrap()
            .remove(0);
        let e = merge(a, b, &mut vec![]).unwrap_err();
        assert_eq!(e.key, "services.web.profiles");
        assert_eq!(e.line, 3);
        assert!(e.to_string().starts_with("b.yaml:3:"), "{e}");
    }
}
