//! Transports: how envelopes reach workers. The client and the workers never see which one runs;
//! a transport only moves [`Envelope`]s and reports what it saw to the client's [`Sink`].

mod in_process;
#[cfg(target_arch = "wasm32")]
pub mod web;

use std::rc::Rc;

use serde::{Deserialize, Serialize};

#[cfg(not(target_arch = "wasm32"))]
pub use in_process::block_on;
pub use in_process::InProcess;

use crate::error::Result;
use crate::protocol::{Envelope, Inspected, MessageKind, ObjectId, RequestId, WorkerId};

/// One message seen on the wire: who to whom, what, which ids and how many tensor bytes;
/// never tensor values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    pub from: WorkerId,
    pub to: WorkerId,
    pub kind: MessageKind,
    pub ids: Vec<ObjectId>,
    pub bytes: usize,
    /// For an error reply or a refusal: the error, as text.
    #[serde(default)]
    pub error: Option<String>,
}

impl MessageEvent {
    pub fn of(envelope: &Envelope) -> MessageEvent {
        MessageEvent {
            from: envelope.from.clone(),
            to: envelope.to.clone(),
            kind: envelope.kind(),
            ids: envelope.ids(),
            bytes: envelope.payload_bytes(),
            error: envelope.error().map(ToString::to_string),
        }
    }

    /// True for the page looking at stores (listings, message counters) rather than for the
    /// lesson's own work; the timeline hides these.
    pub fn is_inspection(&self) -> bool {
        matches!(
            self.kind,
            MessageKind::Objects | MessageKind::ReplyObjects | MessageKind::Counters | MessageKind::ReplyCounters
        )
    }

    /// True for traffic between two workers, which never passes through the page.
    pub fn is_worker_to_worker(&self) -> bool {
        self.from != crate::protocol::ME && self.to != crate::protocol::ME
    }
}

/// What a transport tells the client.
pub enum Event {
    /// A message addressed to `me`, and the worker whose channel it came on (which the client
    /// trusts; the envelope's own `from` it only checks).
    Deliver { channel: WorkerId, envelope: Envelope },
    /// The answer to [`Transport::inspect`].
    Inspection { worker: WorkerId, token: RequestId, entries: Result<Vec<Inspected>> },
    /// A message went over the wire (to, from or between workers).
    Message(MessageEvent),
    /// A worker stopped answering: it panicked, was terminated, or timed out.
    WorkerGone { worker: WorkerId, reason: String },
}

pub type Sink = Rc<dyn Fn(Event)>;

pub trait Transport {
    /// Called once by the client before anything else.
    fn attach(&self, sink: Sink);
    /// Starts a worker named `worker`.
    fn spawn(&self, worker: &str) -> Result<()>;
    /// Gives `a` and `b` a direct channel; the workers are told by [`Command::AddWorker`](crate::protocol::Command::AddWorker).
    fn connect(&self, a: &str, b: &str) -> Result<()>;
    /// Sends an envelope from `me`.
    fn post(&self, envelope: Envelope);
    /// Reads `worker`'s whole store with who may use each entry, outside the protocol: the
    /// simulation's privileged view for the page's inspector and for tests. The answer comes as
    /// [`Event::Inspection`] with the same `token`.
    fn inspect(&self, worker: &str, token: RequestId);
}
