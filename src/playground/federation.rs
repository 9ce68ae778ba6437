//! Federated training on any data set, model and set of workers: each round samples a fraction of
//! the clients, some of which drop out, the rest train the global model where their data lives
//! (local epochs of mini-batch SGD, FedAvg or FedProx), and the server averages what came back,
//! weighted by how many examples each client holds. Everything random is drawn from the run's seed,
//! so a run repeats exactly.
//!
//! A round: sample, train every participant at once (`local_training.rs`), aggregate in the
//! run's privacy mode (`aggregation.rs`), evaluate the new global model on `me`'s held-out data.
//! A client whose worker fails mid-round is left out and the round completes with the rest.

use super::aggregation::Aggregated;
use super::local_training::Trained;
use super::setup::Setup;
pub use super::setup::{Client, RunConfig, Strategy};
use crate::client::{join_at_most, Syft, Traffic, WorkerHandle};
use crate::error::{Error, Result};
use crate::federated::DIVERGED_LOSS;
use crate::nn::Mlp;
use crate::playground::attack::{examples, reconstruct, ClientUpdate, Reconstruction};
use crate::playground::data::DataSet;
use crate::protocol::WorkerId;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// What one round did.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaygroundRound {
    pub round: usize,
    /// Clients that trained and were averaged.
    pub participants: Vec<WorkerId>,
    /// Clients sampled that dropped out.
    pub dropped: Vec<WorkerId>,
    /// Clients whose worker failed mid-round, and why: left out of the average.
    pub failed: Vec<(WorkerId, String)>,
    /// Clients the partition gave no data: they never train (a skewed partition can leave many).
    pub without_data: Vec<WorkerId>,
    /// Each participant's last local loss, where the mode lets it reach `me`.
    pub client_losses: Vec<(WorkerId, f64)>,
    /// What reached `me` from the clients and the server this round.
    pub received: String,
    /// Messages and tensor bytes on the wire this round (between any two parties).
    pub traffic: Traffic,
    pub train_loss: f64,
    /// Accuracy for a classifier, R² for a regression model (see [`Mlp::score`]).
    pub train_accuracy: f64,
    pub test_loss: f64,
    pub test_accuracy: f64,
    /// For a model of images (the digits): what the server reconstructs from what reached
    /// `me` — each client's update in the plain mode, the aggregate's in the others.
    pub reconstructions: Vec<Reconstruction>,
}

pub struct PlaygroundFederation {
    /// The model, clients, configuration, plan and server a round works with.
    pub setup: Setup,
    pub round: usize,
    /// The workers whose shard was empty: not clients of this federation.
    pub without_data: Vec<WorkerId>,
    /// In the plain mode on images: the first participant's update of the latest round, for an
    /// attack that takes longer than a round (`privacy::gradient_matching`).
    pub last_client_update: Option<ClientUpdate>,
    /// Whether each round also runs the server's attack (`with_attack`): the page's view, not
    /// a federation's business (a Flower client never does).
    attack: bool,
    /// How many clients train at once (all of them unless [`PlaygroundFederation::with_concurrency`]).
    concurrency: usize,
    rng: Rng,
    train: (Tensor, Tensor),
    test: (Tensor, Tensor),
}

fn check(setting: &str, ok: bool, value: String, expected: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidSetting { setting: setting.into(), value, expected: expected.into() })
    }
}

impl PlaygroundFederation {
    /// Sends each shard (indices into `train`) to its worker and starts from `model`.
    pub fn new(
        workers: &[WorkerHandle],
        train: &DataSet,
        shards: &[Vec<usize>],
        test: &DataSet,
        model: Mlp,
        config: RunConfig,
    ) -> Result<PlaygroundFederation> {
        check("fraction", config.fraction > 0.0 && config.fraction <= 1.0, config.fraction.to_string(), "in (0, 1]")?;
        check("dropout", (0.0..1.0).contains(&config.dropout), config.dropout.to_string(), "in [0, 1)")?;
        check("local epochs", (1..=100).contains(&config.local_epochs), config.local_epochs.to_string(), "1 to 100")?;
        if let Some(steps) = config.local_steps {
            check("local steps", (1..=1000).contains(&steps), steps.to_string(), "1 to 1000")?;
        }
        check("batch size", (1..=10_000).contains(&config.batch_size), config.batch_size.to_string(), "1 to 10000")?;
        check("lr", config.lr > 0.0 && config.lr <= 10.0, config.lr.to_string(), "in (0, 10]")?;
        if let Strategy::FedProx { mu } = config.strategy {
            check("mu", (0.0..=100.0).contains(&mu), mu.to_string(), "in [0, 100]")?;
        }
        if workers.len() != shards.len() {
            return Err(Error::ShapeMismatch {
                op: "federation".into(),
                lhs: vec![workers.len()],
                rhs: vec![shards.len()],
            });
        }
        let (mut clients, mut without_data) = (Vec::new(), Vec::new());
        for (worker, shard) in workers.iter().zip(shards) {
            if shard.is_empty() {
                without_data.push(worker.id().into());
                continue;
            }
            let (data, target) = train.subset(shard).tensors()?;
            clients.push(Client {
                worker: worker.clone(),
                data: data.send(worker)?,
                target: target.send(worker)?,
                examples: shard.len(),
                shard: shard.clone(),
                cursor: std::cell::Cell::new(0),
                plan: std::cell::RefCell::new(None),
            });
        }
        if clients.is_empty() {
            return Err(Error::Empty { what: "a federation".into(), item: "client with data".into() });
        }
        Ok(PlaygroundFederation {
            rng: Rng::seeded(config.seed ^ 0x9E37_79B9),
            setup: Setup { plan: super::training_plan(&model, &config), model, clients, config, server: None },
            without_data,
            round: 0,
            last_client_update: None,
            attack: false,
            concurrency: usize::MAX,
            train: train.tensors()?,
            test: test.tensors()?,
        })
    }

    /// Samples the round's clients, then the ones among them that drop out.
    fn sample(&mut self) -> (Vec<usize>, Vec<usize>) {
        let count = ((self.setup.clients.len() as f64 * self.setup.config.fraction).ceil() as usize)
            .clamp(1, self.setup.clients.len());
        let mut order: Vec<usize> = (0..self.setup.clients.len()).collect();
        crate::playground::data::shuffle(&mut order, &mut self.rng);
        order.truncate(count);
        order.sort_unstable();
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for i in order {
            if self.rng.next_f64() < self.setup.config.dropout {
                dropped.push(i);
            } else {
                kept.push(i);
            }
        }
        (kept, dropped)
    }

    /// The worker that aggregates in every mode but the plain one (`server` on the page).
    pub fn with_server(mut self, server: WorkerHandle) -> Result<PlaygroundFederation> {
        for client in &self.setup.clients {
            client.worker.add_worker(&server)?;
        }
        self.setup.server = Some(server);
        Ok(self)
    }

    /// Each round, on a model of images, also reconstructs what it can from what reached `me`
    /// (`PlaygroundRound::reconstructions`, `last_client_update`).
    pub fn with_attack(mut self) -> PlaygroundFederation {
        self.attack = true;
        self
    }

    /// At most `clients` train at the same time (say, the machine's cores): with more, the
    /// workers only take turns on the cores, and the page's thread waits for its turn too.
    pub fn with_concurrency(mut self, clients: usize) -> PlaygroundFederation {
        self.concurrency = clients.max(1);
        self
    }

    /// One round; with every sampled client dropped or failed, the model stays as it was.
    pub async fn round(&mut self) -> Result<PlaygroundRound> {
        if self.setup.config.aggregation.needs_server() {
            self.setup.server()?;
        }
        let before = self.syft().traffic();
        let (sampled, dropped) = self.sample();
        let outcomes = join_at_most(self.concurrency, sampled.iter().map(|&i| self.setup.train_client(i))).await;
        let name = |i: usize| WorkerId::from(self.setup.clients[i].worker.id());
        let mut trained = Vec::new();
        let mut failed = Vec::new();
        for (&i, outcome) in sampled.iter().zip(outcomes) {
            match outcome {
                Ok(t) => trained.push(t),
                Err(Error::WorkerGone { reason, .. }) => failed.push((name(i), reason)),
                Err(other) => return Err(other),
            }
        }
        let (client_losses, received, reconstructions) = if trained.is_empty() {
            (Vec::new(), "nothing: no client trained".to_owned(), Vec::new())
        } else {
            let aggregated = self.setup.aggregate(&trained).await?;
            // The training inputs, copied out once for both (only a run that attacks reads them).
            let inputs = if self.attack { self.train.0.to_f32_vec() } else { Vec::new() };
            let reconstructions = self.attack(&trained, &aggregated, &inputs)?;
            self.last_client_update = self.client_update(&trained, &aggregated, &inputs);
            self.load(&aggregated.parameters)?;
            (aggregated.client_losses, aggregated.received, reconstructions)
        };
        let participants = trained.iter().map(|t| name(t.client)).collect();
        drop(trained);
        self.round += 1;
        let evaluate = |(x, y): &(Tensor, Tensor)| -> Result<(f64, f64)> {
            let p = self.setup.model.forward(x)?;
            Ok((self.setup.model.loss(&p, y)?.item()?, self.setup.model.score(&p, y)))
        };
        let ((train_loss, train_accuracy), (test_loss, test_accuracy)) =
            (evaluate(&self.train)?, evaluate(&self.test)?);
        let client_loss = client_losses.iter().map(|(_, loss)| *loss);
        if let Some(loss) = client_loss.chain([train_loss]).find(|l| !l.is_finite() || *l > DIVERGED_LOSS) {
            return Err(Error::diverged(self.round, loss));
        }
        Ok(PlaygroundRound {
            round: self.round,
            participants,
            dropped: dropped.into_iter().map(name).collect(),
            failed,
            without_data: self.without_data.clone(),
            client_losses,
            received,
            traffic: self.syft().traffic().since(before),
            train_loss,
            train_accuracy,
            test_loss,
            test_accuracy,
            reconstructions,
        })
    }

    /// The first participant's update, for a model of images in the plain mode.
    fn client_update(&self, trained: &[Trained], aggregated: &Aggregated, inputs: &[f32]) -> Option<ClientUpdate> {
        if !self.attack || !matches!(self.setup.model.task, crate::nn::Task::Classes { .. }) {
            return None;
        }
        let (k, model) = aggregated.client_models.first()?;
        let t = trained.get(*k)?;
        let features = self.train.0.shape().get(1).copied().unwrap_or(0);
        Some(ClientUpdate {
            round: self.round + 1,
            client: WorkerId::from(self.setup.clients[t.client].worker.id()),
            global: self.setup.model.parameters().iter().map(|p| p.detach().deep_clone()).collect(),
            trained: model.clone(),
            activation: self.setup.model.activation,
            lr: self.setup.config.lr,
            images: examples(inputs, features, &t.used),
        })
    }

    /// The server's reconstructions this round, for a model of images: from each client's
    /// model where they reach `me`, else from the new global model (the aggregate's update).
    fn attack(&self, trained: &[Trained], aggregated: &Aggregated, inputs: &[f32]) -> Result<Vec<Reconstruction>> {
        if !self.attack || !matches!(self.setup.model.task, crate::nn::Task::Classes { .. }) {
            return Ok(Vec::new());
        }
        let global = self.setup.model.parameters();
        let mut reconstructions = Vec::new();
        for (k, model) in &aggregated.client_models {
            let Some(t) = trained.get(*k) else { continue };
            let client = Some(WorkerId::from(self.setup.clients[t.client].worker.id()));
            reconstructions.extend(reconstruct(client, model, &global, inputs, &t.used)?);
        }
        if aggregated.client_models.is_empty() {
            let used: Vec<usize> = trained.iter().flat_map(|t| t.used.iter().copied()).collect();
            reconstructions.extend(reconstruct(None, &aggregated.parameters, &global, inputs, &used)?);
        }
        Ok(reconstructions)
    }

    /// `me`'s held-out inputs and targets, on which each round's test loss and score are taken.
    pub fn test_set(&self) -> &(Tensor, Tensor) {
        &self.test
    }

    fn syft(&self) -> &Syft {
        self.setup.clients[0].worker.syft()
    }

    /// Makes `parameters` the global model's.
    fn load(&self, parameters: &[Tensor]) -> Result<()> {
        let model = self.setup.model.parameters();
        if parameters.len() != model.len() {
            return Err(Error::internal(format!("{} parameters for a model of {}", parameters.len(), model.len())));
        }
        for (parameter, value) in model.iter().zip(parameters) {
            parameter.data().set_(value)?;
            parameter.set_grad(None);
        }
        Ok(())
    }
}

/// Workers `client_0`, `client_1`, … on `syft`, created when missing.
pub fn client_workers(syft: &Syft, count: usize) -> Result<Vec<WorkerHandle>> {
    (0..count)
        .map(|i| {
            let name = format!("client_{i}");
            match syft.worker(&name) {
                Some(worker) => Ok(worker),
                None => syft.create_worker(&name),
            }
        })
        .collect()
}
