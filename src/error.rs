//! The one error type of minisyft. Every failure a user or a message can cause is one of these
//! variants, with the fields a learner needs to see what went wrong; none of them is a panic.
//! Errors are serde types because a worker stores them in place of a result and sends them back.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

use crate::ids::{ObjectId, WorkerId};

/// minisyft's `Result`: every fallible call fails with an [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, as a value: the `#[error]` text is what the page and the examples
/// print; the fields let a caller tell cases apart.
// The fields are named for what they hold; each variant's doc and #[error] text say how they read.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Error {
    /// The operands' shapes do not fit `op`: they do not broadcast, an `mm`'s inner sizes differ,
    /// or an in-place result would change the target's shape.
    #[error("{op}: shapes {lhs:?} and {rhs:?} do not fit")]
    ShapeMismatch { op: String, lhs: Vec<usize>, rhs: Vec<usize> },

    /// `op` needs another number of dimensions or elements than the tensor has (`mm` of a vector,
    /// `item()` of several elements).
    #[error("{op}: expected {expected}, got a tensor of shape {shape:?}")]
    WrongRank { op: String, expected: String, shape: Vec<usize> },

    /// `op` cannot mix these element types, e.g. float results written in place into an integer tensor.
    #[error("{op}: {reason}")]
    DtypeMismatch { op: String, reason: String },

    /// `t[index]` past the end of dimension 0.
    #[error("{op}: index {index} is out of range for dimension 0 of size {size}")]
    IndexOutOfRange { op: String, index: usize, size: usize },

    /// [`Tensor::from_f32`](crate::Tensor::from_f32) or `from_i64` got more or fewer values than
    /// `shape` holds.
    #[error("a tensor literal needs {expected} values for shape {shape:?}, got {got}")]
    BadLiteral { shape: Vec<usize>, expected: usize, got: usize },

    /// `backward()` on a result of more than one element: as in PyTorch, only a scalar loss has an
    /// implicit gradient.
    #[error("backward: grad can be implicitly created only for scalar outputs, got shape {shape:?}")]
    BackwardOfNonScalar { shape: Vec<usize> },

    /// `backward()` on a tensor that neither requires grad nor was computed from one that does.
    #[error("backward: the tensor does not require grad and has no grad_fn")]
    BackwardWithoutGraph,

    /// An integer tensor was asked to require grad; only float tensors can.
    #[error("only floating point tensors can require gradients (this one is {dtype})")]
    IntegerRequiresGrad { dtype: String },

    /// An in-place op (`sub_`, `zero_`, ...) on a tensor that requires grad, which PyTorch refuses too;
    /// change its `.data()` instead.
    #[error("{op}: a tensor that requires grad cannot be changed in place; change its .data instead")]
    InPlaceOnTensorRequiringGrad { op: String },

    /// `.grad` of a remote tensor that has none yet: `backward` was not run on a result that depends on it.
    #[error("the tensor has no gradient (call backward first, on a result that requires grad)")]
    NoGradient,

    /// The worker holds nothing under `id`: the object was deleted, fetched or moved before this use.
    #[error("object {id} was not found on worker {worker} (it was deleted, fetched or moved)")]
    ObjectNotFound { id: ObjectId, worker: WorkerId },

    /// An op's operands live on two workers (the seed's common error); nothing was sent.
    #[error(
        "{op}: the operands live on different workers ({lhs_worker} and {rhs_worker}); \
         move one to the other's worker first (ptr.move_to(&worker)), or get both and compute locally"
    )]
    DifferentWorkers { op: String, lhs_worker: WorkerId, rhs_worker: WorkerId },

    /// An op mixed a pointer and a local tensor (the seed's other common error); nothing was sent.
    #[error(
        "{op}: one operand is a pointer to {worker} and the other is a local tensor; \
         send the local tensor to {worker} first (tensor.send(&worker)), or get the pointer"
    )]
    LocalTensorWithPointer { op: String, worker: WorkerId },

    /// The object is not what the call needs: a pointer where a tensor is asked for, or `me` where a
    /// remote worker must be (`x.send(&me)`).
    #[error("object {id} on worker {worker} is {found}, expected {expected}")]
    WrongObjectKind { id: ObjectId, worker: WorkerId, expected: String, found: String },

    /// [`Syft::get_many`](crate::Syft::get_many) named one object twice; nothing was fetched.
    #[error(
        "object {id} is asked for twice in one get: a get takes the object from its worker, so each \
         pointer is fetched once (nothing was fetched)"
    )]
    FetchedTwice { id: ObjectId },

    /// The pointer was fetched, sent on or moved already, so it owns nothing; use the pointer that call
    /// returned.
    #[error(
        "pointer {id} no longer owns its object: it was fetched, sent on or moved (use the pointer that was returned)"
    )]
    PointerReleased { id: ObjectId },

    /// `worker` would have to reach `unknown`, which it was not introduced to: call
    /// [`WorkerHandle::add_worker`](crate::WorkerHandle::add_worker) first.
    #[error("worker {worker} does not know worker {unknown}; call add_worker first")]
    UnknownWorker { worker: WorkerId, unknown: WorkerId },

    /// [`Syft::create_worker`](crate::Syft::create_worker) with a name already taken.
    #[error("a worker named {worker} already exists")]
    WorkerExists { worker: WorkerId },

    /// The worker stopped (killed, crashed, failed to start) or never existed; every request waiting on
    /// it fails with this.
    #[error("worker {worker} is gone: {reason}")]
    WorkerGone { worker: WorkerId, reason: String },

    /// [`Syft::settle`](crate::Syft::settle) gave up: messages were still moving after `waves` rounds of
    /// counters.
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

    /// A message from a peer built for another version of the wire format (a stale cached worker script).
    #[error("a message in wire version {found}, but this side speaks version {expected}: reload the page (a cached worker is stale)")]
    WireVersion { found: u8, expected: u8 },

    /// Something that needs at least one `item` got none (`send_to_all` to no worker, `mean` of an empty
    /// tensor, a round without clients).
    #[error("{what} needs at least one {item}")]
    Empty { what: String, item: String },

    /// A worker refused `asker` the use of an object it neither stored nor was sent a pointer to.
    #[error(
        "permission denied: {asker} may not {action} object {id} on worker {worker}; it belongs to {owner} \
         (only the party that stored an object, or one it sent a pointer to, may use it)"
    )]
    PermissionDenied { asker: WorkerId, action: String, id: ObjectId, worker: WorkerId, owner: WorkerId },

    /// A message claimed another sender than the channel it came on; it was dropped.
    #[error("a message on the channel from {channel} claimed to come from {claimed}; it was refused")]
    Impersonation { channel: WorkerId, claimed: WorkerId },

    /// A tensor, message, store or plan would grow past one of [`crate::limits`]; refused before anything
    /// was allocated.
    #[error("too many {what}: the limit is {limit}, this would make {got}")]
    LimitExceeded { what: String, limit: u64, got: u64 },

    /// Training stopped at `round`: the loss (as text) is not finite, or beyond any the data can give.
    #[error("diverged at round {round}: the loss is {loss} — try a smaller learning rate")]
    Diverged { round: usize, loss: String },

    /// No cryptographic randomness here (the OS's, or `crypto.getRandomValues`), so shares and noise
    /// cannot be drawn.
    #[error("no cryptographic randomness is available here: {reason}")]
    RandomnessUnavailable { reason: String },

    /// A secret-sharing `op` could not run: a float tensor, a holder named twice, a party that may not
    /// ask for triples, ...
    #[error("{op}: {reason}")]
    Sharing { op: String, reason: String },

    /// Talking to a Flower SuperLink went wrong at `what`: its answer cannot be read, or a key or a
    /// signature failed.
    #[error("Flower {what}: {reason}")]
    Flower { what: String, reason: String },

    /// A Fleet call that got no HTTP answer at all (the SuperLink or the proxy is down).
    #[error("Flower {call}: no answer from the SuperLink at {address}: {reason}")]
    FleetUnreachable { call: String, address: String, reason: String },

    /// A Fleet call the SuperLink (or the proxy before it) answered with a status other than 200.
    #[error("Flower {call}: HTTP {status} from {address}: {body}")]
    FleetStatus { call: String, address: String, status: u16, body: String },

    /// `setting` cannot take `value` (a URL parameter, a playground form field, a model's activation).
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
