//! `../shared/conformance/contenthash-vectors.json`: BuildKit's `cache/contenthash` tests.
//! Every `relations` entry must hold; the literal digests of `vectors` are checked too.

mod common;

use berth_context::{ChecksumOpts, Digest, Entry, RootHeader, Snapshot};
use serde_json::Value;

fn mode(v: &Value, default: u32) -> u32 {
    v["mode"]
        .as_str()
        .map_or(default, |m| u32::from_str_radix(m, 8).expect("octal mode"))
}

fn build(spec: &[Value], modify: &[Value], populated_by: &str) -> Snapshot {
    let mut items: Vec<Value> = spec.to_vec();
    for m in modify {
        let path = m["path"].as_str().expect("path");
        if m["replaces_directory"].as_bool().unwrap_or(false) {
            let prefix = format!("{path}/");
            items.retain(|i| !i["path"].as_str().unwrap_or("").starts_with(&prefix));
        }
        items.retain(|i| i["path"] != m["path"]);
        items.push(m.clone());
    }
    let contents = |path: &str| -> Option<(String, u32)> {
        let item = items.iter().find(|i| i["path"] == path)?;
        Some((item["content"].as_str()?.to_string(), mode(item, 0o644)))
    };
    let mut entries = Vec::new();
    for item in &items {
        let path = item["path"].as_str().expect("path").as_bytes();
        let entry = match item["type"].as_str().expect("type") {
            "file" => Entry::file(
                path,
                mode(item, 0o644),
                item["content"].as_str().unwrap_or("").as_bytes(),
            ),
            "dir" => Entry::dir(path, mode(item, 0o755)),
            "symlink" => Entry::symlink(path, item["target"].as_str().expect("target").as_bytes()),
            "hardlink" => {
                let target = item["target"]
                    .as_str()
                    .expect("target")
                    .trim_start_matches('/');
                let (content, m) = contents(target).expect("hardlink target is a file");
                Entry::file(path, m, content.as_bytes())
            }
            other => panic!("unknown entry type {other}"),
        };
        entries.push(entry);
    }
    let root = if populated_by == "scan" {
        RootHeader::Scan
    } else {
        RootHeader::Transfer
    };
    Snapshot::from_entries(entries, root)
}

fn opts(v: &Value) -> ChecksumOpts {
    let list = |k: &str| {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap_or("").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    ChecksumOpts {
        follow_links: v["follow_links"].as_bool().unwrap_or(false),
        wildcard: v["wildcard"].as_bool().unwrap_or(false),
        include: list("include_patterns"),
        exclude: list("exclude_patterns"),
    }
}

fn evaluate(data: &Value, side: &Value) -> String {
    if let Some(d) = side["digest"].as_str() {
        return d.to_string();
    }
    let tree = data["trees"][side["tree"].as_str().expect("tree")]
        .as_array()
        .expect("tree list");
    let empty = Vec::new();
    let modify = side["modify"].as_array().unwrap_or(&empty);
    let snap = build(
        tree,
        modify,
        side["populated_by"].as_str().unwrap_or("scan"),
    );
    match snap.checksum(side["path"].as_str().expect("path"), &opts(&side["opts"])) {
        Ok(sel) => sel.digest.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn load() -> Option<Value> {
    let Some(path) = common::shared("conformance/contenthash-vectors.json") else {
        println!("SKIPPED: ../shared/conformance/contenthash-vectors.json not found beside this checkout");
        return None;
    };
    Some(serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON"))
}

#[test]
fn relations_hold() {
    let Some(data) = load() else { return };
    let relations = data["relations"].as_array().expect("relations");
    let mut failures = Vec::new();
    for r in relations {
        let a = evaluate(&data, &r["a"]);
        let b = evaluate(&data, &r["b"]);
        let ok = match r["relation"].as_str() {
            Some("equal") => a == b && !a.starts_with("error"),
            Some("not_equal") => a != b && !a.starts_with("error"),
            other => panic!("unknown relation {other:?}"),
        };
        if !ok {
            failures.push(format!("{}: {a} vs {b}\n  {r}", r["relation"]));
        }
    }
    println!(
        "contenthash relations: {}/{} hold",
        relations.len() - failures.len(),
        relations.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn vectors_match_buildkit_digests() {
    let Some(data) = load() else { return };
    let vectors = data["vectors"].as_array().expect("vectors");
    let mut failures = Vec::new();
    for v in vectors {
        let got = evaluate(&data, v);
        let want = v["expected"].as_str().expect("expected");
        let ok = if want.starts_with("error") {
            got.starts_with("error")
        } else {
            got == want
        };
        if !ok {
            failures.push(format!(
                "{} {} {}: got {got}, want {want}",
                v["tree"], v["path"], v["opts"]
            ));
        }
    }
    println!(
        "contenthash vectors: {}/{} exact",
        vectors.len() - failures.len(),
        vectors.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        Digest::empty().to_string(),
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}
