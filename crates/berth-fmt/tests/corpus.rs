//! The formatter over the real-world corpus (`../shared/corpus/dockerfiles`): idempotent,
//! and BuildKit's own parser (PyPI `dockerfile==3.4.0`, the oracle) reads every formatted
//! file exactly as the original apart from whitespace and keyword case where BuildKit (or the
//! shell running a command) ignores them.

use std::path::{Path, PathBuf};
use std::process::Command;

use berth_fmt::{format, Options};

fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BERTH_SHARED") {
        return Some(PathBuf::from(dir)).filter(|p| p.is_dir());
    }
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .find(|p| p.join("corpus/dockerfiles").is_dir())
}

fn oracle_python() -> Option<PathBuf> {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    std::env::var_os("BERTH_ORACLE_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            root.join(".venv-oracle/bin/python"),
            root.join("../.venv-oracle/bin/python"),
            root.join("../../.venv-oracle/bin/python"),
        ])
        .find(|p| p.is_file())
}

fn corpus() -> Option<Vec<(PathBuf, String)>> {
    let dir = shared_dir()?.join("corpus/dockerfiles");
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                files.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    files.sort();
    Some(files)
}

#[test]
fn idempotent_over_the_corpus() {
    let Some(files) = corpus() else {
        eprintln!("SKIPPED: formatter corpus test: ../shared/corpus not found (set BERTH_SHARED)");
        return;
    };
    let options = Options::default();
    let mut changed = 0;
    for (path, text) in &files {
        let once = format(text, &options);
        let twice = format(&once, &options);
        assert_eq!(once, twice, "not idempotent: {}", path.display());
        changed += usize::from(once != *text);
    }
    eprintln!("formatted {} corpus files, {changed} changed", files.len());
    assert!(changed > 0);
}

/// The comparison, in Python beside the oracle: every field of every instruction equal,
/// except the keyword's case, `original` (compared with whitespace runs collapsed, upper-cased),
/// FROM's `AS` (case-insensitive) and the shell text of RUN/CMD/ENTRYPOINT/HEALTHCHECK
/// (unquoted whitespace runs collapsed). A file BuildKit rejects must be rejected the same way.
const COMPARE: &str = r#"
import json, re, sys
import dockerfile

def shell_normal(s):
    out, quote, i, pending = [], None, 0, False
    s = s.strip()
    while i < len(s):
        c = s[i]
        if quote is None and c in " \t":
            pending = True; i += 1; continue
        if pending:
            out.append(" "); pending = False
        out.append(c)
        if quote is None and c in "'\"":
            quote = c
        elif quote == c:
            quote = None
        elif c == "\\" and quote != "'" and i + 1 < len(s):
            i += 1; out.append(s[i])
        i += 1
    return "".join(out)

def loose(s):
    return re.sub(r"\s+", " ", s).strip().upper()

def parse(text):
    try:
        # BuildKit matches keywords case-insensitively (the binding reports them as written).
        return [dict(cmd=c.cmd.upper(), sub_cmd=c.sub_cmd and c.sub_cmd.upper(), json=c.json, original=c.original,
                     start_line=c.start_line, end_line=c.end_line, flags=list(c.flags),
                     value=list(c.value),
                     heredocs=[(h.name, h.file_descriptor, h.content) for h in c.heredocs])
                for c in dockerfile.parse_string(text)], None
    except dockerfile.GoParseError as e:
        return None, re.sub(r"\s+", " ", str(e))

pairs = json.load(open(sys.argv[1]))
bad, compared, rejected = [], 0, 0
for name, before, after in pairs:
    a, ea = parse(before)
    b, eb = parse(after)
    if a is None or b is None:
        rejected += 1
        if (a is None) != (b is None) or ea != eb:
            bad.append(f"{name}: rejection differs: {ea!r} vs {eb!r}")
        continue
    compared += 1
    if len(a) != len(b):
        bad.append(f"{name}: {len(a)} vs {len(b)} instructions"); continue
    for x, y in zip(a, b):
        shell = x["cmd"] in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK") and not x["json"]
        for key in ("cmd", "sub_cmd", "json", "start_line", "end_line", "flags", "heredocs"):
            if x[key] != y[key]:
                bad.append(f"{name}:{x['start_line']}: {key}: {x[key]!r} vs {y[key]!r}")
        if loose(shell_normal(x["original"])) != loose(shell_normal(y["original"])):
            bad.append(f"{name}:{x['start_line']}: original: {x['original']!r} vs {y['original']!r}")
        xv, yv = x["value"], y["value"]
        if x["cmd"] == "FROM":
            xv = [v.lower() if i == 1 else v for i, v in enumerate(xv)]
            yv = [v.lower() if i == 1 else v for i, v in enumerate(yv)]
        if shell or x["sub_cmd"] in ("RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"):
            xv, yv = [shell_normal(v) for v in xv], [shell_normal(v) for v in yv]
        if xv != yv:
            bad.append(f"{name}:{x['start_line']}: value: {x['value']!r} vs {y['value']!r}")
print(f"fmt vs BuildKit: {compared} files parsed identically apart from ignored whitespace/case, "
      f"{rejected} rejected alike, {len(bad)} differences")
for line in bad[:20]:
    print("DIFF", line)
sys.exit(1 if bad else 0)
"#;

#[test]
fn buildkit_reads_formatted_files_as_the_originals() {
    let Some(files) = corpus() else {
        eprintln!("SKIPPED: formatter oracle test: ../shared/corpus not found (set BERTH_SHARED)");
        return;
    };
    let Some(python) = oracle_python() else {
        eprintln!("SKIPPED: formatter oracle test: no .venv-oracle/bin/python (run .ci/setup.sh)");
        return;
    };
    let options = Options::default();
    let pairs: Vec<(String, String, String)> = files
        .iter()
        .filter_map(|(path, text)| {
            let formatted = format(text, &options);
            (formatted != *text).then(|| (path.display().to_string(), text.clone(), formatted))
        })
        .collect();
    let dir = tempfile_dir();
    let input = dir.join("pairs.json");
    std::fs::write(&input, serde_json::to_string(&pairs).unwrap()).unwrap();
    let out = Command::new(&python)
        .arg("-c")
        .arg(COMPARE)
        .arg(&input)
        .output()
        .expect("run the oracle");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    if String::from_utf8_lossy(&out.stderr).contains("No module named 'dockerfile'") {
        eprintln!("SKIPPED: the oracle python lacks the `dockerfile` package");
        return;
    }
    assert!(
        out.status.success(),
        "BuildKit reads some formatted files differently"
    );
    assert!(stdout.contains("0 differences"));
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("berth-fmt-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
