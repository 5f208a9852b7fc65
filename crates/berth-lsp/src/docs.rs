//! Short documentation of every instruction and flag, in berth's own words, for hover and
//! completion, plus the completion snippets and signatures.

/// One instruction's documentation.
pub struct InstructionDoc {
    /// Upper-case keyword.
    pub keyword: &'static str,
    /// What it does, one or two sentences.
    pub summary: &'static str,
    /// The usage line (signature help shows it).
    pub usage: &'static str,
    /// The snippet completion inserts (LSP snippet syntax).
    pub snippet: &'static str,
    /// Whether the instruction creates a build step (a layer or a cache entry).
    pub build_step: bool,
}

/// Every instruction, alphabetical.
pub const INSTRUCTIONS: &[InstructionDoc] = &[
    InstructionDoc {
        keyword: "ADD",
        summary: "Copies files into the image like COPY, and can also fetch a URL or a git repository and unpack a local tar archive. Prefer COPY for plain files: ADD's extra powers surprise readers and its downloads are not cached by content unless you pin `--checksum`.",
        usage: "ADD [--chown=<user>:<group>] [--chmod=<perms>] [--checksum=<digest>] [--keep-git-dir] [--link] [--exclude=<pattern>] <src>... <dest>",
        snippet: "ADD ${1:source} ${2:dest}",
        build_step: true,
    },
    InstructionDoc {
        keyword: "ARG",
        summary: "Declares a build argument that `docker build --build-arg` can set. Before the first FROM it is global and visible only in FROM lines; inside a stage it is visible to the instructions after it (declare a global one again, without a value, to use it there). A changed value re-runs every RUN after the declaration.",
        usage: "ARG <name>[=<default>] [<name>[=<default>]...]",
        snippet: "ARG ${1:name}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "CMD",
        summary: "The default command a container runs (or the default arguments of ENTRYPOINT). Only the last CMD of a stage counts. The exec form `[\"executable\", \"arg\"]` runs without a shell and receives signals directly.",
        usage: "CMD [\"executable\", \"param\"...] | CMD command param...",
        snippet: "CMD [ \"${1:executable}\" ]",
        build_step: false,
    },
    InstructionDoc {
        keyword: "COPY",
        summary: "Copies files from the build context (or from another stage or image with `--from`) into the image. Its cache key is the content of what it copies: a change to any copied file re-runs it and every step after it.",
        usage: "COPY [--from=<stage|image>] [--chown=<user>:<group>] [--chmod=<perms>] [--link] [--parents] [--exclude=<pattern>] <src>... <dest>",
        snippet: "COPY ${1:source} ${2:dest}",
        build_step: true,
    },
    InstructionDoc {
        keyword: "ENTRYPOINT",
        summary: "The executable a container runs; CMD supplies its default arguments. Use the exec form so that the process gets signals and `docker run` arguments are appended.",
        usage: "ENTRYPOINT [\"executable\", \"param\"...] | ENTRYPOINT command param...",
        snippet: "ENTRYPOINT [ \"${1:executable}\" ]",
        build_step: false,
    },
    InstructionDoc {
        keyword: "ENV",
        summary: "Sets environment variables for the rest of the stage, for the containers started from the image, and for stages built FROM this one. Write `ENV KEY=value`; the old `ENV KEY value` form is deprecated.",
        usage: "ENV <key>=<value> [<key>=<value>...]",
        snippet: "ENV ${1:key}=${2:value}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "EXPOSE",
        summary: "Documents the ports the container listens on (`80`, `53/udp`). It publishes nothing: `docker run -p` does.",
        usage: "EXPOSE <port>[/<protocol>] [<port>[/<protocol>]...]",
        snippet: "EXPOSE ${1:port}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "FROM",
        summary: "Starts a build stage from a base image, from `scratch`, or from an earlier stage. `AS name` names the stage for `COPY --from`, `--target` and later FROMs. Pin the tag (or a digest) so that builds are repeatable.",
        usage: "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]",
        snippet: "FROM ${1:image}:${2:tag}",
        build_step: true,
    },
    InstructionDoc {
        keyword: "HEALTHCHECK",
        summary: "How the engine tests that a container still works: a command run every `--interval`, unhealthy after `--retries` failures. `HEALTHCHECK NONE` turns off the base image's check.",
        usage: "HEALTHCHECK [--interval=<d>] [--timeout=<d>] [--start-period=<d>] [--start-interval=<d>] [--retries=<n>] CMD <command> | HEALTHCHECK NONE",
        snippet: "HEALTHCHECK --interval=${1:30s} --timeout=${2:5s} CMD ${3:command}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "LABEL",
        summary: "Adds metadata to the image as key-value pairs (`org.opencontainers.image.source=...`). Changes nothing the build runs.",
        usage: "LABEL <key>=<value> [<key>=<value>...]",
        snippet: "LABEL ${1:key}=\"${2:value}\"",
        build_step: false,
    },
    InstructionDoc {
        keyword: "MAINTAINER",
        summary: "Deprecated: names the image's author. Use `LABEL org.opencontainers.image.authors=\"...\"` instead.",
        usage: "MAINTAINER <name>",
        snippet: "MAINTAINER ${1:name}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "ONBUILD",
        summary: "Registers an instruction that runs later, as a step of any build that uses this image (or stage) in its FROM.",
        usage: "ONBUILD <instruction>",
        snippet: "ONBUILD ${1:instruction}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "RUN",
        summary: "Runs a command in a new layer. Its cache key is the command text, the environment (ENV and ARG values) and its parent step: it re-runs when any earlier step re-runs. `--mount=type=cache` keeps package caches between builds without putting them in the image.",
        usage: "RUN [--mount=<mount>] [--network=<default|none|host>] [--security=<sandbox|insecure>] <command> | RUN [\"executable\", \"param\"...]",
        snippet: "RUN ${1:command}",
        build_step: true,
    },
    InstructionDoc {
        keyword: "SHELL",
        summary: "Changes the shell that runs the shell form of RUN, CMD and ENTRYPOINT (default `[\"/bin/sh\", \"-c\"]`; on Windows `[\"cmd\", \"/S\", \"/C\"]`). Use it to turn on `pipefail` for piped RUN commands.",
        usage: "SHELL [\"executable\", \"param\"...]",
        snippet: "SHELL [\"${1:/bin/bash}\", \"-o\", \"pipefail\", \"-c\"]",
        build_step: false,
    },
    InstructionDoc {
        keyword: "STOPSIGNAL",
        summary: "The signal `docker stop` sends to the container's main process (`SIGTERM` unless set).",
        usage: "STOPSIGNAL <signal>",
        snippet: "STOPSIGNAL ${1:SIGTERM}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "USER",
        summary: "The user (and group) that runs the following RUN, CMD and ENTRYPOINT instructions and the container. Images should end with a non-root user.",
        usage: "USER <user>[:<group>] | USER <uid>[:<gid>]",
        snippet: "USER ${1:user}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "VOLUME",
        summary: "Declares mount points for data that outlives the container. Changes made to a volume path by later RUN steps are discarded.",
        usage: "VOLUME [\"/path\"...] | VOLUME /path...",
        snippet: "VOLUME ${1:/data}",
        build_step: false,
    },
    InstructionDoc {
        keyword: "WORKDIR",
        summary: "Sets (and creates) the working directory of the following instructions and of the container. Use absolute paths; a relative one is resolved against the previous WORKDIR.",
        usage: "WORKDIR <path>",
        snippet: "WORKDIR ${1:/app}",
        build_step: true,
    },
];

/// The documentation of a keyword (any case).
pub fn instruction(keyword: &str) -> Option<&'static InstructionDoc> {
    INSTRUCTIONS
        .iter()
        .find(|d| d.keyword.eq_ignore_ascii_case(keyword))
}

/// One flag of an instruction.
pub struct FlagDoc {
    /// Instructions that take it.
    pub instructions: &'static [&'static str],
    /// The name without dashes.
    pub name: &'static str,
    /// What completion inserts after `--` (snippet syntax).
    pub snippet: &'static str,
    /// What it does.
    pub summary: &'static str,
}

/// Every flag BuildKit accepts.
pub const FLAGS: &[FlagDoc] = &[
    FlagDoc { instructions: &["FROM"], name: "platform", snippet: "platform=${1:\\$BUILDPLATFORM}", summary: "The platform of the base image (`linux/amd64`, `$BUILDPLATFORM` to run build tools natively in a cross build)." },
    FlagDoc { instructions: &["COPY"], name: "from", snippet: "from=${1:stage}", summary: "Copy from an earlier build stage (by name or index) or from an image instead of the build context. The step is keyed by the content of the copied files." },
    FlagDoc { instructions: &["COPY", "ADD"], name: "chown", snippet: "chown=${1:user}:${2:group}", summary: "Owner of the copied files (user and group names or ids); part of the cache key." },
    FlagDoc { instructions: &["COPY", "ADD"], name: "chmod", snippet: "chmod=${1:755}", summary: "Permission bits of the copied files (octal, or symbolic with BuildKit 1.6+); part of the cache key." },
    FlagDoc { instructions: &["COPY", "ADD"], name: "link", snippet: "link", summary: "Copy into an independent layer, so that a changed base image does not invalidate the copy (and layers can be rebased)." },
    FlagDoc { instructions: &["COPY", "ADD"], name: "exclude", snippet: "exclude=${1:pattern}", summary: "Leave out paths matching the pattern (repeatable)." },
    FlagDoc { instructions: &["COPY"], name: "parents", snippet: "parents", summary: "Keep the source's parent directories under the destination (`COPY --parents a/b/c /dst` gives `/dst/a/b/c`)." },
    FlagDoc { instructions: &["ADD"], name: "checksum", snippet: "checksum=${1:sha256:}", summary: "The expected digest of a downloaded file: the build fails on a mismatch, and the step is cached by that digest." },
    FlagDoc { instructions: &["ADD"], name: "keep-git-dir", snippet: "keep-git-dir", summary: "Keep the `.git` directory when adding a git repository." },
    FlagDoc { instructions: &["RUN"], name: "mount", snippet: "mount=type=${1|cache,bind,secret,ssh,tmpfs|},target=${2:/path}", summary: "Mount something for this command only: `type=cache` (a cache kept between builds, never in the image), `bind` (files of the context or a stage, keyed by their content), `secret`, `ssh` or `tmpfs`." },
    FlagDoc { instructions: &["RUN"], name: "network", snippet: "network=${1|default,none,host|}", summary: "The network of the command: `none` for none at all, `host` (needs an entitlement)." },
    FlagDoc { instructions: &["RUN"], name: "security", snippet: "security=${1|sandbox,insecure|}", summary: "`insecure` runs the command with elevated privileges (needs an entitlement)." },
    FlagDoc { instructions: &["HEALTHCHECK"], name: "interval", snippet: "interval=${1:30s}", summary: "Time between two checks (default 30s)." },
    FlagDoc { instructions: &["HEALTHCHECK"], name: "timeout", snippet: "timeout=${1:30s}", summary: "A check taking longer than this fails (default 30s)." },
    FlagDoc { instructions: &["HEALTHCHECK"], name: "start-period", snippet: "start-period=${1:0s}", summary: "Failures during this time after start do not count (default 0s)." },
    FlagDoc { instructions: &["HEALTHCHECK"], name: "start-interval", snippet: "start-interval=${1:5s}", summary: "Time between checks during the start period (default 5s)." },
    FlagDoc { instructions: &["HEALTHCHECK"], name: "retries", snippet: "retries=${1:3}", summary: "Consecutive failures before the container is unhealthy (default 3)." },
];

/// The flags an instruction takes.
pub fn flags_of(keyword: &str) -> impl Iterator<Item = &'static FlagDoc> + '_ {
    FLAGS.iter().filter(move |f| {
        f.instructions
            .iter()
            .any(|k| k.eq_ignore_ascii_case(keyword))
    })
}

/// A flag of an instruction by name.
pub fn flag(keyword: &str, name: &str) -> Option<&'static FlagDoc> {
    flags_of(keyword).find(|f| f.name == name)
}

/// `RUN --mount` options per mount type (`type` itself first).
pub const MOUNT_KEYS: &[(&str, &[&str])] = &[
    ("bind", &["target", "source", "from", "rw"]),
    (
        "cache",
        &[
            "target", "id", "sharing", "from", "source", "mode", "uid", "gid", "ro",
        ],
    ),
    ("tmpfs", &["target", "size"]),
    (
        "secret",
        &["id", "target", "env", "required", "mode", "uid", "gid"],
    ),
    ("ssh", &["id", "target", "required", "mode", "uid", "gid"]),
];

/// Mount types.
pub const MOUNT_TYPES: &[&str] = &["bind", "cache", "tmpfs", "secret", "ssh"];
