//! BuildKit's build checks (`docker build --check`), named as BuildKit names them.
//!
//! One line per rule, sorted by name: `stage_name_casing => StageNameCasing,` declares
//! `mod stage_name_casing;` and registers `stage_name_casing::StageNameCasing`.

#[cfg(test)]
mod conformance;
mod dispatch;
mod phase;

/// The code of BuildKit's build errors (see `build_error.rs`).
pub(crate) const BUILD_ERROR: &str = "BuildError";

/// BuildKit's build errors, which `# check=` (skip, error) does not apply to, unlike its
/// build checks.
pub(crate) const BUILD_ERRORS: [&str; 2] = ["BuildArgRequired", BUILD_ERROR];

crate::rule_family! {
    build_arg_required => BuildArgRequired,
    build_error => BuildError,
    consistent_instruction_casing => ConsistentInstructionCasing,
    copy_ignored_file => CopyIgnoredFile,
    duplicate_stage_name => DuplicateStageName,
    expose_invalid_format => ExposeInvalidFormat,
    expose_proto_casing => ExposeProtoCasing,
    from_as_casing => FromAsCasing,
    from_platform_flag_const_disallowed => FromPlatformFlagConstDisallowed,
    invalid_default_arg_in_from => InvalidDefaultArgInFrom,
    invalid_definition_description => InvalidDefinitionDescription,
    json_args_recommended => JsonArgsRecommended,
    legacy_key_value_format => LegacyKeyValueFormat,
    maintainer_deprecated => MaintainerDeprecated,
    multiple_instructions_disallowed => MultipleInstructionsDisallowed,
    no_empty_continuation => NoEmptyContinuation,
    redundant_target_platform => RedundantTargetPlatform,
    reserved_stage_name => ReservedStageName,
    secrets_used_in_arg_or_env => SecretsUsedInArgOrEnv,
    stage_name_casing => StageNameCasing,
    undefined_arg_in_from => UndefinedArgInFrom,
    undefined_var => UndefinedVar,
    workdir_relative_path => WorkdirRelativePath,
}
