//! The server loop: the main thread reads frames and keeps the open documents, a lint thread
//! re-lints changed documents (debounced, coalesced), and a small pool answers requests; each
//! writes its own frames to the client. Nothing slow runs on the main thread, so the editor is never
//! kept waiting by a lint or a cache explanation; a panicking handler is caught, logged and
//! answered with an error, and the server keeps serving.

use std::collections::{HashMap, HashSet};
use std::io::{self, BufRead, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use serde_json::{json, Value};

use crate::position::{Encoding, LineMap};
use crate::transport::{self, Incoming, Outgoing};
use crate::{capabilities, diagnostics, handlers, settings::ServerSettings};

/// What a handler sees of a document: an immutable copy of one version.
#[derive(Clone)]
pub struct Snapshot {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: Arc<LineMap>,
    /// The file on disk, for `file:` URIs.
    pub path: Option<PathBuf>,
}

/// What the client can do, decided at `initialize`.
#[derive(Clone, Debug)]
pub struct ClientCaps {
    pub encoding: Encoding,
    pub hierarchical_symbols: bool,
    pub snippets: bool,
    pub watch_files: bool,
}

impl Default for ClientCaps {
    fn default() -> Self {
        ClientCaps {
            encoding: Encoding::Utf16,
            hierarchical_symbols: false,
            snippets: false,
            watch_files: false,
        }
    }
}

/// State every thread may read.
pub struct Shared {
    pub caps: RwLock<ClientCaps>,
    pub settings: RwLock<ServerSettings>,
    /// The process environment, for configuration discovery (its `cwd` is replaced by the
    /// document's folder).
    pub env: berth_lint::config::Environment,
    /// Workspace folders (for documents that are not files).
    pub roots: RwLock<Vec<PathBuf>>,
    pub contexts: berth_lint::evidence::ContextCache,
    pub explanations: crate::cache_adapter::ExplanationCache,
    out: Output,
    /// Configuration errors already shown to the user.
    reported: Mutex<HashSet<String>>,
    cancelled: Mutex<HashSet<RequestId>>,
}

impl Shared {
    fn new(out: Box<dyn Write + Send>) -> Shared {
        Shared {
            caps: RwLock::new(ClientCaps::default()),
            settings: RwLock::new(ServerSettings::default()),
            env: berth_lint::config::Environment::from_process().unwrap_or_default(),
            roots: RwLock::new(Vec::new()),
            contexts: Default::default(),
            explanations: Default::default(),
            out: Output(Mutex::new(out)),
            reported: Mutex::new(HashSet::new()),
            cancelled: Mutex::new(HashSet::new()),
        }
    }

    /// Sends a notification to the client.
    pub fn notify(&self, method: &str, params: Value) {
        let _ = self
            .out
            .send(Outgoing::Message(Message::Notification(Notification::new(
                method.to_string(),
                params,
            ))));
    }

    /// Logs a line to the client's log (and to standard error).
    pub fn log(&self, level: u8, text: &str) {
        eprintln!("berth lsp: {text}");
        self.notify("window/logMessage", json!({"type": level, "message": text}));
    }

    /// Shows a message once per distinct text.
    pub fn show_once(&self, level: u8, text: &str) {
        let new = self
            .reported
            .lock()
            .map(|mut r| r.insert(text.to_string()))
            .unwrap_or(false);
        if new {
            self.log(level, text);
            self.notify(
                "window/showMessage",
                json!({"type": level, "message": text}),
            );
        }
    }

    fn respond(&self, response: Response) {
        let _ = self
            .out
            .send(Outgoing::Message(Message::Response(response)));
    }

    /// The client's position encoding.
    pub fn encoding(&self) -> Encoding {
        self.caps
            .read()
            .map(|c| c.encoding)
            .unwrap_or(Encoding::Utf16)
    }
}

struct Doc {
    snapshot: Snapshot,
    /// When the last change arrived.
    last_change: Option<Instant>,
    /// When the current burst of changes began (caps the debounce).
    burst_start: Instant,
}

/// What the main thread tells the lint thread.
enum LintOrder {
    /// Lint this version at `due` (a newer order for the document replaces it).
    Lint(Snapshot, Instant),
    /// The document was closed: forget it and clear its diagnostics.
    Close(Uri),
}

type Job = Box<dyn FnOnce() + Send>;

/// Serves one client over standard input and output. Returns the exit code: 0 after
/// `shutdown` and `exit`, 1 for an `exit` without `shutdown` or a client that went away.
pub fn run_stdio() -> i32 {
    serve(
        Box::new(io::BufReader::new(io::stdin())),
        Box::new(io::stdout()),
    )
}

/// The client's end of the connection. Whichever thread has something to say writes its
/// frame whole under the lock (no hand-off to a writer thread: diagnostics reach the client
/// straight from the lint thread).
pub struct Output(Mutex<Box<dyn Write + Send>>);

impl Output {
    /// Writes one frame; false when the client is gone.
    pub fn send(&self, message: Outgoing) -> bool {
        match self.0.lock() {
            Ok(mut out) => transport::write(&mut *out, &message).is_ok(),
            Err(_) => false,
        }
    }
}

/// Serves one client over any byte streams (tests use pipes).
pub fn serve(mut input: Box<dyn BufRead + Send>, output: Box<dyn Write + Send>) -> i32 {
    let shared = Arc::new(Shared::new(output));
    let lint = spawn_linter(Arc::clone(&shared));
    let request_jobs = spawn_pool("berth-lsp-worker", 2);
    let mut server = Server {
        shared,
        docs: HashMap::new(),
        lint,
        request_jobs,
        initialized: false,
        shutdown: false,
        next_id: 0,
    };
    server.run(&mut *input)
}

/// The lint thread: it keeps the pending lints (one per document, the newest version) with
/// their due times, lints each when due and publishes its diagnostics. Orders that arrive
/// while a lint runs are taken together afterwards, so a fast typist's edits coalesce.
fn spawn_linter(shared: Arc<Shared>) -> Sender<LintOrder> {
    let (tx, rx) = unbounded::<LintOrder>();
    thread::Builder::new()
        .name("berth-lsp-lint".into())
        .spawn(move || {
            // Keyed by the URI's text (lsp-types' `Uri` caches its parts inside).
            let mut pending: HashMap<String, (Snapshot, Instant)> = HashMap::new();
            let take = |order: LintOrder, pending: &mut HashMap<String, (Snapshot, Instant)>| {
                match order {
                    LintOrder::Lint(snapshot, due) => {
                        pending.insert(snapshot.uri.as_str().to_string(), (snapshot, due));
                    }
                    LintOrder::Close(uri) => {
                        pending.remove(uri.as_str());
                        shared.notify(
                            "textDocument/publishDiagnostics",
                            json!({"uri": uri, "diagnostics": []}),
                        );
                    }
                }
            };
            loop {
                let next = pending.values().map(|(_, due)| *due).min();
                let order = match next {
                    Some(due) => match rx.recv_deadline(due) {
                        Ok(order) => Some(order),
                        Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
                        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
                    },
                    None => match rx.recv() {
                        Ok(order) => Some(order),
                        Err(_) => return,
                    },
                };
                if let Some(order) = order {
                    take(order, &mut pending);
                }
                while let Ok(order) = rx.try_recv() {
                    take(order, &mut pending);
                }
                let now = Instant::now();
                let due: Vec<String> = pending
                    .iter()
                    .filter(|(_, (_, due))| *due <= now)
                    .map(|(uri, _)| uri.clone())
                    .collect();
                for uri in due {
                    let Some((snapshot, _)) = pending.remove(&uri) else {
                        continue;
                    };
                    let outcome = catch_unwind(AssertUnwindSafe(|| {
                        diagnostics::publish(&shared, &snapshot)
                    }));
                    if let Err(panic) = outcome {
                        shared.log(
                            1,
                            &format!("internal error while linting: {}", panic_message(&panic)),
                        );
                    }
                }
            }
        })
        .expect("spawn the lint thread");
    tx
}

fn spawn_pool(name: &str, threads: usize) -> Sender<Job> {
    let (tx, rx) = unbounded::<Job>();
    for i in 0..threads {
        let rx: Receiver<Job> = rx.clone();
        thread::Builder::new()
            .name(format!("{name}-{i}"))
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("spawn a worker thread");
    }
    tx
}

struct Server {
    shared: Arc<Shared>,
    docs: HashMap<Uri, Doc>,
    lint: Sender<LintOrder>,
    request_jobs: Sender<Job>,
    initialized: bool,
    shutdown: bool,
    next_id: i32,
}

impl Server {
    /// Reads and handles messages until `exit` (or the end of input).
    fn run(&mut self, input: &mut dyn BufRead) -> i32 {
        loop {
            match transport::read(input) {
                Ok(Some(Incoming::Message(Message::Notification(n)))) if n.method == "exit" => {
                    return if self.shutdown { 0 } else { 1 };
                }
                Ok(Some(Incoming::Message(message))) => self.handle(message),
                Ok(Some(Incoming::Malformed(error))) => {
                    self.shared.log(
                        1,
                        &format!("malformed message: {}", error["error"]["message"]),
                    );
                    let _ = self.shared.out.send(Outgoing::Raw(error));
                }
                Ok(None) | Err(_) => return 1,
            }
        }
    }

    fn handle(&mut self, message: Message) {
        match message {
            Message::Request(request) => self.request(request),
            Message::Notification(notification) => self.notification(notification),
            // Answers to our own requests (workspace/applyEdit, registrations): nothing to do.
            Message::Response(_) => {}
        }
    }

    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        if request.method == "initialize" {
            let result = self.initialize(request.params);
            self.initialized = true;
            self.shared.respond(Response::new_ok(id, result));
            return;
        }
        if !self.initialized {
            return self.shared.respond(Response::new_err(
                id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized yet".into(),
            ));
        }
        if self.shutdown {
            return self.shared.respond(Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
        }
        match request.method.as_str() {
            "shutdown" => {
                self.shutdown = true;
                self.shared.respond(Response::new_ok(id, Value::Null));
            }
            "berth/status" => {
                let status = json!({
                    "documents": self.docs.len(),
                    "contexts": self.shared.contexts.len(),
                    "explanations": self.shared.explanations.len(),
                });
                self.shared.respond(Response::new_ok(id, status));
            }
            "workspace/executeCommand" => self.execute_command(id, request.params),
            // Items carry their documentation already.
            "completionItem/resolve" => self.shared.respond(Response::new_ok(id, request.params)),
            method if handlers::is_document_request(method) => {
                let snapshot = request
                    .params
                    .pointer("/textDocument/uri")
                    .and_then(|v| serde_json::from_value::<Uri>(v.clone()).ok())
                    .and_then(|uri| self.docs.get(&uri))
                    .map(|d| d.snapshot.clone());
                let Some(snapshot) = snapshot else {
                    let message = if request.params.pointer("/textDocument/uri").is_some() {
                        "the document is not open"
                    } else {
                        "missing textDocument.uri"
                    };
                    let code = if message.starts_with("missing") {
                        ErrorCode::InvalidParams
                    } else {
                        ErrorCode::RequestFailed
                    };
                    return self
                        .shared
                        .respond(Response::new_err(id, code as i32, message.into()));
                };
                let shared = Arc::clone(&self.shared);
                let method = request.method.clone();
                let params = request.params;
                let _ = self.request_jobs.send(Box::new(move || {
                    let cancelled = shared
                        .cancelled
                        .lock()
                        .map(|mut c| c.remove(&id))
                        .unwrap_or(false);
                    if cancelled {
                        return shared.respond(Response::new_err(
                            id,
                            ErrorCode::RequestCanceled as i32,
                            "cancelled".into(),
                        ));
                    }
                    let response = answer(&shared, id, &method, || {
                        handlers::handle(&shared, &snapshot, &method, params)
                    });
                    shared.respond(response);
                }));
            }
            _ => self.shared.respond(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unhandled method {}", request.method),
            )),
        }
    }

    fn notification(&mut self, notification: Notification) {
        if !self.initialized {
            return;
        }
        let params = notification.params;
        match notification.method.as_str() {
            "initialized" => self.register_watchers(),
            "textDocument/didOpen" => {
                let Some(doc) = params.get("textDocument") else {
                    return self.shared.log(1, "didOpen without textDocument");
                };
                let (Some(uri), Some(text)) = (
                    doc.get("uri")
                        .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok()),
                    doc.get("text").and_then(Value::as_str),
                ) else {
                    return self.shared.log(1, "didOpen without a valid uri and text");
                };
                let version = doc.get("version").and_then(Value::as_i64).unwrap_or(0) as i32;
                let path = file_path(&uri);
                let text: Arc<str> = Arc::from(text);
                let doc = Doc {
                    snapshot: Snapshot {
                        lines: Arc::new(LineMap::new(&text)),
                        uri: uri.clone(),
                        version,
                        text,
                        path,
                    },
                    last_change: None,
                    burst_start: Instant::now(),
                };
                let _ = self
                    .lint
                    .send(LintOrder::Lint(doc.snapshot.clone(), Instant::now()));
                self.docs.insert(uri, doc);
            }
            "textDocument/didChange" => {
                let uri = params
                    .pointer("/textDocument/uri")
                    .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok());
                let version = params
                    .pointer("/textDocument/version")
                    .and_then(Value::as_i64);
                let changes: Vec<TextDocumentContentChangeEvent> = params
                    .get("contentChanges")
                    .and_then(|c| serde_json::from_value(c.clone()).ok())
                    .unwrap_or_default();
                let encoding = self.shared.encoding();
                let debounce = self.debounce();
                let Some(doc) = uri.and_then(|u| self.docs.get_mut(&u)) else {
                    return self
                        .shared
                        .log(2, "didChange for a document that is not open");
                };
                let mut text = doc.snapshot.text.to_string();
                let mut lines = LineMap::new(&text);
                for change in changes {
                    match change.range {
                        Some(range) => {
                            let span = lines.span(&text, range, encoding);
                            text.replace_range(span.start..span.end, &change.text);
                        }
                        None => text = change.text,
                    }
                    lines = LineMap::new(&text);
                }
                doc.snapshot.text = Arc::from(text);
                doc.snapshot.lines = Arc::new(lines);
                if let Some(v) = version {
                    doc.snapshot.version = v as i32;
                }
                // An edit after a quiet spell is linted at once; edits in a burst (a paste, a
                // multi-cursor edit) wait for the burst to end, but never for more than a few
                // debounce periods. Edits that arrive while a lint runs are linted together
                // when it is done.
                let now = Instant::now();
                let quiet = doc
                    .last_change
                    .is_none_or(|t| now.duration_since(t) >= debounce);
                doc.last_change = Some(now);
                if quiet {
                    doc.burst_start = now;
                }
                let due = if quiet {
                    now
                } else {
                    (now + debounce).min(doc.burst_start + debounce * 8)
                };
                let _ = self.lint.send(LintOrder::Lint(doc.snapshot.clone(), due));
            }
            "textDocument/didClose" => {
                let uri = params
                    .pointer("/textDocument/uri")
                    .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok());
                if let Some(uri) = uri {
                    if self.docs.remove(&uri).is_some() {
                        // The lint thread clears the diagnostics, after any lint it runs.
                        let _ = self.lint.send(LintOrder::Close(uri));
                    }
                }
                self.shared.explanations.retain_open(self.docs.len());
            }
            "textDocument/didSave" => {
                // The build context may have changed with the file.
                self.shared.contexts.clear();
                self.shared.explanations.clear();
                self.relint_all();
            }
            "workspace/didChangeWatchedFiles" => {
                self.shared.contexts.clear();
                self.shared.explanations.clear();
                self.relint_all();
            }
            "workspace/didChangeConfiguration" => {
                if let Some(settings) = params.get("settings") {
                    self.apply_settings(settings);
                }
                self.relint_all();
            }
            "workspace/didChangeWorkspaceFolders" => {
                if let Some(added) = params.pointer("/event/added").and_then(Value::as_array) {
                    let mut roots = self.shared.roots.write().expect("roots lock");
                    roots.extend(added.iter().filter_map(|f| {
                        serde_json::from_value::<Uri>(f.get("uri")?.clone())
                            .ok()
                            .as_ref()
                            .and_then(file_path)
                    }));
                }
            }
            "$/cancelRequest" => {
                let id = params
                    .get("id")
                    .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
                if let (Some(id), Ok(mut cancelled)) = (id, self.shared.cancelled.lock()) {
                    // Bounded: ids of requests already answered are forgotten eventually.
                    if cancelled.len() > 1000 {
                        cancelled.clear();
                    }
                    cancelled.insert(id);
                }
            }
            _ => {}
        }
    }

    fn debounce(&self) -> Duration {
        let ms = self
            .shared
            .settings
            .read()
            .map(|s| s.debounce_ms())
            .unwrap_or(5);
        Duration::from_millis(ms)
    }

    fn relint_all(&mut self) {
        let now = Instant::now();
        for doc in self.docs.values() {
            let _ = self.lint.send(LintOrder::Lint(doc.snapshot.clone(), now));
        }
    }

    fn initialize(&mut self, params: Value) -> Value {
        let caps = ClientCaps::from_initialize(&params);
        let roots: Vec<PathBuf> = params
            .get("workspaceFolders")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| serde_json::from_value::<Uri>(f.get("uri")?.clone()).ok())
            .chain(
                params
                    .get("rootUri")
                    .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok()),
            )
            .filter_map(|u| file_path(&u))
            .collect();
        *self.shared.roots.write().expect("roots lock") = roots;
        if let Some(options) = params.get("initializationOptions") {
            self.apply_settings(options);
        }
        let result = capabilities::initialize_result(&caps);
        *self.shared.caps.write().expect("caps lock") = caps;
        result
    }

    fn apply_settings(&mut self, value: &Value) {
        let value = value.get("berth").unwrap_or(value);
        match serde_json::from_value::<ServerSettings>(value.clone()) {
            Ok(settings) => {
                *self.shared.settings.write().expect("settings lock") = settings;
                self.shared.contexts.clear();
                self.shared.explanations.clear();
            }
            Err(e) => self
                .shared
                .show_once(1, &format!("berth: invalid settings: {e}")),
        }
    }

    fn register_watchers(&mut self) {
        let watch = self
            .shared
            .caps
            .read()
            .map(|c| c.watch_files)
            .unwrap_or(false);
        if !watch {
            return;
        }
        self.next_id += 1;
        let watchers: Vec<Value> = [
            "**/berth.toml",
            "**/.berth.toml",
            "**/.hadolint.yaml",
            "**/.hadolint.yml",
            "**/.dockerignore",
            "**/*.dockerignore",
        ]
        .iter()
        .map(|g| json!({"globPattern": g}))
        .collect();
        let request = Request::new(
            RequestId::from(format!("berth-register-{}", self.next_id)),
            "client/registerCapability".into(),
            json!({"registrations": [{
                "id": "berth-config-watch",
                "method": "workspace/didChangeWatchedFiles",
                "registerOptions": {"watchers": watchers},
            }]}),
        );
        let _ = self
            .shared
            .out
            .send(Outgoing::Message(Message::Request(request)));
    }

    fn execute_command(&mut self, id: RequestId, params: Value) {
        let command = params.get("command").and_then(Value::as_str).unwrap_or("");
        let uri = params
            .pointer("/arguments/0")
            .and_then(|v| v.get("uri").or(Some(v)))
            .and_then(|u| serde_json::from_value::<Uri>(u.clone()).ok());
        match (command, uri.and_then(|u| self.docs.get(&u))) {
            (handlers::FIX_ALL_COMMAND, Some(doc)) => {
                let edit = handlers::fix_all_edit(&self.shared, &doc.snapshot);
                if let Some(edit) = edit {
                    self.next_id += 1;
                    let request = Request::new(
                        RequestId::from(format!("berth-apply-{}", self.next_id)),
                        "workspace/applyEdit".into(),
                        json!({"label": "Fix all safe problems", "edit": edit}),
                    );
                    let _ = self
                        .shared
                        .out
                        .send(Outgoing::Message(Message::Request(request)));
                }
                self.shared.respond(Response::new_ok(id, Value::Null));
            }
            (handlers::FIX_ALL_COMMAND, None) => self.shared.respond(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                "berth.fixAll needs the uri of an open document as its argument".into(),
            )),
            _ => self.shared.respond(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("unknown command {command:?}"),
            )),
        }
    }
}

impl ClientCaps {
    fn from_initialize(params: &Value) -> ClientCaps {
        let caps = params.get("capabilities").cloned().unwrap_or(Value::Null);
        let flag = |pointer: &str| {
            caps.pointer(pointer)
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        let encodings: Vec<String> = caps
            .pointer("/general/positionEncodings")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        // The client lists its encodings by preference; UTF-16 is the protocol's fallback.
        let prefers_utf8 = encodings.first().is_some_and(|e| e == "utf-8")
            || (encodings.iter().any(|e| e == "utf-8") && !encodings.iter().any(|e| e == "utf-16"));
        let encoding = if prefers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        ClientCaps {
            encoding,
            hierarchical_symbols: flag(
                "/textDocument/documentSymbol/hierarchicalDocumentSymbolSupport",
            ),
            snippets: flag("/textDocument/completion/completionItem/snippetSupport"),
            watch_files: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
        }
    }
}

/// The local path of a `file:` URI.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///path` or `file://localhost/path`.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                decoded.push(b);
                i += 3;
                continue;
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    let path = String::from_utf8(decoded).ok()?;
    // Windows: `/C:/x` is `C:/x`.
    let path = match path.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() && cfg!(windows) => {
            path[1..].to_string()
        }
        _ => path,
    };
    Some(PathBuf::from(path))
}

/// Runs a handler, turning its error or its panic into an error response (a panic is
/// logged; the worker thread lives on).
fn answer(
    shared: &Shared,
    id: RequestId,
    method: &str,
    handler: impl FnOnce() -> Result<Value, handlers::HandlerError>,
) -> Response {
    match catch_unwind(AssertUnwindSafe(handler)) {
        Ok(Ok(value)) => Response::new_ok(id, value),
        Ok(Err(error)) => Response::new_err(id, error.code as i32, error.message),
        Err(panic) => {
            let what = panic_message(&panic);
            shared.log(1, &format!("internal error in {method}: {what}"));
            Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("berth lsp: internal error in {method}: {what}"),
            )
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panicking_handler_is_answered_with_an_error_and_logged() {
        let written = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared::new(Box::new(Sink(Arc::clone(&written))));
        let response = answer(&shared, RequestId::from(7), "textDocument/hover", || {
            panic!("boom")
        });
        let error = response.error.unwrap();
        assert_eq!(error.code, ErrorCode::InternalError as i32);
        assert!(error.message.contains("boom"), "{}", error.message);
        let logged = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(
            logged.contains("window/logMessage") && logged.contains("boom"),
            "{logged}"
        );
        // The next request on the same thread is answered normally.
        let ok = answer(&shared, RequestId::from(8), "x", || Ok(json!(1)));
        assert_eq!(ok.result, Some(json!(1)));
    }

    #[test]
    fn file_uris_become_paths() {
        let uri: Uri = "file:///home/me/my%20app/Dockerfile".parse().unwrap();
        assert_eq!(
            file_path(&uri),
            Some(PathBuf::from("/home/me/my app/Dockerfile"))
        );
        let untitled: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(file_path(&untitled), None);
        let trailing: Uri = "file:///a%2".parse().unwrap_or(uri);
        let _ = file_path(&trailing);
    }
}
