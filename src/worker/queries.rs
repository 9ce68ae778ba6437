//! What a worker does with ops and queries: run them on its own tensors, or forward them along a
//! pointer chain and finish them when the reply comes back. Every object an op or a query names is
//! checked against the asker's [`Access`] first.

use super::{execute, Access, Continuation, Entry, Stored, Waiting, Worker};
use crate::error::{Error, Result};
use crate::ids::{ObjectId, RequestId, WorkerId};
use crate::limits::{self, MAX_WAITING_REQUESTS};
use crate::protocol::{Answer, Body, Listed, ObjectKind, Op, Query, WireObject, WireTensor};
use crate::tensor::Tensor;

/// The operands of an op, looked up for the party that asked.
pub(super) enum Resolved {
    Local(Vec<Tensor>),
    Remote { location: WorkerId, ids: Vec<ObjectId> },
}

impl Worker {
    /// Answers now (`Some`), or later once a forwarded request returns (`None`).
    pub(super) fn query(&mut self, from: &str, request: RequestId, query: Query) -> Option<Result<Answer>> {
        match query {
            Query::Get { id, expected } => Some(self.get(from, id, expected)),
            Query::Objects => Some(Ok(Answer::Objects(self.listing(from)))),
            Query::RunPlan { plan, inputs, outputs } => Some(self.run_plan(from, plan, &inputs, &outputs)),
            Query::GetMany { ids } => Some(self.get_many(from, &ids)),
            Query::Counters => Some(Ok(Answer::Counters { received: self.received.clone(), sent: self.sent.clone() })),
            Query::ClearObjects => {
                self.clear_objects(from);
                Some(Ok(Answer::Done))
            }
            Query::RemoteGet { id } => match self.entry_for(from, "remote_get", id) {
                Err(error) => Some(Err(error)),
                Ok(Entry { object: Stored::Tensor(_), .. }) => Some(Ok(Answer::Done)),
                Ok(Entry { object: Stored::Error(error), .. }) => Some(Err(error.clone())),
                Ok(Entry { object: Stored::Plan(_), .. }) => Some(Ok(Answer::Done)),
                Ok(Entry { object: Stored::Pointer { location, id_at_location }, .. }) => {
                    let (location, id_at_location) = (location.clone(), *id_at_location);
                    let query = Query::Get { id: id_at_location, expected: ObjectKind::Tensor };
                    let continuation = Continuation::StoreThenReply { id, to: from.into(), request };
                    self.forward(&location, query, continuation)
                }
            },
            Query::Backward { id } => match self.resolve(from, "backward", &[id]) {
                Err(error) => Some(Err(error)),
                Ok((Resolved::Local(tensors), _)) => {
                    Some(tensors.first().map_or(Err(self.not_found(id)), |t| t.backward().map(|()| Answer::Done)))
                }
                Ok((Resolved::Remote { location, ids }, _)) => {
                    let continuation = Continuation::Relay { to: from.into(), request };
                    let id = ids.first().copied().unwrap_or(id);
                    self.forward(&location, Query::Backward { id }, continuation)
                }
            },
            Query::InPlace { op } => match self.resolve(from, &op.name(), &op.inputs()) {
                Err(error) => Some(Err(error)),
                Ok((Resolved::Local(tensors), _)) => Some(execute::in_place(&op, &tensors).map(|()| Answer::Done)),
                Ok((Resolved::Remote { location, ids }, _)) => {
                    let continuation = Continuation::Relay { to: from.into(), request };
                    self.forward(&location, Query::InPlace { op: execute::rename_in_place(&op, &ids) }, continuation)
                }
            },
        }
    }

    fn forward(&mut self, location: &str, query: Query, continuation: Continuation) -> Option<Result<Answer>> {
        if self.waiting.len() >= MAX_WAITING_REQUESTS {
            let got = self.waiting.len() as u64 + 1;
            return Some(Err(limits::exceeded("requests waiting on other workers", MAX_WAITING_REQUESTS as u64, got)));
        }
        let request = self.next_request;
        self.next_request = request.successor();
        if let Err(error) = self.send_on(location, Body::Request { request, query }) {
            return Some(Err(error));
        }
        self.waiting.insert(request, Waiting { on: location.into(), continuation });
        None
    }

    /// A reply from `channel`: only the worker a request was forwarded to may answer it.
    pub(super) fn reply(&mut self, channel: &str, request: RequestId, answer: Result<Answer>) {
        match self.waiting.get(&request) {
            Some(waiting) if waiting.on == channel => {}
            // Nobody waits for it, or someone else was asked: there is no one to tell.
            _ => return,
        }
        let Some(Waiting { continuation, .. }) = self.waiting.remove(&request) else { return };
        match continuation {
            Continuation::Relay { to, request } => self.send(&to, Body::Reply { request, answer }),
            Continuation::StoreThenReply { id, to, request } => {
                let answer = match answer {
                    Ok(Answer::Object(object)) => self.replace_pointer(id, object),
                    Ok(other) => Err(Error::unexpected_answer("an object (remote_get)", other)),
                    Err(error) => Err(error),
                };
                self.send(&to, Body::Reply { request, answer });
            }
        }
    }

    /// `remote_get`'s end: the fetched object takes the place of the pointer it was fetched by,
    /// with the same access. If the pointer was deleted meanwhile, the object goes with it.
    fn replace_pointer(&mut self, id: ObjectId, object: WireObject) -> Result<Answer> {
        let access = match self.objects.get(&id) {
            Some(Entry { object: Stored::Pointer { .. }, access }) => access.clone(),
            _ => return Err(self.not_found(id)),
        };
        self.put(id, Entry { object: Stored::from_wire(object), access })?;
        Ok(Answer::Done)
    }

    fn get(&mut self, from: &str, id: ObjectId, expected: ObjectKind) -> Result<Answer> {
        let found = &self.entry_for(from, "get", id)?.object;
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
        match self.remove(id).map(|entry| entry.object) {
            Some(Stored::Tensor(tensor)) => {
                Ok(Answer::Object(WireObject::Tensor(WireTensor::from_owned_tensor(tensor))))
            }
            Some(Stored::Pointer { location, id_at_location }) => {
                Ok(Answer::Object(WireObject::Pointer { location, id_at_location }))
            }
            Some(Stored::Error(error)) => Err(error),
            Some(Stored::Plan(_)) | None => Err(self.not_found(id)),
        }
    }

    /// The entries `party` may use (`bob._objects` as that party sees it).
    fn listing(&self, party: &str) -> Vec<(ObjectId, Listed)> {
        self.objects
            .iter()
            .filter(|(_, entry)| entry.access.allows(party))
            .map(|(&id, entry)| (id, entry.object.listed()))
            .collect()
    }

    /// Looks up the operands of an op for `party`: all tensors here, or all pointers to one other
    /// worker; with who may use the result.
    pub(super) fn resolve(&self, party: &str, action: &str, ids: &[ObjectId]) -> Result<(Resolved, Access)> {
        let mut tensors = Vec::new();
        let mut remote: Vec<(WorkerId, ObjectId)> = Vec::new();
        let mut accesses = Vec::new();
        for &id in ids {
            let entry = self.entry_for(party, action, id)?;
            accesses.push(&entry.access);
            match &entry.object {
                Stored::Error(error) => return Err(error.clone()),
                Stored::Plan(_) => {
                    return Err(Error::WrongObjectKind {
                        id,
                        worker: self.id.clone(),
                        expected: "a tensor".into(),
                        found: "a plan".into(),
                    })
                }
                Stored::Tensor(tensor) => tensors.push(tensor.clone()),
                Stored::Pointer { location, id_at_location } => remote.push((location.clone(), *id_at_location)),
            }
        }
        let access = Access::of_result(party, accesses);
        let resolved = match (tensors.is_empty(), remote.first()) {
            (_, None) => Resolved::Local(tensors),
            (true, Some((location, _))) => {
                if let Some((other, _)) = remote.iter().find(|(l, _)| l != location) {
                    return Err(Error::DifferentWorkers {
                        op: action.to_owned(),
                        lhs_worker: location.clone(),
                        rhs_worker: other.clone(),
                    });
                }
                Resolved::Remote { location: location.clone(), ids: remote.into_iter().map(|(_, id)| id).collect() }
            }
            (false, Some((location, _))) => {
                return Err(Error::DifferentWorkers {
                    op: action.to_owned(),
                    lhs_worker: self.id.clone(),
                    rhs_worker: location.clone(),
                })
            }
        };
        Ok((resolved, access))
    }

    /// Runs `op` for `from` and keeps the result (or the error) under `result`.
    pub(super) fn execute(&mut self, from: &str, result: ObjectId, op: Op) -> Result<()> {
        let (object, access) = match self.resolve(from, op.name(), &op.inputs()) {
            Err(error) => (Stored::Error(error), Access::owned_by(from)),
            Ok((Resolved::Local(tensors), access)) => match execute::op(&op, &tensors) {
                Ok(tensor) => (Stored::Tensor(tensor), access),
                Err(error) => (Stored::Error(error), access),
            },
            Ok((Resolved::Remote { location, ids }, access)) => {
                let forwarded = crate::protocol::Command::Execute { result, op: execute::rename(&op, &ids) };
                match self.send_on(&location, Body::Command(forwarded)) {
                    Ok(()) => (Stored::Pointer { location, id_at_location: result }, access),
                    Err(error) => (Stored::Error(error), access),
                }
            }
        };
        match self.put(result, Entry { object, access: access.clone() }) {
            Ok(()) => Ok(()),
            // Too big to keep: keep the reason instead, so the result's pointer surfaces it.
            Err(error @ Error::LimitExceeded { .. }) if self.objects.len() < limits::MAX_STORE_OBJECTS => {
                self.put(result, Entry { object: Stored::Error(error), access })
            }
            Err(error) => Err(error),
        }
    }
}
