//! The one error type of minisyft. Every failure a user or a message can cause is one of these
//! variants, with the fields a learner needs to see what went wrong; none of them is a panic.
//! Errors are serde types because a worker stores them in place of a result and sends them back.

use serde::{Deserialize, Serialize};

use crate::ids::{ObjectId, WorkerId};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Error {
    #[error("{op}: shapes {lhs:?} and {rhs:?} do not fit")]
    ShapeMismatch { op: String, lhs: Vec<usize>, rhs: Vec<usize> },

    #[error("{op}: expected {expected}, got a tensor of shape {shape:?}")]
    WrongRank { op: String, expected: String, shape: Vec<usize> },

    #[error("{op}: {reason}")]
    DtypeMismatch { op: String, reason: String },

    #[error("{op}: index {index} is out of range for dimension 0 of size {size}")]
    IndexOutOfRange { op: String, index: usize, size: usize },

    #[error("a tensor literal needs {expected} values for shape {shape:?}, got {got}")]
    BadLiteral { shape: Vec<usize>, expected: usize, got: usize },

    #[error("backward: grad can be implicitly created only for scalar outputs, got shape {shape:?}")]
    BackwardOfNonScalar { shape: Vec<usize> },

    #[error("backward: the tensor does not require grad and has no grad_fn")]
    BackwardWithoutGraph,

    #[error("only floating point tensors can require gradients (this one is {dtype})")]
    IntegerRequiresGrad { dtype: String },

    #[error("{op}: a tensor that requires grad cannot be changed in place; change its .data instead")]
    InPlaceOnTensorRequiringGrad { op: String },

    #[error("the tensor has no gradient (call backward first, on a result that requires grad)")]
    NoGradient,

    #[error("object {id} was not found on worker {worker} (it was deleted, fetched or moved)")]
    ObjectNotFound { id: ObjectId, worker: WorkerId },

    #[error(
        "{op}: the operands live on different workers ({lhs_worker} and {rhs_worker}); \
         move one to the other's worker first (ptr.move_to(&worker)), or get both and compute locally"
    )]
    DifferentWorkers { op: String, lhs_worker: WorkerId, rhs_worker: WorkerId },

    #[error(
        "{op}: one operand is a pointer to {worker} and the other is a local tensor; \
         send the local tensor to {worker} first (tensor.send(&worker)), or get the pointer"
    )]
    LocalTensorWithPointer { op: String, worker: WorkerId },

    #[error("object {id} on worker {worker} is {found}, expected {expected}")]
    WrongObjectKind { id: ObjectId, worker: WorkerId, expected: String, found: String },

    #[error(
        "object {id} is asked for twice in one get: a get takes the object from its worker, so each \
         pointer is fetched once (nothing was fetched)"
    )]
    FetchedTwice { id: ObjectId },

    #[error(
        "pointer {id} no longer owns its object: it was fetched, sent on or moved (use the pointer that was returned)"
    )]
    PointerReleased { id: ObjectId },

    #[error("worker {worker} does not know worker {unknown}; call add_worker first")]
    UnknownWorker { worker: WorkerId, unknown: WorkerId },

    #[error("a worker named {worker} already exists")]
    WorkerExists { worker: WorkerId },

    #[error("worker {worker} is gone: {reason}")]
    WorkerGone { worker: WorkerId, reason: String },

    #[error("messages were still under way after {waves} waves of counters")]
    NotSettled { waves: usize },

    /// What a message's bytes got wrong: it cannot be decoded, or says something that cannot be.
    #[error("malformed message: {reason}")]
    MalformedMessage { reason: String },

    /// A plan that cannot run: registers read before written, loops in loops, a body past the end.
    #[error("plan: {reason}")]
    InvalidPlan { reason: String },

    /// A reply of another kind than the request asks for (a peer that does not follow the protocol).
    #[error("expected {expected} in the answer, got {got}")]
    UnexpectedAnswer { expected: String, got: String },

    /// Something only another party may do.
    #[error("{party} may not {action}")]
    NotAllowed { party: WorkerId, action: String },

    /// The browser refused something minisyft needs (a worker script, a MessageChannel, a post).
    #[error("the browser could not {what}: {reason}")]
    Browser { what: String, reason: String },

    /// A broken invariant of minisyft's own, never a user's or a message's doing: please report it.
    #[error("internal error (a bug in minisyft, please report it): {what}")]
    Internal { what: String },

    #[error("a message in wire version {found}, but this side speaks version {expected}: reload the page (a cached worker is stale)")]
    WireVersion { found: u8, expected: u8 },

    #[error("`{name}` is not defined yet: run the cells above this one first")]
    NotDefined { name: String },

    #[error("{what} needs at least one {item}")]
    Empty { what: String, item: String },

    #[error(
        "permission denied: {asker} may not {action} object {id} on worker {worker}; it belongs to {owner} \
         (only the party that stored an object, or one it sent a pointer to, may use it)"
    )]
    PermissionDenied { asker: WorkerId, action: String, id: ObjectId, worker: WorkerId, owner: WorkerId },

    #[error("a message on the channel from {channel} claimed to come from {claimed}; it was refused")]
    Impersonation { channel: WorkerId, claimed: WorkerId },

    #[error("too many {what}: the limit is {limit}, this would make {got}")]
    LimitExceeded { what: String, limit: u64, got: u64 },

    #[error("diverged at round {round}: the loss is {loss} — try a smaller learning rate")]
    Diverged { round: usize, loss: String },

    #[error("no cryptographic randomness is available here: {reason}")]
    RandomnessUnavailable { reason: String },

    #[error("{op}: {reason}")]
    Sharing { op: String, reason: String },

    #[error("Flower {what}: {reason}")]
    Flower { what: String, reason: String },

    /// A Fleet call that got no HTTP answer at all (the SuperLink or the proxy is down).
    #[error("Flower {call}: no answer from the SuperLink at {address}: {reason}")]
    FleetUnreachable { call: String, address: String, reason: String },

    /// A Fleet call the SuperLink (or the proxy before it) answered with a status other than 200.
    #[error("Flower {call}: HTTP {status} from {address}: {body}")]
    FleetStatus { call: String, address: String, status: u16, body: String },

    #[error("{setting} = {value:?} is not allowed: {expected}")]
    InvalidSetting { setting: String, value: String, expected: String },
}

impl Error {
    /// The Fleet call itself failed (no answer, or a status other than 200): nothing more can be
    /// said to the SuperLink until it answers again.
    pub fn is_fleet_transport(&self) -> bool {
        matches!(self, Error::FleetUnreachable { .. } | Error::FleetStatus { .. })
    }

    pub(crate) fn shape(op: &str, lhs: &[usize], rhs: &[usize]) -> Self {
        Error::ShapeMismatch { op: op.to_owned(), lhs: lhs.to_vec(), rhs: rhs.to_vec() }
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Error::MalformedMessage { reason: reason.into() }
    }

    pub(crate) fn internal(what: impl Into<String>) -> Self {
        Error::Internal { what: what.into() }
    }

    pub(crate) fn unexpected_answer(expected: impl Into<String>, got: impl std::fmt::Debug) -> Self {
        let got = format!("{got:?}");
        // The answer's kind, not its contents (which may be a whole store).
        let kind = got.split(['(', ' ', '{']).next().unwrap_or_default().to_owned();
        Error::UnexpectedAnswer { expected: expected.into(), got: kind }
    }

    #[cfg(target_arch = "wasm32")]
    pub(crate) fn browser(what: &str, reason: impl std::fmt::Debug) -> Self {
        Error::Browser { what: what.to_owned(), reason: format!("{reason:?}") }
    }

    /// Training stopped at `round`: `loss` is not finite or beyond any loss the data can give.
    pub(crate) fn diverged(round: usize, loss: f64) -> Self {
        Error::Diverged { round, loss: format!("{loss:.2e}").replace("inf", "infinite") }
    }
}
