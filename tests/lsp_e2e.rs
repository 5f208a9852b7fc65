//! `berth lsp` end to end, driven as an editor drives it: spawn, initialize, didOpen,
//! didChange (incremental), every request the server offers, shutdown, exit. Ranges are
//! checked exactly (0-based lines, UTF-16 characters).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn spawn(cwd: &std::path::Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_berth"))
            .arg("lsp")
            .current_dir(cwd)
            .env("HOME", cwd)
            .env_remove("XDG_CONFIG_HOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn berth lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming: rx,
            pending: Vec::new(),
            next_id: 0,
        }
    }

    fn send(&mut self, message: Value) {
        let text = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{text}", text.len()).as_bytes());
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message matching `want`, keeping the others for later.
    fn wait(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&want) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(m) if want(&m) => return m,
                Ok(m) => {
                    // Server-to-client requests (registerCapability) get an answer.
                    if m.get("method").is_some() && m.get("id").is_some() {
                        let id = m["id"].clone();
                        self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                    } else {
                        self.pending.push(m);
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server went away waiting for {what}")
                }
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let response = self.wait(method, |m| m["id"] == id && m.get("method").is_none());
        assert!(response.get("error").is_none(), "{method}: {response}");
        response["result"].clone()
    }

    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait("publishDiagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

fn range(l1: u64, c1: u64, l2: u64, c2: u64) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

const FILE: &str = "\
ARG VERSION=1.0.0
FROM golang:1.22 AS builder
ARG VERSION
WORKDIR /src
COPY go.mod ./
RUN go build -o /app ./cmd/$VERSION
from alpine:3.20 as final
ENV APP_HOME=/app
COPY --from=builder /app $APP_HOME
CMD [\"/app\"]
";

#[test]
fn an_editor_session() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("Dockerfile"), FILE).unwrap();
    std::fs::write(root.join("go.mod"), "module example.com/app\n").unwrap();
    let uri = format!("file://{}/Dockerfile", root.display());
    let doc = json!({"uri": uri});
    let mut c = Client::spawn(&root);

    // Before initialize: an error, not a crash.
    c.send(json!({"jsonrpc": "2.0", "id": 100, "method": "textDocument/hover", "params": {}}));
    let early = c.wait("early error", |m| m["id"] == 100);
    assert_eq!(early["error"]["code"], -32002);

    let init = c.request(
        "initialize",
        json!({
            "processId": null,
            "rootUri": format!("file://{}", root.display()),
            "capabilities": {
                "textDocument": {
                    "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
                    "completion": {"completionItem": {"snippetSupport": true}},
                },
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}},
            },
        }),
    );
    let caps = &init["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental sync");
    for provider in [
        "hoverProvider",
        "completionProvider",
        "signatureHelpProvider",
        "definitionProvider",
        "referencesProvider",
        "documentHighlightProvider",
        "documentSymbolProvider",
        "codeActionProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "documentOnTypeFormattingProvider",
        "renameProvider",
        "documentLinkProvider",
        "foldingRangeProvider",
        "semanticTokensProvider",
        "executeCommandProvider",
    ] {
        assert!(!caps[provider].is_null(), "{provider} missing: {caps}");
    }
    c.notify("initialized", json!({}));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": FILE}}),
    );

    // Diagnostics: exact ranges, codes, pages, severities.
    let diags = c.diagnostics(&uri, 1);
    let find = |diags: &[Value], code: &str| diags.iter().find(|d| d["code"] == code).cloned();
    let casing = find(&diags, "ConsistentInstructionCasing").expect("ConsistentInstructionCasing");
    assert_eq!(casing["range"], range(6, 0, 6, 4));
    assert_eq!(casing["severity"], 2);
    assert_eq!(casing["source"], "berth");
    assert_eq!(
        casing["codeDescription"]["href"],
        "https://docs.docker.com/reference/build-checks/consistent-instruction-casing/"
    );
    let untagged = find(&diags, "DL3006");
    assert!(untagged.is_none(), "all images are tagged: {diags:?}");

    // Incremental change: `from` → `FROM`; the casing finding goes, a new version is linted.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": range(6, 0, 6, 4), "text": "FROM"}]}),
    );
    let diags = c.diagnostics(&uri, 2);
    assert!(
        find(&diags, "ConsistentInstructionCasing").is_none(),
        "{diags:?}"
    );
    let as_casing = find(&diags, "FromAsCasing").expect("FromAsCasing after the edit");
    assert_eq!(as_casing["range"], range(6, 0, 6, 25));

    // Code actions on line 6: the fix, an ignore pragma, and fix-all.
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": doc, "range": range(6, 0, 6, 25), "context": {"diagnostics": []}}),
    );
    let actions = actions.as_array().unwrap();
    let fix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix" && a["isPreferred"] == true)
        .expect("a preferred quick fix");
    let edits = &fix["edit"]["changes"][&uri];
    assert_eq!(edits[0]["range"], range(6, 17, 6, 19));
    assert_eq!(edits[0]["newText"], "AS");
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore FromAsCasing for this instruction")
        .expect("ignore action");
    assert_eq!(
        ignore["edit"]["changes"][&uri][0],
        json!({"range": range(6, 0, 6, 0), "newText": "# berth ignore=FromAsCasing\n"})
    );
    let fix_all = actions
        .iter()
        .find(|a| a["kind"] == "source.fixAll.berth")
        .expect("fix all");
    assert_eq!(
        fix_all["edit"]["changes"][&uri][0],
        json!({"range": range(6, 17, 6, 19), "newText": "AS"})
    );

    // Hover: keyword docs, a variable's value and where it was set, a step's cache story.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": 5, "character": 1}}),
    );
    assert_eq!(hover["range"], range(5, 0, 5, 3));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**RUN**"), "{text}");
    assert!(text.contains("**Cache**"), "{text}");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": 5, "character": 30}}),
    );
    assert_eq!(hover["range"], range(5, 28, 5, 35));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**VERSION** = `1.0.0`") && text.contains("line 3"),
        "{text}"
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": 4, "character": 7}}),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("re-runs whenever") && text.contains("`go.mod` (1 file)"),
        "{text}"
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": 8, "character": 8}}),
    );
    assert_eq!(hover["range"], range(8, 5, 8, 19));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**--from** (COPY)"));

    // Definition, references, highlight, rename.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": {"line": 8, "character": 15}}),
    );
    assert_eq!(def, json!({"uri": uri, "range": range(1, 20, 1, 27)}));
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": {"line": 5, "character": 30}}),
    );
    assert_eq!(def["range"], range(2, 4, 2, 11));
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": doc, "position": {"line": 2, "character": 5}}),
    );
    assert_eq!(
        def["range"],
        range(0, 4, 0, 11),
        "the stage ARG re-declares the global one"
    );
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": doc, "position": {"line": 1, "character": 22}, "context": {"includeDeclaration": true}}),
    );
    let ranges: Vec<&Value> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["range"])
        .collect();
    assert_eq!(ranges, [&range(1, 20, 1, 27), &range(8, 12, 8, 19)]);
    let highlights = c.request(
        "textDocument/documentHighlight",
        json!({"textDocument": doc, "position": {"line": 8, "character": 13}}),
    );
    assert_eq!(
        highlights,
        json!([{"range": range(1, 20, 1, 27), "kind": 3}, {"range": range(8, 12, 8, 19), "kind": 2}])
    );
    let prepare = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": doc, "position": {"line": 1, "character": 22}}),
    );
    assert_eq!(
        prepare,
        json!({"range": range(1, 20, 1, 27), "placeholder": "builder"})
    );
    let rename = c.request(
        "textDocument/rename",
        json!({"textDocument": doc, "position": {"line": 0, "character": 5}, "newName": "APP_VERSION"}),
    );
    let edits: Vec<&Value> = rename["changes"][&uri]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["range"])
        .collect();
    assert_eq!(
        edits,
        [
            &range(0, 4, 0, 11),
            &range(2, 4, 2, 11),
            &range(5, 28, 5, 35)
        ]
    );

    // Symbols, folding, links, semantic tokens, signature help.
    let symbols = c.request("textDocument/documentSymbol", json!({"textDocument": doc}));
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ARG VERSION", "builder", "final"]);
    assert_eq!(symbols[1]["range"], range(1, 0, 5, 35));
    assert_eq!(symbols[1]["selectionRange"], range(1, 20, 1, 27));
    assert_eq!(symbols[1]["children"].as_array().unwrap().len(), 4);
    let folds = c.request("textDocument/foldingRange", json!({"textDocument": doc}));
    assert_eq!(
        folds,
        json!([{"startLine": 1, "endLine": 5, "kind": "region"}, {"startLine": 6, "endLine": 9, "kind": "region"}])
    );
    let links = c.request("textDocument/documentLink", json!({"textDocument": doc}));
    assert_eq!(links[0]["range"], range(1, 5, 1, 11));
    assert_eq!(links[0]["target"], "https://hub.docker.com/_/golang");
    let tokens = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": doc}),
    );
    let data: Vec<u64> = serde_json::from_value(tokens["data"].clone()).unwrap();
    assert_eq!(
        &data[..10],
        [0, 0, 3, 0, 0, 0, 4, 7, 6, 3],
        "ARG keyword, then VERSION declared (readonly)"
    );
    let help = c.request(
        "textDocument/signatureHelp",
        json!({"textDocument": doc, "position": {"line": 8, "character": 14}}),
    );
    assert!(help["signatures"][0]["label"]
        .as_str()
        .unwrap()
        .starts_with("COPY [--from="));
    assert_eq!(help["activeParameter"], 0);

    // Completion: instructions, flags, stage names, variables, rule codes.
    let extra = "COPY --from=\nRUN echo $\n# hadolint ignore=DL300\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3},
               "contentChanges": [{"range": range(10, 0, 10, 0), "text": extra}]}),
    );
    let labels = |c: &mut Client, line: u64, character: u64| -> Vec<String> {
        let r = c.request(
            "textDocument/completion",
            json!({"textDocument": doc, "position": {"line": line, "character": character}}),
        );
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(labels(&mut c, 10, 12), ["builder"]);
    let vars = labels(&mut c, 11, 10);
    assert!(
        vars.contains(&"APP_HOME".to_string()) && !vars.contains(&"VERSION".to_string()),
        "{vars:?}"
    );
    let codes = labels(&mut c, 12, 23);
    assert!(
        codes.iter().all(|c| c.starts_with("DL300")) && codes.contains(&"DL3006".to_string()),
        "{codes:?}"
    );
    let instructions = labels(&mut c, 13, 0);
    assert_eq!(instructions.len(), 18);
    let flags = labels(&mut c, 10, 6);
    assert!(
        flags.contains(&"--from".to_string()) && flags.contains(&"--chmod".to_string()),
        "{flags:?}"
    );

    // Formatting: keyword case and continuation indentation, as `berth fmt`.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4},
               "contentChanges": [{"text": "from alpine:3.20\nrun echo a \\\n&& echo b\n"}]}),
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(
        edits,
        json!([
            {"range": range(0, 0, 0, 4), "newText": "FROM"},
            {"range": range(1, 0, 1, 3), "newText": "RUN"},
            {"range": range(2, 0, 2, 0), "newText": "  "},
        ])
    );

    // A malformed frame gets -32700 and the server keeps serving.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let error = c.wait("parse error", |m| m["error"]["code"] == -32700);
    assert!(error["id"].is_null());
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": doc, "position": {"line": 0, "character": 1}}),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**FROM**"));
    c.send(json!({"jsonrpc": "2.0", "id": 77, "method": "textDocument/hover", "params": {"textDocument": doc, "position": "nowhere"}}));
    let bad = c.wait("invalid params", |m| m["id"] == 77);
    assert_eq!(bad["error"]["code"], -32602);
    c.send(json!({"jsonrpc": "2.0", "id": 78, "method": "textDocument/unknown", "params": {}}));
    assert_eq!(
        c.wait("unknown method", |m| m["id"] == 78)["error"]["code"],
        -32601
    );

    // A long session stays bounded: 1,000 documents opened and closed leave nothing behind.
    for i in 0..1000 {
        let u = format!("file://{}/Dockerfile.{i}", root.display());
        c.notify("textDocument/didOpen", json!({"textDocument": {"uri": u, "languageId": "dockerfile", "version": 1, "text": FILE}}));
        c.notify("textDocument/didClose", json!({"textDocument": {"uri": u}}));
    }
    let status = c.request("berth/status", json!({}));
    assert_eq!(status["documents"], 1, "{status}");

    // Shutdown and exit: exit code 0.
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = c.child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(Instant::now() < deadline, "berth lsp did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn exit_without_shutdown_is_status_1_and_a_vanished_client_ends_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(dir.path());
    c.request("initialize", json!({"processId": null, "capabilities": {}}));
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(1));

    let mut c = Client::spawn(dir.path());
    c.request("initialize", json!({"processId": null, "capabilities": {}}));
    drop(c.stdin);
    assert_eq!(c.child.wait().unwrap().code(), Some(1));
}

#[test]
fn configuration_is_discovered_from_the_documents_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let app = root.join("project/app");
    std::fs::create_dir_all(&app).unwrap();
    // hadolint's file is read from the Dockerfile's folder, berth.toml from it or a parent.
    std::fs::write(app.join(".hadolint.yaml"), "ignored: [DL4000]\n").unwrap();
    std::fs::write(
        root.join("project/berth.toml"),
        "[lint]\nignore = [\"DL3059\"]\n",
    )
    .unwrap();
    let text = "FROM alpine:3.20\nMAINTAINER me\nRUN true\nRUN false\n";
    std::fs::write(app.join("Dockerfile"), text).unwrap();
    let uri = format!("file://{}/Dockerfile", app.display());
    let codes = |c: &mut Client, version: i64| -> Vec<String> {
        let mut codes: Vec<String> = c
            .diagnostics(&uri, version)
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect();
        codes.sort();
        codes
    };

    // The server runs elsewhere (its own folder has no configuration).
    let mut c = Client::spawn(&root);
    c.request("initialize", json!({"processId": null, "capabilities": {}}));
    c.notify("initialized", json!({}));
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}}));
    assert_eq!(codes(&mut c, 1), ["MaintainerDeprecated"]);

    // `isolated` (berth lint --isolated) ignores the files; a changed setting re-lints.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"berth": {"isolated": true}}}),
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]}),
    );
    // DL4000 and MaintainerDeprecated are one problem: one finding, hadolint's by default.
    assert_eq!(codes(&mut c, 2), ["DL3059", "DL4000"]);
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}
