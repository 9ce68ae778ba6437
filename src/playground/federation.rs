//! Federated training on any data set, model and set of workers: each round samples a fraction of
//! the clients, some of which drop out, the rest train the global model where their data lives
//! (local epochs of mini-batch SGD, FedAvg or FedProx), and the server averages what came back,
//! weighted by how many examples each client holds. Everything random is drawn from the run's seed,
//! so a run repeats exactly.
//!
//! The models come back to `me` here (the plain mode); the privacy modes of `federated/` are for
//! the toy model today.

use crate::client::{Pointer, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::nn::{accuracy, binary_cross_entropy, Mlp};
use crate::playground::data::DataSet;
use crate::protocol::WorkerId;
use crate::rng::Rng;
use crate::tensor::Tensor;

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
    pub batch_size: usize,
    pub lr: f64,
    pub strategy: Strategy,
    /// Train with a plan stored on each client (two round trips a round) instead of op by op.
    pub use_plans: bool,
}

impl Default for RunConfig {
    fn default() -> RunConfig {
        RunConfig {
            seed: 0,
            fraction: 1.0,
            dropout: 0.0,
            local_epochs: 1,
            batch_size: 32,
            lr: 0.1,
            strategy: Strategy::FedAvg,
            use_plans: true,
        }
    }
}

/// One client: a worker and its shard of the training data, which never leaves it.
pub struct Client {
    pub worker: WorkerHandle,
    data: Pointer,
    target: Pointer,
    pub examples: usize,
    /// The training plan, stored on the worker the first time the client trains.
    plan: std::cell::RefCell<Option<Pointer>>,
}

/// What one round did.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaygroundRound {
    pub round: usize,
    /// Clients that trained and were averaged.
    pub participants: Vec<WorkerId>,
    /// Clients sampled that dropped out.
    pub dropped: Vec<WorkerId>,
    /// Each participant's last local loss.
    pub client_losses: Vec<(WorkerId, f64)>,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub test_loss: f64,
    pub test_accuracy: f64,
}

pub struct PlaygroundFederation {
    pub model: Mlp,
    pub clients: Vec<Client>,
    pub config: RunConfig,
    pub round: usize,
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
        let mut clients = Vec::new();
        for (worker, shard) in workers.iter().zip(shards) {
            if shard.is_empty() {
                continue;
            }
            let (data, target) = train.subset(shard).tensors()?;
            clients.push(Client {
                worker: worker.clone(),
                data: data.send(worker)?,
                target: target.send(worker)?,
                examples: shard.len(),
                plan: std::cell::RefCell::new(None),
            });
        }
        if clients.is_empty() {
            return Err(Error::Empty { what: "a federation".into(), item: "client with data".into() });
        }
        Ok(PlaygroundFederation {
            model,
            clients,
            rng: Rng::seeded(config.seed ^ 0x9E37_79B9),
            config,
            round: 0,
            train: train.tensors()?,
            test: test.tensors()?,
        })
    }

    /// Samples the round's clients, then the ones among them that drop out.
    fn sample(&mut self) -> (Vec<usize>, Vec<usize>) {
        let count = ((self.clients.len() as f64 * self.config.fraction).ceil() as usize).clamp(1, self.clients.len());
        let mut order: Vec<usize> = (0..self.clients.len()).collect();
        crate::playground::data::shuffle(&mut order, &mut self.rng);
        order.truncate(count);
        order.sort_unstable();
        let (mut kept, mut dropped) = (Vec::new(), Vec::new());
        for i in order {
            if self.rng.next_f64() < self.config.dropout {
                dropped.push(i);
            } else {
                kept.push(i);
            }
        }
        (kept, dropped)
    }

    /// One round; with every sampled client dropped, the model stays as it was.
    pub async fn round(&mut self) -> Result<PlaygroundRound> {
        let (participants, dropped) = self.sample();
        let mut trained: Vec<(usize, Vec<Tensor>)> = Vec::new();
        let mut client_losses = Vec::new();
        for &i in &participants {
            let (parameters, loss) = self.train_client(&self.clients[i]).await?;
            client_losses.push((self.clients[i].worker.id().to_owned(), loss));
            trained.push((self.clients[i].examples, parameters));
        }
        if !trained.is_empty() {
            self.average(&trained)?;
        }
        self.round += 1;
        let evaluate = |(x, y): &(Tensor, Tensor)| -> Result<(f64, f64)> {
            let p = self.model.forward(x)?;
            Ok((binary_cross_entropy(&p, y)?.item()?, accuracy(&p, y)))
        };
        let ((train_loss, train_accuracy), (test_loss, test_accuracy)) =
            (evaluate(&self.train)?, evaluate(&self.test)?);
        let name = |i: &usize| self.clients[*i].worker.id().to_owned();
        Ok(PlaygroundRound {
            round: self.round,
            participants: participants.iter().map(name).collect(),
            dropped: dropped.iter().map(name).collect(),
            client_losses,
            train_loss,
            train_accuracy,
            test_loss,
            test_accuracy,
        })
    }

    /// Local epochs of mini-batch SGD on the client's worker; the trained parameters come back.
    async fn train_client(&self, client: &Client) -> Result<(Vec<Tensor>, f64)> {
        if self.config.use_plans {
            return self.train_client_with_plan(client).await;
        }
        let worker = &client.worker;
        let remote: Vec<Pointer> = self.model.parameters().iter().map(|p| p.send(worker)).collect::<Result<_>>()?;
        let global: Vec<Pointer> = match self.config.strategy {
            Strategy::FedProx { .. } => {
                self.model.parameters().iter().map(|p| p.detach().send(worker)).collect::<Result<_>>()?
            }
            Strategy::FedAvg => Vec::new(),
        };
        let mut last_loss = f64::NAN;
        for _ in 0..self.config.local_epochs {
            let mut start = 0;
            while start < client.examples {
                let end = (start + self.config.batch_size).min(client.examples);
                let (x, y) = (client.data.rows(start, Some(end))?, client.target.rows(start, Some(end))?);
                let mut loss = remote_bce(&forward(&remote, self.model.activation, &x)?, &y)?;
                if let Strategy::FedProx { mu } = self.config.strategy {
                    for (w, w0) in remote.iter().zip(&global) {
                        loss = loss.add(&w.sub(w0)?.pow(2.0)?.sum()?.mul(mu / 2.0)?)?;
                    }
                }
                loss.backward().await?;
                for parameter in &remote {
                    let grad = parameter.grad()?;
                    parameter.data()?.sub_(&grad.mul(self.config.lr)?).await?;
                    grad.zero_().await?;
                }
                if end == client.examples {
                    last_loss = loss.get().await?.item()?;
                }
                start = end;
            }
        }
        let mut parameters = Vec::new();
        for parameter in &remote {
            parameters.push(parameter.get().await?.detach());
        }
        Ok((parameters, last_loss))
    }

    /// The same training as one plan run: the parameters go with the run request and come back
    /// with one fetch, whatever the model size and the number of local steps.
    async fn train_client_with_plan(&self, client: &Client) -> Result<(Vec<Tensor>, f64)> {
        let worker = &client.worker;
        // Taken out of its cell while it runs: no borrow is held across an await.
        let taken = client.plan.borrow_mut().take();
        let plan = match taken {
            Some(plan) => plan,
            None => training_plan(&self.model, &self.config).send(worker)?,
        };
        let parameters: Vec<Pointer> = self.model.parameters().iter().map(|p| p.send(worker)).collect::<Result<_>>()?;
        let global: Vec<Pointer> = match self.config.strategy {
            Strategy::FedProx { .. } => {
                self.model.parameters().iter().map(|p| p.detach().send(worker)).collect::<Result<_>>()?
            }
            Strategy::FedAvg => Vec::new(),
        };
        let mut inputs: Vec<&Pointer> = vec![&client.data, &client.target];
        inputs.extend(parameters.iter());
        inputs.extend(global.iter());
        let outputs = plan.run_plan(&inputs, parameters.len() + 1).await;
        *client.plan.borrow_mut() = Some(plan);
        let outputs = outputs?;
        let fetched = worker.syft().get_many(&outputs.iter().collect::<Vec<_>>()).await?;
        let (loss, trained) = fetched.split_last().ok_or_else(|| Error::malformed("a plan without outputs"))?;
        Ok((trained.iter().map(Tensor::detach).collect(), loss.item()?))
    }

    /// FedAvg: the parameters weighted by each client's examples.
    fn average(&self, trained: &[(usize, Vec<Tensor>)]) -> Result<()> {
        let total: usize = trained.iter().map(|(n, _)| n).sum();
        for (k, parameter) in self.model.parameters().iter().enumerate() {
            let mut sum: Option<Tensor> = None;
            for (examples, parameters) in trained {
                let part = parameters.get(k).ok_or_else(|| Error::malformed("a parameter went missing"))?;
                let weighted = part.mul(*examples as f64 / total as f64)?;
                sum = Some(match sum {
                    None => weighted,
                    Some(s) => s.add(&weighted)?,
                });
            }
            if let Some(sum) = sum {
                parameter.data().set_(&sum)?;
                parameter.set_grad(None);
            }
        }
        Ok(())
    }
}

/// The model's forward pass where `x` lives, from its parameters there (weight, bias per layer).
fn forward(parameters: &[Pointer], activation: crate::tensor::Elementwise, x: &Pointer) -> Result<Pointer> {
    let layers = parameters.len() / 2;
    let mut h = x.mm(&parameters[0].t()?)?.add(&parameters[1])?;
    for layer in 1..layers {
        h = match activation {
            crate::tensor::Elementwise::Relu => h.relu()?,
            _ => h.tanh()?,
        };
        h = h.mm(&parameters[2 * layer].t()?)?.add(&parameters[2 * layer + 1])?;
    }
    h.sigmoid()
}

/// The local training as a plan: inputs `[data, target, parameters…, global parameters… (FedProx)]`,
/// outputs `[parameters…, the last batch's loss]`.
pub fn training_plan(model: &Mlp, config: &RunConfig) -> crate::protocol::Plan {
    use crate::client::PlanBuilder;
    const EPSILON: f64 = 1e-7;
    let count = model.parameters().len() as u64;
    let prox = match config.strategy {
        Strategy::FedProx { mu } => Some(mu),
        Strategy::FedAvg => None,
    };
    let (mut plan, slots) = PlanBuilder::new(2 + count * if prox.is_some() { 2 } else { 1 });
    let (data, target) = (slots[0], slots[1]);
    let parameters: Vec<u64> = slots[2..2 + count as usize].to_vec();
    let global: Vec<u64> = slots[2 + count as usize..].to_vec();
    let mut last_loss = 0;
    plan.for_each_batch((data, target), config.batch_size as u64, config.local_epochs as u64, |p, x, y| {
        let layers = parameters.len() / 2;
        let mut h = x;
        for layer in 0..layers {
            let transposed = p.t(parameters[2 * layer]);
            let product = p.mm(h, transposed);
            h = p.add(product, parameters[2 * layer + 1]);
            if layer + 1 < layers {
                h = match model.activation {
                    crate::tensor::Elementwise::Relu => p.relu(h),
                    _ => p.tanh(h),
                };
            }
        }
        let probability = p.sigmoid(h);
        let shifted = p.add(probability, EPSILON);
        let log_p = p.log(shifted);
        let positive = p.mul(y, log_p);
        let minus_p = p.neg(probability);
        let one_minus_p = p.add(minus_p, 1.0 + EPSILON);
        let log_q = p.log(one_minus_p);
        let minus_y = p.neg(y);
        let one_minus_y = p.add(minus_y, 1.0);
        let negative = p.mul(one_minus_y, log_q);
        let both = p.add(positive, negative);
        let mean = p.mean(both);
        let mut loss = p.neg(mean);
        if let Some(mu) = prox {
            for (w, w0) in parameters.iter().zip(&global) {
                let difference = p.sub(*w, *w0);
                let squared = p.pow(difference, 2.0);
                let total = p.sum(squared);
                let term = p.mul(total, mu / 2.0);
                loss = p.add(loss, term);
            }
        }
        p.backward(loss);
        for &w in &parameters {
            let grad = p.grad(w);
            let values = p.data(w);
            let step = p.mul(grad, config.lr);
            p.in_place(crate::tensor::BinaryOp::Sub, values, step);
            p.zero_(grad);
        }
        last_loss = loss;
    });
    let mut outputs = parameters.clone();
    outputs.push(last_loss);
    plan.build(&outputs)
}

/// [`binary_cross_entropy`] where the predictions live.
fn remote_bce(probability: &Pointer, target: &Pointer) -> Result<Pointer> {
    const EPSILON: f64 = 1e-7;
    let positive = target.mul(&probability.add(EPSILON)?.log()?)?;
    let negative = target.neg()?.add(1.0)?.mul(&probability.neg()?.add(1.0 + EPSILON)?.log()?)?;
    positive.add(&negative)?.mean()?.neg()
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
