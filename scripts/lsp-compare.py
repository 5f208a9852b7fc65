#!/usr/bin/env python3
"""Drive `berth lsp` and the anchor (`docker-langserver --stdio`, npm
dockerfile-language-server-nodejs) with the same client on the same files.

Prints a feature table (what each server answers to the same requests), the median time from
`didChange` to `publishDiagnostics` on a ~1,000-line Dockerfile for both servers in one run,
and berth's memory (RSS after the latency run, and after opening and closing 1,000 documents).

Exit status 1 when a bar is missed: berth lacks a feature the anchor has, berth's median is
over 20 ms or not below the anchor's, or berth's RSS is over 60 MiB.

    scripts/lsp-compare.py --berth target/release/berth --anchor .ci/node/node_modules/.bin/docker-langserver
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


class Client:
    """A minimal LSP client over a child's stdin/stdout, as an editor drives it."""

    def __init__(self, argv, root):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, bufsize=0)
        self.next_id = 0
        self.responses = {}
        self.notifications = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.root = root

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    with self.cond:
                        self.cond.notify_all()
                    return
                line = line.decode().strip()
                if not line:
                    break
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            want = int(headers["content-length"])
            body = b""
            while len(body) < want:
                chunk = out.read(want - len(body))
                if not chunk:
                    return
                body += chunk
            msg = json.loads(body)
            now = time.perf_counter()
            with self.cond:
                if "id" in msg and "method" not in msg:
                    self.responses[msg["id"]] = msg
                elif "method" in msg and "id" in msg:
                    # A request from the server (registerCapability, applyEdit): accept it.
                    self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                else:
                    self.notifications.append((now, msg))
                self.cond.notify_all()

    def _send(self, msg):
        data = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def request(self, method, params, timeout=20):
        self.next_id += 1
        rid = self.next_id
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait_response(rid, timeout)

    def wait_response(self, rid, timeout=20):
        deadline = time.time() + timeout
        with self.cond:
            while rid not in self.responses:
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    return {"error": {"code": "timeout"}}
                self.cond.wait(left)
            return self.responses.pop(rid)

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri, after, timeout=20):
        """The first publishDiagnostics for uri received after `after` (perf_counter)."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for t, n in self.notifications:
                    if t >= after and n.get("method") == "textDocument/publishDiagnostics" \
                            and n["params"]["uri"] == uri:
                        return t, n["params"]
                left = deadline - time.time()
                if left <= 0:
                    return None, None
                self.cond.wait(left)

    def initialize(self):
        caps = {
            "general": {"positionEncodings": ["utf-16"]},
            "textDocument": {
                "synchronization": {"didSave": True},
                "completion": {"completionItem": {"snippetSupport": True}},
                "hover": {"contentFormat": ["markdown", "plaintext"]},
                "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
                "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": [
                    "quickfix", "source", "source.fixAll"]}}},
                "publishDiagnostics": {"relatedInformation": True, "codeDescriptionSupport": True},
                "rename": {"prepareSupport": True},
                "semanticTokens": {"requests": {"full": True}, "tokenTypes": [], "tokenModifiers": [],
                                   "formats": ["relative"]},
                "foldingRange": {},
            },
            "workspace": {"workspaceFolders": True, "configuration": False},
        }
        t0 = time.perf_counter()
        result = self.request("initialize", {"processId": os.getpid(), "rootUri": Path(self.root).as_uri(),
                                             "workspaceFolders": [{"uri": Path(self.root).as_uri(), "name": "w"}],
                                             "capabilities": caps}, timeout=60)
        self.init_ms = (time.perf_counter() - t0) * 1000
        self.notify("initialized", {})
        return result.get("result", {})

    def rss_kib(self):
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None, None
        fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
        kib = lambda k: int(fields[k].split()[0]) if k in fields else None
        return kib("VmRSS"), kib("VmHWM")

    def close(self):
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            return self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            return None


FEATURE_FILE = """\
ARG VERSION=1.0.0
FROM golang:1.22 AS builder
ARG VERSION
WORKDIR /src
COPY go.mod ./
RUN go build -ldflags "-X main.version=$VERSION" -o /app \\
      ./cmd/app
from alpine:3.20 as final
MAINTAINER someone@example.com
ENV APP_HOME=/app
COPY --from=builder /app /app
RUN echo $VERSION
CMD ["/app"]
"""


def pos(text, needle, nth=0, delta=0):
    idx = -1
    for _ in range(nth + 1):
        idx = text.index(needle, idx + 1)
    idx += delta
    line = text.count("\n", 0, idx)
    col = idx - (text.rfind("\n", 0, idx) + 1)
    return {"line": line, "character": col}


def completion_items(response):
    result = response.get("result")
    if isinstance(result, dict):
        return result.get("items") or []
    return result or []


def probe_features(client, uri, text, server_caps):
    """What the server answers to the same requests: (feature, ok, evidence)."""
    doc = {"uri": uri}
    rows = []

    def ok_result(resp):
        r = resp.get("result")
        return "error" not in resp and r not in (None, [], {})

    def short(value, n=70):
        s = json.dumps(value, ensure_ascii=False)
        return s if len(s) <= n else s[:n - 1] + "…"

    t, diags = client.wait_diagnostics(uri, 0, timeout=15)
    diags = (diags or {}).get("diagnostics", [])
    codes = sorted({str(d.get("code")) for d in diags})
    rows.append(("push diagnostics", bool(diags), f"{len(diags)} diagnostics, codes {short(codes, 60)}"))
    dl = [d for d in diags if str(d.get("code", "")).startswith("DL")]
    rows.append(("hadolint DL rules", bool(dl), f"{len(dl)} DL findings"))
    # BuildKit's checks go by name (FromAsCasing, ConsistentInstructionCasing, ...); where a
    # check and a hadolint rule are the same problem, berth reports it once under one code.
    bk = [d for d in diags if re.fullmatch(r"[A-Z][a-z]+(?:[A-Z][a-z]*)+", str(d.get("code")))]
    rows.append(("BuildKit checks by name", bool(bk), short(sorted({d['code'] for d in bk}))))
    rows.append(("diagnostic codeDescription.href", any("codeDescription" in d for d in diags),
                 short(next((d["codeDescription"]["href"] for d in diags if "codeDescription" in d), None))))
    rows.append(("publishDiagnostics has version", False, ""))  # filled below

    def req(method, params):
        return client.request(method, dict(textDocument=doc, **params))

    r = req("textDocument/hover", {"position": pos(text, "RUN")})
    rows.append(("hover: instruction docs", ok_result(r), short(r.get("result", {}) and r["result"].get("contents"))))
    r = req("textDocument/hover", {"position": pos(text, "--from", 0, 3)})
    rows.append(("hover: flag docs", ok_result(r), short(r.get("result") and r["result"].get("contents"))))
    r = req("textDocument/hover", {"position": pos(text, "$VERSION", 0, 2)})
    rows.append(("hover: variable value", ok_result(r), short(r.get("result") and r["result"].get("contents"))))
    r = req("textDocument/hover", {"position": pos(text, "go build", 0, 2)})
    val = json.dumps(r.get("result") or "")
    rows.append(("hover: cache explanation of a step", "re-run" in val or "re-runs" in val, short(r.get("result") and r["result"].get("contents"))))
    r = req("textDocument/completion", {"position": {"line": text.count("\n"), "character": 0}})
    items = completion_items(r)
    rows.append(("completion: instructions", any(i.get("label") == "FROM" or i.get("label", "").startswith("FROM") for i in items or []), f"{len(items or [])} items"))
    # Flags: COPY -- on a new line.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": text + "COPY --"}]})
    end = {"line": text.count("\n"), "character": 7}
    r = req("textDocument/completion", {"position": end})
    items = completion_items(r)
    rows.append(("completion: flags", any("--from" in (i.get("label") or "") for i in items), short([i["label"] for i in items][:4])))
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": text + "COPY --from="}]})
    r = req("textDocument/completion", {"position": {"line": end["line"], "character": 12}})
    items = completion_items(r)
    rows.append(("completion: stage names after --from=", any(i.get("label") == "builder" for i in items), short([i["label"] for i in items][:4])))
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4},
                                             "contentChanges": [{"text": text + "RUN echo $"}]})
    r = req("textDocument/completion", {"position": {"line": end["line"], "character": 10}})
    items = completion_items(r)
    rows.append(("completion: variables after $", any("APP_HOME" in (i.get("label") or "") for i in items), short([i["label"] for i in items][:4])))
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5},
                                             "contentChanges": [{"text": "# hadolint ignore=DL30\n" + text}]})
    r = req("textDocument/completion", {"position": {"line": 0, "character": 22}})
    items = completion_items(r)
    rows.append(("completion: rule codes in ignore pragmas", any((i.get("label") or "").startswith("DL30") for i in items), short([i["label"] for i in items][:3])))
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 6},
                                             "contentChanges": [{"text": text}]})
    r = req("textDocument/signatureHelp", {"position": pos(text, "--from=", 0, 7)})
    rows.append(("signature help", ok_result(r), short(r.get("result") and [s["label"] for s in r["result"].get("signatures", [])])))
    r = req("textDocument/definition", {"position": pos(text, "--from=builder", 0, 9)})
    rows.append(("definition: stage", ok_result(r), short(r.get("result"))))
    r = req("textDocument/definition", {"position": pos(text, "$VERSION", 0, 3)})
    rows.append(("definition: variable", ok_result(r), short(r.get("result"))))
    r = req("textDocument/references", {"position": pos(text, "AS builder", 0, 4), "context": {"includeDeclaration": True}})
    rows.append(("references", ok_result(r), short(r.get("result") if "error" not in r else r["error"])))
    r = req("textDocument/documentHighlight", {"position": pos(text, "AS builder", 0, 4)})
    rows.append(("document highlight", ok_result(r), short(r.get("result"))))
    r = req("textDocument/prepareRename", {"position": pos(text, "AS builder", 0, 4)})
    rows.append(("prepare rename", ok_result(r), short(r.get("result"))))
    r = req("textDocument/rename", {"position": pos(text, "AS builder", 0, 4), "newName": "compile"})
    n = sum(len(v) for v in ((r.get("result") or {}).get("changes") or {}).values())
    rows.append(("rename: stage", n >= 2, f"{n} edits"))
    r = req("textDocument/rename", {"position": pos(text, "$VERSION", 0, 3), "newName": "APP_VERSION"})
    n = sum(len(v) for v in ((r.get("result") or {}).get("changes") or {}).values())
    rows.append(("rename: variable", n >= 2, f"{n} edits"))
    r = req("textDocument/documentSymbol", {})
    res = r.get("result") or []
    stages = [s for s in res if s.get("children")]
    rows.append(("document symbols", ok_result(r), f"{len(res)} symbols"))
    rows.append(("document symbols: stages with children", bool(stages), short([s["name"] for s in stages])))
    r = req("textDocument/foldingRange", {})
    rows.append(("folding", ok_result(r), short(r.get("result"))))
    r = req("textDocument/semanticTokens/full", {})
    rows.append(("semantic tokens", ok_result(r) and bool((r.get("result") or {}).get("data")), f"{len((r.get('result') or {}).get('data', []))//5} tokens"))
    r = req("textDocument/documentLink", {})
    rows.append(("document links", ok_result(r), short(r.get("result") and [l.get("target") for l in r["result"]])))
    messy = "from alpine:3.20\n  run echo hi \\\n      && echo there\n\tCOPY . /app\n"
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 7},
                                             "contentChanges": [{"text": messy}]})
    r = req("textDocument/formatting", {"options": {"tabSize": 4, "insertSpaces": True}})
    rows.append(("formatting (document)", ok_result(r), f"{len(r.get('result') or [])} edits"))
    keyword_case = any("FROM" in (e.get("newText") or "") for e in (r.get("result") or []))
    rows.append(("formatting: keyword case", keyword_case, ""))
    r = req("textDocument/rangeFormatting", {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 0}},
                                             "options": {"tabSize": 4, "insertSpaces": True}})
    rows.append(("formatting (range)", ok_result(r), f"{len(r.get('result') or [])} edits"))
    r = req("textDocument/onTypeFormatting", {"position": {"line": 2, "character": 0}, "ch": "\n",
                                              "options": {"tabSize": 4, "insertSpaces": True}})
    rows.append(("formatting (on type)", "error" not in r and "documentOnTypeFormattingProvider" in server_caps, f"{len(r.get('result') or [])} edits"))
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 8},
                                             "contentChanges": [{"text": text}]})
    t, d = client.wait_diagnostics(uri, time.perf_counter(), timeout=10)
    diags = (d or {}).get("diagnostics", [])
    rows[4] = ("publishDiagnostics has version", d is not None and "version" in d, short(d and d.get("version")))
    line = pos(text, "from alpine")["line"]
    r = req("textDocument/codeAction", {"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 30}},
                                        "context": {"diagnostics": [x for x in diags if x["range"]["start"]["line"] == line]}})
    acts = r.get("result") or []
    rows.append(("code actions: quick fix with edit", any(a.get("edit") for a in acts), short([a.get("title") for a in acts][:3])))
    rows.append(("code action: ignore rule for line", any("gnore" in (a.get("title") or "") for a in acts), ""))
    r = req("textDocument/codeAction", {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                        "context": {"diagnostics": [], "only": ["source.fixAll"]}})
    acts = r.get("result") or []
    rows.append(("code action: fix all safe problems", any(a.get("edit") for a in acts), short([a.get("title") for a in acts])))
    rows.append(("execute command", "executeCommandProvider" in server_caps, short(server_caps.get("executeCommandProvider"))))
    # Robustness: a malformed frame, then an ordinary request.
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    time.sleep(0.2)
    got_error = any(m.get("error", {}).get("code") == -32700 for m in client.responses.values())
    r = req("textDocument/hover", {"position": pos(text, "RUN")})
    rows.append(("malformed JSON gets -32700, server keeps serving", got_error and ok_result(r), ""))
    r = client.request("berth/unknownMethod", {})
    rows.append(("unknown method gets -32601", r.get("error", {}).get("code") == -32601, ""))
    return rows


def big_dockerfile(lines=1000):
    """A realistic ~1,000-line multi-stage Dockerfile."""
    out = ["# syntax=docker/dockerfile:1", "ARG BASE=debian:12", "ARG VERSION=1.0.0"]
    i = 0
    while len(out) < lines - 20:
        out += [
            f"FROM $BASE AS stage{i}",
            "ARG VERSION",
            f"ENV APP_HOME=/opt/app{i} PATH=/opt/app{i}/bin:$PATH",
            "WORKDIR $APP_HOME",
            "RUN apt-get update \\",
            "    && apt-get install -y --no-install-recommends curl ca-certificates \\",
            "    && rm -rf /var/lib/apt/lists/*",
            "COPY package.json package-lock.json ./",
            f"RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev",
            "COPY . .",
            f"RUN echo building {i} version $VERSION && make -j4 all",
            "USER nobody",
            f"LABEL org.opencontainers.image.title=app{i}",
            f"EXPOSE {8000 + i}",
            "HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1",
            "",
        ]
        i += 1
    out += ["FROM alpine:3.20", "COPY --from=stage0 /opt/app0 /opt/app0", 'CMD ["/opt/app0/bin/app"]']
    return "\n".join(out) + "\n"


def latency(client, uri, text, edits=30):
    """Median ms from didChange to the publishDiagnostics that follows, over `edits` edits."""
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": text}})
    client.wait_diagnostics(uri, 0, timeout=30)
    times = []
    line = text.split("\n").index(next(l for l in text.split("\n") if l.startswith("RUN echo building")))
    for n in range(edits):
        time.sleep(0.15)
        version = n + 2
        change = {"range": {"start": {"line": line, "character": 9}, "end": {"line": line, "character": 10}},
                  "text": "b" if n % 2 else "B"}
        t0 = time.perf_counter()
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        t, _ = client.wait_diagnostics(uri, t0, timeout=10)
        if t is not None:
            times.append((t - t0) * 1000)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--berth", required=True)
    ap.add_argument("--anchor", help="docker-langserver executable (omit to measure berth alone)")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="berth-lsp-compare-"))
    (work / "app").mkdir()
    (work / "app" / "Dockerfile").write_text(FEATURE_FILE)
    (work / "app" / "go.mod").write_text("module example.com/app\n")
    big = big_dockerfile()
    (work / "big").mkdir()
    (work / "big" / "Dockerfile").write_text(big)
    for name in ("package.json", "package-lock.json", "Makefile"):
        (work / "big" / name).write_text("{}\n")

    servers = [("berth", [args.berth, "lsp"])]
    if args.anchor:
        servers.append(("anchor", [args.anchor, "--stdio"]))
    results = {}
    for name, argv in servers:
        client = Client(argv, str(work))
        caps = client.initialize().get("capabilities", {})
        uri = (work / "app" / "Dockerfile").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dockerfile", "version": 1, "text": FEATURE_FILE}})
        rows = probe_features(client, uri, FEATURE_FILE, caps)
        big_uri = (work / "big" / "Dockerfile").as_uri()
        times = latency(client, big_uri, big)
        rss, hwm = client.rss_kib()
        res = {"features": rows, "latency_ms": times, "rss_kib": rss, "peak_rss_kib": hwm,
               "init_ms": client.init_ms, "lines": big.count("\n")}
        if name == "berth":
            # Memory over a long session: open and close 1,000 documents.
            before = client.request("berth/status", {}).get("result")
            for k in range(1000):
                u = (work / "app" / f"Dockerfile.{k}").as_uri()
                client.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "dockerfile", "version": 1, "text": FEATURE_FILE}})
                client.notify("textDocument/didClose", {"textDocument": {"uri": u}})
            status = client.request("berth/status", {})
            time.sleep(0.5)
            res["after_1000_docs_rss_kib"], res["after_1000_docs_peak_kib"] = client.rss_kib()
            res["status_after_1000_docs"] = status.get("result")
            res["status_before"] = before
        res["exit_code"] = client.close()
        results[name] = res

    # The feature table.
    names = [n for n, _ in servers]
    print("| feature | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    features = [f for f, _, _ in results["berth"]["features"]]
    missing = []
    for i, feature in enumerate(features):
        cells = []
        for n in names:
            f, ok, ev = results[n]["features"][i]
            cells.append(("✔ " if ok else "✘ ") + (ev or "").replace("|", "\\|"))
        print(f"| {feature} | " + " | ".join(cells) + " |")
        if "anchor" in results and results["anchor"]["features"][i][1] and not results["berth"]["features"][i][1]:
            missing.append(feature)
    print()
    failures = []
    for n in names:
        t = results[n]["latency_ms"]
        med = statistics.median(t) if t else float("inf")
        results[n]["median_ms"] = med
        p90 = sorted(t)[int(len(t) * 0.9) - 1] if t else float("inf")
        print(f"{n}: didChange -> publishDiagnostics on {results[n]['lines']} lines: median {med:.1f} ms, "
              f"p90 {p90:.1f} ms over {len(t)} edits; RSS {results[n]['rss_kib'] / 1024:.1f} MiB "
              f"(peak {results[n]['peak_rss_kib'] / 1024:.1f} MiB); initialize {results[n]['init_ms']:.0f} ms")
    try:
        load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"machine: {os.cpu_count()} cores, load average {' '.join(load)} (1, 5, 15 min) during the run")
    except OSError:
        pass
    b = results["berth"]
    print(f"berth: after opening and closing 1,000 documents: RSS {b['after_1000_docs_rss_kib'] / 1024:.1f} MiB "
          f"(peak {b['after_1000_docs_peak_kib'] / 1024:.1f} MiB), server status {json.dumps(b['status_after_1000_docs'])}")
    if b["median_ms"] > 20:
        failures.append(f"berth median {b['median_ms']:.1f} ms > 20 ms")
    if "anchor" in results and b["median_ms"] >= results["anchor"]["median_ms"]:
        failures.append("berth median is not below the anchor's")
    peak = max(b["peak_rss_kib"] or 0, b["after_1000_docs_peak_kib"] or 0)
    if peak > 60 * 1024:
        failures.append(f"berth peak RSS {peak / 1024:.1f} MiB > 60 MiB")
    if (b["status_after_1000_docs"] or {}).get("documents") != (b["status_before"] or {}).get("documents"):
        failures.append(f"documents left open after closing 1,000: {b['status_after_1000_docs']}")
    if missing:
        failures.append("berth lacks what the anchor has: " + ", ".join(missing))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    for f in failures:
        print("FAIL:", f)
    ok = sum(1 for _, ok, _ in b["features"] if ok)
    print(f"lsp-compare: {ok} of {len(b['features'])} features answered by berth; {len(failures)} bars missed")
    subprocess.run(["rm", "-rf", str(work)])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
