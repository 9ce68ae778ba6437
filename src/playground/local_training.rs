//! A client's local training, where its data lives: local epochs of mini-batch SGD (FedAvg) or
//! with FedProx's proximal term, through a plan stored on its worker (one run whatever the model
//! size and the number of steps) or op by op (the lesson's way: a message per op). The trained
//! parameters and the last batch's loss stay on the worker, behind pointers: what leaves it is
//! the aggregation's business (`aggregation.rs`).

use super::setup::{Client, RunConfig, Setup, Strategy};
use crate::client::Pointer;
use crate::error::{Error, Result};
use crate::ids::ObjectId;
use crate::nn::{Mlp, Task};
use crate::tensor::Elementwise;

/// What one client's training left on its worker.
pub(super) struct Trained {
    /// Index into the federation's clients.
    pub client: usize,
    pub parameters: Vec<Pointer>,
    pub loss: Pointer,
    /// The global parameters as sent this round, kept apart on the worker when the aggregation
    /// needs the update (trained − global) rather than the model.
    pub start: Vec<Pointer>,
    /// The training set's examples it trained on this round (the simulation's privileged view,
    /// for judging what the server reconstructs).
    pub used: Vec<usize>,
}

impl Setup {
    pub(super) async fn train_client(&self, index: usize) -> Result<Trained> {
        let client = self.clients.get(index).ok_or_else(|| Error::internal(format!("no client {index}")))?;
        let worker = &client.worker;
        let start = if self.config.aggregation.needs_update() { self.send_global_copy(worker)? } else { Vec::new() };
        let window = self.window(client);
        let sliced;
        let (data, target) = if window == (0..client.examples) {
            (&client.data, &client.target)
        } else {
            let rows = |p: &Pointer| p.rows(window.start, Some(window.end));
            sliced = (rows(&client.data)?, rows(&client.target)?);
            (&sliced.0, &sliced.1)
        };
        let (parameters, loss) = if self.config.use_plans {
            self.train_with_plan(client, data, target).await?
        } else {
            self.train_op_by_op(client, (data, target), window.len()).await?
        };
        let used = client.shard.get(window).map(<[usize]>::to_vec).unwrap_or_default();
        Ok(Trained { client: index, parameters, loss, start, used })
    }

    /// The rows of its shard a client trains on this round: all of them, or with `local_steps`
    /// the next `steps × batch` from where the last round stopped, back to the start at the end.
    fn window(&self, client: &Client) -> std::ops::Range<usize> {
        let Some(steps) = self.config.local_steps else { return 0..client.examples };
        let start = client.cursor.get().min(client.examples);
        let end = start.saturating_add(steps.saturating_mul(self.config.batch_size)).min(client.examples);
        client.cursor.set(if end >= client.examples { 0 } else { end });
        start..end
    }

    /// The global parameters as they are now, detached, on `worker`: what FedProx pulls towards
    /// and what DP's update is taken against.
    fn send_global_copy(&self, worker: &crate::client::WorkerHandle) -> Result<Vec<Pointer>> {
        self.model.parameters().iter().map(|p| p.detach().send(worker)).collect()
    }

    fn send_global(&self, client: &Client) -> Result<Vec<Pointer>> {
        match self.config.strategy {
            Strategy::FedProx { .. } => self.send_global_copy(&client.worker),
            Strategy::FedAvg => Ok(Vec::new()),
        }
    }

    /// `examples`: the rows of `data` and `target`.
    async fn train_op_by_op(
        &self,
        client: &Client,
        (data, target): (&Pointer, &Pointer),
        examples: usize,
    ) -> Result<(Vec<Pointer>, Pointer)> {
        let worker = &client.worker;
        let remote: Vec<Pointer> = self.model.parameters().iter().map(|p| p.send(worker)).collect::<Result<_>>()?;
        let global = self.send_global(client)?;
        let mut last_loss = None;
        for _ in 0..epochs(&self.config) {
            let mut start = 0;
            while start < examples {
                let end = (start + self.config.batch_size).min(examples);
                let (x, y) = (data.rows(start, Some(end))?, target.rows(start, Some(end))?);
                let prediction = forward(&remote, self.model.activation, self.model.task, &x)?;
                let mut loss = match self.model.task {
                    Task::Classification => remote_bce(&prediction, &y)?,
                    Task::Regression => prediction.sub(&y)?.pow(2.0)?.mean()?,
                    Task::Classes { .. } => prediction.cross_entropy(&y)?,
                };
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
                last_loss = Some(loss);
                start = end;
            }
        }
        let loss = last_loss.ok_or_else(|| Error::Empty { what: "local training".into(), item: "batch".into() })?;
        let parameters = remote.iter().map(Pointer::data).collect::<Result<_>>()?;
        Ok((parameters, loss))
    }

    /// The same training as one plan run: the parameters go with the run request, whatever the
    /// model size and the number of local steps.
    async fn train_with_plan(
        &self,
        client: &Client,
        data: &Pointer,
        target: &Pointer,
    ) -> Result<(Vec<Pointer>, Pointer)> {
        let worker = &client.worker;
        // Taken out of its cell while it runs: no borrow is held across an await.
        let taken = client.plan.borrow_mut().take();
        let plan = match taken {
            Some(plan) => plan,
            None => self.plan.send(worker)?,
        };
        let parameters: Vec<Pointer> = self.model.parameters().iter().map(|p| p.send(worker)).collect::<Result<_>>()?;
        let global = self.send_global(client)?;
        let mut inputs: Vec<&Pointer> = vec![data, target];
        inputs.extend(parameters.iter());
        inputs.extend(global.iter());
        let outputs = plan.run_plan(&inputs, parameters.len() + 1).await;
        *client.plan.borrow_mut() = Some(plan);
        let mut outputs = outputs?;
        let loss = outputs.pop().ok_or_else(|| Error::internal("the training plan gave no outputs"))?;
        Ok((outputs, loss))
    }
}

/// The model's forward pass where `x` lives, from its parameters there (weight, bias per layer):
/// over classes, the logits, which the loss takes.
fn forward(parameters: &[Pointer], activation: Elementwise, task: Task, x: &Pointer) -> Result<Pointer> {
    let layers = parameters.len() / 2;
    let mut h = x.mm(&parameters[0].t()?)?.add(&parameters[1])?;
    for layer in 1..layers {
        h = match activation {
            Elementwise::Relu => h.relu()?,
            _ => h.tanh()?,
        };
        h = h.mm(&parameters[2 * layer].t()?)?.add(&parameters[2 * layer + 1])?;
    }
    match task {
        Task::Classification => h.sigmoid(),
        Task::Regression | Task::Classes { .. } => Ok(h),
    }
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
    let parameters: Vec<ObjectId> = slots[2..2 + count as usize].to_vec();
    let global: Vec<ObjectId> = slots[2 + count as usize..].to_vec();
    let mut last_loss = ObjectId(0);
    plan.for_each_batch((data, target), config.batch_size as u64, epochs(config) as u64, |p, x, y| {
        let layers = parameters.len() / 2;
        let mut h = x;
        for layer in 0..layers {
            let transposed = p.t(parameters[2 * layer]);
            let product = p.mm(h, transposed);
            h = p.add(product, parameters[2 * layer + 1]);
            if layer + 1 < layers {
                h = match model.activation {
                    Elementwise::Relu => p.relu(h),
                    _ => p.tanh(h),
                };
            }
        }
        let mut loss = match model.task {
            Task::Classification => {
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
                p.neg(mean)
            }
            Task::Regression => {
                let difference = p.sub(h, y);
                let squared = p.pow(difference, 2.0);
                p.mean(squared)
            }
            Task::Classes { .. } => p.cross_entropy(h, y),
        };
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

/// Passes over the round's rows: the local epochs, or one pass over the `local_steps` batches.
fn epochs(config: &RunConfig) -> usize {
    if config.local_steps.is_some() {
        1
    } else {
        config.local_epochs
    }
}

/// [`binary_cross_entropy`] where the predictions live.
fn remote_bce(probability: &Pointer, target: &Pointer) -> Result<Pointer> {
    const EPSILON: f64 = 1e-7;
    let positive = target.mul(&probability.add(EPSILON)?.log()?)?;
    let negative = target.neg()?.add(1.0)?.mul(&probability.neg()?.add(1.0 + EPSILON)?.log()?)?;
    positive.add(&negative)?.mean()?.neg()
}
