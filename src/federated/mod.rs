//! Federated training of the seed's toy linear model, in four modes (one loop; `modes.rs` has
//! what differs):
//!
//! - [`Aggregation::SendGet`] (seed In\[57\]): the model goes to each worker, trains on its data,
//!   and comes back to `me` with its gradients — so `me` sees every worker's model.
//! - [`Aggregation::UntrustedServer`] (the final project): each worker trains its own copy; the
//!   copies move worker to worker to the `secure_worker`, are averaged there, and only the average
//!   comes back. `me` never receives an individual model or gradient; `secure_worker` sees them all.
//! - [`Aggregation::SecureAggregation`]: each worker puts its trained copy in fixed precision and
//!   secret-shares it among the workers and `secure_worker`; the shares are added where they lie and
//!   only the sum is reconstructed. Nobody, `secure_worker` included, sees one worker's model.
//! - [`Aggregation::DifferentialPrivacy`]: each worker's update (trained copy minus the model it
//!   got) is clipped to norm S on the worker; `secure_worker` adds them up with Gaussian noise of
//!   standard deviation z·S and `me` receives only the noisy average.

use crate::client::{Pointer, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::nn::{squared_error, Linear, Sgd};
use crate::protocol::{Values, WireTensor, WorkerId};
use crate::rng::Rng;
use crate::tensor::Tensor;

/// A loss above this (or not finite) means training diverged: the toy data's and the
/// playground's losses start near 1, and a learning rate too large for them makes the loss grow
/// by orders of magnitude each round.
pub const DIVERGED_LOSS: f64 = 1e6;

mod modes;

pub use modes::SECURE_AGGREGATION_SCALE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    SendGet,
    UntrustedServer,
    SecureAggregation,
    DifferentialPrivacy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub lr: f64,
    /// Seeds the model's initialisation.
    pub seed: u64,
    pub aggregation: Aggregation,
    /// SGD steps each worker takes on its copy per round (every mode but send/get).
    pub local_steps: usize,
    /// Differential privacy: each update is clipped to this norm (S) ...
    pub clip_norm: f64,
    /// ... and the sum gets Gaussian noise of standard deviation `noise_multiplier · clip_norm` (z·S).
    pub noise_multiplier: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            lr: 0.1,
            seed: 0,
            aggregation: Aggregation::SendGet,
            local_steps: 1,
            clip_norm: 1.0,
            noise_multiplier: 1.0,
        }
    }
}

/// The seed's toy data set: four points, `target = x[1]`.
pub fn toy_data() -> (Tensor, Tensor) {
    (Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]), Tensor::from([[1.], [1.], [0.], [0.]]))
}

pub struct Shard {
    pub worker: WorkerHandle,
    pub data: Pointer,
    pub target: Pointer,
}

/// What one round did and what the central server (`me`) received in it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundReport {
    pub round: usize,
    /// Each worker's training loss this round.
    pub worker_losses: Vec<(WorkerId, f64)>,
    /// The loss of the model after the round on the whole data set.
    pub global_loss: f64,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
    /// Every value `me` received this round, with its sender.
    pub server_received: Vec<Received>,
}

/// One value the central server received: from whom, what it is, and its values — exactly as
/// they came: floats, or a secret share's ring elements (64-bit integers that add up, wrapping,
/// to the fixed-precision value).
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub from: WorkerId,
    /// `weight`, `weight.grad`, `bias`, `bias.grad`, `loss`, `average weight`/`average bias`, or
    /// `share of the summed weight`/`bias`.
    pub name: String,
    pub values: Values,
}

impl std::fmt::Display for Received {
    /// `bob: weight.grad [0.1234, -0.5000]`, or a share's integers in full.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let values: Vec<String> = match &self.values {
            Values::F32(values) => values.iter().map(|v| format!("{v:.4}")).collect(),
            Values::I64(values) => values.iter().map(i64::to_string).collect(),
        };
        write!(f, "{}: {} [{}]", self.from, self.name, values.join(", "))
    }
}

impl Received {
    fn of(from: &str, name: &str, tensor: &Tensor) -> Received {
        Received { from: from.into(), name: name.to_owned(), values: WireTensor::from_tensor(tensor).values }
    }

    /// The values as floats, if they are floats (a share is not).
    pub fn floats(&self) -> Option<&[f32]> {
        match &self.values {
            Values::F32(values) => Some(values),
            Values::I64(_) => None,
        }
    }
}

impl RoundReport {
    /// What the server got from `worker` this round, as the gradient attack reads it: the model it
    /// sent (which came back unchanged), its gradients and the loss. `None` when the server did
    /// not receive that worker's gradients (every aggregating mode).
    pub fn observation_of(&self, worker: &str) -> Option<crate::privacy::attack::Observation> {
        let value = |name: &str| {
            self.server_received.iter().find(|r| r.from == worker && r.name == name).and_then(Received::floats)
        };
        let pair = |v: &[f32]| -> Option<[f64; 2]> { Some([f64::from(*v.first()?), f64::from(*v.get(1)?)]) };
        let one = |v: &[f32]| -> Option<f64> { v.first().map(|x| f64::from(*x)) };
        Some(crate::privacy::attack::Observation {
            weight: pair(value("weight")?)?,
            bias: one(value("bias")?)?,
            grad_weight: pair(value("weight.grad")?)?,
            grad_bias: one(value("bias.grad")?)?,
            loss: one(value("loss")?)?,
        })
    }
}

pub struct Federation {
    pub model: Linear,
    optimizer: Sgd,
    pub shards: Vec<Shard>,
    pub server: Option<WorkerHandle>,
    pub config: Config,
    pub round: usize,
    full_data: (Tensor, Tensor),
}

fn worker(syft: &Syft, id: &str) -> Result<WorkerHandle> {
    match syft.worker(id) {
        Some(handle) => Ok(handle),
        None => syft.create_worker(id),
    }
}

impl Federation {
    /// The seed's set-up: rows 0–1 to bob, rows 2–3 to alice, a fresh `Linear(2, 1)`, and for the
    /// untrusted-server mode a `secure_worker` that knows both.
    pub fn toy(syft: &Syft, config: Config) -> Result<Federation> {
        let (data, target) = toy_data();
        let bob = worker(syft, "bob")?;
        let alice = worker(syft, "alice")?;
        let shards = vec![
            Shard {
                data: data.rows(0, Some(2))?.send(&bob)?,
                target: target.rows(0, Some(2))?.send(&bob)?,
                worker: bob,
            },
            Shard {
                data: data.rows(2, None)?.send(&alice)?,
                target: target.rows(2, None)?.send(&alice)?,
                worker: alice,
            },
        ];
        let server = match config.aggregation {
            Aggregation::SendGet => None,
            Aggregation::UntrustedServer | Aggregation::SecureAggregation | Aggregation::DifferentialPrivacy => {
                let server = worker(syft, "secure_worker")?;
                for shard in &shards {
                    server.add_worker(&shard.worker)?;
                }
                Some(server)
            }
        };
        let model = Linear::new(2, 1, &mut Rng::seeded(config.seed))?;
        let optimizer = Sgd::new(model.parameters(), config.lr);
        Ok(Federation { model, optimizer, shards, server, config, round: 0, full_data: (data, target) })
    }

    /// One round over every worker.
    pub async fn round(&mut self) -> Result<RoundReport> {
        let (worker_losses, server_received) = match (&self.config.aggregation, self.server.clone()) {
            (Aggregation::SendGet, _) => self.send_get_round().await?,
            (Aggregation::UntrustedServer, Some(server)) => self.untrusted_server_round(&server).await?,
            (Aggregation::SecureAggregation, Some(server)) => self.secure_aggregation_round(&server).await?,
            (Aggregation::DifferentialPrivacy, Some(server)) => self.differential_privacy_round(&server).await?,
            (_, None) => return Err(Error::Empty { what: "aggregation".into(), item: "secure worker".into() }),
        };
        self.round += 1;
        let (data, target) = &self.full_data;
        let global_loss = squared_error(&self.model.forward(data)?, target)?.item()?;
        let losses = worker_losses.iter().map(|(_, loss)| *loss).chain([global_loss]);
        if let Some(loss) = losses.into_iter().find(|loss| !loss.is_finite() || *loss > DIVERGED_LOSS) {
            return Err(Error::diverged(self.round, loss));
        }
        Ok(RoundReport {
            round: self.round,
            worker_losses,
            global_loss,
            weight: self.model.weight.to_f32_vec(),
            bias: self.model.bias.to_f32_vec(),
            server_received,
        })
    }
}

pub(crate) fn remote_loss(model: &crate::client::RemoteLinear, shard: &Shard) -> Result<Pointer> {
    model.forward(&shard.data)?.sub(&shard.target)?.pow(2.0)?.sum()
}
