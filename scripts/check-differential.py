#!/usr/bin/env python3
"""Differential of berth's BuildKit checks against `docker build --check` on Docker 28.

For every input Dockerfile (the corpus, BuildKit's own check cases, or a spread sample of
both), the engine's answer to `docker build --call=check,format=json` — its warnings as
(rule, line, message) and the error it stops with, if any — is compared with the BuildKit-family
findings of `berth lint --format json --select <BuildKit rules>`:

- on files the engine checks without error: every (rule, line) pair and its message must agree;
- on files the engine rejects: berth must report an error finding with the engine's message at
  the engine's line (and the warnings the engine still printed before stopping).

Base images: nothing can be pulled. Every image name a file uses is tagged locally
(`docker tag berth-base NAME`) as the engine asks for it, so that the dispatch-time checks run.
The tagged image has no ENV (the engine then adds only the default PATH), which is exactly
berth's offline assumption. Names that cannot be tagged (digest references, a `--platform` the
local image does not have) make the file "unresolvable": such files are listed separately and
not compared.

The engine is slow (about half a second a file), so its answers are cached in a JSON-lines file
outside the repository (--cache), keyed by the file's bytes, its .dockerignore and the engine
version; a second run only asks the engine about files it has not seen.

A `# syntax=` directive would make the engine pull a frontend image, which it cannot offline
(and Docker 28's BuildKit has no way to force its built-in frontend): the directive line is
replaced, for both tools, by `# escape=\` (the default escape, so the directive block and
every line number stay as they were). A file with both `syntax` and `escape` directives
keeps its syntax line and is listed as not comparable.

The build context of each file is a fresh directory holding the file as `Dockerfile` (and the
case's `.dockerignore`); no build args are given to either tool (berth lint takes none).

Exit status: 0 when every compared file agrees (or each difference is listed as accepted in
--accepted), 1 otherwise, 2 on a usage or environment error.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# BuildKit's check names, as berth registers them (berth rule lists them under `buildkit`).
BUILDKIT_RULES = [
    "ConsistentInstructionCasing", "CopyIgnoredFile", "DuplicateStageName",
    "ExposeInvalidFormat", "ExposeProtoCasing", "FromAsCasing",
    "FromPlatformFlagConstDisallowed", "InvalidDefaultArgInFrom",
    "InvalidDefinitionDescription", "JSONArgsRecommended", "LegacyKeyValueFormat",
    "MaintainerDeprecated", "MultipleInstructionsDisallowed", "NoEmptyContinuation",
    "RedundantTargetPlatform", "ReservedStageName", "SecretsUsedInArgOrEnv",
    "StageNameCasing", "UndefinedArgInFrom", "UndefinedVar", "WorkdirRelativePath",
    "InvalidBaseImagePlatform",
]
# berth's codes for a file the engine rejects: the parser's and instruction layer's errors
# (DL1000, hadolint's code for them), the converter's (BuildError), and those a build arg
# declared without a default avoids (BuildArgRequired, a style finding).
ERROR_CODES = ["DL1000", "BuildError", "BuildArgRequired"]
CACHE_VERSION = 2


def find_shared() -> Path:
    for parent in ROOT.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


# ---------------------------------------------------------------------------------------------
# inputs


class Case:
    """One Dockerfile to compare: its name in the report, text and optional .dockerignore."""

    def __init__(self, name: str, data: bytes, dockerignore: str | None = None):
        self.name = name
        self.data = without_syntax_directive(data)
        self.dockerignore = dockerignore
        # A `# syntax=` directive left in place (see without_syntax_directive).
        self.frontend = syntax_directive(self.data)

    def key(self, engine_version: str) -> str:
        h = hashlib.sha256()
        for part in (str(CACHE_VERSION), engine_version, self.dockerignore or "\0none"):
            h.update(part.encode() + b"\0")
        h.update(self.data)
        return h.hexdigest()

    def materialize(self, root: Path) -> Path:
        """A fresh context directory with the file as Dockerfile (plus .dockerignore)."""
        ctx = Path(tempfile.mkdtemp(prefix="ctx-", dir=root))
        (ctx / "Dockerfile").write_bytes(self.data)
        if self.dockerignore is not None:
            (ctx / ".dockerignore").write_text(self.dockerignore)
        return ctx


DIRECTIVE = re.compile(rb"^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")


def directive_block(lines: list[bytes]) -> list[tuple[int, bytes, bytes]]:
    """(line index, lower-cased key, value) of the directives at the top of the file."""
    block = []
    for i, line in enumerate(lines):
        if i == 0 and line.startswith(b"#!"):
            continue
        m = DIRECTIVE.match(line.rstrip(b"\r"))
        if not m or m.group(1).lower() not in (b"syntax", b"escape", b"check"):
            break
        block.append((i, m.group(1).lower(), m.group(2)))
    return block


def syntax_directive(data: bytes) -> str | None:
    for _, key, value in directive_block(data.split(b"\n")):
        if key == b"syntax":
            return value.split(b" ")[0].decode(errors="replace")
    return None


def without_syntax_directive(data: bytes) -> bytes:
    """The file with its `# syntax=` directive replaced by `# escape=\\` (see the module doc)."""
    lines = data.split(b"\n")
    block = [(i, k) for i, k, _ in directive_block(lines)]
    keys = [k for _, k in block]
    if b"syntax" not in keys or b"escape" in keys:
        return data
    i = next(i for i, k in block if k == b"syntax")
    cr = b"\r" if lines[i].endswith(b"\r") else b""
    lines[i] = b"# escape=\\" + cr
    return b"\n".join(lines)


def corpus_cases(corpus: Path) -> list[Case]:
    return [
        Case(str(p.relative_to(corpus)), p.read_bytes())
        for p in sorted(corpus.rglob("*"))
        if p.is_file()
    ]


def lint_cases(path: Path) -> list[Case]:
    cases = json.loads(path.read_text())
    return [
        Case("buildkit-lint-cases/" + c["name"], c["dockerfile"].encode(), c.get("dockerignore"))
        for c in cases
    ]


def spread_sample(cases: list[Case], n: int) -> list[Case]:
    """n cases spread evenly over the sorted list (deterministic)."""
    if n <= 0 or n >= len(cases):
        return cases
    step = len(cases) / n
    return [cases[int(i * step)] for i in range(n)]


# ---------------------------------------------------------------------------------------------
# the engine


class Engine:
    def __init__(self, docker: str, base: str = "berth-base"):
        self.docker = docker
        self.base = base
        self.lock = threading.Lock()
        self.tagged: set[str] = set()
        self.untaggable: dict[str, str] = {}
        out = self.run(["version", "--format", "{{.Server.Version}}"])
        if out.returncode != 0:
            sys.exit(f"check-differential: the engine does not answer: {out.stderr.strip()}")
        self.version = out.stdout.strip()
        images = self.run(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"])
        for line in images.stdout.split():
            self.tagged.add(normalize_ref(line))

    def run(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run([self.docker, *args], capture_output=True, text=True,
                              errors="replace", **kw)

    def tag(self, ref: str) -> bool:
        """Tags the base image as `ref`; False when the engine cannot (digests, bad names)."""
        key = normalize_ref(ref)
        with self.lock:
            if key in self.tagged:
                return True
            if "@" in ref:
                self.untaggable[ref] = "a digest reference cannot be tagged"
                return False
            out = self.run(["tag", self.base, ref])
            if out.returncode != 0:
                self.untaggable[ref] = out.stderr.strip()
                return False
            self.tagged.add(key)
            return True

    def check(self, case: Case, work: Path) -> dict:
        """The engine's answer for one file, tagging base images until they all resolve."""
        if case.frontend:
            return {"warnings": [], "error": None,
                    "unresolved": [f"frontend image {case.frontend} (# syntax=)"]}
        ctx = case.materialize(work)
        try:
            tried: set[str] = set()
            for _ in range(8):
                out = self.run(["build", "--call=check,format=json", "--network=none",
                                "--progress=plain", "-f", str(ctx / "Dockerfile"), str(ctx)])
                failed = unresolved_refs(out.stderr)
                if not failed:
                    return answer(out)
                retry = False
                unresolvable = []
                for ref in failed:
                    if ref in tried or not self.tag(ref):
                        unresolvable.append(ref)
                    else:
                        tried.add(ref)
                        retry = True
                if unresolvable or not retry:
                    result = answer(out)
                    result["unresolved"] = sorted(set(unresolvable) or set(failed))
                    return result
            result = answer(out)
            result["unresolved"] = sorted(failed)
            return result
        finally:
            shutil.rmtree(ctx, ignore_errors=True)


def normalize_ref(ref: str) -> str:
    """docker.io/library/alpine:latest for alpine (how the engine prints references)."""
    name, _, digest = ref.partition("@")
    if not re.search(r":[^/]+$", name) and not digest:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name or ("." not in first and ":" not in first and first != "localhost"):
        if "/" not in name:
            name = "library/" + name
        name = "docker.io/" + name
    return name + ("@" + digest if digest else "")


METADATA = re.compile(r"^#(\d+) \[internal\] load metadata for (\S+)$")
STEP_ERROR = re.compile(r"^#(\d+) ERROR: ")
RESOLVE_ERROR = re.compile(r"failed to resolve source metadata for (\S+?):? ")


def unresolved_refs(stderr: str) -> list[str]:
    """The image references whose metadata the engine failed to load."""
    refs: dict[str, str] = {}
    failed = []
    for line in stderr.splitlines():
        if m := METADATA.match(line):
            refs[m.group(1)] = m.group(2)
        elif (m := STEP_ERROR.match(line)) and m.group(1) in refs:
            failed.append(refs[m.group(1)])
        elif line.startswith("ERROR: ") and (m := RESOLVE_ERROR.search(line)):
            failed.append(m.group(1))
    return sorted(set(failed))


def answer(out: subprocess.CompletedProcess) -> dict:
    """Warnings and the build error from the engine's JSON (or its stderr when it printed none)."""
    result = {"warnings": [], "error": None, "unresolved": []}
    try:
        data = json.loads(out.stdout) if out.stdout.strip() else {}
    except json.JSONDecodeError:
        data = {}
    for w in data.get("warnings") or []:
        ranges = (w.get("location") or {}).get("ranges") or [{}]
        result["warnings"].append({
            "rule": w.get("ruleName", ""),
            "line": ranges[0].get("start", {}).get("line"),
            "detail": w.get("detail", ""),
        })
    error = data.get("buildError")
    if error:
        ranges = (error.get("location") or {}).get("ranges") or [{}]
        result["error"] = {"message": error.get("message", ""),
                           "line": ranges[0].get("start", {}).get("line")}
    elif out.returncode != 0 and not result["warnings"] and not data:
        # No JSON: the error is on stderr as `ERROR: <message>` (then the file:line).
        message = next((l[len("ERROR: "):] for l in out.stderr.splitlines()
                        if l.startswith("ERROR: ")), out.stderr.strip()[-500:])
        line = None
        if m := re.search(r"^Dockerfile:(\d+)$", out.stderr, re.M):
            line = int(m.group(1))
        result["error"] = {"message": message, "line": line}
    return result


def load_cache(path: Path) -> dict[str, dict]:
    cache = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                entry = json.loads(line)
                cache[entry["key"]] = entry
            except (json.JSONDecodeError, KeyError):
                continue
    return cache


def engine_answers(engine: Engine, cases: list[Case], cache_path: Path, jobs: int,
                   fresh: bool) -> dict[str, dict]:
    cache = {} if fresh else load_cache(cache_path)
    todo = [c for c in cases if c.key(engine.version) not in cache]
    if todo:
        print(f"engine: checking {len(todo)} file(s) with Docker {engine.version} "
              f"({len(cases) - len(todo)} cached in {cache_path})", file=sys.stderr)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()
    done = 0
    with tempfile.TemporaryDirectory(prefix="berth-check-diff-") as work, \
            open(cache_path, "a") as sink, \
            concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        def one(case: Case):
            nonlocal done
            result = engine.check(case, Path(work))
            result["key"] = case.key(engine.version)
            result["file"] = case.name
            with lock:
                cache[result["key"]] = result
                sink.write(json.dumps(result) + "\n")
                sink.flush()
                done += 1
                if done % 100 == 0:
                    print(f"engine: {done}/{len(todo)}", file=sys.stderr)
        list(pool.map(one, todo))
    return {c.name: cache[c.key(engine.version)] for c in cases}


# ---------------------------------------------------------------------------------------------
# berth


def known_codes(berth: str) -> set[str]:
    out = subprocess.run([berth, "rule"], capture_output=True, text=True)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def berth_answers(berth: str, cases: list[Case]) -> dict[str, list[dict]]:
    """berth's BuildKit-family findings per case: {rule, line, detail, level}."""
    # Every other rule is ignored rather than these selected: selecting an experimental check
    # would turn it on everywhere, while BuildKit runs it only where `# check=experimental=`
    # names it.
    ignore = sorted(known_codes(berth) - set(BUILDKIT_RULES + ERROR_CODES))
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="berth-check-diff-berth-") as work:
        paths = {}
        for case in cases:
            paths[str(case.materialize(Path(work)) / "Dockerfile")] = case.name
        batch = list(paths)
        for start in range(0, len(batch), 500):
            chunk = batch[start:start + 500]
            out = subprocess.run(
                [berth, "lint", "--isolated", "--no-fail", "--format", "json",
                 "--ignore", ",".join(ignore), *chunk],
                capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"check-differential: berth lint failed ({out.returncode}): "
                         f"{out.stderr.strip()[-2000:]}")
            for f in json.loads(out.stdout):
                results.setdefault(paths[f["file"]], []).append({
                    "rule": f["code"], "line": f["line"], "detail": f["message"],
                    "level": f["level"]})
    return results


# ---------------------------------------------------------------------------------------------
# comparison


def load_accepted(path: Path | None) -> list[dict]:
    if path is None or not path.exists():
        return []
    import tomllib
    return tomllib.loads(path.read_text()).get("difference", [])


def accepted_reason(accepted: list[dict], side: str, file: str, rule: str, line) -> str | None:
    """The reason of the first entry of buildkit-check-differences.toml that explains it."""
    for a in accepted:
        if a.get("side") != side or not fnmatch.fnmatchcase(rule, a.get("rule", "*")):
            continue
        if "files" in a and not any(fnmatch.fnmatchcase(file, g) for g in a["files"]):
            continue
        if "lines" in a and line not in a["lines"]:
            continue
        a["used"] = a.get("used", 0) + 1
        return a.get("reason", "").strip()
    return None


def same_message(engine: str, berth: str) -> bool:
    """Messages agree word for word; `lint violation found for rules: A, B` names its rules
    in Go map order, so there the set of names must agree."""
    prefix = "lint violation found for rules: "
    if engine.startswith(prefix) and berth.startswith(prefix):
        return set(engine[len(prefix):].split(", ")) == set(berth[len(prefix):].split(", "))
    return engine == berth


def compare(cases: list[Case], engine: dict[str, dict], berth: dict[str, list[dict]],
            accepted: list[dict], show: int, whole: bool) -> bool:
    per_rule = collections.defaultdict(collections.Counter)
    differences: list[str] = []
    accepted_lines: list[str] = []
    unresolved: list[tuple[str, list[str]]] = []
    errors = collections.Counter()
    error_lines: list[str] = []
    compared = rejected = 0

    def differ(kind: str, file: str, rule: str, line, text: str):
        reason = accepted_reason(accepted, kind.replace(" ", "-"), file, rule, line)
        if reason is not None:
            per_rule[rule]["accepted"] += 1
            accepted_lines.append(f"ACCEPTED {kind} {file}:{line} {rule}: {text}")
        else:
            per_rule[rule][kind] += 1
            differences.append(f"{kind.upper()} {file}:{line} {rule}: {text}")

    for case in cases:
        answer = engine[case.name]
        if answer.get("unresolved"):
            unresolved.append((case.name, answer["unresolved"]))
            continue
        found = berth.get(case.name, [])
        ours = [f for f in found if f["rule"] in BUILDKIT_RULES]
        error = answer.get("error")
        ours_errors = [f for f in found if f["rule"] in ERROR_CODES]
        if error:
            rejected += 1
            # BuildKit gives some errors no line: then the message alone must agree.
            exact = [f for f in ours_errors if same_message(error["message"], f["detail"])
                     and error["line"] in (None, f["line"])]
            if exact:
                errors["agree"] += 1
                errors["agree as " + exact[0]["rule"]] += 1
            else:
                kind = "message differs" if [f for f in ours_errors if error["line"] in
                                              (None, f["line"])] else "missed"
                text = (f"engine {error['message']!r}, berth "
                        f"{[(f['rule'], f['line'], f['detail']) for f in ours_errors]!r}")
                reason = accepted_reason(accepted, "error-" + kind.replace(" ", "-"),
                                         case.name, "*", error["line"])
                if reason is not None:
                    errors["accepted"] += 1
                    accepted_lines.append(f"ACCEPTED error {kind} {case.name}:{error['line']}: {text}")
                else:
                    errors[kind] += 1
                    error_lines.append(f"ERROR {kind.upper()} {case.name}:{error['line']}: {text}")
        else:
            compared += 1
            for f in ours_errors:
                errors["berth only"] += 1
                error_lines.append(f"BERTH-ONLY ERROR {case.name}:{f['line']}: "
                                   f"{f['rule']} {f['detail']!r}")
        remaining = list(ours)
        matched: list[dict] = []
        for w in answer["warnings"]:
            same = next((f for f in remaining
                         if f["rule"] == w["rule"] and f["line"] == w["line"]
                         and f["detail"] == w["detail"]), None)
            if same is None:
                if w in matched:
                    differ("engine repeats", case.name, w["rule"], w["line"], repr(w["detail"]))
                    continue
                same = next((f for f in remaining
                             if f["rule"] == w["rule"] and f["line"] == w["line"]), None)
                if same is not None:
                    differ("message differs", case.name, w["rule"], w["line"],
                           f"engine {w['detail']!r}, berth {same['detail']!r}")
                else:
                    differ("engine only", case.name, w["rule"], w["line"], repr(w["detail"]))
                    continue
            else:
                per_rule[w["rule"]]["agree"] += 1
                matched.append(w)
            remaining.remove(same)
        for f in remaining:
            # A file the engine rejects stops its checks at the error.
            kind = "berth after error" if error else "berth only"
            differ(kind, case.name, f["rule"], f["line"], repr(f["detail"]))

    print(f"check differential against Docker {ENGINE_VERSION}: {len(cases)} files; "
          f"{compared} checked by the engine without error, {rejected} rejected by the engine, "
          f"{len(unresolved)} not comparable (see the end)")
    kinds = ["agree", "message differs", "engine only", "berth only", "engine repeats",
             "berth after error", "accepted"]
    print(f"{'rule':34} " + " ".join(f"{k:>12}" for k in ["agree", "msg differs", "engine only",
                                                         "berth only", "eng. repeats",
                                                         "after error", "accepted"]))
    total = collections.Counter()
    for rule in sorted(per_rule):
        total.update(per_rule[rule])
        print(f"{rule:34} " + " ".join(f"{per_rule[rule][k]:>12}" for k in kinds))
    print(f"{'total':34} " + " ".join(f"{total[k]:>12}" for k in kinds))
    pairs = sum(total.values())
    print(f"(rule, line) pairs: {total['agree'] + total['message differs']}/{pairs} agree "
          f"({total['agree']} with the message word for word), {total['accepted']} accepted "
          f"differences (each listed below with its reason in {ACCEPTED_NAME})")
    print(f"engine errors: {errors['agree']}/{rejected} reported by berth with the engine's "
          f"message and line ({errors['agree as DL1000']} as DL1000, "
          f"{errors['agree as BuildError']} as BuildError, {errors['agree as BuildArgRequired']} "
          f"as BuildArgRequired: a build arg without a default avoids them); "
          f"{errors['message differs']} with another message, {errors['missed']} missed, "
          f"{errors['accepted']} accepted differences; "
          f"{errors['berth only']} berth errors on files the engine accepts")
    for line in differences[:show] + error_lines[:show]:
        print(line)
    if len(differences) > show or len(error_lines) > show:
        print(f"... ({len(differences)} differences and {len(error_lines)} error differences in "
              f"all; --show N prints more)")
    reasons = collections.OrderedDict()
    for a in accepted:
        if a.get("used"):
            reasons[a["reason"].strip()] = reasons.get(a["reason"].strip(), 0) + a["used"]
    for reason, used in reasons.items():
        print(f"ACCEPTED x{used}: {' '.join(reason.split())}")
    for line in accepted_lines[:show]:
        print(f"  {line}")
    for a in accepted if whole else []:
        if not a.get("used") and a.get("corpus", True):
            print(f"NOTE: an accepted difference explains nothing now: {a.get('side')} "
                  f"{a.get('rule')} {a.get('files', '')}")
    if unresolved:
        def cause(refs: list[str]) -> str:
            if any(r.startswith("frontend image") for r in refs):
                return "a # syntax= frontend image besides an escape directive"
            if all("@" in r for r in refs):
                return "a digest reference"
            return "a base image for another platform (the local image is linux/amd64)"
        causes = collections.Counter(cause(refs) for _, refs in unresolved)
        print(f"not comparable: {len(unresolved)} files whose base image cannot stand in "
              f"locally: " + ", ".join(f"{n} with {c}" for c, n in causes.most_common()))
        for name, refs in unresolved[:show]:
            print(f"  {name}: {', '.join(refs)}")
    return not differences and not error_lines


ENGINE_VERSION = "?"
ACCEPTED_NAME = "crates/berth-lint/buildkit-check-differences.toml"


def main() -> int:
    global ENGINE_VERSION
    shared = find_shared()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--berth", default=os.environ.get("BERTH_BIN",
                                                      str(ROOT / "target/release/berth")))
    p.add_argument("--docker", default=os.environ.get("BERTH_DOCKER", "docker"),
                   help="the Docker 28 client (eval \"$(scripts/engine.sh env 28)\" sets it)")
    p.add_argument("--corpus", type=Path, default=shared / "corpus" / "dockerfiles")
    p.add_argument("--cases", type=Path,
                   default=shared / "conformance" / "buildkit-lint-cases.json")
    p.add_argument("--sample", type=int, default=0,
                   help="compare a fixed, spread sample of N corpus files (default: all)")
    p.add_argument("--cache", type=Path,
                   default=Path(tempfile.gettempdir()) / "berth-check-differential-cache.jsonl")
    p.add_argument("--fresh", action="store_true", help="ignore the cache")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--accepted", type=Path,
                   default=ROOT / "crates/berth-lint/buildkit-check-differences.toml")
    p.add_argument("--show", type=int, default=40, help="differences to print")
    p.add_argument("--engine-only", action="store_true",
                   help="only fill the engine cache (no berth run)")
    args = p.parse_args()
    if not args.corpus.is_dir():
        print(f"SKIPPED: check differential: {args.corpus} not found")
        return 0
    cases = spread_sample(corpus_cases(args.corpus), args.sample)
    if args.cases.is_file():
        cases += lint_cases(args.cases)
    engine = Engine(args.docker)
    ENGINE_VERSION = engine.version
    answers = engine_answers(engine, cases, args.cache, args.jobs, args.fresh)
    if args.engine_only:
        return 0
    if not Path(args.berth).is_file():
        print(f"check-differential: berth binary {args.berth} not found", file=sys.stderr)
        return 2
    ours = berth_answers(args.berth, cases)
    ok = compare(cases, answers, ours, load_accepted(args.accepted), args.show,
                 whole=args.sample == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
