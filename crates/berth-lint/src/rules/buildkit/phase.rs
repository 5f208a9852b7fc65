//! When BuildKit runs its checks. Checks of the parse phase run while instructions are
//! converted, so they see every instruction before the first one BuildKit rejects; the
//! stage-graph and dispatch phases run only when the whole file was accepted. Nothing runs
//! when BuildKit's parser rejects the file.

use berth_syntax::Dockerfile;

/// Whether a parse-phase check reaches instruction `index`.
pub(crate) fn parse_phase_reaches(file: &Dockerfile, index: usize) -> bool {
    !file.is_rejected_by_parser()
        && !file
            .errors
            .iter()
            .any(|e| !matches!(e.instruction, Some(i) if i >= index))
}

/// Whether the stage-graph and dispatch phases run at all.
pub(crate) fn later_phases_run(file: &Dockerfile) -> bool {
    file.errors.is_empty()
}

/// Whether a parse-phase check should look at the instruction being visited (top-level
/// instructions only: ONBUILD triggers are parsed in the child build).
pub(crate) fn parse_phase_visits(ctx: &crate::context::LintContext) -> bool {
    !ctx.in_onbuild()
        && ctx
            .index()
            .is_some_and(|i| parse_phase_reaches(ctx.dockerfile(), i))
}

/// The file's scope for a build without build args, when the later phases run. Resolved
/// once per file and shared by every check that needs it.
pub(crate) fn scope<'a>(
    ctx: &crate::context::LintContext<'a>,
) -> Option<&'a berth_syntax::scope::Scope> {
    let file = ctx.dockerfile();
    ctx.shared().scope(|| {
        later_phases_run(file).then(|| {
            berth_syntax::scope::resolve(file, &berth_syntax::scope::ScopeOptions::default())
        })
    })
}

/// Every EXPOSE entry after expansion, with the span of its instruction.
pub(crate) fn exposed_ports(
    ctx: &crate::context::LintContext,
) -> Vec<(berth_syntax::Span, String)> {
    let file = ctx.dockerfile();
    let Some(scope) = scope(ctx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for step in scope.stages.iter().flat_map(|s| &s.steps) {
        if let Some(berth_syntax::scope::Expansion::Expose(ports)) = &step.expansion {
            let span = file.instructions[step.instruction].span;
            out.extend(ports.iter().map(|p| (span, p.clone())));
        }
    }
    out
}
