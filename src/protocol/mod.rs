//! The whole wire protocol: every message between `me` and the workers, and between workers.
//!
//! A message is an [`Envelope`] (from, to, body). A [`Command`] is fire-and-forget, so commands
//! pipeline; a [`Query`] carries a request id that the [`Reply`](Body::Reply) echoes. Result ids are
//! chosen by the sender, which is why `x + y` on a remote worker needs no round trip.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Error;
pub use crate::mechanisms::Product;
use crate::tensor::BinaryOp;

pub mod binary;
pub(crate) mod ops;
pub use ops::{Parameter, ParameterSource};
mod plan;
mod summary;
pub use summary::MessageKind;
mod wire_tensor;
pub use plan::{Plan, PlanStep, Slot};
pub use wire_tensor::{Payload, Values, WireGrad, WireTensor};

pub use crate::ids::{ObjectId, RequestId, WorkerId, ME};

/// One message. `from` is what the sender claims; a receiver never trusts it, it checks it against
/// the channel the message came on (see [`Worker::handle`](crate::worker::Worker::handle)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    pub from: WorkerId,
    pub to: WorkerId,
    /// How many workers forwarded this along a pointer chain before it; a cycle of pointers ends at
    /// [`MAX_CHAIN_HOPS`](crate::limits::MAX_CHAIN_HOPS).
    #[serde(default)]
    pub hops: u8,
    pub body: Body,
}

impl Envelope {
    pub fn new(from: &str, to: &str, body: Body) -> Envelope {
        Envelope { from: from.into(), to: to.into(), hops: 0, body }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Body {
    Command(Command),
    Request {
        request: RequestId,
        query: Query,
    },
    Reply {
        request: RequestId,
        answer: Result<Answer, Error>,
    },
    /// A command was not carried out (it had no reply to say so): who refused what, and why.
    Refused {
        error: Error,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Keep `object` under `id` (`tensor.send(worker)`, or a pointer sent on).
    Store { id: ObjectId, object: WireObject },
    /// Compute `op` and keep the result (or the error) under `result`.
    Execute { result: ObjectId, op: Op },
    /// The last pointer to `id` was dropped; a stored pointer forwards the delete along its chain.
    Delete { id: ObjectId },
    /// From now on this worker may message `worker` directly.
    AddWorker { worker: WorkerId },
    /// The result you forwarded to me under `from` is kept under `to`: a chain that came back to a
    /// worker would otherwise meet its own pointer under the same id.
    Relocated { from: ObjectId, to: ObjectId },
    /// Let `to` use object `id` as the sender may: sent to the object's worker before a pointer to it
    /// is sent on to `to`, so that `to` can forward ops, gets and deletes along the chain.
    Delegate { id: ObjectId, to: WorkerId },
    /// Split the integer tensor `input` into additive shares, one per holder, kept under the given
    /// ids (this worker's own in its store, the others sent to the holders), all usable by the
    /// sender. This worker draws the shares, so nobody else ever sees the value.
    Share { input: ObjectId, holders: Vec<(WorkerId, ObjectId)> },
    /// As a crypto provider: draw a Beaver triple (a, b, c = a·b) for operands of these shapes and
    /// give each holder its shares of a, b and c under the given ids, usable by the sender.
    Triple { product: Product, lhs: Vec<usize>, rhs: Vec<usize>, holders: Vec<(WorkerId, [ObjectId; 3])> },
    /// Keep `plan` under `id`, to be run later with `Query::RunPlan`.
    StorePlan { id: ObjectId, plan: Plan },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Query {
    /// Remove `id` and send it to the asker, if it is of the `expected` kind.
    Get {
        id: ObjectId,
        expected: ObjectKind,
    },
    /// `id` is a pointer: fetch what it points at from its location and keep it here instead.
    RemoteGet {
        id: ObjectId,
    },
    Backward {
        id: ObjectId,
    },
    InPlace {
        op: InPlaceOp,
    },
    /// The store, for inspection (`bob._objects`).
    Objects,
    /// Run the plan stored under `plan` on the tensors stored under `inputs`, and keep its outputs
    /// under `outputs`: a whole training step (or all of a round's) in one message.
    RunPlan {
        plan: ObjectId,
        inputs: Vec<ObjectId>,
        outputs: Vec<ObjectId>,
    },
    /// Remove every tensor under `ids` and send them back together (`Answer::Objects`).
    GetMany {
        ids: Vec<ObjectId>,
    },
    ClearObjects,
    /// How many messages this worker has handled and sent, not counting these queries themselves:
    /// the client compares the totals to tell when every message under way has landed.
    Counters,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Done,
    Object(WireObject),
    Objects(Vec<(ObjectId, Listed)>),
    /// Messages handled from, and sent to, each party, not counting counter traffic.
    Counters {
        received: BTreeMap<WorkerId, u64>,
        sent: BTreeMap<WorkerId, u64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectKind {
    Tensor,
    Pointer,
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ObjectKind::Tensor => "a tensor",
            ObjectKind::Pointer => "a pointer",
        })
    }
}

/// An operand of a remote op: an object in the executing worker's store, or a scalar.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Operand {
    Object(ObjectId),
    Scalar(f64),
}

ops::unary_ops!(crate::protocol::ops::op_enum);
ops::unary_ops!(crate::protocol::ops::op_every);
ops::unary_ops!(crate::protocol::ops::op_evaluate);

impl Op {
    /// Every stored object the op reads, in a fixed order (left operand first).
    pub fn inputs(&self) -> Vec<ObjectId> {
        self.clone().inputs_mut().into_iter().map(|id| *id).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InPlaceOp {
    Binary { op: BinaryOp, target: ObjectId, rhs: Operand },
    Zero { target: ObjectId },
}

impl InPlaceOp {
    /// The target first, then the operand if it is stored.
    pub fn inputs(&self) -> Vec<ObjectId> {
        self.clone().inputs_mut().into_iter().map(|id| *id).collect()
    }

    pub fn inputs_mut(&mut self) -> Vec<&mut ObjectId> {
        match self {
            InPlaceOp::Binary { target, rhs: Operand::Object(rhs), .. } => vec![target, rhs],
            InPlaceOp::Binary { target, .. } | InPlaceOp::Zero { target } => vec![target],
        }
    }

    pub fn name(&self) -> String {
        match self {
            InPlaceOp::Binary { op, .. } => format!("{}_", op.name()),
            InPlaceOp::Zero { .. } => "zero_".to_owned(),
        }
    }
}

/// What travels when an object moves: a tensor's values, or a pointer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WireObject {
    Tensor(WireTensor),
    Pointer { location: WorkerId, id_at_location: ObjectId },
}

/// An entry of a listed store: what [`WireObject`] carries, or an error kept in place of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Listed {
    Tensor(WireTensor),
    Pointer {
        location: WorkerId,
        id_at_location: ObjectId,
    },
    Error(Error),
    /// A stored plan: how many steps it has.
    Plan {
        steps: usize,
    },
}

/// One entry of a store as the simulation's inspector sees it: every entry, with who may use it.
/// This is not a protocol message: no party can ask for it (see `Worker::inspect`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspected {
    pub id: ObjectId,
    pub listed: Listed,
    pub owner: WorkerId,
    pub delegates: Vec<WorkerId>,
}
