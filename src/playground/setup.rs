//! A federation's standing parts — the global model, the clients with their shards, the run's
//! configuration and training plan, the server — which a round's local training
//! (`local_training.rs`) and aggregation (`aggregation.rs`) work with, and what a run is set up
//! with. Below both: `federation.rs` holds a `Setup` and drives the rounds.

use crate::client::{Pointer, WorkerHandle};
use crate::error::{Error, Result};
use crate::nn::Mlp;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Strategy {
    FedAvg,
    /// FedProx: each client adds μ/2·‖w − w_global‖² to its loss.
    FedProx {
        mu: f64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    pub seed: u64,
    /// Share of the clients sampled each round, in (0, 1].
    pub fraction: f64,
    /// Chance that a sampled client drops out of the round.
    pub dropout: f64,
    pub local_epochs: usize,
    /// Instead of whole epochs over its shard, each client takes this many mini-batch steps a
    /// round, going on through its shard round after round (one step is FedSGD's round).
    pub local_steps: Option<usize>,
    pub batch_size: usize,
    pub lr: f64,
    pub strategy: Strategy,
    /// Train with a plan stored on each client (two round trips a round) instead of op by op.
    pub use_plans: bool,
    /// What leaves the clients and who adds it up.
    pub aggregation: Aggregation,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            seed: 0,
            fraction: 1.0,
            dropout: 0.0,
            local_epochs: 1,
            local_steps: None,
            batch_size: 32,
            lr: 0.1,
            strategy: Strategy::FedAvg,
            use_plans: true,
            aggregation: Aggregation::Plain,
        }
    }
}

/// One client: a worker and its shard of the training data, which never leaves it.
pub struct Client {
    pub worker: WorkerHandle,
    pub(super) data: Pointer,
    pub(super) target: Pointer,
    pub examples: usize,
    /// Which of the training set's examples the shard holds (the simulation's privileged view).
    pub(super) shard: Vec<usize>,
    /// With `local_steps`, where in its shard the next round's first batch starts.
    pub(super) cursor: std::cell::Cell<usize>,
    /// The training plan, stored on the worker the first time the client trains.
    pub(super) plan: std::cell::RefCell<Option<Pointer>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aggregation {
    Plain,
    UntrustedServer,
    Secure,
    DifferentialPrivacy {
        /// S: the bound on each client's update norm.
        clip: f64,
        /// z: the noise's standard deviation is z·S.
        noise: f64,
    },
}

impl Aggregation {
    pub fn name(&self) -> &'static str {
        match self {
            Aggregation::Plain => "plain",
            Aggregation::UntrustedServer => "untrusted",
            Aggregation::Secure => "secagg",
            Aggregation::DifferentialPrivacy { .. } => "dp",
        }
    }

    /// Whether each client's loss reaches `me` (secure aggregation and DP keep them from it).
    pub fn reveals_client_losses(&self) -> bool {
        matches!(self, Aggregation::Plain | Aggregation::UntrustedServer)
    }

    /// Whether the mode needs the `server` worker.
    pub fn needs_server(&self) -> bool {
        !matches!(self, Aggregation::Plain)
    }

    /// Whether each client sends its update (trained − global) rather than its model.
    pub(super) fn needs_update(&self) -> bool {
        matches!(self, Aggregation::DifferentialPrivacy { .. })
    }
}

/// What a round's local training and aggregation work with.
pub struct Setup {
    pub model: Mlp,
    pub clients: Vec<Client>,
    pub config: RunConfig,
    /// The local training as a plan, built once and stored on each client the first time it trains.
    pub(super) plan: crate::protocol::Plan,
    /// The worker that adds up what the clients send, in every mode but the plain one.
    pub(super) server: Option<WorkerHandle>,
}

impl Setup {
    pub(super) fn server(&self) -> Result<&WorkerHandle> {
        self.server.as_ref().ok_or_else(|| Error::InvalidSetting {
            setting: "aggregation".into(),
            value: self.config.aggregation.name().into(),
            expected: "a server worker (PlaygroundFederation::with_server)".into(),
        })
    }
}
