//! A worker as a sans-IO state machine: [`Worker::handle`] takes one message, with the channel it
//! came on, and returns the messages it sends. No transport lives here, so the same worker runs
//! in-process, in a Web Worker, and in tests.
//!
//! The store maps ids to a tensor, a pointer to another worker's object, or the error that was
//! raised while computing that id; each entry says who may use it ([`Access`]). An op on pointers
//! that all lead to one worker is forwarded there under the same result id, and a pointer to the
//! result is kept here: that is how pointer chains (me → alice → bob) compute where the data lives.

mod access;
mod commands;
mod execute;
mod plans;
mod queries;
mod sharing;

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use access::Access;

use crate::error::{Error, Result};
use crate::ids::{ObjectId, RequestId, WorkerId, ME};
use crate::limits::{
    self, MAX_CHAIN_HOPS, MAX_ELEMENTS_PER_PEER, MAX_OBJECTS_PER_PEER, MAX_STORE_ELEMENTS, MAX_STORE_OBJECTS,
};
use crate::protocol::{Body, Envelope, Inspected, Listed, WireObject, WireTensor};
use crate::tensor::Tensor;

/// What an entry of a worker's store holds.
#[derive(Clone, Debug)]
pub enum Stored {
    Tensor(Tensor),
    Pointer {
        location: WorkerId,
        id_at_location: ObjectId,
    },
    /// Raised while computing this id; it surfaces wherever the id is used or fetched next.
    Error(Error),
    /// A plan, run with `Query::RunPlan`.
    Plan(Box<crate::protocol::Plan>),
}

impl Stored {
    fn from_wire(object: WireObject) -> Stored {
        match object {
            WireObject::Tensor(tensor) => match tensor.into_tensor() {
                Ok(tensor) => Stored::Tensor(tensor),
                Err(error) => Stored::Error(error),
            },
            WireObject::Pointer { location, id_at_location } => Stored::Pointer { location, id_at_location },
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Stored::Tensor(_) => "a tensor",
            Stored::Pointer { .. } => "a pointer",
            Stored::Error(_) => "an error",
            Stored::Plan(_) => "a plan",
        }
    }

    /// Elements the entry keeps alive, for the store's limit (at least 1: every entry costs).
    fn cost(&self) -> u64 {
        match self {
            Stored::Tensor(tensor) => tensor.graph_elements().max(1),
            Stored::Plan(plan) => plan.steps.len() as u64 + 1,
            _ => 1,
        }
    }

    fn listed(&self) -> Listed {
        match self {
            Stored::Tensor(tensor) => Listed::Tensor(WireTensor::from_tensor(tensor)),
            Stored::Pointer { location, id_at_location } => {
                Listed::Pointer { location: location.clone(), id_at_location: *id_at_location }
            }
            Stored::Error(error) => Listed::Error(error.clone()),
            Stored::Plan(plan) => Listed::Plan { steps: plan.steps.len() },
        }
    }
}

/// One entry of the store: the object and who may use it.
#[derive(Clone, Debug)]
pub struct Entry {
    pub object: Stored,
    pub access: Access,
}

/// What to do when the reply to a request this worker sent arrives.
#[derive(Debug)]
enum Continuation {
    /// Pass the answer back to whoever asked us (a query forwarded along a pointer chain).
    Relay { to: WorkerId, request: RequestId },
    /// `remote_get`: keep the fetched object under `id` in place of the pointer, then answer.
    StoreThenReply { id: ObjectId, to: WorkerId, request: RequestId },
}

/// A request this worker forwarded: the worker that owes the reply, and what to do with it.
#[derive(Debug)]
struct Waiting {
    on: WorkerId,
    continuation: Continuation,
}

pub struct Worker {
    id: WorkerId,
    objects: BTreeMap<ObjectId, Entry>,
    /// Sum of [`Stored::cost`] over the store.
    stored_elements: u64,
    /// Objects and elements each peer owns here (`me` has the whole store): a peer's quota.
    kept_by_peer: BTreeMap<WorkerId, (usize, u64)>,
    known: BTreeSet<WorkerId>,
    gone: BTreeMap<WorkerId, String>,
    waiting: HashMap<RequestId, Waiting>,
    next_request: RequestId,
    outbox: Vec<Envelope>,
    /// Hops of the message being handled; what this worker forwards goes one further.
    hops: u8,
    received: BTreeMap<WorkerId, u64>,
    sent: BTreeMap<WorkerId, u64>,
}

impl Worker {
    pub fn new(id: impl Into<WorkerId>) -> Worker {
        Worker {
            id: id.into(),
            objects: BTreeMap::new(),
            stored_elements: 0,
            kept_by_peer: BTreeMap::new(),
            known: BTreeSet::new(),
            gone: BTreeMap::new(),
            waiting: HashMap::new(),
            next_request: RequestId(1),
            outbox: Vec::new(),
            hops: 0,
            received: BTreeMap::new(),
            sent: BTreeMap::new(),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The object under `id`, whoever may use it (for tests and the inspector).
    pub fn object(&self, id: ObjectId) -> Option<&Stored> {
        self.objects.get(&id).map(|entry| &entry.object)
    }

    pub fn entries(&self) -> &BTreeMap<ObjectId, Entry> {
        &self.objects
    }

    /// Elements the store keeps alive (histories included), the quantity [`MAX_STORE_ELEMENTS`] bounds.
    pub fn stored_elements(&self) -> u64 {
        self.stored_elements
    }

    /// The whole store with who may use each entry: the simulation's privileged view (the page's
    /// store inspector). No message can ask for it; a party lists only what it may use.
    pub fn inspect(&self) -> Vec<Inspected> {
        self.objects
            .iter()
            .map(|(&id, entry)| Inspected {
                id,
                listed: entry.object.listed(),
                owner: entry.access.owner().into(),
                delegates: entry.access.delegates().map(WorkerId::from).collect(),
            })
            .collect()
    }

    /// The workers this one may message directly (besides `me`, its owner).
    pub fn known_workers(&self) -> &BTreeSet<WorkerId> {
        &self.known
    }

    /// Requests this worker sent along pointer chains and still waits on.
    pub fn waiting_requests(&self) -> usize {
        self.waiting.len()
    }

    /// Handles one message that arrived on the channel from `channel` (the Worker object on the
    /// page, the MessagePort to a peer, or the in-process queue's sender) and returns every
    /// message it causes this worker to send. The envelope's own `from` is only checked.
    pub fn handle(&mut self, channel: &str, envelope: Envelope) -> Vec<Envelope> {
        if !envelope.is_uncounted() {
            *self.received.entry(channel.into()).or_default() += 1;
        }
        match self.admit(channel, &envelope) {
            Ok(()) => {
                self.hops = envelope.hops;
                match envelope.body {
                    Body::Command(command) => self.command(channel, command),
                    Body::Request { request, query } => {
                        if let Some(answer) = self.query(channel, request, query) {
                            self.send(channel, Body::Reply { request, answer });
                        }
                    }
                    Body::Reply { request, answer } => self.reply(channel, request, answer),
                    // A peer refused something this worker forwarded; the pointer here already
                    // says what it can (its next use fails the same way).
                    Body::Refused { .. } => {}
                }
            }
            Err(error) => self.refuse(channel, &envelope.body, error),
        }
        self.take_outbox()
    }

    /// `peer` is gone: every request still waiting on it is answered with that error, so nobody
    /// upstream waits forever, and nothing more is forwarded to it.
    pub fn peer_gone(&mut self, peer: &str, reason: &str) -> Vec<Envelope> {
        self.known.remove(peer);
        self.gone.insert(peer.into(), reason.to_owned());
        let lost: Vec<RequestId> = self.waiting.iter().filter(|(_, w)| w.on == peer).map(|(&r, _)| r).collect();
        for request in lost {
            let error = Error::WorkerGone { worker: peer.into(), reason: reason.to_owned() };
            self.reply(peer, request, Err(error));
        }
        self.take_outbox()
    }

    /// The transport could not deliver `envelope` (which this worker sent): its peer has no channel
    /// any more. A forwarded request is answered with the error at once.
    pub fn undeliverable(&mut self, envelope: Envelope, reason: &str) -> Vec<Envelope> {
        if let Body::Request { .. } = envelope.body {
            return self.peer_gone(&envelope.to, reason);
        }
        self.gone.insert(envelope.to.clone(), reason.to_owned());
        self.known.remove(&envelope.to);
        Vec::new()
    }

    /// The answer for a message that could not be decoded: an error to the sender of a request,
    /// nothing otherwise. The store is untouched.
    pub fn reject(&self, channel: &str, request: Option<RequestId>, error: Error) -> Vec<Envelope> {
        match request {
            Some(request) => vec![Envelope::new(&self.id, channel, Body::Reply { request, answer: Err(error) })],
            None => vec![],
        }
    }

    /// Whether a message from `channel` is one this worker takes at all.
    fn admit(&self, channel: &str, envelope: &Envelope) -> Result<()> {
        if envelope.from != channel {
            return Err(Error::Impersonation { channel: channel.into(), claimed: envelope.from.clone() });
        }
        if envelope.to != self.id {
            return Err(Error::malformed(format!("a message for {} reached {}", envelope.to, self.id)));
        }
        if channel != ME && !self.known.contains(channel) {
            return Err(Error::UnknownWorker { worker: self.id.clone(), unknown: channel.into() });
        }
        Ok(())
    }

    /// Answers a message that was not carried out: a request gets the error as its reply, a
    /// command a `Refused` notice; replies and notices get nothing (nobody waits on them).
    fn refuse(&mut self, channel: &str, body: &Body, error: Error) {
        match body {
            Body::Request { request, .. } => self.send(channel, Body::Reply { request: *request, answer: Err(error) }),
            Body::Command(_) => self.send(channel, Body::Refused { error }),
            Body::Reply { .. } | Body::Refused { .. } => {}
        }
    }

    fn take_outbox(&mut self) -> Vec<Envelope> {
        for envelope in &self.outbox {
            if !envelope.is_uncounted() {
                *self.sent.entry(envelope.to.clone()).or_default() += 1;
            }
        }
        std::mem::take(&mut self.outbox)
    }

    fn send(&mut self, to: &str, body: Body) {
        self.outbox.push(Envelope::new(&self.id, to, body));
    }

    /// Sends `body` one hop further along a chain, unless the chain is too long (a cycle).
    fn send_on(&mut self, to: &str, body: Body) -> Result<()> {
        let hops = self.hops.saturating_add(1);
        if hops > MAX_CHAIN_HOPS {
            return Err(limits::exceeded("workers in a pointer chain", MAX_CHAIN_HOPS.into(), hops.into()));
        }
        self.reachable(to)?;
        let mut envelope = Envelope::new(&self.id, to, body);
        envelope.hops = hops;
        self.outbox.push(envelope);
        Ok(())
    }

    /// Whether this worker can message `worker` now.
    fn reachable(&self, worker: &str) -> Result<()> {
        if let Some(reason) = self.gone.get(worker) {
            return Err(Error::WorkerGone { worker: worker.into(), reason: reason.clone() });
        }
        if self.known.contains(worker) {
            Ok(())
        } else {
            Err(Error::UnknownWorker { worker: self.id.clone(), unknown: worker.into() })
        }
    }

    fn not_found(&self, id: ObjectId) -> Error {
        Error::ObjectNotFound { id, worker: self.id.clone() }
    }

    /// The entry under `id` if `party` may use it for `action`.
    fn entry_for(&self, party: &str, action: &str, id: ObjectId) -> Result<&Entry> {
        let entry = self.objects.get(&id).ok_or_else(|| self.not_found(id))?;
        if entry.access.allows(party) {
            Ok(entry)
        } else {
            Err(entry.access.denied(party, action, id, &self.id))
        }
    }

    /// Keeps `entry` under `id` (replacing what was there) within the store's limits and, for an
    /// entry a peer owns, within that peer's quota.
    fn put(&mut self, id: ObjectId, entry: Entry) -> Result<()> {
        let replaced = self.objects.get(&id);
        let replaced_cost = replaced.map_or(0, |old| old.object.cost());
        let count = self.objects.len() + usize::from(replaced.is_none());
        if count > MAX_STORE_OBJECTS {
            return Err(limits::exceeded("objects in a store", MAX_STORE_OBJECTS as u64, count as u64));
        }
        let cost = entry.object.cost();
        let elements = (self.stored_elements - replaced_cost).saturating_add(cost);
        if elements > MAX_STORE_ELEMENTS {
            return Err(limits::exceeded("elements in a store", MAX_STORE_ELEMENTS, elements));
        }
        if let Stored::Tensor(tensor) = &entry.object {
            if tensor.graph_elements() > limits::MAX_GRAPH_ELEMENTS {
                let got = tensor.graph_elements();
                return Err(limits::exceeded("elements kept by one tensor's history", limits::MAX_GRAPH_ELEMENTS, got));
            }
        }
        let owner = entry.access.owner();
        if owner != ME {
            let (mut objects, mut kept) = self.kept_by_peer.get(owner).copied().unwrap_or((0, 0));
            if let Some(old) = replaced.filter(|old| old.access.owner() == owner) {
                objects -= 1;
                kept -= old.object.cost();
            }
            if objects + 1 > MAX_OBJECTS_PER_PEER {
                let got = objects as u64 + 1;
                return Err(limits::exceeded("objects one party keeps in a store", MAX_OBJECTS_PER_PEER as u64, got));
            }
            if kept.saturating_add(cost) > MAX_ELEMENTS_PER_PEER {
                let got = kept.saturating_add(cost);
                return Err(limits::exceeded("elements one party keeps in a store", MAX_ELEMENTS_PER_PEER, got));
            }
        }
        self.remove(id);
        self.stored_elements = self.stored_elements.saturating_add(cost);
        if owner != ME {
            let (objects, kept) = self.kept_by_peer.entry(owner.into()).or_default();
            *objects += 1;
            *kept = kept.saturating_add(cost);
        }
        self.objects.insert(id, entry);
        Ok(())
    }

    fn remove(&mut self, id: ObjectId) -> Option<Entry> {
        let entry = self.objects.remove(&id)?;
        let cost = entry.object.cost();
        self.stored_elements -= cost;
        let owner = entry.access.owner();
        if let Some((objects, kept)) = self.kept_by_peer.get_mut(owner) {
            *objects -= 1;
            *kept -= cost;
            if *objects == 0 {
                self.kept_by_peer.remove(owner);
            }
        }
        Some(entry)
    }
}
