use berth_syntax::Instruction;

use super::support::{
    broad_copies_before, manifests_for, optional_note, run_script, sources_from_elsewhere,
};
use crate::context::LintContext;
use crate::ecosystem::{dependency_step, go_vendored, StepKind};
use crate::rule::Rule;

crate::declare_rule! {
    /// ## What it does
    /// Flags a build command that fetches its dependencies itself (`go build`, `cargo build`,
    /// `dotnet publish`/`build`/`test`, `mvn package`, `gradle build`, `poetry install`,
    /// `uv sync`, `composer install`, `mix compile`/`release`: the fetch-and-build commands of
    /// berth's ecosystem table) after a `COPY` of the sources, when no fetch-only step of the
    /// same ecosystem ran before the sources (`go mod download`, `dotnet restore`, ...).
    ///
    /// ## Why is this bad?
    /// The build must come after the sources, but the dependency download inside it does not
    /// have to: as written, every edit of any source file downloads every dependency again.
    ///
    /// ## When it does not fire
    /// - A fetch-only step of the same ecosystem runs earlier, in the stage or a stage it is
    ///   built from, or earlier in the same RUN (`go mod download && go build`: BR101's when
    ///   that comes after the sources).
    /// - Vendored or module-less Go (`-mod=vendor`, `GO111MODULE=off`, sources copied into
    ///   `/go/src` without `GO111MODULE=on`), `go get`/`go install` of a remote tool,
    ///   `dotnet publish --no-restore`.
    /// - A later build of the same ecosystem: the finding is at the first one.
    /// - Commands with no dependency-only form (`pip install .`).
    /// - The sources do not come from the copied context (a bind mount, a git clone).
    ///
    /// ## What the fix costs and saves
    /// Two more instructions: copy the manifests and run the fetch-only command the help
    /// names before the sources; the build stays where it is. It saves the whole dependency
    /// download (and, for restores, the resolution) on every source-only edit.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22
    /// WORKDIR /src
    /// COPY . .
    /// RUN go build -o /app ./cmd/app
    /// ```
    ///
    /// ## How to fix
    /// Download the modules after copying `go.mod` and `go.sum`, then copy the sources:
    /// ```dockerfile
    /// FROM golang:1.22
    /// WORKDIR /src
    /// COPY go.mod go.sum ./
    /// RUN go mod download
    /// COPY . .
    /// RUN go build -o /app ./cmd/app
    /// ```
    /// `berth lint --fix --unsafe-fixes` (or `--diff` to see it first) makes this rewrite when
    /// the build context shows it is sound (the sources come from one `COPY . <dir>`, the
    /// manifests exist, the context holds no output of the build): it inserts the fetch-only
    /// step (`go mod download`, `cargo fetch` over a stub, `mvn dependency:go-offline`,
    /// `gradle dependencies`; for `composer install` of a project without scripts of its
    /// own, the install without scripts and autoloader, then `composer dump-autoload` after
    /// the sources) before the sources.
    pub struct Br109 {}
    meta {
        code: "BR109",
        family: Berth,
        severity: Warning,
        kinds: [Run],
        summary: "Build that downloads its dependencies after the sources, with no fetch step before them",
    }
}

impl Rule for Br109 {
    fn check(&mut self, instruction: &Instruction, ctx: &mut LintContext) {
        if ctx.in_onbuild() {
            return;
        }
        let Some(script) = run_script(instruction, ctx) else {
            return;
        };
        let commands: Vec<&berth_shell::Command> = script.script.commands().collect();
        // A fetch-only command in the RUN makes it BR101's (or nobody's).
        if commands
            .iter()
            .any(|c| dependency_step(c).is_some_and(|s| s.kind == StepKind::Fetch))
        {
            return;
        }
        let Some((command, step)) = commands.iter().find_map(|c| {
            dependency_step(c)
                .filter(|s| s.kind == StepKind::Build && s.split_before.is_some())
                .map(|s| (*c, s))
        }) else {
            return;
        };
        let Some(index) = ctx.index() else {
            return;
        };
        if step.ecosystem == "go" && go_vendored(ctx.text(instruction.span)) {
            return;
        }
        // An earlier fetch of the same ecosystem, in this stage or one it builds on.
        let earlier_fetch = ctx.instructions()[..index]
            .iter()
            .enumerate()
            .any(|(i, r)| {
                ctx.stage_of_index(i).is_some()
                    && run_script(r, ctx).is_some_and(|s| {
                        s.script.commands().any(|c| {
                            // A fetch, or an earlier build of the same ecosystem: one finding per
                            // download, at the first step that does it.
                            dependency_step(c).is_some_and(|d| d.ecosystem == step.ecosystem)
                        })
                    })
                    && (ctx.stage_of_index(i).map(|s| s.index) == ctx.stage().map(|s| s.index)
                        || is_ancestor(ctx, i))
            });
        if earlier_fetch {
            return;
        }
        if step.ecosystem == "go"
            && ctx.instructions()[..index]
                .iter()
                .any(|i| ctx.text(i.span).contains("GO111MODULE=off"))
        {
            return;
        }
        let manifests = manifests_for(step, command, ctx);
        let refs: Vec<&str> = manifests.iter().map(String::as_str).collect();
        if sources_from_elsewhere(ctx, index, &refs) {
            return;
        }
        let broad = broad_copies_before(ctx, index, &refs);
        let Some(first) = broad.first() else {
            return;
        };
        if let Some(context) = ctx.build_context() {
            // With the context: go vendored sources need no download.
            if step.ecosystem == "go" && context.tree.get(b"vendor").is_some() {
                return;
            }
        }
        let command_text = ctx.text(script.span(command.span)).to_string();
        let copy = first.instruction;
        // Go sources copied into GOPATH (`/go/src/...`) build in GOPATH mode unless the
        // stage turns modules on: no go.mod to fetch from.
        if step.ecosystem == "go" {
            let stage_text: String = ctx.stage().map_or(String::new(), |s| {
                ctx.instructions()[s.instructions.clone()]
                    .iter()
                    .map(|i| ctx.text(i.span))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
            let into_gopath = broad
                .iter()
                .any(|b| ctx.text(b.instruction.span).contains("/go/src"));
            if into_gopath && !stage_text.contains("GO111MODULE=on") {
                return;
            }
        }
        let copy_text = ctx
            .text(copy.span)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let fetch = step.split_before.unwrap_or_default();
        let note = optional_note(step, ctx);
        let fix = crate::reorder::fix_for(ctx, &script, command, copy, index);
        ctx.report(
            script.span(command.span),
            format!(
                "`{command_text}` downloads its dependencies after `{copy_text}` (line {}): every source edit downloads them again; fetch them before the sources",
                copy.start_line
            ),
        )
        .label(first.source.span, "the sources, copied before the download")
        .help(format!(
            "COPY {} ./{}\nRUN {fetch}\nthen copy the sources and keep `{command_text}` after them",
            manifests.join(" "),
            note
        ))
        .fix(fix);
    }
}

/// Whether instruction `i` is in a stage the current one is built from.
fn is_ancestor(ctx: &LintContext, i: usize) -> bool {
    let Some(target) = ctx.stage_of_index(i).map(|s| s.index) else {
        return false;
    };
    let mut s = ctx.stage().map(|s| s.index);
    while let Some(current) = s {
        let parent = ctx.stages().get(current).and_then(|st| st.parent);
        match parent {
            Some(p) if p < current => {
                if p == target {
                    return true;
                }
                s = Some(p);
            }
            _ => return false,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn cases() {
        crate::assert_rule!(super::Br109,
            pass: [
                "FROM golang:1.22\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build ./...\n",
                "FROM golang:1.22\nCOPY . .\nRUN go mod download && go build ./...\n",
                "FROM golang:1.22\nCOPY . .\nRUN go build -mod=vendor ./...\n",
                "FROM golang:1.12\nENV GO111MODULE=off\nCOPY . /go/src/app\nRUN go build app\n",
                "FROM golang:1.22\nCOPY . .\nRUN go install golang.org/x/tools/gopls@latest\n",
                "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY *.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /out\n",
                "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet publish --no-restore -o /out\n",
                "FROM python:3.12\nCOPY . .\nRUN pip install .\n",
                "FROM golang:1.22 AS deps\nCOPY go.mod go.sum ./\nRUN go mod download\nFROM deps\nCOPY . .\nRUN go build ./...\n",
                "FROM rust:1\nRUN --mount=type=bind,target=. cargo build --release\n",
                "FROM golang:1.10\nCOPY . /go/src/app\nRUN go get -d -v ./...\n",
            ],
            fail: [
                "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app ./cmd/app\n",
                "FROM rust:1\nCOPY . .\nRUN cargo build --release\n",
                "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . ./\nRUN dotnet publish -c Release -o /out\n",
                "FROM golang:1.13\nENV GO111MODULE=on\nADD ./ /go/src/builder\nRUN go build -o /go/bin/main\n",
                "FROM maven:3\nCOPY . .\nRUN mvn -B package\n",
                "FROM gradle:8\nCOPY . .\nRUN gradle build --no-daemon\n",
                "FROM python:3.12\nCOPY . .\nRUN poetry install\n",
                "FROM python:3.12\nCOPY . .\nRUN uv sync --locked\n",
                "FROM composer:2\nCOPY . /app\nRUN composer install --no-dev -o\n",
                "FROM elixir:1.16\nCOPY . .\nRUN mix release\n",
            ],
        );
    }

    #[test]
    fn names_the_fetch_command() {
        let found = crate::testing::RuleTest::new::<super::Br109>()
            .findings("FROM golang:1.22\nCOPY . .\nRUN go build ./...\n");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("fetch them before the sources"),
            "{}",
            found[0].message
        );
        assert_eq!(
            found[0].help.as_deref(),
            Some("COPY go.mod ./ (add go.sum, go.work when the project has them)\nRUN go mod download\nthen copy the sources and keep `go build ./...` after them")
        );
    }
}

#[cfg(test)]
mod once {
    #[test]
    fn one_finding_per_download() {
        let found = crate::testing::RuleTest::new::<super::Br109>().findings(
            "FROM mcr.microsoft.com/dotnet/sdk:8.0\nCOPY . .\nRUN dotnet build -c Release\nRUN dotnet publish -c Release -o /out\n",
        );
        assert_eq!(found.len(), 1);
    }
}
