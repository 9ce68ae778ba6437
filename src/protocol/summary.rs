//! What a message is, without its meaning: its kind (for the message log), the ids it names, its
//! error, its payload (the tensor values a transport moves apart from the header) and its size.

use serde::{Deserialize, Serialize};

use super::{Answer, Body, Command, Envelope, Listed, ObjectId, Payload, Query, WireObject, WireTensor};
use crate::error::Error;

/// What a message is, for the message log and the tests that read it; shown as the log shows it
/// (`execute add`, `reply error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    Store,
    /// An op, by its name in the op list.
    Execute(String),
    Delete,
    AddWorker,
    Relocated,
    Delegate,
    Share,
    Triple,
    StorePlan,
    Refused,
    Get,
    RemoteGet,
    Backward,
    /// An in-place op on a pointer, by its name (`sub_`).
    InPlace(String),
    Objects,
    ClearObjects,
    Counters,
    RunPlan,
    GetMany,
    ReplyObject,
    ReplyObjects,
    ReplyDone,
    ReplyCounters,
    ReplyError,
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            MessageKind::Execute(op) => return write!(f, "execute {op}"),
            MessageKind::InPlace(op) => return f.write_str(op),
            MessageKind::Store => "store",
            MessageKind::Delete => "delete",
            MessageKind::AddWorker => "add_worker",
            MessageKind::Relocated => "relocated",
            MessageKind::Delegate => "delegate",
            MessageKind::Share => "share",
            MessageKind::Triple => "beaver triple",
            MessageKind::StorePlan => "store plan",
            MessageKind::Refused => "refused",
            MessageKind::Get => "get",
            MessageKind::RemoteGet => "remote_get",
            MessageKind::Backward => "backward",
            MessageKind::Objects => "objects",
            MessageKind::ClearObjects => "clear_objects",
            MessageKind::Counters => "counters",
            MessageKind::RunPlan => "run plan",
            MessageKind::GetMany => "get many",
            MessageKind::ReplyObject => "reply object",
            MessageKind::ReplyObjects => "reply objects",
            MessageKind::ReplyDone => "reply done",
            MessageKind::ReplyCounters => "reply counters",
            MessageKind::ReplyError => "reply error",
        };
        f.write_str(text)
    }
}

impl Envelope {
    /// The values of every tensor the message carries (gradients after their tensors), in a fixed
    /// order: a transport takes the values out here and puts them back in the same order on the
    /// other side.
    pub fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        fn chain<'a>(tensor: &'a mut WireTensor, out: &mut Vec<Payload<'a>>) {
            out.extend(tensor.payloads_mut());
        }
        let mut out = Vec::new();
        match &mut self.body {
            Body::Command(Command::Store { object: WireObject::Tensor(t), .. })
            | Body::Reply { answer: Ok(Answer::Object(WireObject::Tensor(t))), .. } => chain(t, &mut out),
            Body::Reply { answer: Ok(Answer::Objects(list)), .. } => {
                for (_, listed) in list {
                    if let Listed::Tensor(t) = listed {
                        chain(t, &mut out);
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// True for what the message counters leave out: the counter queries and their replies, and
    /// `AddWorker`, which transports make themselves when they connect two workers.
    pub fn is_uncounted(&self) -> bool {
        matches!(
            self.body,
            Body::Request { query: Query::Counters, .. }
                | Body::Reply { answer: Ok(Answer::Counters { .. }), .. }
                | Body::Command(Command::AddWorker { .. })
        )
    }

    /// A short name of what the message does, for the message log.
    pub fn kind(&self) -> MessageKind {
        match &self.body {
            Body::Command(Command::Store { .. }) => MessageKind::Store,
            Body::Command(Command::Execute { op, .. }) => MessageKind::Execute(op.name().to_owned()),
            Body::Command(Command::Delete { .. }) => MessageKind::Delete,
            Body::Command(Command::AddWorker { .. }) => MessageKind::AddWorker,
            Body::Command(Command::Relocated { .. }) => MessageKind::Relocated,
            Body::Command(Command::Delegate { .. }) => MessageKind::Delegate,
            Body::Command(Command::Share { .. }) => MessageKind::Share,
            Body::Command(Command::Triple { .. }) => MessageKind::Triple,
            Body::Command(Command::StorePlan { .. }) => MessageKind::StorePlan,
            Body::Refused { .. } => MessageKind::Refused,
            Body::Request { query, .. } => match query {
                Query::Get { .. } => MessageKind::Get,
                Query::RemoteGet { .. } => MessageKind::RemoteGet,
                Query::Backward { .. } => MessageKind::Backward,
                Query::InPlace { op } => MessageKind::InPlace(op.name()),
                Query::Objects => MessageKind::Objects,
                Query::ClearObjects => MessageKind::ClearObjects,
                Query::Counters => MessageKind::Counters,
                Query::RunPlan { .. } => MessageKind::RunPlan,
                Query::GetMany { .. } => MessageKind::GetMany,
            },
            Body::Reply { answer: Ok(Answer::Object(_)), .. } => MessageKind::ReplyObject,
            Body::Reply { answer: Ok(Answer::Objects(_)), .. } => MessageKind::ReplyObjects,
            Body::Reply { answer: Ok(Answer::Done), .. } => MessageKind::ReplyDone,
            Body::Reply { answer: Ok(Answer::Counters { .. }), .. } => MessageKind::ReplyCounters,
            Body::Reply { answer: Err(_), .. } => MessageKind::ReplyError,
        }
    }

    /// The object ids the message names.
    pub fn ids(&self) -> Vec<ObjectId> {
        match &self.body {
            Body::Command(Command::Store { id, .. } | Command::Delete { id }) => vec![*id],
            Body::Command(Command::Execute { result, op }) => std::iter::once(*result).chain(op.inputs()).collect(),
            Body::Command(Command::AddWorker { .. }) => vec![],
            Body::Command(Command::Relocated { from, to }) => vec![*from, *to],
            Body::Command(Command::Delegate { id, .. }) => vec![*id],
            Body::Command(Command::Share { input, holders }) => {
                std::iter::once(*input).chain(holders.iter().map(|(_, id)| *id)).collect()
            }
            Body::Command(Command::Triple { holders, .. }) => holders.iter().flat_map(|(_, ids)| *ids).collect(),
            Body::Command(Command::StorePlan { id, .. }) => vec![*id],
            Body::Request { query, .. } => match query {
                Query::Get { id, .. } | Query::RemoteGet { id } | Query::Backward { id } => {
                    vec![*id]
                }
                Query::InPlace { op } => op.inputs(),
                Query::Objects | Query::ClearObjects | Query::Counters => vec![],
                Query::RunPlan { plan, inputs, outputs } => {
                    std::iter::once(*plan).chain(inputs.iter().copied()).chain(outputs.iter().copied()).collect()
                }
                Query::GetMany { ids } => ids.clone(),
            },
            Body::Reply { answer: Ok(Answer::Objects(objects)), .. } => objects.iter().map(|(id, _)| *id).collect(),
            Body::Reply { .. } | Body::Refused { .. } => vec![],
        }
    }

    /// Why the message failed, if it is an error reply or a refusal (for the message log).
    pub fn error(&self) -> Option<&Error> {
        match &self.body {
            Body::Reply { answer: Err(error), .. } | Body::Refused { error } => Some(error),
            _ => None,
        }
    }

    /// Bytes of tensor values the message carries.
    pub fn payload_bytes(&self) -> usize {
        let object = |o: &WireObject| match o {
            WireObject::Tensor(t) => t.payload_bytes(),
            WireObject::Pointer { .. } => 0,
        };
        match &self.body {
            Body::Command(Command::Store { object: o, .. }) => object(o),
            Body::Reply { answer: Ok(Answer::Object(o)), .. } => object(o),
            Body::Reply { answer: Ok(Answer::Objects(list)), .. } => list
                .iter()
                .map(|(_, l)| match l {
                    Listed::Tensor(t) => t.payload_bytes(),
                    _ => 0,
                })
                .sum(),
            _ => 0,
        }
    }
}
