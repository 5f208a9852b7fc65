//! The loaded project: its services and the builds they describe.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::load::is_local_context;
use crate::yaml::{Node, Pos, Value};
use crate::Error;

/// A loaded compose project.
#[derive(Clone, Debug)]
pub struct Project {
    /// The compose files given (absolute), in merge order.
    pub files: Vec<PathBuf>,
    /// The project directory (the first file's, unless set).
    pub working_dir: PathBuf,
    /// Every service, sorted by name.
    pub services: Vec<Service>,
    /// The active profiles.
    pub profiles: Vec<String>,
    /// The environment interpolation used (process environment over `.env`).
    pub environment: HashMap<String, String>,
    /// Where the `services` key is (for errors about service names).
    services_pos: Option<Pos>,
}

/// One service of the project.
#[derive(Clone, Debug)]
pub struct Service {
    /// The service name.
    pub name: String,
    /// Where the service is defined (its key).
    pub pos: Pos,
    /// Its profiles (none: always enabled).
    pub profiles: Vec<String>,
    /// Its `build:` section, if it has one.
    pub build: Option<Build>,
}

/// What `docker compose build` would build for one service.
#[derive(Clone, Debug)]
pub struct Build {
    /// The service.
    pub service: String,
    /// The build context.
    pub context: Context,
    /// Where `context` (or the `build:` key, when the context is the default) is written.
    pub context_pos: Pos,
    /// The Dockerfile.
    pub dockerfile: Dockerfile,
    /// Build args with a value, in compose's order (a later definition of a key wins; a
    /// bare `- KEY` with no value in the environment is not passed at all).
    pub args: Vec<(String, String)>,
    /// `--target`, if set.
    pub target: Option<String>,
    /// Where `target` is written.
    pub target_pos: Option<Pos>,
    /// Named contexts (`additional_contexts`): name and value (an absolute path for local
    /// ones, else as written: `docker-image://...`, `service:...`, a URL).
    pub additional_contexts: Vec<(String, String)>,
    /// Where the service's `build:` key is.
    pub pos: Pos,
}

/// A service's build context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// A local directory (absolute).
    Local(PathBuf),
    /// A git repository or URL: the build's inputs cannot be read ahead of the build.
    Remote(String),
}

/// A service's Dockerfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dockerfile {
    /// A file: absolute when the context is local (relative `dockerfile:` values are
    /// relative to the context), as written when it is remote.
    File(PathBuf),
    /// `dockerfile_inline`: the text, the compose file it is written in, and the line of its
    /// first line of text there.
    Inline {
        /// The Dockerfile text, interpolated.
        text: String,
        /// Where the value is written (for a block scalar, its first non-blank line).
        pos: Pos,
        /// The compose-file line holding the Dockerfile's first line.
        first_line: usize,
    },
}

impl Build {
    /// An error naming the compose file, line and key when the local context folder does
    /// not exist (`docker compose build` fails on it; `config` does not).
    pub fn check_context(&self) -> Result<(), Error> {
        match &self.context {
            Context::Local(dir) if !dir.is_dir() => Err(Error::at(
                &self.context_pos,
                &format!("services.{}.build.context", self.service),
                format!(
                    "build context folder {} does not exist (create it, or fix the path: a relative one is relative to the compose file's directory)",
                    dir.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The Dockerfile path, when it is a file.
    pub fn dockerfile_path(&self) -> Option<&Path> {
        match &self.dockerfile {
            Dockerfile::File(p) => Some(p),
            Dockerfile::Inline { .. } => None,
        }
    }
}

impl Project {
    pub(crate) fn from_model(
        model: Node,
        files: Vec<PathBuf>,
        working_dir: PathBuf,
        environment: HashMap<String, String>,
        profiles: Vec<String>,
    ) -> Result<Project, Error> {
        let mut services = vec![];
        if let Some(node) = model.get("services") {
            match &node.value {
                Value::Map(entries) => {
                    for (key, value) in entries {
                        services.push(read_service(&key.name, &key.pos, value, &environment)?);
                    }
                }
                Value::Null => {}
                _ => {
                    return Err(Error::at(
                        &node.pos,
                        "services",
                        format!("`services` must be a mapping, found {}", node.kind()),
                    ))
                }
            }
        }
        services.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Project {
            services_pos: model.key("services").map(|k| k.pos.clone()),
            files,
            working_dir,
            services,
            profiles,
            environment,
        })
    }

    /// Whether a service runs with the active profiles (it has none, or one is active, or
    /// `*` is).
    pub fn is_enabled(&self, service: &Service) -> bool {
        service.profiles.is_empty()
            || self.profiles.iter().any(|p| p == "*")
            || service.profiles.iter().any(|p| self.profiles.contains(p))
    }

    /// The builds of the named services (every enabled service when `names` is empty), as
    /// `docker compose build [SERVICE...]` picks them: services with only `image:` are
    /// skipped; a named service is built even when its profiles are inactive. Whether each
    /// local context exists is [`Build::check_context`]'s to say, so one service's missing
    /// folder does not hide the others.
    pub fn builds(&self, names: &[String]) -> Result<Vec<Build>, Error> {
        for name in names {
            if !self.services.iter().any(|s| &s.name == name) {
                let known: Vec<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
                let (line, column) = self
                    .services_pos
                    .as_ref()
                    .map_or((0, 0), |p| (p.line, p.column));
                let file = match &self.services_pos {
                    Some(p) => Some(p.file.as_ref().clone()),
                    None => self.files.first().cloned(),
                };
                return Err(Error {
                    file,
                    line,
                    column,
                    key: "services".into(),
                    message: format!(
                        "no such service: `{name}` (services: {})",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                });
            }
        }
        let mut out = vec![];
        for service in &self.services {
            let wanted = if names.is_empty() {
                self.is_enabled(service)
            } else {
                names.contains(&service.name)
            };
            let Some(build) = service.build.as_ref().filter(|_| wanted) else {
                continue;
            };
            out.push(build.clone());
        }
        Ok(out)
    }
}

fn read_service(
    name: &str,
    pos: &Pos,
    node: &Node,
    environment: &HashMap<String, String>,
) -> Result<Service, Error> {
    let key = format!("services.{name}");
    match &node.value {
        Value::Map(_) | Value::Null => {}
        _ => {
            return Err(Error::at(
                &node.pos,
                &key,
                format!("a service must be a mapping, found {}", node.kind()),
            ))
        }
    }
    let mut profiles: Vec<String> = vec![];
    if let Some(p) = node.get("profiles") {
        match &p.value {
            Value::Seq(items) => {
                for item in items {
                    let s = item.as_str().ok_or_else(|| {
                        Error::at(
                            &item.pos,
                            &format!("{key}.profiles"),
                            "a profile must be a string",
                        )
                    })?;
                    if !profiles.iter().any(|x| x == s) {
                        profiles.push(s.to_string());
                    }
                }
            }
            Value::Null => {}
            _ => {
                return Err(Error::at(
                    &p.pos,
                    &format!("{key}.profiles"),
                    "`profiles` must be a list",
                ))
            }
        }
    }
    let build = match (node.get("build"), node.key("build")) {
        (Some(b), Some(k)) => Some(read_build(name, &k.pos, b, environment)?),
        _ => None,
    };
    Ok(Service {
        name: name.to_string(),
        pos: pos.clone(),
        profiles,
        build,
    })
}

fn string_field(node: &Node, field: &str, key: &str) -> Result<Option<(String, Pos)>, Error> {
    match node.get(field) {
        None => Ok(None),
        Some(v) => match &v.value {
            Value::Str(s) => Ok(Some((s.clone(), v.pos.clone()))),
            Value::Null => Ok(None),
            _ => Err(Error::at(
                &v.pos,
                &format!("{key}.{field}"),
                format!("expected a string, found {}", v.kind()),
            )),
        },
    }
}

/// `KEY=VALUE` / `KEY` entries of a list, or a mapping, as (key, value or none, position);
/// a later key replaces an earlier one in place (compose's unicity rule).
fn key_values(node: &Node, key: &str) -> Result<Vec<(String, Option<String>, Pos)>, Error> {
    let mut out: Vec<(String, Option<String>, Pos)> = vec![];
    let mut add = |k: String, v: Option<String>, pos: Pos| match out.iter_mut().find(|e| e.0 == k) {
        Some(entry) => {
            entry.1 = v;
            entry.2 = pos;
        }
        None => out.push((k, v, pos)),
    };
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                match &v.value {
                    Value::Str(s) => add(k.name.clone(), Some(s.clone()), v.pos.clone()),
                    Value::Null => add(k.name.clone(), None, k.pos.clone()),
                    _ => {
                        return Err(Error::at(
                            &v.pos,
                            &format!("{key}.{}", k.name),
                            format!("expected a string, found {}", v.kind()),
                        ))
                    }
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                let s = item.as_str().ok_or_else(|| {
                    Error::at(
                        &item.pos,
                        key,
                        format!("expected `KEY=VALUE`, found {}", item.kind()),
                    )
                })?;
                match s.split_once('=') {
                    Some((k, v)) => add(k.to_string(), Some(v.to_string()), item.pos.clone()),
                    None => add(s.to_string(), None, item.pos.clone()),
                }
            }
        }
        Value::Null => {}
        Value::Str(_) => {
            return Err(Error::at(
                &node.pos,
                key,
                "expected a mapping or a list of `KEY=VALUE`",
            ))
        }
    }
    Ok(out)
}

fn read_build(
    service: &str,
    build_pos: &Pos,
    node: &Node,
    environment: &HashMap<String, String>,
) -> Result<Build, Error> {
    let key = format!("services.{service}.build");
    if !matches!(node.value, Value::Map(_)) {
        return Err(Error::at(
            &node.pos,
            &key,
            format!("`build` must be a path or a mapping, found {}", node.kind()),
        ));
    }
    let (context_text, context_pos) = string_field(node, "context", &key)?
        .unwrap_or_else(|| (".".to_string(), build_pos.clone()));
    let context = if is_local_context(&context_text) {
        Context::Local(PathBuf::from(&context_text))
    } else {
        Context::Remote(context_text.clone())
    };
    let dockerfile_field = string_field(node, "dockerfile", &key)?;
    let inline = string_field(node, "dockerfile_inline", &key)?;
    let dockerfile = match (dockerfile_field, inline) {
        (Some(_), Some((_, pos))) => {
            return Err(Error::at(
                &pos,
                &format!("{key}.dockerfile_inline"),
                "`dockerfile` and `dockerfile_inline` cannot both be set",
            ))
        }
        (None, Some((text, pos))) => {
            let block = node
                .get("dockerfile_inline")
                .is_some_and(|n| n.block_scalar);
            // A block scalar's position is its first non-blank line of text.
            let first_line = if block {
                pos.line
                    .saturating_sub(text.bytes().take_while(|&b| b == b'\n').count())
                    .max(1)
            } else {
                pos.line
            };
            Dockerfile::Inline {
                text,
                pos,
                first_line,
            }
        }
        (file, None) => {
            let name = file.map_or_else(|| "Dockerfile".to_string(), |(f, _)| f);
            match &context {
                Context::Local(dir) => Dockerfile::File(crate::load::clean(&dir.join(&name))),
                Context::Remote(_) => Dockerfile::File(PathBuf::from(name)),
            }
        }
    };
    let mut args = vec![];
    if let Some(a) = node.get("args") {
        for (k, v, _) in key_values(a, &format!("{key}.args"))? {
            // A bare key takes its value from the environment, or is not passed at all.
            if let Some(v) = v.or_else(|| environment.get(&k).cloned()) {
                args.push((k, v));
            }
        }
    }
    let target = string_field(node, "target", &key)?;
    let mut additional_contexts = vec![];
    if let Some(c) = node.get("additional_contexts") {
        for (k, v, pos) in key_values(c, &format!("{key}.additional_contexts"))? {
            match v {
                Some(v) => additional_contexts.push((k, v)),
                None => {
                    return Err(Error::at(
                        &pos,
                        &format!("{key}.additional_contexts"),
                        format!("additional context `{k}` has no value"),
                    ))
                }
            }
        }
    }
    Ok(Build {
        service: service.to_string(),
        context,
        context_pos,
        dockerfile,
        args,
        target_pos: target.as_ref().map(|(_, p)| p.clone()),
        target: target.map(|(t, _)| t),
        additional_contexts,
        pos: build_pos.clone(),
    })
}
