//! BuildKit's own views of a parsed file: the AST dump its parser tests compare
//! against (`Node.Dump`), and the JSON of DESIGN.md 3.2 — the fields the PyPI
//! package `dockerfile==3.4.0` (BuildKit v0.12.5's parser) exposes.
//!
//! ```
//! let file = berth_syntax::parse("FROM a\nENV x=1\nONBUILD RUN [\"echo\", \"hi\"]\n");
//! assert_eq!(berth_syntax::buildkit::dump(&file),
//!     "(from \"a\")\n(env \"x\" \"1\" \"=\")\n(onbuild (run \"echo\" \"hi\"))\n");
//! let json = berth_syntax::buildkit::to_json(&file);
//! assert_eq!(json[1]["value"], serde_json::json!(["x", "1"]));
//! assert_eq!(json[2]["sub_cmd"], "RUN");
//! ```

use serde_json::{json, Value};

use crate::ast::{Dockerfile, Instruction, Keyword};
use crate::go::go_quote;

/// The AST dump of BuildKit's parser tests: one `(...)` line per instruction.
pub fn dump(file: &Dockerfile) -> String {
    let mut out = String::new();
    for ins in &file.instructions {
        out.push('(');
        dump_instruction(ins, &mut out);
        out.push_str(")\n");
    }
    out
}

fn dump_instruction(ins: &Instruction, out: &mut String) {
    let mut s = ins.keyword_text.to_lowercase();
    if !ins.flags.is_empty() {
        s.push_str(" [");
        for (i, f) in ins.flags.iter().enumerate() {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(&go_quote(&f.text));
        }
        s.push(']');
    }
    if let Some(sub) = &ins.onbuild {
        s.push_str(" (");
        dump_instruction(sub, &mut s);
        s.push(')');
    }
    for w in &ins.args {
        s.push(' ');
        s.push_str(&go_quote(&w.value));
    }
    out.push_str(s.trim());
}

/// The argument values BuildKit v0.12.5 produced: ENV and LABEL had no separator node.
fn v0_12_values(ins: &Instruction) -> Vec<&str> {
    if ins.onbuild.is_some() {
        // A nested ONBUILD: its argument is a node holding the trigger, whose value is empty.
        return vec![""];
    }
    let pairs = matches!(ins.keyword, Keyword::Env | Keyword::Label);
    ins.args
        .iter()
        .enumerate()
        .filter(|(i, _)| !pairs || i % 3 != 2)
        .map(|(_, w)| w.value.as_str())
        .collect()
}

/// DESIGN.md 3.2: one object per instruction with `cmd`, `sub_cmd`, `json`,
/// `original`, `start_line`, `end_line`, `flags`, `value`, `heredocs`.
pub fn to_json(file: &Dockerfile) -> Value {
    Value::Array(file.instructions.iter().map(instruction_json).collect())
}

fn instruction_json(ins: &Instruction) -> Value {
    let node = ins.onbuild.as_deref().unwrap_or(ins);
    // The package reports the heredocs of the node whose values it reports (for
    // ONBUILD the wrapped instruction, which BuildKit leaves without heredocs), and
    // appends them to `original`.
    let heredocs: &[crate::Heredoc] = if ins.onbuild.is_some() {
        &[]
    } else {
        &ins.heredocs
    };
    let mut original = ins.original.to_string();
    if !heredocs.is_empty() {
        original.push('\n');
        for h in heredocs {
            original.push_str(&h.content);
            original.push_str(&h.name);
            original.push('\n');
        }
    }
    json!({
        "cmd": ins.keyword_text,
        "sub_cmd": ins.onbuild.as_ref().map(|s| s.keyword_text.as_str()),
        "json": node.json,
        "original": original,
        "start_line": ins.start_line,
        "end_line": ins.end_line,
        "flags": ins.flags.iter().map(|f| f.text.as_str()).collect::<Vec<_>>(),
        "value": v0_12_values(node),
        "heredocs": heredocs.iter().map(|h| json!({
            "name": h.name,
            "file_descriptor": h.file_descriptor,
            "content": h.content,
        })).collect::<Vec<_>>(),
    })
}
