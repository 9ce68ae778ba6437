//! What a Flower node does with one pulled message: pull its objects (children first, waiting
//! while the SuperLink still assembles them), confirm it, let a [`Trainer`] train or evaluate,
//! and push the reply — its metadata addressed back to the sender, then the objects the
//! SuperLink asks for. The Fleet calls go through `call`, an async function, so the same steps
//! serve any transport: a browser's `fetch` as well as a native socket.

use std::collections::BTreeMap;

use super::error;
use super::fleet::{self, Pulled, Request};
use super::objects::{object_id, Builder, Metadata, Metric};
use super::received::{read_message, Received};
use crate::error::Result;

/// Named arrays: (name, shape, values).
pub type Arrays = Vec<(String, Vec<usize>, Vec<f32>)>;

/// What trains and evaluates where the data is.
pub trait Trainer {
    /// Trains from the global `arrays`; the trained arrays, the examples used, the last loss.
    fn train(&mut self, message: &Received) -> Result<(Arrays, i64, f64)>;
    /// Evaluates the global arrays; the examples used, the loss and the accuracy.
    fn evaluate(&mut self, message: &Received) -> Result<(i64, f64, f64)>;
}

/// How many times a not-yet-available object is asked for before giving up.
const PULL_ATTEMPTS: usize = 300;

/// Handles `pulled` as node `node_id`; `now` is the time in seconds since 1970 and `wait` pauses
/// between attempts. Returns what was done, for the node's log.
pub async fn handle<Call, Reply, Wait, Waited>(
    call: Call,
    wait: Wait,
    node_id: u64,
    pulled: &Pulled,
    trainer: &mut dyn Trainer,
    now: &dyn Fn() -> f64,
) -> Result<String>
where
    Call: Fn(Request) -> Reply,
    Reply: std::future::Future<Output = Result<Vec<u8>>>,
    Wait: Fn() -> Waited,
    Waited: std::future::Future<Output = ()>,
{
    let incoming = &pulled.metadata;
    let run_id = incoming.run_id;
    let mut objects = BTreeMap::new();
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
        objects.insert(id.to_owned(), content);
    }
    call(Request::ConfirmMessageReceived { node_id, run_id, message_object_id: incoming.message_id.clone() }).await?;
    let received = read_message(&pulled.tree.id, &objects)?;
    let mut builder = Builder::default();
    let (content, done) = match incoming.message_type.as_str() {
        "train" => {
            let (arrays, examples, loss) = trainer.train(&received)?;
            let views: Vec<(&str, &[usize], &[f32])> = arrays
                .iter()
                .map(|(name, shape, values)| (name.as_str(), shape.as_slice(), values.as_slice()))
                .collect();
            let arrays = builder.array_record(&views);
            let metrics = builder
                .metric_record(&[("num-examples", Metric::Integer(examples)), ("train_loss", Metric::Float(loss))]);
            (
                builder.record_dict(vec![("arrays", arrays), ("metrics", metrics)]),
                format!("trained on {examples} examples, loss {loss:.4}"),
            )
        }
        "evaluate" => {
            let (examples, loss, accuracy) = trainer.evaluate(&received)?;
            let metrics = builder.metric_record(&[
                ("num-examples", Metric::Integer(examples)),
                ("eval_loss", Metric::Float(loss)),
                ("eval_acc", Metric::Float(accuracy)),
            ]);
            (
                builder.record_dict(vec![("metrics", metrics)]),
                format!("evaluated on {examples} examples, loss {loss:.4}"),
            )
        }
        other => return Err(error("message", format!("a {other:?} message: only train and evaluate are served"))),
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
    let tree = builder.message(&metadata, content);
    let metadata = Metadata { message_id: tree.id.clone(), ..metadata };
    let answer =
        fleet::push_answer(&call(Request::PushMessages { node_id, metadata, tree, runtime_seconds: 0.01 }).await?)?;
    if answer.objects_to_push.is_empty() {
        return Err(error("push-messages", "the SuperLink wanted none of the reply's objects (it refused the reply)"));
    }
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
        call(request).await?;
    }
    Ok(done)
}
