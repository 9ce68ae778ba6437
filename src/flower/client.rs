//! What a Flower client learns with, where its data is: this client's shard of the playground's
//! circle data, or of the real digits, on a minisyft worker (a Web Worker in a tab, an in-process worker natively), trained
//! from the global arrays FedAvg sends through the playground's plan. Only the trained arrays —
//! clipped and noised first when client-side DP is on — the number of examples and the losses
//! leave it.
//!
//! Every client deals the same data from the seed (400 points of the circle or the 1,797 digits,
//! a quarter held out, IID shards), so the in-page federation and `flower_client expect` can
//! compute what a Flower run must reach.

use super::error;
use super::node::{Arrays, Trainer};
use super::received::Received;
use crate::error::{Error, Result};
use crate::nn::Mlp;
use crate::playground::data::{DataKind, DataSet};
use crate::playground::federation::{PlaygroundFederation, RunConfig};
use crate::playground::partition::{partition, Partition};
use crate::privacy::secure_random;
use crate::tensor::{Elementwise, Tensor};
use crate::WorkerHandle;

/// Points in the data set every client deals its shard from.
pub const POINTS: usize = 400;
/// The circle's noise.
pub const NOISE: f64 = 0.1;
/// As many clients as the playground allows.
pub const MAX_CLIENTS: usize = 64;
/// The hidden width of the model a client offers when a legacy ServerApp asks for one (the
/// ServerApp's own default, `hidden = 8`).
const INITIAL_HIDDEN: usize = 8;
/// The playground's mini-batch size; FedAvg's config sets the learning rate and local epochs.
const BATCH_SIZE: usize = 16;

/// Which shard a client holds: client `client` of `clients`, data from `seed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardSpec {
    pub client: usize,
    pub clients: usize,
    pub seed: u64,
    /// `Circle` (made from the seed) or `Digits` (which the caller loads and hands over).
    pub data: DataKind,
}

impl ShardSpec {
    pub fn new(client: usize, clients: usize, seed: u64) -> Result<ShardSpec> {
        if !(1..=MAX_CLIENTS).contains(&clients) {
            return Err(Error::InvalidSetting {
                setting: "clients".into(),
                value: clients.to_string(),
                expected: format!("1 to {MAX_CLIENTS}"),
            });
        }
        if client >= clients {
            return Err(Error::InvalidSetting {
                setting: "client".into(),
                value: client.to_string(),
                expected: format!("0 to {} (one of {clients} clients)", clients - 1),
            });
        }
        Ok(ShardSpec { client, clients, seed, data: DataKind::Circle })
    }

    /// The same shard of the real digits (or of the circle): any other data is refused.
    pub fn on(self, data: DataKind) -> Result<ShardSpec> {
        if !matches!(data, DataKind::Circle | DataKind::Digits) {
            let expected = "circle or digits".to_owned();
            return Err(Error::InvalidSetting { setting: "data".into(), value: data.name().into(), expected });
        }
        Ok(ShardSpec { data, ..self })
    }

    /// The training split all the clients' shards come from, and the shards (indices into it):
    /// of the circle, made from the seed.
    pub fn training_split(&self) -> Result<(DataSet, Vec<Vec<usize>>)> {
        self.training_split_of(&DataSet::generate(DataKind::Circle, POINTS, NOISE, self.seed)?)
    }

    /// The same of `data` (the digits, loaded by the caller).
    pub fn training_split_of(&self, data: &DataSet) -> Result<(DataSet, Vec<Vec<usize>>)> {
        if data.kind != self.data {
            return Err(Error::internal(format!("a {} shard dealt from {}", self.data.name(), data.kind.name())));
        }
        let (train, _test) = data.split(0.25, self.seed);
        let shards = partition(&train.labels(), self.clients, Partition::Iid, self.seed)?;
        Ok((train, shards))
    }

    /// This client's shard of the circle.
    pub fn shard(&self) -> Result<DataSet> {
        self.shard_of(&DataSet::generate(DataKind::Circle, POINTS, NOISE, self.seed)?)
    }

    /// This client's shard of `data`.
    pub fn shard_of(&self, data: &DataSet) -> Result<DataSet> {
        let (train, shards) = self.training_split_of(data)?;
        let mine =
            shards.get(self.client).ok_or_else(|| Error::Empty { what: "a shard".into(), item: "client".into() })?;
        Ok(train.subset(mine))
    }
}

/// Client-side differential privacy: the update (trained − global) is scaled to L2 norm at most
/// `clip` and N(0, (noise_multiplier · clip)²) from the cryptographic generator is added to each
/// of its values before it leaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientDp {
    pub clip: f64,
    pub noise_multiplier: f64,
}

impl ClientDp {
    pub fn new(clip: f64, noise_multiplier: f64) -> Result<ClientDp> {
        if !(clip > 0.0 && clip <= 1e3) {
            return Err(Error::InvalidSetting {
                setting: "clipping norm".into(),
                value: clip.to_string(),
                expected: "in (0, 1000]".into(),
            });
        }
        if !(0.0..=100.0).contains(&noise_multiplier) {
            return Err(Error::InvalidSetting {
                setting: "noise multiplier".into(),
                value: noise_multiplier.to_string(),
                expected: "in [0, 100]".into(),
            });
        }
        Ok(ClientDp { clip, noise_multiplier })
    }

    /// `trained` as it may leave: global + the clipped, noised update.
    pub fn privatise(&self, global: &Arrays, trained: &Arrays) -> Result<Arrays> {
        let mut deltas = Vec::new();
        for ((name, shape, before), (_, _, after)) in global.iter().zip(trained) {
            if before.len() != after.len() {
                return Err(error(
                    "dp",
                    format!("{name}: {} values before training, {} after", before.len(), after.len()),
                ));
            }
            deltas.push((
                name,
                shape,
                before,
                after.iter().zip(before).map(|(a, b)| f64::from(a - b)).collect::<Vec<_>>(),
            ));
        }
        let norm = deltas.iter().flat_map(|(.., d)| d.iter()).map(|v| v * v).sum::<f64>().sqrt();
        // A NaN would compare false with the clip and leave everything else unclipped.
        if !norm.is_finite() {
            return Err(error("dp", "an update that is not finite cannot be clipped: nothing is sent"));
        }
        let factor = if norm > self.clip { self.clip / norm } else { 1.0 };
        let std = self.noise_multiplier * self.clip;
        deltas
            .into_iter()
            .map(|(name, shape, before, delta)| {
                let noise = secure_random::gaussians(delta.len(), std)?;
                let values =
                    before.iter().zip(delta).zip(noise).map(|((b, d), n)| (f64::from(*b) + d * factor + n) as f32);
                Ok((name.clone(), shape.clone(), values.collect()))
            })
            .collect()
    }
}

/// What a kept federation was built for: the learning rate's bits, the epochs, the shapes.
type TrainingKey = (u64, usize, Vec<Vec<usize>>);

/// This client's shard on its worker, and the training that runs there.
pub struct ShardClient {
    worker: WorkerHandle,
    shard: DataSet,
    dp: Option<ClientDp>,
    /// Kept between rounds so the shard and the plan stay on the worker; rebuilt when the
    /// ServerApp changes the learning rate, the epochs or the model's shapes.
    federation: Option<(PlaygroundFederation, TrainingKey)>,
    /// Whether a trained model may leave only inside SecAgg+ (a masked vector).
    secagg_required: bool,
}

impl ShardClient {
    /// Client `spec` of the circle.
    pub fn new(worker: WorkerHandle, spec: &ShardSpec, dp: Option<ClientDp>) -> Result<ShardClient> {
        ShardClient::holding(worker, spec.shard()?, dp)
    }

    /// A client holding `shard` (say, [`ShardSpec::shard_of`] the digits).
    pub fn holding(worker: WorkerHandle, shard: DataSet, dp: Option<ClientDp>) -> Result<ShardClient> {
        Ok(ShardClient { worker, shard, dp, federation: None, secagg_required: false })
    }

    /// A client whose update leaves only masked, under SecAgg+: a ServerApp that asks for it in
    /// the clear gets an error reply instead (Flower's `secaggplus_mod` refuses the same).
    pub fn requiring_secure_aggregation(self, required: bool) -> ShardClient {
        ShardClient { secagg_required: required, ..self }
    }

    /// Refuses a model for inputs or outputs other than this shard's (one for the circle's
    /// probability, ten for the digits' classes), saying which data the ServerApp meant.
    fn check_inputs(&self, model: &Mlp) -> Result<()> {
        let inputs = model.layers.first().and_then(|l| l.weight.shape().get(1).copied()).unwrap_or(0);
        let outputs = model.task.outputs();
        let wanted = if self.shard.kind.classes() > 2 { self.shard.kind.classes() } else { 1 };
        if inputs == self.shard.features && outputs == wanted {
            return Ok(());
        }
        let meant = match (inputs, outputs) {
            (64, 10) => "the digits (data = \"digits\")",
            (2, 1) => "the circle (data = \"circle\")",
            _ => "other data",
        };
        Err(error(
            "train",
            format!(
                "the ServerApp sent a model of {inputs} inputs and {outputs} outputs, for {meant}; this client holds {} ({} numbers an example, {wanted} output{})",
                self.shard.kind.name(),
                self.shard.features,
                if wanted == 1 { "" } else { "s" }
            ),
        ))
    }

    pub fn examples(&self) -> usize {
        self.shard.len()
    }
}

/// A model as a message carried it: the network, and its arrays' names in the order they came
/// (ours, `0.weight`; PyTorch's `state_dict`, `fc1.weight`; or the legacy API's `0`, `1`, …),
/// so that the reply names them back as the ServerApp named them.
pub struct NamedModel {
    pub mlp: Mlp,
    pub names: Vec<String>,
}

impl NamedModel {
    /// The model's parameters as named arrays, in the order they came.
    pub fn arrays(&self) -> Arrays {
        arrays_named(&self.mlp, &self.names)
    }
}

/// `mlp`'s weights and biases, layer by layer, under `names`.
pub fn arrays_named(mlp: &Mlp, names: &[String]) -> Arrays {
    let tensors = mlp.layers.iter().flat_map(|linear| [&linear.weight, &linear.bias]);
    names.iter().zip(tensors).map(|(name, t)| (name.clone(), t.shape(), t.to_f32_vec())).collect()
}

const SHAPES_WE_TRAIN: &str = "this tab trains a dense network (tanh between layers), its arrays in order weight \
     [out, in] then bias [out] for each layer, each layer's inputs the previous one's outputs: e.g. [8, 2], [8], \
     [1, 8], [1] on the circle, [16, 64], [16], [10, 16], [10] on the digits";

/// The playground's MLP (tanh between layers) from the message's first ArrayRecord, its arrays
/// taken by order and shape whatever their names: as many inputs as the first weight has
/// columns, and one sigmoid output or, with more outputs, a softmax over classes (the digits:
/// 64 → h → 10). Arrays that do not describe such a network are refused with their shapes.
pub fn model_from(received: &Received) -> Result<NamedModel> {
    let record = received.arrays.first().map(|(record, ..)| record.as_str());
    let arrays: Vec<_> = received.arrays.iter().filter(|(r, ..)| Some(r.as_str()) == record).collect();
    let listed = || {
        let shapes: Vec<String> = arrays.iter().map(|(_, name, shape, _)| format!("{name} {shape:?}")).collect();
        format!(
            "the message's arrays are {}; {SHAPES_WE_TRAIN}",
            if shapes.is_empty() { "none".into() } else { shapes.join(", ") }
        )
    };
    if arrays.is_empty() || arrays.len() % 2 != 0 {
        return Err(error("train", format!("{} arrays: {}", arrays.len(), listed())));
    }
    let mut widths = Vec::new();
    for (layer, pair) in arrays.chunks_exact(2).enumerate() {
        let ((_, weight, weight_shape, _), (_, bias, bias_shape, _)) = (pair[0], pair[1]);
        let &[outputs, inputs] = weight_shape.as_slice() else {
            return Err(error("train", format!("{weight} is {weight_shape:?}, not a weight [out, in]: {}", listed())));
        };
        if layer == 0 {
            widths.push(inputs);
        } else if widths.last() != Some(&inputs) {
            return Err(error(
                "train",
                format!(
                    "{weight} takes {inputs} inputs, the layer before gives {}: {}",
                    widths.last().copied().unwrap_or(0),
                    listed()
                ),
            ));
        }
        if *bias_shape != [outputs] {
            return Err(error("train", format!("{bias} is {bias_shape:?}, the model needs [{outputs}]: {}", listed())));
        }
        widths.push(outputs);
    }
    let (inputs, outputs) = (widths[0], widths[widths.len() - 1]);
    let hidden = &widths[1..widths.len() - 1];
    if hidden.iter().any(|&h| !(1..=256).contains(&h)) {
        return Err(error("train", format!("hidden layers {hidden:?}: each must have 1 to 256 units")));
    }
    if !(1..=1024).contains(&inputs) || !(1..=1000).contains(&outputs) {
        return Err(error(
            "train",
            format!("a model of {inputs} inputs and {outputs} outputs: 1 to 1024 and 1 to 1000"),
        ));
    }
    let rng = &mut crate::rng::Rng::seeded(0);
    let mlp = if outputs == 1 {
        Mlp::new(inputs, hidden, Elementwise::Tanh, rng)?
    } else {
        Mlp::classifier(inputs, hidden, outputs, Elementwise::Tanh, rng)?
    };
    let tensors = mlp.layers.iter().flat_map(|linear| [&linear.weight, &linear.bias]);
    for ((_, name, shape, values), tensor) in arrays.iter().zip(tensors) {
        if values.iter().any(|v| !v.is_finite()) {
            return Err(error("train", format!("{name} holds values that are not finite")));
        }
        tensor.data().set_(&Tensor::from_f32(shape, values.clone())?)?;
    }
    Ok(NamedModel { mlp, names: arrays.iter().map(|(_, name, ..)| name.clone()).collect() })
}

/// A fresh model for `data` with minisyft's names (`0.weight`, `0.bias`, …): what a client
/// offers a legacy ServerApp that asks for initial parameters. PyTorch's default initialisation,
/// seeded, so every client offers the same.
pub fn initial_model(data: &DataSet, hidden: usize) -> Result<NamedModel> {
    let rng = &mut crate::rng::Rng::seeded(0);
    let mlp = if data.kind.classes() > 2 {
        Mlp::classifier(data.features, &[hidden], data.kind.classes(), Elementwise::Tanh, rng)?
    } else {
        Mlp::new(data.features, &[hidden], Elementwise::Tanh, rng)?
    };
    let names = (0..mlp.layers.len()).flat_map(|l| [format!("{l}.weight"), format!("{l}.bias")]).collect();
    Ok(NamedModel { mlp, names })
}

impl Trainer for ShardClient {
    async fn train(&mut self, received: &Received) -> Result<(Arrays, i64, f64)> {
        let NamedModel { mlp: model, names } = model_from(received)?;
        self.check_inputs(&model)?;
        let global = arrays_named(&model, &names);
        let lr = received.config_number("lr", 0.3);
        let epochs = received.config_number("local-epochs", 2.0);
        if !(1.0..=100.0).contains(&epochs) || epochs.fract() != 0.0 {
            return Err(Error::InvalidSetting {
                setting: "local-epochs".into(),
                value: epochs.to_string(),
                expected: "a whole number from 1 to 100".into(),
            });
        }
        let key = (lr.to_bits(), epochs as usize, global.iter().map(|(_, shape, _)| shape.clone()).collect());
        let federation = match self.federation.take() {
            Some((mut federation, old)) if old == key => {
                federation.setup.model = model;
                (federation, old)
            }
            _ => {
                let config =
                    RunConfig { lr, local_epochs: epochs as usize, batch_size: BATCH_SIZE, ..RunConfig::default() };
                let all: Vec<usize> = (0..self.shard.len()).collect();
                let worker = std::slice::from_ref(&self.worker);
                (PlaygroundFederation::new(worker, &self.shard, &[all], &self.shard, model, config)?, key)
            }
        };
        let (federation, _) = self.federation.insert(federation);
        let report = federation.round().await?;
        if let Some((worker, reason)) = report.failed.first() {
            return Err(Error::WorkerGone { worker: worker.clone(), reason: reason.clone() });
        }
        let loss = report.client_losses.first().map_or(report.train_loss, |(_, l)| *l);
        let trained = arrays_named(&federation.setup.model, &names);
        let trained = match &self.dp {
            Some(dp) => dp.privatise(&global, &trained)?,
            None => trained,
        };
        Ok((trained, self.shard.len() as i64, loss))
    }

    fn initial(&self) -> Result<Arrays> {
        Ok(initial_model(&self.shard, INITIAL_HIDDEN)?.arrays())
    }

    fn requires_secure_aggregation(&self) -> bool {
        self.secagg_required
    }

    async fn evaluate(&mut self, received: &Received) -> Result<(i64, f64, f64)> {
        let model = model_from(received)?.mlp;
        self.check_inputs(&model)?;
        let (x, y) = self.shard.tensors()?;
        let p = model.forward(&x)?;
        Ok((self.shard.len() as i64, model.loss(&p, &y)?.item()?, model.score(&p, &y)))
    }
}
