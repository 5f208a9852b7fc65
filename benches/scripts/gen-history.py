#!/usr/bin/env python3
"""A deterministic git history for the `berth cache history` benchmark, made with
`git fast-import` (one process, no work-tree churn).

    gen-history.py DIR [--commits N] [--files N]

Default: 1,000 commits over a tree of 20,000 files (a Node-style monorepo: sources under
src/ in 400 folders, tests, docs, a manifest and lock file, a Dockerfile and a
.dockerignore). The first commit adds the whole tree; after it, like a real project:

    80%  a source edit: 1-4 files under src/ or test/ change
     5%  a file added or deleted under src/
     4%  a dependency change: package.json and package-lock.json
     3%  docs only (docs/ is excluded by .dockerignore in half the history)
     2%  the Dockerfile (a RUN line, or only its comment)
     2%  .dockerignore (a pattern added or removed)
     2%  a mode change (a script made executable or not)
     2%  a rename inside src/

Every fourth commit on a side branch is merged back (a merge commit on the first-parent
line, the side commit itself off it). Content is pseudo-random from a fixed seed, dates are
fixed: every run gives the same commit ids. A finished repository (DIR/.git/berth-generated)
is left alone.
"""
import argparse
import os
import random
import subprocess
import sys

DOCKERFILE = """# The service, built the simple way: the whole context before the install{note}.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build

FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY --from=build /app/dist ./dist
COPY src/ ./src/
USER node
CMD ["node", "dist/server.js"]
"""

IGNORE = ["node_modules", "*.log", ".git", "coverage/"]


def words(rng, n):
    vocab = ["const", "let", "return", "function", "await", "import", "export", "if",
             "else", "for", "of", "new", "this", "value", "items", "result", "config",
             "handler", "request", "response", "user", "id", "name", "data", "error"]
    return " ".join(rng.choice(vocab) for _ in range(n))


def source(rng):
    lines = [f"// {words(rng, 6)}"]
    for _ in range(rng.randint(8, 60)):
        lines.append(f"  {words(rng, rng.randint(3, 10))};")
    return ("\n".join(lines) + "\n").encode()


class Stream:
    def __init__(self, out):
        self.out = out
        self.tick = 0

    def write(self, data):
        self.out.write(data)

    def commit(self, branch, subject, changes, parent=None, merge=None):
        """changes: list of ('M', mode, path, bytes) or ('D', path)."""
        self.tick += 1
        when = 1704067200 + self.tick * 600
        message = subject.encode()
        self.write(f"commit refs/heads/{branch}\n".encode())
        self.write(f"mark :{self.tick}\n".encode())
        self.write(f"committer Bench <bench@example.invalid> {when} +0000\n".encode())
        self.write(f"data {len(message)}\n".encode() + message + b"\n")
        if parent:
            self.write(f"from :{parent}\n".encode())
        if merge:
            self.write(f"merge :{merge}\n".encode())
        for change in changes:
            if change[0] == "D":
                self.write(f"D {change[1]}\n".encode())
            else:
                _, mode, path, data = change
                self.write(f"M {mode} inline {path}\n".encode())
                self.write(f"data {len(data)}\n".encode() + data + b"\n")
        self.write(b"\n")
        return self.tick


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--files", type=int, default=20000)
    args = parser.parse_args()
    marker = os.path.join(args.dir, ".git", "berth-generated")
    if os.path.exists(marker):
        return
    os.makedirs(args.dir, exist_ok=True)
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True, env=env)
    rng = random.Random(20260101)

    # The tree: 90% sources in 400 folders, 5% tests, 5% docs.
    files = {}  # path -> [mode, bytes]
    n_src = args.files * 90 // 100
    n_test = args.files * 5 // 100
    n_docs = args.files - n_src - n_test - 5
    for i in range(n_src):
        files[f"src/pkg{i % 20:02d}/mod{(i // 20) % 20:02d}/file{i:05d}.js"] = ["100644", source(rng)]
    for i in range(n_test):
        files[f"test/unit{i % 10}/case{i:05d}.test.js"] = ["100644", source(rng)]
    for i in range(n_docs):
        files[f"docs/section{i % 25:02d}/page{i:05d}.md"] = ["100644", f"# page {i}\n\n{words(rng, 80)}\n".encode()]
    deps = {"express": "4.19.2", "pino": "9.0.0"}

    def manifest():
        body = ", ".join(f'"{k}": "^{v}"' for k, v in sorted(deps.items()))
        return f'{{\n  "name": "bench",\n  "version": "1.0.0",\n  "dependencies": {{ {body} }}\n}}\n'.encode()

    def lock():
        body = ", ".join(f'"node_modules/{k}": {{ "version": "{v}" }}' for k, v in sorted(deps.items()))
        return f'{{\n  "lockfileVersion": 3,\n  "packages": {{ {body} }}\n}}\n'.encode()

    ignore = list(IGNORE) + ["docs/"]
    note = ""
    build = "RUN npm run build"

    def dockerfile():
        return DOCKERFILE.replace("{note}", note).replace("RUN npm run build", build).encode()

    files["package.json"] = ["100644", manifest()]
    files["package-lock.json"] = ["100644", lock()]
    files["Dockerfile"] = ["100644", dockerfile()]
    files[".dockerignore"] = ["100644", ("\n".join(ignore) + "\n").encode()]
    files["scripts/start.sh"] = ["100644", b"#!/bin/sh\nexec node dist/server.js\n"]

    proc = subprocess.Popen(["git", "-C", args.dir, "fast-import", "--quiet"],
                            stdin=subprocess.PIPE, env=env)
    out = Stream(proc.stdin)
    head = out.commit("main", "Import the project",
                      [("M", m, p, d) for p, (m, d) in sorted(files.items())])
    src_paths = sorted(p for p in files if p.startswith(("src/", "test/")))
    for n in range(1, args.commits):
        roll = rng.random()
        changes = []
        if roll < 0.80:
            subject = "Edit sources"
            for _ in range(rng.randint(1, 4)):
                path = rng.choice(src_paths)
                files[path][1] = source(rng)
                changes.append(("M", files[path][0], path, files[path][1]))
        elif roll < 0.85:
            if rng.random() < 0.5:
                subject = "Add a module"
                path = f"src/pkg{rng.randrange(20):02d}/mod{rng.randrange(20):02d}/new{n:05d}.js"
                files[path] = ["100644", source(rng)]
                src_paths.append(path)
                changes.append(("M", "100644", path, files[path][1]))
            else:
                subject = "Delete a module"
                path = src_paths.pop(rng.randrange(len(src_paths)))
                del files[path]
                changes.append(("D", path))
        elif roll < 0.89:
            subject = "Update dependencies"
            name = rng.choice(["express", "pino", "zod", "undici", "kysely"])
            deps[name] = f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
            for path, data in (("package.json", manifest()), ("package-lock.json", lock())):
                files[path][1] = data
                changes.append(("M", "100644", path, data))
        elif roll < 0.92:
            subject = "Update docs"
            path = rng.choice([p for p in files if p.startswith("docs/")])
            files[path][1] += f"\n{words(rng, 20)}\n".encode()
            changes.append(("M", "100644", path, files[path][1]))
        elif roll < 0.94:
            if rng.random() < 0.5:
                subject = "Reword the Dockerfile's comment"
                note = f" (revision {n})"
            else:
                subject = "Change the build command"
                build = "RUN npm run build" if build.endswith("--minify") else "RUN npm run build -- --minify"
            files["Dockerfile"][1] = dockerfile()
            changes.append(("M", "100644", "Dockerfile", files["Dockerfile"][1]))
        elif roll < 0.96:
            subject = "Change .dockerignore"
            if "docs/" in ignore:
                ignore.remove("docs/")
            else:
                ignore.append("docs/")
            files[".dockerignore"][1] = ("\n".join(ignore) + "\n").encode()
            changes.append(("M", "100644", ".dockerignore", files[".dockerignore"][1]))
        elif roll < 0.98:
            subject = "Toggle the start script's execute bit"
            entry = files["scripts/start.sh"]
            entry[0] = "100755" if entry[0] == "100644" else "100644"
            changes.append(("M", entry[0], "scripts/start.sh", entry[1]))
        else:
            subject = "Rename a module"
            old = src_paths.pop(rng.randrange(len(src_paths)))
            new = old.rsplit("/", 1)[0] + f"/renamed{n:05d}.js"
            files[new] = files.pop(old)
            src_paths.append(new)
            changes.append(("D", old))
            changes.append(("M", files[new][0], new, files[new][1]))
        if n % 4 == 0:
            # The change is made on a side branch and merged back.
            side = out.commit("side", subject, changes, parent=head)
            # fast-import takes a commit's tree from its first parent plus its own changes:
            # repeating them gives the merged tree.
            head = out.commit("main", "Merge branch 'side'", changes, parent=head, merge=side)
        else:
            head = out.commit("main", subject, changes, parent=head)
    proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")
    # A merge commit's tree is its first parent's: the side branch's change must be in it.
    subprocess.run(["git", "-C", args.dir, "checkout", "-q", "-f", "main"], check=True, env=env)
    open(marker, "w").close()


if __name__ == "__main__":
    main()
