//! What a node answers, in the form the ServerApp speaks:
//! - the Message API (`flwr.serverapp.strategy`): `arrays` and `metrics` records, arrays named
//!   as they came;
//! - the legacy API (`flwr.server.strategy` in a `LegacyContext`, what `DefaultWorkflow` sends):
//!   `fitins.parameters`/`fitins.config` in, `fitres.parameters`, `fitres.num_examples`,
//!   `fitres.metrics` and `fitres.status` out (`evaluateins`/`evaluateres` alike), as
//!   `flwr.compat.common.recorddict_compat` writes them, and `get_parameters` answered with a
//!   fresh model;
//! - SecAgg+ (`SecAggPlusWorkflow`): a `train` message with a `secaggplus_configs` record is one
//!   of its stages ([`super::secagg`]); its training stage answers the legacy fit with the
//!   parameters left out and the masked vector in their place.

#[cfg(target_arch = "wasm32")]
use super::browser::WebCryptoEcdh as PlatformEcdh;
use super::config::ConfigValue;
use super::error;
use super::objects::{Builder, Metric, ObjectTree};
use super::received::Received;
#[cfg(not(target_arch = "wasm32"))]
use super::secagg::keys::RustCryptoEcdh as PlatformEcdh;
use super::secagg::{SecAggPlus, Stage, StageReply, RECORD};
use crate::error::Result;

/// Named arrays: (name, shape, values).
pub type Arrays = Vec<(String, Vec<usize>, Vec<f32>)>;

/// What trains and evaluates where the data is.
// The page and the native node each run one node on one thread: no `Send` bound is wanted.
#[allow(async_fn_in_trait)]
pub trait Trainer {
    /// Trains from the global `arrays`; the trained arrays, the examples used, the last loss.
    async fn train(&mut self, message: &Received) -> Result<(Arrays, i64, f64)>;
    /// Evaluates the global arrays; the examples used, the loss and the accuracy.
    async fn evaluate(&mut self, message: &Received) -> Result<(i64, f64, f64)>;
    /// A fresh model, for a legacy ServerApp that asks a client for initial parameters.
    fn initial(&self) -> Result<Arrays>;
    /// Whether a trained model may leave only inside SecAgg+.
    fn requires_secure_aggregation(&self) -> bool {
        false
    }
}

/// A reply's content, a few words on it, and the SecAgg+ stage it served, if any.
pub struct Served {
    pub content: ObjectTree,
    pub summary: String,
    pub stage: Option<Stage>,
}

/// The node's side of a run that outlives one message.
#[derive(Default)]
pub struct NodeState {
    pub secagg: SecAggPlus,
    /// P-384 for SecAgg+: WebCrypto in a tab, RustCrypto natively.
    pub ecdh: PlatformEcdh,
}

/// Where a reply is built: its objects, the node answering, and the time (seconds since 1970)
/// that dates SecAgg+'s encrypted shares.
pub struct Replying<'a> {
    pub builder: &'a mut Builder,
    pub node_id: u64,
    pub now: f64,
}

/// Serves one message.
pub async fn serve<T: Trainer>(
    received: &Received,
    trainer: &mut T,
    state: &mut NodeState,
    replying: Replying<'_>,
) -> Result<Served> {
    if received.metadata.message_type == "train" && received.has_record(RECORD) {
        return secagg_stage(received, trainer, state, replying).await;
    }
    let builder = replying.builder;
    let plain = |content, summary| Ok(Served { content, summary, stage: None });
    match received.metadata.message_type.as_str() {
        "train" if trainer.requires_secure_aggregation() => Err(error(
            "train",
            "this client sends its update only under SecAgg+ (fl_secagg=required), and the ServerApp asked for it in \
             the clear: run it with SecAggPlusWorkflow (APP=flower/secagg)",
        )),
        "train" if received.has_record("fitins.parameters") => {
            let (arrays, examples, loss) = trainer.train(received).await?;
            let content = fit_result(builder, &arrays, examples, loss, Vec::new());
            plain(content, format!("trained on {examples} examples, loss {loss:.4} (legacy fit)"))
        }
        "train" => {
            let (arrays, examples, loss) = trainer.train(received).await?;
            let arrays = array_record(builder, &arrays);
            let metrics = builder
                .metric_record(&[("num-examples", Metric::Integer(examples)), ("train_loss", Metric::Float(loss))]);
            let content = builder.record_dict(vec![("arrays", arrays), ("metrics", metrics)]);
            plain(content, format!("trained on {examples} examples, loss {loss:.4}"))
        }
        "evaluate" if received.has_record("evaluateins.parameters") => {
            let (examples, loss, accuracy) = trainer.evaluate(received).await?;
            let loss_record = builder.metric_record(&[("loss", Metric::Float(loss))]);
            let count = builder.metric_record(&[("num_examples", Metric::Integer(examples))]);
            let metrics = builder.config_record(&[("accuracy", ConfigValue::Float(accuracy))]);
            let status = status(builder);
            let content = builder.record_dict(vec![
                ("evaluateres.loss", loss_record),
                ("evaluateres.num_examples", count),
                ("evaluateres.metrics", metrics),
                ("evaluateres.status", status),
            ]);
            plain(content, format!("evaluated on {examples} examples, loss {loss:.4} (legacy evaluate)"))
        }
        "evaluate" => {
            let (examples, loss, accuracy) = trainer.evaluate(received).await?;
            let metrics = builder.metric_record(&[
                ("num-examples", Metric::Integer(examples)),
                ("eval_loss", Metric::Float(loss)),
                ("eval_acc", Metric::Float(accuracy)),
            ]);
            plain(
                builder.record_dict(vec![("metrics", metrics)]),
                format!("evaluated on {examples} examples, loss {loss:.4}"),
            )
        }
        "get_parameters" => {
            // The legacy API names parameters by position.
            let arrays: Arrays = trainer
                .initial()?
                .into_iter()
                .enumerate()
                .map(|(i, (_, shape, values))| (i.to_string(), shape, values))
                .collect();
            let parameters = array_record(builder, &arrays);
            let status = status(builder);
            let content = builder
                .record_dict(vec![("getparametersres.parameters", parameters), ("getparametersres.status", status)]);
            plain(content, format!("sent a fresh model of {} arrays (legacy get_parameters)", arrays.len()))
        }
        other => {
            Err(error("message", format!("a {other:?} message: only train, evaluate and get_parameters are served")))
        }
    }
}

fn array_record(builder: &mut Builder, arrays: &Arrays) -> ObjectTree {
    let views: Vec<(&str, &[usize], &[f32])> =
        arrays.iter().map(|(name, shape, values)| (name.as_str(), shape.as_slice(), values.as_slice())).collect();
    builder.array_record(&views)
}

/// `Status(code=OK, message="Success")` as a legacy result carries it.
fn status(builder: &mut Builder) -> ObjectTree {
    builder.config_record(&[("code", ConfigValue::Integer(0)), ("message", ConfigValue::Text("Success".into()))])
}

/// A legacy `FitRes` (`fitres_to_recorddict`), with `extra` records after it.
fn fit_result(
    builder: &mut Builder,
    arrays: &Arrays,
    examples: i64,
    loss: f64,
    extra: Vec<(&str, ObjectTree)>,
) -> ObjectTree {
    let metrics = builder.config_record(&[("train_loss", ConfigValue::Float(loss))]);
    let count = builder.metric_record(&[("num_examples", Metric::Integer(examples))]);
    let parameters = array_record(builder, arrays);
    let status = status(builder);
    let mut records = vec![
        ("fitres.metrics", metrics),
        ("fitres.num_examples", count),
        ("fitres.parameters", parameters),
        ("fitres.status", status),
    ];
    records.extend(extra);
    builder.record_dict(records)
}

/// A stage's reply that is its `secaggplus_configs` record alone, and what left.
fn only_configs(builder: &mut Builder, StageReply { items, sent }: StageReply) -> (ObjectTree, String) {
    let record = builder.config_record(&items);
    (builder.record_dict(vec![(RECORD, record)]), format!("sent {sent}"))
}

/// One SecAgg+ stage; its training stage trains and answers with the masked vector.
async fn secagg_stage<T: Trainer>(
    received: &Received,
    trainer: &mut T,
    state: &mut NodeState,
    replying: Replying<'_>,
) -> Result<Served> {
    let Replying { builder, node_id, now } = replying;
    let NodeState { secagg, ecdh } = state;
    let configs = received.config_of(RECORD);
    let stage = secagg.requested(&configs)?;
    let (content, summary) = match stage {
        Stage::CollectMaskedVectors => {
            let available = secagg.receive_shares(&configs)?;
            let (arrays, examples, loss) = trainer.train(received).await?;
            let values: Vec<(Vec<usize>, Vec<f32>)> =
                arrays.into_iter().map(|(_, shape, values)| (shape, values)).collect();
            let examples_sent =
                u64::try_from(examples).map_err(|_| error("secagg+", "a negative number of examples"))?;
            let reply = secagg.masked_vector(&available, examples_sent, &values, ecdh).await?;
            let items = builder.config_record(&reply.items);
            let content = fit_result(builder, &Vec::new(), examples, loss, vec![(RECORD, items)]);
            (content, format!("trained on {examples} examples, loss {loss:.4}; sent {}", reply.sent))
        }
        Stage::Setup => only_configs(builder, secagg.setup(node_id, &configs, ecdh).await?),
        Stage::ShareKeys => only_configs(builder, secagg.share_keys(&configs, now.max(0.0) as u64, ecdh).await?),
        Stage::Unmask => only_configs(builder, secagg.unmask(&configs)?),
    };
    Ok(Served { content, summary, stage: Some(stage) })
}
