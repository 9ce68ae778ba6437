//! What a Flower node does with one pulled message: pull its objects (children first, waiting
//! while the SuperLink still assembles them), confirm it, let a [`Trainer`] train or evaluate,
//! and push the reply — its metadata addressed back to the sender, then the objects the
//! SuperLink asks for. The Fleet calls go through `call`, an async function, so the same steps
//! serve any transport: a browser's `fetch` as well as a native socket.

use std::collections::BTreeMap;

use super::error;
use super::fleet::{self, Pulled, Request};
use super::objects::{object_id, Builder, Metadata};
use super::received::read_message;
use super::replies::{serve, NodeState, Replying, Served};
pub use super::replies::{Arrays, Trainer};
use super::secagg::Stage;
use crate::error::Result;

/// One message served, for the node's log.
#[derive(Clone, Debug, PartialEq)]
pub struct Handled {
    pub message_type: String,
    /// The round: the config's `server-round` (FedAvg's), else the message's group.
    pub round: String,
    /// Bytes of the message's objects, pulled.
    pub received_bytes: usize,
    /// Bytes of the reply's objects, pushed.
    pub sent_bytes: usize,
    /// What the trainer did, in a few words.
    pub summary: String,
    /// Why the message could not be served, when the reply was an error.
    pub failure: Option<String>,
    /// The SecAgg+ stage the message asked for, when it was one.
    pub stage: Option<Stage>,
}

/// Flower's `ErrorCode.CLIENT_APP_RAISED_EXCEPTION`.
const CLIENT_APP_RAISED_EXCEPTION: i64 = 2;

/// How many times a not-yet-available object is asked for before giving up.
const PULL_ATTEMPTS: usize = 300;
/// Bytes of all of one message's objects (FedAvg's for the playground's model: a few KiB).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Handles `pulled` as node `node_id`; `now` is the time in seconds since 1970 and `wait` pauses
/// between attempts.
pub async fn handle<Call, Reply, Wait, Waited, T: Trainer>(
    call: Call,
    wait: Wait,
    node_id: u64,
    pulled: &Pulled,
    trainer: &mut T,
    state: &mut NodeState,
    now: &dyn Fn() -> f64,
) -> Result<Handled>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = Result<Vec<u8>>>,
    Wait: Fn() -> Waited,
    Waited: std::future::Future<Output = ()>,
{
    let incoming = &pulled.metadata;
    let run_id = incoming.run_id;
    // Once pulled, the message counts as delivered: whatever goes wrong from here on (but the
    // SuperLink itself) is answered with an error reply.
    let objects = match pull_objects(&call, &wait, node_id, pulled).await {
        Err(error) if error.is_fleet_transport() => return Err(error),
        pulled_or_not => pulled_or_not,
    };
    call(Request::ConfirmMessageReceived { node_id, run_id, message_object_id: incoming.message_id.clone() }).await?;
    let mut builder = Builder::default();
    // A message this node cannot serve gets an error reply at once, as a SuperNode sends when its
    // ClientApp raises: the ServerApp counts a failure instead of waiting out the reply's ttl.
    let received = objects.as_ref().map_err(Clone::clone).and_then(|objects| read_message(&pulled.tree.id, objects));
    // FedAvg names the round in the config; the metadata's group is often empty.
    let round = match &received {
        Ok(received) => match received.config_number("server-round", f64::NAN) {
            round if round.is_finite() => format!("{round}"),
            _ => incoming.group_id.clone(),
        },
        Err(_) => incoming.group_id.clone(),
    };
    let served = match received {
        Ok(received) => serve(&received, trainer, state, Replying { builder: &mut builder, node_id, now: now() }).await,
        Err(error) => Err(error),
    };
    let (content, done, failure, stage) = match served {
        Ok(Served { content, summary, stage }) => (Some(content), summary, None, stage),
        Err(error) => (None, format!("could not serve it: {error}"), Some(error.to_string()), None),
    };
    let created_at = now();
    let metadata = Metadata {
        run_id,
        src_node_id: node_id,
        dst_node_id: incoming.src_node_id,
        reply_to_message_id: incoming.message_id.clone(),
        group_id: incoming.group_id.clone(),
        ttl: incoming.created_at + incoming.ttl - created_at,
        message_type: incoming.message_type.clone(),
        created_at,
        src_task_id: incoming.dst_task_id,
        dst_task_id: incoming.src_task_id,
        message_id: String::new(),
    };
    let reply_error = failure.clone().map(|reason| (CLIENT_APP_RAISED_EXCEPTION, reason));
    let tree = match (content, &reply_error) {
        (Some(content), _) => builder.message(&metadata, content),
        (None, Some(error)) => builder.error_message(&metadata, error),
        (None, None) => return Err(error("message", "a reply with neither content nor error")),
    };
    let metadata = Metadata { message_id: tree.id.clone(), ..metadata };
    let request = Request::PushMessages { node_id, metadata, tree, runtime_seconds: 0.01, error: reply_error };
    let answer = fleet::push_answer(&call(request).await?)?;
    if answer.objects_to_push.is_empty() {
        return Err(error("push-messages", "the SuperLink wanted none of the reply's objects (it refused the reply)"));
    }
    let mut sent_bytes = 0;
    for id in &answer.objects_to_push {
        let content =
            builder.objects.get(id).ok_or_else(|| error("push-messages", format!("asked for {id}, not ours")))?;
        let request = Request::PushObject {
            node_id,
            run_id,
            object_id: id.clone(),
            content: content.clone(),
            session_id: answer.session_id.clone(),
        };
        sent_bytes += content.len();
        call(request).await?;
    }
    Ok(Handled {
        message_type: incoming.message_type.clone(),
        round,
        received_bytes: objects.as_ref().map_or(0, |objects| objects.values().map(Vec::len).sum()),
        sent_bytes,
        summary: done,
        failure,
        stage,
    })
}

/// The message's objects, children first, each checked against its id; a SuperLink still
/// assembling one is asked again after `wait`, a bounded number of times.
async fn pull_objects<Call, Reply, Wait, Waited>(
    call: &Call,
    wait: &Wait,
    node_id: u64,
    pulled: &Pulled,
) -> Result<BTreeMap<String, Vec<u8>>>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = Result<Vec<u8>>>,
    Wait: Fn() -> Waited,
    Waited: std::future::Future<Output = ()>,
{
    let run_id = pulled.metadata.run_id;
    let mut objects = BTreeMap::new();
    let mut total = 0usize;
    for id in pulled.tree.post_order() {
        if objects.contains_key(id) {
            continue;
        }
        let mut attempts = 0;
        let content = loop {
            let request = Request::PullObject { node_id, run_id, object_id: id.to_owned() };
            let object = fleet::pulled_object(&call(request).await?)?;
            if !object.found {
                return Err(error("pull-object", format!("object {id} is not on the SuperLink")));
            }
            if object.available {
                break object.content;
            }
            attempts += 1;
            if attempts == PULL_ATTEMPTS {
                return Err(error("pull-object", format!("object {id} never became available")));
            }
            wait().await;
        };
        if object_id(&content) != id {
            return Err(error("pull-object", format!("object {id} does not hash to its id")));
        }
        total += content.len();
        if total > MAX_MESSAGE_BYTES {
            return Err(error("pull-object", format!("a message past {MAX_MESSAGE_BYTES} bytes of objects")));
        }
        objects.insert(id.to_owned(), content);
    }
    Ok(objects)
}
