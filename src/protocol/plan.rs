//! Plans: a computation recorded once on placeholders, stored on a worker, then run there with new
//! inputs in one message (PySyft's answer to one message per op). A plan's steps name registers,
//! not stored objects: register `0..inputs` hold the inputs, every step writes a fresh one. The
//! encoding is flat (a loop says how many of the following steps are its body), so no message can
//! nest a plan deeper than one loop.

use serde::{Deserialize, Serialize};

use super::{InPlaceOp, ObjectId, Op};

/// A register of a running plan. The same type as an object's id because a plan's steps are ops,
/// whose ids name registers inside a plan and stored objects outside one.
pub type Slot = ObjectId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlanStep {
    /// `registers[out] = op(registers…)`: the op's object ids name registers.
    Op { out: Slot, op: Op },
    /// An in-place op on registers (an optimizer's update).
    InPlace { op: InPlaceOp },
    /// `registers[slot].backward()`.
    Backward { slot: Slot },
    /// For `epochs` passes over `data` and `target` in batches of `batch_size` rows: put the rows
    /// in `x` and `y` and run the `body` steps that follow this one.
    ForEachBatch { data: Slot, target: Slot, x: Slot, y: Slot, batch_size: u64, epochs: u64, body: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub inputs: u64,
    pub steps: Vec<PlanStep>,
    /// The registers whose tensors the run keeps, in order.
    pub outputs: Vec<Slot>,
}
