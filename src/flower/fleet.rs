//! The Fleet API's calls — `POST /v1/fleet/<name>` with a protobuf body — as typed requests and
//! the parts of their responses a client uses. Field numbers are flwr 1.42.0's
//! (`flower/fleet_protocol.json`); `tests/flower/objects_cross_check.py` parses every request
//! with flwr's own message classes and feeds their responses back.

use super::error;
use super::objects::{Metadata, ObjectTree};
use super::protobuf::{Reader, Writer};
use crate::error::Result;

/// One Fleet call. Every node id is the 64-bit id the SuperLink gave at activation.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    RegisterNode {
        public_key_pem: Vec<u8>,
    },
    ActivateNode {
        public_key_pem: Vec<u8>,
        heartbeat_interval: f64,
    },
    Heartbeat {
        node_id: u64,
        heartbeat_interval: f64,
    },
    PullMessages {
        node_id: u64,
    },
    PullObject {
        node_id: u64,
        run_id: u64,
        object_id: String,
    },
    ConfirmMessageReceived {
        node_id: u64,
        run_id: u64,
        message_object_id: String,
    },
    /// A reply: its metadata (with its id) travels with an empty content, which the SuperLink
    /// requires present; the content itself follows object by object (`PushObject`).
    PushMessages {
        node_id: u64,
        metadata: Metadata,
        tree: ObjectTree,
        runtime_seconds: f64,
        /// A reply that says the message could not be served: Flower's error code and reason,
        /// carried instead of the content (the tree is then the Message object alone).
        error: Option<(i64, String)>,
    },
    PushObject {
        node_id: u64,
        run_id: u64,
        object_id: String,
        content: Vec<u8>,
        session_id: String,
    },
    DeactivateNode {
        node_id: u64,
    },
    UnregisterNode {
        node_id: u64,
    },
}

fn node(node_id: u64) -> Vec<u8> {
    let mut w = Writer::default();
    w.uint64_unless_zero(1, node_id);
    w.bytes
}

impl Request {
    /// The path under `/v1/fleet/`.
    pub fn name(&self) -> &'static str {
        match self {
            Request::RegisterNode { .. } => "register-node",
            Request::ActivateNode { .. } => "activate-node",
            Request::Heartbeat { .. } => "send-node-heartbeat",
            Request::PullMessages { .. } => "pull-messages",
            Request::PullObject { .. } => "pull-object",
            Request::ConfirmMessageReceived { .. } => "confirm-message-received",
            Request::PushMessages { .. } => "push-messages",
            Request::PushObject { .. } => "push-object",
            Request::DeactivateNode { .. } => "deactivate-node",
            Request::UnregisterNode { .. } => "unregister-node",
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        match self {
            Request::RegisterNode { public_key_pem } => {
                w.bytes(1, public_key_pem);
            }
            Request::ActivateNode { public_key_pem, heartbeat_interval } => {
                w.bytes(1, public_key_pem).double_unless_zero(2, *heartbeat_interval);
            }
            Request::Heartbeat { node_id, heartbeat_interval } => {
                w.bytes(1, &node(*node_id)).double_unless_zero(2, *heartbeat_interval);
            }
            Request::PullMessages { node_id } => {
                w.bytes(1, &node(*node_id));
            }
            Request::PullObject { node_id, run_id, object_id } => {
                w.bytes(1, &node(*node_id)).uint64_unless_zero(2, *run_id).string_unless_empty(3, object_id);
            }
            Request::ConfirmMessageReceived { node_id, run_id, message_object_id } => {
                w.bytes(1, &node(*node_id)).uint64_unless_zero(2, *run_id).string_unless_empty(3, message_object_id);
            }
            Request::PushMessages { node_id, metadata, tree, runtime_seconds, error } => {
                let mut message = Writer::default();
                message.bytes(1, &metadata.encode());
                match error {
                    // An empty RecordDict, present: "content xor error".
                    None => message.bytes(2, &[]),
                    Some(error) => message.bytes(3, &super::objects::encode_error(error)),
                };
                let mut runtimes = Writer::default();
                runtimes.bytes.extend_from_slice(&runtime_seconds.to_le_bytes());
                w.bytes(1, &node(*node_id)).bytes(2, &message.bytes).bytes(3, &tree.encode()).bytes(4, &runtimes.bytes);
            }
            Request::PushObject { node_id, run_id, object_id, content, session_id } => {
                w.bytes(1, &node(*node_id))
                    .uint64_unless_zero(2, *run_id)
                    .string_unless_empty(3, object_id)
                    .bytes(4, content)
                    .string_unless_empty(5, session_id);
            }
            Request::DeactivateNode { node_id } | Request::UnregisterNode { node_id } => {
                w.uint64_unless_zero(1, *node_id);
            }
        }
        w.bytes
    }
}

/// `node_id` of a register-node or activate-node response.
pub fn node_id(response: &[u8]) -> Result<u64> {
    let mut reader = Reader::new(response);
    let mut id = 0;
    while let Some((field, value)) = reader.field()? {
        if field == 1 {
            id = value.as_u64("node_id")?;
        }
    }
    Ok(id)
}

/// The first boolean field of a response (`success` of a heartbeat, `stored` of a push-object).
pub fn flag(response: &[u8]) -> Result<bool> {
    let mut reader = Reader::new(response);
    while let Some((field, value)) = reader.field()? {
        if field == 1 {
            return Ok(value.as_u64("flag")? != 0);
        }
    }
    Ok(false)
}

/// A message waiting for this node: its metadata (with its id) and its object tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    pub metadata: Metadata,
    pub tree: ObjectTree,
}

pub fn pulled_messages(response: &[u8]) -> Result<Vec<Pulled>> {
    let (mut metadata, mut trees) = (Vec::new(), Vec::new());
    let mut reader = Reader::new(response);
    while let Some((field, value)) = reader.field()? {
        match field {
            2 => {
                let mut message = Reader::new(value.as_bytes("message")?);
                let mut found = Metadata::default();
                while let Some((field, value)) = message.field()? {
                    if field == 1 {
                        found = Metadata::decode(value.as_bytes("metadata")?)?;
                    }
                }
                metadata.push(found);
            }
            3 => trees.push(ObjectTree::decode(value.as_bytes("object tree")?)?),
            _ => {}
        }
    }
    if metadata.len() != trees.len() {
        return Err(error("pull-messages", format!("{} messages but {} object trees", metadata.len(), trees.len())));
    }
    Ok(metadata.into_iter().zip(trees).map(|(metadata, tree)| Pulled { metadata, tree }).collect())
}

/// A pull-object response: whether the object exists, whether it is ready, and its bytes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PulledObject {
    pub found: bool,
    pub available: bool,
    pub content: Vec<u8>,
}

pub fn pulled_object(response: &[u8]) -> Result<PulledObject> {
    let mut object = PulledObject::default();
    let mut reader = Reader::new(response);
    while let Some((field, value)) = reader.field()? {
        match field {
            1 => object.found = value.as_u64("object_found")? != 0,
            2 => object.available = value.as_u64("object_available")? != 0,
            3 => object.content = value.as_bytes("object_content")?.to_vec(),
            _ => {}
        }
    }
    Ok(object)
}

/// A push-messages response: the objects the SuperLink still wants (deduplicated, in order) and
/// the session to push them in. No object wanted usually means the reply was refused.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PushAnswer {
    pub objects_to_push: Vec<String>,
    pub session_id: String,
    pub results: Vec<(String, u32)>,
}

pub fn push_answer(response: &[u8]) -> Result<PushAnswer> {
    let mut answer = PushAnswer::default();
    let mut reader = Reader::new(response);
    while let Some((field, value)) = reader.field()? {
        match field {
            2 => {
                let (mut key, mut code) = (String::new(), 0);
                let mut entry = Reader::new(value.as_bytes("result")?);
                while let Some((field, value)) = entry.field()? {
                    match field {
                        1 => key = value.as_str("result key")?.to_owned(),
                        2 => code = u32::try_from(value.as_u64("result code")?).unwrap_or(u32::MAX),
                        _ => {}
                    }
                }
                answer.results.push((key, code));
            }
            3 => {
                let id = value.as_str("objects_to_push")?.to_owned();
                if !answer.objects_to_push.contains(&id) {
                    answer.objects_to_push.push(id);
                }
            }
            4 => answer.session_id = value.as_str("session_id")?.to_owned(),
            _ => {}
        }
    }
    Ok(answer)
}

/// What an error response's body says, in one short line: an HTML page (a proxy's or a static
/// server's error page) by its title, anything else with its whitespace collapsed.
pub fn error_body_summary(body: &[u8]) -> String {
    const LIMIT: usize = 160;
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let start = start + "<title>".len();
        lower[start..].find("</title>").map(|end| text[start..start + end].to_owned())
    });
    let summary = match title {
        Some(title) => title,
        None if lower.trim_start().starts_with('<') => "an HTML page".to_owned(),
        None => text.into_owned(),
    };
    let summary = summary.split_whitespace().collect::<Vec<_>>().join(" ");
    match summary.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &summary[..cut]),
        None => summary,
    }
}
