//! DL3009 and DL3060 report a `RUN` only when its stage ends up in the image: the final
//! stage, or a stage a later FROM builds on. The findings wait for the end of the file.

use std::sync::Arc;

use berth_syntax::image::without_tag;
use berth_syntax::{Command, Instruction, Run, Span};

use crate::context::LintContext;
use crate::shell::{run_of, shell_of, RunShell};

/// hadolint's stage facts for rules that report at the end only for RUNs of the final
/// stage or of a stage used as a later base image (DL3009, DL3060): true when a `RUN` in
/// the stage starting at FROM instruction `from` (`None`: before any FROM) is reported.
pub(crate) fn reported_at_end(ctx: &LintContext, from: Option<usize>) -> bool {
    let instructions = ctx.instructions();
    let froms: Vec<&berth_syntax::From> = instructions
        .iter()
        .filter_map(|i| match &i.command {
            Some(Command::From(f)) => Some(&**f),
            _ => None,
        })
        .collect();
    let this = from.and_then(|i| match &instructions.get(i)?.command {
        Some(Command::From(f)) => Some(f),
        _ => None,
    });
    match (this, froms.last()) {
        (None, None) => true,
        (None, Some(_)) | (Some(_), None) => false,
        (Some(this), Some(last)) => {
            // hadolint compares the parsed FROMs, so an identical earlier FROM counts too.
            let same = this.image == last.image
                && this.platform == last.platform
                && this.name == last.name;
            let used_as_base = this
                .name
                .as_deref()
                .is_some_and(|alias| froms.iter().any(|f| without_tag(&f.image) == alias));
            same || used_as_base
        }
    }
}

/// DL3009 and DL3060: RUNs remembered during the file and reported at the end only when
/// their stage is the final one or a later FROM's base (ONBUILD ones always).
#[derive(Default)]
pub(crate) struct FinalStageFindings {
    /// Index of the current stage's FROM.
    from: Option<usize>,
    pending: Vec<(Span, Option<usize>)>,
    onbuild: Vec<Span>,
}

impl FinalStageFindings {
    /// Feed an instruction: a FROM is noted; a `RUN` is returned parsed, with its flags.
    pub fn instruction<'i>(
        &mut self,
        instruction: &'i Instruction,
        ctx: &LintContext,
    ) -> Option<(Arc<RunShell>, &'i Run)> {
        let Some(run) = run_of(instruction) else {
            if !ctx.in_onbuild() {
                self.from = ctx.index();
            }
            return None;
        };
        Some((shell_of(instruction, ctx)?, run))
    }

    /// Remember a finding at `span` of the current instruction.
    pub fn push(&mut self, ctx: &LintContext, span: Span) {
        if ctx.in_onbuild() {
            self.onbuild.push(span);
        } else {
            self.pending.push((span, self.from));
        }
    }

    /// Report the findings that survive the stage filter.
    pub fn finish(&self, ctx: &mut LintContext, message: &str) {
        let kept: Vec<Span> = self
            .pending
            .iter()
            .filter(|(_, from)| reported_at_end(ctx, *from))
            .map(|(span, _)| *span)
            .chain(self.onbuild.iter().copied())
            .collect();
        for span in kept {
            ctx.report(span, message);
        }
    }
}
