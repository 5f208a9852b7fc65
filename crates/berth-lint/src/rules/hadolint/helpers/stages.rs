//! Per-stage repetition: whether an instruction repeats, within its stage, one seen before
//! (DL3012's HEALTHCHECK, DL4003's CMD and ENTRYPOINT).

use berth_syntax::{Instruction, Keyword};

/// Whether an instruction kind was already seen in the current stage (reset by every FROM;
/// the instructions before the first FROM count as a stage of their own).
#[derive(Default)]
pub(crate) struct SeenInStage {
    seen: bool,
}

impl SeenInStage {
    /// Feed every FROM and every instruction of the watched kind: true when the instruction
    /// repeats the kind within its stage.
    pub fn repeated(&mut self, instruction: &Instruction) -> bool {
        if instruction.keyword == Keyword::From {
            self.seen = false;
            return false;
        }
        std::mem::replace(&mut self.seen, true)
    }
}
