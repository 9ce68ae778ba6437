//! A worker as a sans-IO state machine: [`Worker::handle`] takes one message and returns the
//! messages it sends. No transport lives here, so the same worker runs in-process, in a Web Worker,
//! and in tests.
//!
//! The store maps ids to a tensor, a pointer to another worker's object, or the error that was
//! raised while computing that id. An op on pointers that all lead to one worker is forwarded there
//! under the same result id, and a pointer to the result is kept here: that is how pointer chains
//! (me → alice → bob) compute where the data lives.

mod execute;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{Error, Result};
use crate::protocol::{
    Answer, Body, Command, Envelope, Listed, ObjectId, ObjectKind, Query, RequestId, WireObject, WireTensor, WorkerId,
    ME,
};
use crate::tensor::Tensor;

/// One entry of a worker's object store.
#[derive(Clone, Debug)]
pub enum Stored {
    Tensor(Tensor),
    Pointer {
        location: WorkerId,
        id_at_location: ObjectId,
    },
    /// Raised while computing this id; it surfaces wherever the id is used or fetched next.
    Error(Error),
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
        }
    }
}

/// What to do when the reply to a request this worker sent arrives.
#[derive(Debug)]
enum Continuation {
    /// Pass the answer back to whoever asked us (a query forwarded along a pointer chain).
    Relay { to: WorkerId, request: RequestId },
    /// `remote_get`: keep the fetched object under `id`, then answer the asker.
    StoreThenReply { id: ObjectId, to: WorkerId, request: RequestId },
}

pub struct Worker {
    id: WorkerId,
    objects: BTreeMap<ObjectId, Stored>,
    known: BTreeSet<WorkerId>,
    /// Requests this worker forwarded: the worker it waits on, and what to do with the answer.
    waiting: HashMap<RequestId, (WorkerId, Continuation)>,
    next_request: RequestId,
    outbox: Vec<Envelope>,
    received: u64,
    sent: u64,
}

impl Worker {
    pub fn new(id: impl Into<WorkerId>) -> Worker {
        Worker {
            id: id.into(),
            objects: BTreeMap::new(),
            known: BTreeSet::new(),
            waiting: HashMap::new(),
            next_request: 1,
            outbox: Vec::new(),
            received: 0,
            sent: 0,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn objects(&self) -> &BTreeMap<ObjectId, Stored> {
        &self.objects
    }

    /// The workers this one may message directly (besides `me`, its owner).
    pub fn known_workers(&self) -> &BTreeSet<WorkerId> {
        &self.known
    }

    /// Requests this worker sent along pointer chains and still waits on.
    pub fn waiting_requests(&self) -> usize {
        self.waiting.len()
    }

    /// Handles one message and returns every message it causes this worker to send.
    pub fn handle(&mut self, envelope: Envelope) -> Vec<Envelope> {
        if let Body::Request { request, query: Query::Counters } = envelope.body {
            let answer = Ok(Answer::Counters { received: self.received, sent: self.sent });
            return vec![Envelope { from: self.id.clone(), to: envelope.from, body: Body::Reply { request, answer } }];
        }
        if !envelope.is_uncounted() {
            self.received += 1;
        }
        let from = envelope.from;
        match envelope.body {
            Body::Command(command) => self.command(&from, command),
            Body::Request { request, query } => {
                if let Some(answer) = self.query(&from, request, query) {
                    self.send(&from, Body::Reply { request, answer });
                }
            }
            Body::Reply { request, answer } => self.reply(request, answer),
        }
        self.sent += self.outbox.len() as u64;
        std::mem::take(&mut self.outbox)
    }

    /// `peer` is gone: every request still waiting on it is answered with that error, so nobody
    /// upstream waits forever.
    pub fn peer_gone(&mut self, peer: &str, reason: &str) -> Vec<Envelope> {
        let lost: Vec<RequestId> = self.waiting.iter().filter(|(_, (w, _))| w == peer).map(|(&r, _)| r).collect();
        for request in lost {
            let error = Error::WorkerGone { worker: peer.to_owned(), reason: reason.to_owned() };
            self.reply(request, Err(error));
        }
        self.sent += self.outbox.len() as u64;
        std::mem::take(&mut self.outbox)
    }

    /// The answer for a message that could not be decoded: an error to the sender of a request,
    /// nothing otherwise. The store is untouched.
    pub fn reject(&self, from: &str, request: Option<RequestId>, error: Error) -> Vec<Envelope> {
        match request {
            Some(request) => vec![Envelope {
                from: self.id.clone(),
                to: from.to_owned(),
                body: Body::Reply { request, answer: Err(error) },
            }],
            None => vec![],
        }
    }

    fn send(&mut self, to: &str, body: Body) {
        self.outbox.push(Envelope { from: self.id.clone(), to: to.to_owned(), body });
    }

    fn knows(&self, worker: &str) -> Result<()> {
        if worker == ME || worker == self.id || self.known.contains(worker) {
            Ok(())
        } else {
            Err(Error::UnknownWorker { worker: self.id.clone(), unknown: worker.to_owned() })
        }
    }

    fn not_found(&self, id: ObjectId) -> Error {
        Error::ObjectNotFound { id, worker: self.id.clone() }
    }

    fn command(&mut self, from: &str, command: Command) {
        match command {
            Command::Store { id, object } => {
                let stored = match object {
                    WireObject::Pointer { location, id_at_location } if location == self.id && id_at_location == id => {
                        Stored::Error(Error::malformed(format!("object {id} on {location} would point at itself")))
                    }
                    object => Stored::from_wire(object),
                };
                self.objects.insert(id, stored);
            }
            Command::Execute { result, op } => {
                let free = self.free_id(result);
                if free != result {
                    self.send(from, Body::Command(Command::Relocated { from: result, to: free }));
                }
                self.execute(free, op)
            }
            Command::Relocated { from: old, to: new } => {
                if let Some(Stored::Pointer { location, id_at_location }) = self.objects.get_mut(&old) {
                    if location == from && *id_at_location == old {
                        *id_at_location = new;
                    }
                }
            }
            Command::Delete { id } => self.delete(id),
            Command::AddWorker { worker } => {
                if worker != self.id {
                    self.known.insert(worker);
                }
            }
        }
    }

    /// `id`, or if it is taken, the first free id derived from it.
    fn free_id(&self, id: ObjectId) -> ObjectId {
        let mut candidate = id;
        let mut mix = crate::rng::Rng::seeded(id);
        while self.objects.contains_key(&candidate) {
            candidate = mix.object_id();
        }
        candidate
    }

    /// Removes `id`; a pointer passes the delete on to its location, so dropping a pointer to a
    /// pointer empties the whole chain.
    fn delete(&mut self, id: ObjectId) {
        if let Some(Stored::Pointer { location, id_at_location }) = self.objects.remove(&id) {
            if self.knows(&location).is_ok() {
                self.send(&location, Body::Command(Command::Delete { id: id_at_location }));
            }
        }
    }

    /// Answers now (`Some`), or later once a forwarded request returns (`None`).
    fn query(&mut self, from: &str, request: RequestId, query: Query) -> Option<Result<Answer>> {
        match query {
            Query::Get { id, expected } => Some(self.get(id, expected)),
            Query::Objects => Some(Ok(Answer::Objects(self.listing()))),
            Query::Counters => Some(Ok(Answer::Counters { received: self.received, sent: self.sent })),
            Query::ClearObjects => {
                for id in self.objects.keys().copied().collect::<Vec<_>>() {
                    self.delete(id);
                }
                Some(Ok(Answer::Done))
            }
            Query::RemoteGet { id } => match self.objects.get(&id) {
                None => Some(Err(self.not_found(id))),
                Some(Stored::Tensor(_)) => Some(Ok(Answer::Done)),
                Some(Stored::Error(error)) => Some(Err(error.clone())),
                Some(Stored::Pointer { location, id_at_location }) => {
                    let (location, id_at_location) = (location.clone(), *id_at_location);
                    let query = Query::Get { id: id_at_location, expected: ObjectKind::Tensor };
                    let continuation = Continuation::StoreThenReply { id, to: from.to_owned(), request };
                    self.forward(&location, query, continuation)
                }
            },
            Query::Backward { id } => match self.resolve(&[id]) {
                Err(error) => Some(Err(error)),
                Ok(Resolved::Local(tensors)) => {
                    Some(tensors.first().map_or(Err(self.not_found(id)), |t| t.backward().map(|()| Answer::Done)))
                }
                Ok(Resolved::Remote { location, ids }) => {
                    let continuation = Continuation::Relay { to: from.to_owned(), request };
                    let id = ids.first().copied().unwrap_or(id);
                    self.forward(&location, Query::Backward { id }, continuation)
                }
            },
            Query::InPlace { op } => match self.resolve(&op.inputs()) {
                Err(error) => Some(Err(error)),
                Ok(Resolved::Local(tensors)) => Some(execute::in_place(&op, &tensors).map(|()| Answer::Done)),
                Ok(Resolved::Remote { location, ids }) => {
                    let continuation = Continuation::Relay { to: from.to_owned(), request };
                    self.forward(&location, Query::InPlace { op: execute::rename_in_place(&op, &ids) }, continuation)
                }
            },
        }
    }

    fn forward(&mut self, location: &str, query: Query, continuation: Continuation) -> Option<Result<Answer>> {
        if let Err(error) = self.knows(location) {
            return Some(Err(error));
        }
        let request = self.next_request;
        self.next_request += 1;
        self.waiting.insert(request, (location.to_owned(), continuation));
        self.send(location, Body::Request { request, query });
        None
    }

    fn reply(&mut self, request: RequestId, answer: Result<Answer>) {
        match self.waiting.remove(&request).map(|(_, continuation)| continuation) {
            // A reply nobody waits for (e.g. after a restart) is dropped: there is no one to tell.
            None => {}
            Some(Continuation::Relay { to, request }) => self.send(&to, Body::Reply { request, answer }),
            Some(Continuation::StoreThenReply { id, to, request }) => {
                let answer = match answer {
                    Ok(Answer::Object(object)) => {
                        self.objects.insert(id, Stored::from_wire(object));
                        Ok(Answer::Done)
                    }
                    Ok(other) => Err(Error::malformed(format!("remote_get expected an object, got {other:?}"))),
                    Err(error) => Err(error),
                };
                self.send(&to, Body::Reply { request, answer });
            }
        }
    }

    fn get(&mut self, id: ObjectId, expected: ObjectKind) -> Result<Answer> {
        let found = self.objects.get(&id).ok_or_else(|| self.not_found(id))?;
        // An error stays where it is: the pointer still owns it, and dropping the pointer deletes it.
        if let Stored::Error(error) = found {
            return Err(error.clone());
        }
        let matches = matches!(
            (found, expected),
            (Stored::Tensor(_), ObjectKind::Tensor) | (Stored::Pointer { .. }, ObjectKind::Pointer)
        );
        if !matches {
            return Err(Error::WrongObjectKind {
                id,
                worker: self.id.clone(),
                expected: expected.to_string(),
                found: found.kind().to_owned(),
            });
        }
        match self.objects.remove(&id) {
            Some(Stored::Tensor(tensor)) => Ok(Answer::Object(WireObject::Tensor(WireTensor::from_tensor(&tensor)))),
            Some(Stored::Pointer { location, id_at_location }) => {
                Ok(Answer::Object(WireObject::Pointer { location, id_at_location }))
            }
            Some(Stored::Error(error)) => Err(error),
            None => Err(self.not_found(id)),
        }
    }

    fn listing(&self) -> Vec<(ObjectId, Listed)> {
        self.objects
            .iter()
            .map(|(&id, stored)| {
                let listed = match stored {
                    Stored::Tensor(tensor) => Listed::Tensor(WireTensor::from_tensor(tensor)),
                    Stored::Pointer { location, id_at_location } => {
                        Listed::Pointer { location: location.clone(), id_at_location: *id_at_location }
                    }
                    Stored::Error(error) => Listed::Error(error.clone()),
                };
                (id, listed)
            })
            .collect()
    }

    /// Looks up the operands of an op: all tensors here, or all pointers to one other worker.
    fn resolve(&self, ids: &[ObjectId]) -> Result<Resolved> {
        let mut tensors = Vec::new();
        let mut remote: Vec<(WorkerId, ObjectId)> = Vec::new();
        for &id in ids {
            match self.objects.get(&id) {
                None => return Err(self.not_found(id)),
                Some(Stored::Error(error)) => return Err(error.clone()),
                Some(Stored::Tensor(tensor)) => tensors.push(tensor.clone()),
                Some(Stored::Pointer { location, id_at_location }) => remote.push((location.clone(), *id_at_location)),
            }
        }
        match (tensors.is_empty(), remote.first()) {
            (_, None) => Ok(Resolved::Local(tensors)),
            (true, Some((location, _))) => {
                if let Some((other, _)) = remote.iter().find(|(l, _)| l != location) {
                    return Err(Error::DifferentWorkers {
                        op: "op".into(),
                        lhs_worker: location.clone(),
                        rhs_worker: other.clone(),
                    });
                }
                Ok(Resolved::Remote { location: location.clone(), ids: remote.into_iter().map(|(_, id)| id).collect() })
            }
            (false, Some((location, _))) => Err(Error::DifferentWorkers {
                op: "op".into(),
                lhs_worker: self.id.clone(),
                rhs_worker: location.clone(),
            }),
        }
    }

    fn execute(&mut self, result: ObjectId, op: crate::protocol::Op) {
        let stored = match self.resolve(&op.inputs()) {
            Err(error) => Stored::Error(name_op(error, op.name())),
            Ok(Resolved::Local(tensors)) => match execute::op(&op, &tensors) {
                Ok(tensor) => Stored::Tensor(tensor),
                Err(error) => Stored::Error(error),
            },
            Ok(Resolved::Remote { location, ids }) => match self.knows(&location) {
                Err(error) => Stored::Error(error),
                Ok(()) => {
                    let op = execute::rename(&op, &ids);
                    self.send(&location, Body::Command(Command::Execute { result, op }));
                    Stored::Pointer { location, id_at_location: result }
                }
            },
        };
        self.objects.insert(result, stored);
    }
}

enum Resolved {
    Local(Vec<Tensor>),
    Remote { location: WorkerId, ids: Vec<ObjectId> },
}

fn name_op(error: Error, name: &str) -> Error {
    match error {
        Error::DifferentWorkers { lhs_worker, rhs_worker, .. } => {
            Error::DifferentWorkers { op: name.to_owned(), lhs_worker, rhs_worker }
        }
        other => other,
    }
}
