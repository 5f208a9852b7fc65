//! Which shell commands install Python packages with pip, as hadolint tells (DL3013, DL3042).

/// hadolint's pip-install test: `pip*` (not `pipenv*`) with an `install` argument, or
/// `python* ... -m pip install`.
pub(crate) fn is_pip_install(cmd: &berth_shell::Command) -> bool {
    let Some(name) = cmd.name() else {
        return false;
    };
    let args: Vec<&str> = cmd.arg_values().collect();
    (name.starts_with("pip") && !name.starts_with("pipenv") && args.contains(&"install"))
        || (name.starts_with("python") && args.windows(3).any(|w| w == ["-m", "pip", "install"]))
}
