//! `berth cache record|plan|explain --compose FILE [SERVICE...]` (DESIGN.md 3.7): what
//! each command does for one build, for every service of a compose project that `docker
//! compose build [SERVICE...]` would build, each with its own context, Dockerfile (or
//! `dockerfile_inline`), args and target. A service building a remote context is reported
//! as not predictable.
//!
//! Every call into berth-cache for compose builds is in [`simulate`]; the rest only
//! prepares the inputs of one build ([`Inputs`]) and prints results. `berth cache history
//! --compose` plugs in the same way: one more function in `simulate` taking [`Inputs`],
//! called per service from [`run`].

use std::path::{Path, PathBuf};

use berth_compose::{Build, Context, Dockerfile, Project};
use serde_json::{json, Value};

use super::cache::{build_arg_values, emit, first_line, BuildArgs, CacheCommand, Format};
use super::compose::{display, error_text, files_for};
use super::CmdResult;
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

/// One service's build, as the simulator takes it.
pub struct Inputs {
    /// The build context (a local directory).
    pub context: PathBuf,
    /// The Dockerfile on disk (an inline one is written beside the state first).
    pub dockerfile: PathBuf,
    /// Build args: the service's, then `--build-arg` overrides.
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    /// Named contexts (`additional_contexts`): name and value.
    pub named_contexts: Vec<(String, String)>,
    /// The engine profile (`--engine`).
    pub engine: berth_cache::Engine,
    /// This service's state file.
    pub state: PathBuf,
}

/// The calls into berth-cache, one per command, for one service's build.
mod simulate {
    use super::Inputs;
    use berth_cache::{Baseline, Options};

    fn options(inputs: &Inputs) -> Options {
        Options {
            dockerfile: Some(inputs.dockerfile.clone()),
            build_args: inputs.build_args.clone(),
            target: inputs.target.clone(),
            engine: inputs.engine,
            named_contexts: inputs.named_contexts.clone(),
        }
    }

    /// Records the keys of the build; returns the number of build steps and the target.
    pub fn record(inputs: &Inputs) -> Result<(usize, String), berth_cache::Error> {
        let state = berth_cache::record(&inputs.context, &options(inputs), &inputs.state)?;
        let steps = state
            .evaluation
            .steps
            .iter()
            .filter(|s| s.op.is_some() && s.kind == berth_cache::StepKind::Op)
            .count();
        Ok((steps, state.evaluation.target.clone()))
    }

    /// The plan against the service's record (or a git revision), as JSON (`target`,
    /// `steps`), its table, and a notice when it is as for a first build.
    pub fn plan(
        inputs: &Inputs,
        since: Option<&str>,
        color: bool,
    ) -> Result<(serde_json::Value, String, Option<String>), berth_cache::Error> {
        let baseline = match since {
            Some(rev) => Baseline::Since(rev),
            None => Baseline::State(&inputs.state),
        };
        let plan = berth_cache::plan(&inputs.context, &options(inputs), &baseline)?;
        let table = crate::cmd::cache::plan_table(&plan, color);
        let json = serde_json::to_value(&plan).unwrap_or_default();
        Ok((json, table, plan.notice.clone()))
    }

    /// What can invalidate each step, as JSON (`target`, `steps`).
    pub fn explain(inputs: &Inputs) -> Result<serde_json::Value, berth_cache::Error> {
        let explanation = berth_cache::explain(&inputs.context, &options(inputs))?;
        Ok(serde_json::to_value(&explanation).unwrap_or_default())
    }

    /// The default state file of a context.
    pub fn default_state(context: &std::path::Path) -> std::path::PathBuf {
        berth_cache::default_state_path(context)
    }

    /// Errors BuildKit itself would report (exit 1 rather than 2).
    pub fn is_rejected(err: &berth_cache::Error) -> bool {
        err.is_rejected()
    }
}

pub fn run(command: CacheCommand) -> CmdResult {
    let build_args = match command {
        CacheCommand::History(args) => return super::cache_history::run(args),
        CacheCommand::Record { ref build }
        | CacheCommand::Plan { ref build, .. }
        | CacheCommand::Explain { ref build, .. } => build.clone(),
    };
    let mut files = vec![];
    for path in &build_args.compose {
        files.extend(files_for(path)?);
    }
    let project = super::compose::load(files, &build_args.profile).map_err(|e| error_text(&e))?;
    // `berth cache plan --compose c.yaml web api`: clap puts `web` in CONTEXT.
    let mut names: Vec<String> = build_args
        .context
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    names.extend(build_args.services.iter().cloned());
    let builds = project.builds(&names).map_err(|e| error_text(&e))?;
    if builds.is_empty() {
        return Err("the compose project has no service with a `build:` section to simulate (services with only `image:` are skipped; check `profiles`)".into());
    }
    let overrides = build_arg_values(&build_args.build_arg)?;
    let mut exit = EXIT_OK;
    let mut fail = |code: u8, service: &str, message: String| {
        eprintln!("berth: error: service `{service}`: {message}");
        exit = exit.max(code);
    };
    let failure_code = |e: &berth_cache::Error| {
        if simulate::is_rejected(e) {
            EXIT_FINDINGS
        } else {
            EXIT_ERROR
        }
    };
    match command {
        CacheCommand::History(args) => return super::cache_history::run(args),
        CacheCommand::Record { .. } => {
            for build in &builds {
                let inputs = match inputs_for(&project, build, &build_args, &overrides) {
                    Ok(inputs) => inputs,
                    Err(e) => {
                        fail(EXIT_ERROR, &build.service, e);
                        continue;
                    }
                };
                let Some(inputs) = inputs else {
                    eprintln!(
                        "berth: note: service `{}`: {}",
                        build.service,
                        not_predictable(build)
                    );
                    continue;
                };
                match simulate::record(&inputs) {
                    Ok((steps, target)) => eprintln!(
                        "recorded {steps} build steps of service `{}` (target {target}) in {}",
                        build.service,
                        inputs.state.display()
                    ),
                    Err(e) => fail(failure_code(&e), &build.service, e.to_string()),
                }
            }
        }
        CacheCommand::Plan {
            since,
            format,
            color,
            ..
        } => {
            let color = color.enabled(std::io::IsTerminal::is_terminal(&std::io::stdout()));
            let mut services = vec![];
            let mut tables = String::new();
            for build in &builds {
                let mut entry = service_entry(build);
                let inputs = match inputs_for(&project, build, &build_args, &overrides) {
                    Ok(inputs) => inputs,
                    Err(e) => {
                        fail(EXIT_ERROR, &build.service, e);
                        continue;
                    }
                };
                let Some(inputs) = inputs else {
                    entry["predictable"] = json!(false);
                    entry["note"] = json!(not_predictable(build));
                    tables.push_str(&format!(
                        "{}\n  {}\n\n",
                        heading(build),
                        not_predictable(build)
                    ));
                    services.push(entry);
                    continue;
                };
                match simulate::plan(&inputs, since.as_deref(), color) {
                    Ok((plan, table, notice)) => {
                        if let Some(notice) = notice {
                            eprintln!("berth: note: service `{}`: {notice}", build.service);
                        }
                        entry["target"] = plan["target"].clone();
                        entry["steps"] = plan["steps"].clone();
                        tables.push_str(&format!("{}\n{table}\n", heading(build)));
                        services.push(entry);
                    }
                    Err(e) => fail(failure_code(&e), &build.service, e.to_string()),
                }
            }
            match format {
                Format::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&json!({ "services": services }))?
                ))?,
                Format::Table => emit(tables.trim_end_matches('\n').to_string().as_str())
                    .and_then(|()| emit("\n"))?,
            }
        }
        CacheCommand::Explain { format, .. } => {
            let mut services = vec![];
            let mut tables = String::new();
            for build in &builds {
                let mut entry = service_entry(build);
                let inputs = match inputs_for(&project, build, &build_args, &overrides) {
                    Ok(inputs) => inputs,
                    Err(e) => {
                        fail(EXIT_ERROR, &build.service, e);
                        continue;
                    }
                };
                let Some(inputs) = inputs else {
                    entry["predictable"] = json!(false);
                    entry["note"] = json!(not_predictable(build));
                    tables.push_str(&format!(
                        "{}\n  {}\n\n",
                        heading(build),
                        not_predictable(build)
                    ));
                    services.push(entry);
                    continue;
                };
                match simulate::explain(&inputs) {
                    Ok(x) => {
                        entry["target"] = x["target"].clone();
                        entry["steps"] = x["steps"].clone();
                        tables.push_str(&format!("{}\n{}\n", heading(build), explain_table(&x)));
                        services.push(entry);
                    }
                    Err(e) => fail(failure_code(&e), &build.service, e.to_string()),
                }
            }
            match format {
                Format::Json => emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&json!({ "services": services }))?
                ))?,
                Format::Table => emit(tables.trim_end_matches('\n').to_string().as_str())
                    .and_then(|()| emit("\n"))?,
            }
        }
    }
    Ok(exit)
}

/// The simulator's inputs for a service, or `None` when its context is remote.
fn inputs_for(
    project: &Project,
    build: &Build,
    args: &BuildArgs,
    overrides: &[(String, String)],
) -> Result<Option<Inputs>, String> {
    let Context::Local(context) = &build.context else {
        return Ok(None);
    };
    build.check_context().map_err(|e| error_text(&e))?;
    let state = state_path(project, build, args.state.as_deref(), context);
    let dockerfile = match &build.dockerfile {
        Dockerfile::File(path) => path.clone(),
        Dockerfile::Inline { text, .. } => {
            // Beside the state, never inside the context (it would change what COPY sends).
            let path = state.with_extension("Dockerfile");
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            path
        }
    };
    let build_args = service_build_args(build, overrides);
    Ok(Some(Inputs {
        context: context.clone(),
        dockerfile,
        build_args,
        target: build.target.clone(),
        named_contexts: build.additional_contexts.clone(),
        engine: args.engine.into(),
        state,
    }))
}

/// The service's build args, then the `--build-arg` overrides (a later key wins).
fn service_build_args(build: &Build, overrides: &[(String, String)]) -> Vec<(String, String)> {
    let mut build_args = build.args.clone();
    for (k, v) in overrides {
        match build_args.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = v.clone(),
            None => build_args.push((k.clone(), v.clone())),
        }
    }
    build_args
}

/// One state per service: `--state DIR/<service>.state`, or by default the context's
/// state file with the project and service in its name (services may share a context).
fn state_path(project: &Project, build: &Build, state: Option<&Path>, context: &Path) -> PathBuf {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    if let Some(dir) = state {
        return dir.join(format!("{}.state", safe(&build.service)));
    }
    let default = simulate::default_state(context);
    let stem = default
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let project_name = project
        .working_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    default.with_file_name(format!(
        "{stem}-compose-{}-{}.state",
        safe(&project_name),
        safe(&build.service)
    ))
}

fn not_predictable(build: &Build) -> String {
    match &build.context {
        Context::Remote(url) => format!(
            "not predictable: the context is remote ({url}); berth cannot read its files before the build"
        ),
        Context::Local(_) => String::new(),
    }
}

/// The service's part of the JSON, before its steps are added.
fn service_entry(build: &Build) -> Value {
    let context = match &build.context {
        Context::Local(dir) => display(dir),
        Context::Remote(url) => url.clone(),
    };
    let mut entry = json!({
        "service": build.service,
        "context": context,
        "dockerfile": null,
        "target": build.target,
        "steps": [],
    });
    match &build.dockerfile {
        Dockerfile::File(p) => entry["dockerfile"] = json!(display(p)),
        Dockerfile::Inline {
            pos, first_line, ..
        } => {
            entry["dockerfile_inline"] = json!({"file": display(&pos.file), "line": first_line});
        }
    }
    entry
}

fn heading(build: &Build) -> String {
    let context = match &build.context {
        Context::Local(dir) => display(dir),
        Context::Remote(url) => url.clone(),
    };
    format!(
        "service {}  (context {context}, Dockerfile {})",
        build.service,
        super::compose::dockerfile_label(build)
    )
}

fn explain_table(x: &Value) -> String {
    let mut out = format!("target: {}\n", x["target"].as_str().unwrap_or(""));
    for s in x["steps"].as_array().map(Vec::as_slice).unwrap_or_default() {
        out.push_str(&format!(
            "{:>4}  {:<10} {}\n      {}\n",
            s["line"],
            s["stage"].as_str().unwrap_or(""),
            first_line(s["instruction"].as_str().unwrap_or(""), 70),
            s["summary"].as_str().unwrap_or("")
        ));
    }
    out
}

/// `berth cache history --compose FILE [SERVICE...]`: the compose project as it is in the
/// work tree (the builds `docker compose build` makes next) picks each service's context,
/// Dockerfile, args and target; each service's build is replayed over the same commits
/// as `berth cache history CONTEXT -f DOCKERFILE` replays one, its Dockerfile and context
/// read from each commit. A service whose Dockerfile is inline or whose context is remote
/// has nothing in the history to replay: it is listed as not replayed.
pub fn history(args: &super::cache_history::HistoryArgs) -> CmdResult {
    use super::cache_history::{replay_build, table, write_output, HistoryFormat};
    if args.format == HistoryFormat::Html {
        return Err("--format html draws one build: with --compose, use table or json".into());
    }
    let mut files = vec![];
    for path in &args.compose {
        files.extend(files_for(path)?);
    }
    let project = super::compose::load(files, &args.profile).map_err(|e| error_text(&e))?;
    let mut names: Vec<String> = args
        .context
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    names.extend(args.services.iter().cloned());
    let builds = project.builds(&names).map_err(|e| error_text(&e))?;
    if builds.is_empty() {
        return Err("the compose project has no service with a `build:` section to replay (services with only `image:` are skipped; check `profiles`)".into());
    }
    let overrides = build_arg_values(&args.build_arg)?;
    let mut exit = EXIT_OK;
    let mut services = vec![];
    let mut tables = String::new();
    for build in &builds {
        let mut entry = service_entry(build);
        if let Some(entry) = entry.as_object_mut() {
            entry.remove("steps");
        }
        let why_not = match (&build.context, &build.dockerfile) {
            (Context::Remote(_), _) => Some(not_predictable(build)),
            (_, Dockerfile::Inline { .. }) => Some(
                "not replayed: the Dockerfile is inline in the compose file, not a file with a history".to_string(),
            ),
            _ => None,
        };
        let (Context::Local(context), Dockerfile::File(dockerfile), None) =
            (&build.context, &build.dockerfile, &why_not)
        else {
            let why = why_not.unwrap_or_default();
            entry["replayed"] = json!(false);
            entry["note"] = json!(why);
            tables.push_str(&format!("{}\n  {why}\n\n", heading(build)));
            services.push(entry);
            continue;
        };
        if !build.additional_contexts.is_empty() {
            eprintln!(
                "berth: note: service `{}`: its additional contexts are not replayed: their files are taken as unchanged over the history",
                build.service
            );
        }
        let options = berth_cache::Options {
            dockerfile: None,
            build_args: service_build_args(build, &overrides),
            target: build.target.clone(),
            engine: args.engine.into(),
            named_contexts: vec![],
        };
        match replay_build(context, Some(dockerfile), options, args) {
            Ok((history, _)) => {
                tables.push_str(&format!("{}\n{}\n", heading(build), table(&history)));
                entry["history"] = serde_json::to_value(&history)?;
                services.push(entry);
            }
            Err(e) => {
                eprintln!("berth: error: service `{}`: {e}", build.service);
                exit = EXIT_ERROR;
            }
        }
    }
    let text = match args.format {
        HistoryFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({ "services": services }))?
        ),
        _ => format!("{}\n", tables.trim_end_matches('\n')),
    };
    write_output(args, &text)?;
    Ok(exit)
}
