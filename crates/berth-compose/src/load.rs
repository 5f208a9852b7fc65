//! Loading a compose project the way compose-go does: each file (and each YAML document
//! in it) is interpolated, its `include`s imported, its paths resolved, its `extends`
//! applied, and then merged onto the files before it.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::interpolate::interpolate;
use crate::merge::{build_mapping, merge};
use crate::project::Project;
use crate::yaml::{self, Key, Node, Pos, Value};
use crate::{dotenv, Error};

/// The names compose looks for in a directory, in its order of preference.
pub const COMPOSE_FILE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files compose merges onto the one it found, in its order of preference.
const OVERRIDE_FILE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The compose files of a directory as `docker compose` picks them when given no `-f`:
/// the first of [`COMPOSE_FILE_NAMES`] present, then the first override file present.
/// Empty when the directory holds none.
pub fn find_compose_files(dir: &Path) -> Vec<PathBuf> {
    let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
    match first(&COMPOSE_FILE_NAMES) {
        None => vec![],
        Some(main) => std::iter::once(main)
            .chain(first(&OVERRIDE_FILE_NAMES))
            .collect(),
    }
}

/// What to load and with which environment.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The compose files, merged in order (`-f a -f b`). The first one's directory is the
    /// project directory unless [`project_directory`](Self::project_directory) is set.
    pub files: Vec<PathBuf>,
    /// The process environment (it wins over `.env`).
    pub environment: HashMap<String, String>,
    /// Active profiles; when empty, `COMPOSE_PROFILES` from the environment (or `.env`).
    pub profiles: Vec<String>,
    /// compose's `--project-directory`.
    pub project_directory: Option<PathBuf>,
}

impl LoadOptions {
    /// Options for `files` with `environment` and nothing else set.
    pub fn new(files: Vec<PathBuf>, environment: HashMap<String, String>) -> LoadOptions {
        LoadOptions {
            files,
            environment,
            profiles: vec![],
            project_directory: None,
        }
    }

    /// The files named by `COMPOSE_FILE` (separated by `COMPOSE_PATH_SEPARATOR`, default
    /// `:`), relative to `cwd`, when it is set.
    pub fn files_from_environment(
        environment: &HashMap<String, String>,
        cwd: &Path,
    ) -> Option<Vec<PathBuf>> {
        let list = environment.get("COMPOSE_FILE").filter(|v| !v.is_empty())?;
        let separator = environment
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .map_or(":", String::as_str);
        Some(
            list.split(separator)
                .filter(|p| !p.is_empty())
                .map(|p| cwd.join(p))
                .collect(),
        )
    }
}

type Env = HashMap<String, String>;

/// Loads the project: every service, enabled or not, with its build as compose sees it.
pub fn load(options: &LoadOptions) -> Result<Project, Error> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let files: Vec<PathBuf> = options.files.iter().map(|f| clean(&cwd.join(f))).collect();
    let Some(first) = files.first() else {
        return Err(Error {
            file: None,
            line: 0,
            column: 0,
            key: String::new(),
            message: "no compose file given".into(),
        });
    };
    let working_dir = match &options.project_directory {
        Some(dir) => clean(&cwd.join(dir)),
        None => first.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let env = environment_with_dotenv(&options.environment, &[working_dir.join(".env")], false)?;
    let model = load_model(&files, &working_dir, &env, &[])?;
    let profiles: Vec<String> = if options.profiles.is_empty() {
        env.get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        options.profiles.clone()
    };
    Project::from_model(model, files, working_dir, env, profiles)
}

/// `environment` plus the variables of the `.env` files it does not set already.
/// A missing file is skipped when `required` is false.
fn environment_with_dotenv(
    environment: &Env,
    files: &[PathBuf],
    required: bool,
) -> Result<Env, Error> {
    let mut env = environment.clone();
    for file in files {
        let text = match std::fs::read(file) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(Error::in_file(file, format!("cannot read: {e}"))),
        };
        let lookup = |name: &str| environment.get(name).cloned();
        let pairs = dotenv::parse(&text, &lookup).map_err(|e| Error {
            file: Some(file.clone()),
            line: e.line,
            column: 0,
            key: String::new(),
            message: e.message,
        })?;
        for (k, v) in pairs {
            env.entry(k).or_insert(v);
        }
    }
    Ok(env)
}

/// Loads and merges `files` as one model (the project, or an included one) whose relative
/// paths are relative to `working_dir`. `chain` lists the files including this model.
fn load_model(
    files: &[PathBuf],
    working_dir: &Path,
    env: &Env,
    chain: &[PathBuf],
) -> Result<Node, Error> {
    let mut dict: Option<Node> = None;
    for file in files {
        for doc in read_documents(file)? {
            let doc = process_document(doc, file, working_dir, env, chain)?;
            dict = Some(match dict {
                None => doc,
                Some(before) => merge(before, doc, &mut vec![])?,
            });
        }
    }
    let Some(mut dict) = dict else {
        return Err(Error::in_file(&files[0], "empty compose file"));
    };
    set_default_contexts(&mut dict, working_dir);
    Ok(dict)
}

/// The YAML documents of a compose file (empty documents skipped), each a mapping.
fn read_documents(file: &Path) -> Result<Vec<Node>, Error> {
    let bytes =
        std::fs::read(file).map_err(|e| Error::in_file(file, format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::in_file(file, "not UTF-8 text: a compose file must be UTF-8"))?;
    let mut docs = vec![];
    for doc in yaml::parse(&text, file)? {
        match doc.value {
            Value::Null => continue,
            Value::Map(_) => docs.push(doc),
            _ => {
                return Err(Error::at(
                    &doc.pos,
                    "",
                    format!("the top level must be a mapping, found {}", doc.kind()),
                ))
            }
        }
    }
    Ok(docs)
}

fn process_document(
    mut doc: Node,
    file: &Path,
    working_dir: &Path,
    env: &Env,
    chain: &[PathBuf],
) -> Result<Node, Error> {
    interpolate_tree(&mut doc, env, &mut vec![])?;
    let mut chain = chain.to_vec();
    chain.push(file.to_path_buf());
    apply_include(&mut doc, working_dir, env, &chain)?;
    resolve_paths(&mut doc, working_dir)?;
    apply_extends(&mut doc, file, working_dir, env)?;
    Ok(doc)
}

/// Interpolates every string value (keys are left alone, as in compose).
fn interpolate_tree(node: &mut Node, env: &Env, path: &mut Vec<String>) -> Result<(), Error> {
    let lookup = |name: &str| env.get(name).cloned();
    match &mut node.value {
        Value::Str(text) => {
            if text.contains('$') {
                *text = interpolate(text, &lookup)
                    .map_err(|e| Error::at(&node.pos, &path.join("."), e.to_string()))?;
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                let r = interpolate_tree(item, env, path);
                path.pop();
                r?;
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                path.push(key.name.clone());
                let r = interpolate_tree(value, env, path);
                path.pop();
                r?;
            }
        }
        Value::Null => {}
    }
    Ok(())
}

/// A string, or a list of strings, as a list (`include.path`, `env_file`).
fn string_list(node: &Node, key: &str) -> Result<Vec<(String, Pos)>, Error> {
    match &node.value {
        Value::Str(s) => Ok(vec![(s.clone(), node.pos.clone())]),
        Value::Seq(items) => items
            .iter()
            .map(|i| match &i.value {
                Value::Str(s) => Ok((s.clone(), i.pos.clone())),
                _ => Err(Error::at(
                    &i.pos,
                    key,
                    format!("expected a string, found {}", i.kind()),
                )),
            })
            .collect(),
        _ => Err(Error::at(
            &node.pos,
            key,
            format!(
                "expected a string or a list of strings, found {}",
                node.kind()
            ),
        )),
    }
}

/// Imports the services of every `include` entry (paths relative to `working_dir`).
fn apply_include(
    doc: &mut Node,
    working_dir: &Path,
    env: &Env,
    chain: &[PathBuf],
) -> Result<(), Error> {
    let Value::Map(entries) = &mut doc.value else {
        return Ok(());
    };
    let Some(index) = entries.iter().position(|(k, _)| k.name == "include") else {
        return Ok(());
    };
    let (_, include) = entries.remove(index);
    let items = match include.value {
        Value::Seq(items) => items,
        Value::Null => vec![],
        _ => {
            return Err(Error::at(
                &include.pos,
                "include",
                format!("`include` must be a list, found {}", include.kind()),
            ))
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        let key = format!("include[{i}]");
        let (paths, project_directory, env_files) = match &item.value {
            Value::Str(s) => (vec![(s.clone(), item.pos.clone())], None, None),
            Value::Map(_) => {
                let paths = match item.get("path") {
                    Some(p) => string_list(p, &format!("{key}.path"))?,
                    None => return Err(Error::at(&item.pos, &key, "`path` is required")),
                };
                let project_directory = match item.get("project_directory") {
                    Some(p) => Some(p.as_str().map(str::to_string).ok_or_else(|| {
                        Error::at(
                            &p.pos,
                            &format!("{key}.project_directory"),
                            "expected a string",
                        )
                    })?),
                    None => None,
                };
                let env_files = match item.get("env_file") {
                    Some(e) => Some(string_list(e, &format!("{key}.env_file"))?),
                    None => None,
                };
                (paths, project_directory, env_files)
            }
            _ => return Err(Error::at(&item.pos, &key, "expected a path or a mapping")),
        };
        if paths.is_empty() {
            return Err(Error::at(&item.pos, &key, "`path` is empty"));
        }
        let files: Vec<PathBuf> = paths
            .iter()
            .map(|(p, _)| clean(&working_dir.join(expand_home(p, env))))
            .collect();
        for (file, (_, pos)) in files.iter().zip(&paths) {
            if chain.contains(file) {
                return Err(Error::at(
                    pos,
                    &key,
                    format!("include cycle: {} is already being loaded", file.display()),
                ));
            }
            if !file.is_file() {
                return Err(Error::at(
                    pos,
                    &key,
                    format!("included file {} does not exist", file.display()),
                ));
            }
        }
        let project_dir = match &project_directory {
            Some(dir) => clean(&working_dir.join(expand_home(dir, env))),
            None => files[0].parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let env_paths: Vec<PathBuf> = match &env_files {
            Some(list) => list
                .iter()
                .filter(|(f, _)| f != "/dev/null")
                .map(|(f, _)| clean(&working_dir.join(expand_home(f, env))))
                .collect(),
            None => vec![project_dir.join(".env")],
        };
        let included_env = environment_with_dotenv(env, &env_paths, env_files.is_some())?;
        let model = load_model(&files, &project_dir, &included_env, chain)?;
        import_services(doc, model, &paths[0].1)?;
    }
    Ok(())
}

/// Adds the included model's services; one the including file defines too is an error
/// (compose 2.40: "services.NAME conflicts with imported resource").
fn import_services(doc: &mut Node, model: Node, include_pos: &Pos) -> Result<(), Error> {
    let Some(Value::Map(imported)) = model.get("services").map(|s| s.value.clone()) else {
        return Ok(());
    };
    let Value::Map(entries) = &mut doc.value else {
        return Ok(());
    };
    let services = match entries.iter().position(|(k, _)| k.name == "services") {
        Some(i) => &mut entries[i].1,
        None => {
            let key = Key {
                name: "services".into(),
                pos: include_pos.clone(),
            };
            entries.push((key, Node::new(Value::Map(vec![]), include_pos.clone())));
            &mut entries.last_mut().expect("just pushed").1
        }
    };
    if matches!(services.value, Value::Null) {
        services.value = Value::Map(vec![]);
    }
    let Value::Map(own) = &mut services.value else {
        return Err(Error::at(
            &services.pos,
            "services",
            "`services` must be a mapping",
        ));
    };
    for (key, service) in imported {
        if let Some((existing, _)) = own.iter().find(|(k, _)| k.name == key.name) {
            return Err(Error::at(
                &existing.pos,
                &format!("services.{}", key.name),
                format!(
                    "service `{}` conflicts with the one imported from {}",
                    key.name,
                    key.pos.file.display()
                ),
            ));
        }
        own.push((key, service));
    }
    Ok(())
}

/// Makes the local paths compose resolves absolute: `build.context` (and the short form),
/// local `build.additional_contexts`, and `extends.file`.
fn resolve_paths(doc: &mut Node, working_dir: &Path) -> Result<(), Error> {
    let Some(Value::Map(services)) = map_value_mut(doc, "services") else {
        return Ok(());
    };
    for (_, service) in services.iter_mut() {
        let Value::Map(fields) = &mut service.value else {
            continue;
        };
        for (key, value) in fields.iter_mut() {
            match key.name.as_str() {
                "build" => {
                    if let Value::Str(_) = value.value {
                        *value = build_mapping(value.clone());
                    }
                    if let Value::Map(build) = &mut value.value {
                        for (k, v) in build.iter_mut() {
                            match k.name.as_str() {
                                "context" => resolve_context(v, working_dir),
                                "additional_contexts" => match &mut v.value {
                                    Value::Map(contexts) => {
                                        for (_, c) in contexts.iter_mut() {
                                            resolve_context(c, working_dir);
                                        }
                                    }
                                    Value::Seq(items) => {
                                        for item in items.iter_mut() {
                                            if let Value::Str(s) = &item.value {
                                                if let Some((name, path)) = s.split_once('=') {
                                                    if is_local_context(path) {
                                                        let abs = absolute(working_dir, path);
                                                        item.value = Value::Str(format!(
                                                            "{name}={}",
                                                            abs.display()
                                                        ));
                                                    }
                                                }
                                            }
                                        }
                                    }
                                    _ => {}
                                },
                                _ => {}
                            }
                        }
                    }
                }
                "extends" => {
                    if let Some(Value::Str(f)) = map_value_mut(value, "file") {
                        *f = absolute(working_dir, f).display().to_string();
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn resolve_context(node: &mut Node, working_dir: &Path) {
    if let Value::Str(path) = &node.value {
        if is_local_context(path) {
            node.value = Value::Str(absolute(working_dir, path).display().to_string());
        }
    }
}

/// compose's test for a context that is not a local path: a URL (`https://`,
/// `docker-image://`, ...), a git reference, or another service (`service:name`).
pub(crate) fn is_local_context(value: &str) -> bool {
    let remote = value.contains("://")
        || value.starts_with("service:")
        || ["github.com/", "git@"].iter().any(|p| value.starts_with(p));
    !remote
}

fn absolute(working_dir: &Path, path: &str) -> PathBuf {
    let expanded = expand_home(path, &HashMap::new());
    clean(&working_dir.join(expanded))
}

/// `~/x` is under the home directory (compose's `ExpandUser`).
fn expand_home(path: &str, env: &Env) -> PathBuf {
    if let Some(rest) = path.strip_prefix("~/") {
        let home = env
            .get("HOME")
            .cloned()
            .or_else(|| std::env::var("HOME").ok());
        if let Some(home) = home {
            return Path::new(&home).join(rest);
        }
    }
    PathBuf::from(path)
}

/// `a/./b/../c` as `a/c`, without touching the file system (Go's `filepath.Clean`).
pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn map_value_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Value> {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| &mut v.value),
        _ => None,
    }
}

/// `build:` without a context builds the model's working directory.
fn set_default_contexts(dict: &mut Node, working_dir: &Path) {
    let Some(Value::Map(services)) = map_value_mut(dict, "services") else {
        return;
    };
    for (_, service) in services.iter_mut() {
        let Value::Map(fields) = &mut service.value else {
            continue;
        };
        for (key, value) in fields.iter_mut() {
            if key.name != "build" {
                continue;
            }
            if matches!(value.value, Value::Null) {
                value.value = Value::Map(vec![]);
            }
            if let Value::Map(build) = &mut value.value {
                if !build.iter().any(|(k, _)| k.name == "context") {
                    let pos = value.pos.clone();
                    build.push((
                        Key {
                            name: "context".into(),
                            pos: pos.clone(),
                        },
                        Node::new(Value::Str(working_dir.display().to_string()), pos),
                    ));
                }
            }
        }
    }
}

/// Applies `extends` to every service of the document.
fn apply_extends(doc: &mut Node, file: &Path, working_dir: &Path, env: &Env) -> Result<(), Error> {
    let Some(services) = doc.get("services").cloned() else {
        return Ok(());
    };
    let Value::Map(entries) = &services.value else {
        return Err(Error::at(
            &services.pos,
            "services",
            "`services` must be a mapping",
        ));
    };
    let mut extended = Vec::with_capacity(entries.len());
    for (key, _) in entries {
        let mut seen = vec![];
        let service = extended_service(&key.name, &services, file, working_dir, env, &mut seen)?;
        extended.push((key.clone(), service));
    }
    if let Some(value) = map_value_mut(doc, "services") {
        *value = Value::Map(extended);
    }
    Ok(())
}

/// The service `name` of `services` (from `file`) with its `extends` chain applied.
fn extended_service(
    name: &str,
    services: &Node,
    file: &Path,
    working_dir: &Path,
    env: &Env,
    seen: &mut Vec<(PathBuf, String)>,
) -> Result<Node, Error> {
    let key = format!("services.{name}");
    let Some(service) = services.get(name) else {
        return Err(Error::at(
            &services.pos,
            &key,
            format!("service `{name}` not found"),
        ));
    };
    let Some(extends) = service.get("extends") else {
        return Ok(service.clone());
    };
    let ext_key = format!("{key}.extends");
    let (base_name, base_file) = match &extends.value {
        Value::Str(s) => (s.clone(), None),
        Value::Map(_) => {
            let base = extends
                .get("service")
                .and_then(Node::as_str)
                .ok_or_else(|| Error::at(&extends.pos, &ext_key, "`service` is required"))?;
            let base_file = match extends.get("file") {
                Some(f) => Some((
                    f.as_str()
                        .ok_or_else(|| {
                            Error::at(&f.pos, &format!("{ext_key}.file"), "expected a path")
                        })?
                        .to_string(),
                    f.pos.clone(),
                )),
                None => None,
            };
            (base.to_string(), base_file)
        }
        _ => {
            return Err(Error::at(
                &extends.pos,
                &ext_key,
                "expected a service name or a mapping",
            ))
        }
    };
    let entry = (file.to_path_buf(), name.to_string());
    if seen.contains(&entry) {
        return Err(Error::at(
            &extends.pos,
            &ext_key,
            format!("circular `extends`: service `{name}` extends itself through `{base_name}`"),
        ));
    }
    seen.push(entry);
    let base = match base_file {
        None => {
            if services.get(&base_name).is_none() {
                return Err(Error::at(
                    &extends.pos,
                    &ext_key,
                    format!(
                        "cannot extend `{base_name}`: no such service in {}",
                        file.display()
                    ),
                ));
            }
            extended_service(&base_name, services, file, working_dir, env, seen)?
        }
        Some((path, pos)) => {
            let other = clean(&working_dir.join(&path));
            let other_dir = other.parent().map(Path::to_path_buf).unwrap_or_default();
            if !other.is_file() {
                return Err(Error::at(
                    &pos,
                    &format!("{ext_key}.file"),
                    format!("{} does not exist", other.display()),
                ));
            }
            // The extended file: interpolated with this model's environment, its paths
            // relative to its own directory, no includes.
            let mut other_services: Option<Node> = None;
            for mut doc in read_documents(&other)? {
                interpolate_tree(&mut doc, env, &mut vec![])?;
                resolve_paths(&mut doc, &other_dir)?;
                other_services = Some(match other_services {
                    None => doc,
                    Some(before) => merge(before, doc, &mut vec![])?,
                });
            }
            let other_services = other_services
                .and_then(|d| d.get("services").cloned())
                .ok_or_else(|| {
                    Error::at(
                        &pos,
                        &ext_key,
                        format!("{} has no services", other.display()),
                    )
                })?;
            if other_services.get(&base_name).is_none() {
                return Err(Error::at(
                    &pos,
                    &ext_key,
                    format!(
                        "cannot extend `{base_name}`: no such service in {}",
                        other.display()
                    ),
                ));
            }
            extended_service(&base_name, &other_services, &other, &other_dir, env, seen)?
        }
    };
    let mut merged = merge(
        base,
        service.clone(),
        &mut vec!["services".into(), name.into()],
    )?;
    if let Value::Map(fields) = &mut merged.value {
        fields.retain(|(k, _)| k.name != "extends");
    }
    Ok(merged)
}
