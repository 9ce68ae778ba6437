//! What each aggregation mode does in a round; the loop around them is in `mod.rs`.

use super::{remote_loss, Federation, Received, Shard};
use crate::client::{Pointer, RemoteLinear, WorkerHandle};
use crate::error::{Error, Result};
use crate::nn::Linear;
use crate::privacy::sharing::SharedTensor;
use crate::protocol::WorkerId;
use crate::tensor::Tensor;

type Losses = Vec<(WorkerId, f64)>;

/// Fixed precision of the models secure aggregation adds up: 6 fractional digits, so that the
/// averaged model differs from plain averaging by at most 1e-6 per parameter.
pub const SECURE_AGGREGATION_SCALE: i64 = 1_000_000;

impl Federation {
    /// Seed In[57]: send the model, train, get it back with its gradients, step locally.
    pub(super) async fn send_get_round(&mut self) -> Result<(Losses, Vec<Received>)> {
        let mut losses = Vec::new();
        let mut received = Vec::new();
        for shard in &self.shards {
            let from = shard.worker.id();
            self.optimizer.zero_grad();
            let remote = self.model.send(&shard.worker)?;
            let loss = remote_loss(&remote, shard)?;
            loss.backward().await?;
            let trained = remote.get().await?;
            for (name, tensor) in [("weight", &trained.weight), ("bias", &trained.bias)] {
                received.push(Received::of(from, name, tensor));
                if let Some(grad) = tensor.grad() {
                    received.push(Received::of(from, &format!("{name}.grad"), &grad));
                }
            }
            self.model.load(&trained)?;
            self.optimizer.step()?;
            let loss = loss.get().await?;
            received.push(Received::of(from, "loss", &loss));
            losses.push((from.into(), loss.item()?));
        }
        Ok((losses, received))
    }

    /// The final project: train copies where the data is, average them on the server worker.
    pub(super) async fn untrusted_server_round(&mut self, server: &WorkerHandle) -> Result<(Losses, Vec<Received>)> {
        let mut losses = Vec::new();
        let mut received = Vec::new();
        let mut on_server = Vec::new();
        for shard in &self.shards {
            let remote = self.model.send(&shard.worker)?;
            if let Some(loss) = self.train(&remote, shard).await? {
                let loss = loss.get().await?;
                received.push(Received::of(shard.worker.id(), "loss", &loss));
                losses.push((shard.worker.id().into(), loss.item()?));
            }
            on_server.push(remote.move_to(server).await?);
        }
        let count = on_server.len() as f64;
        let average = |pick: fn(&crate::client::RemoteLinear) -> &Pointer| -> Result<Pointer> {
            let mut parts = on_server.iter().map(pick);
            let first = parts.next().ok_or_else(|| Error::Empty { what: "averaging".into(), item: "worker".into() })?;
            let mut sum = first.data()?;
            for part in parts {
                sum = sum.add(&part.data()?)?;
            }
            sum.div(count)
        };
        let (weight, bias) = (average(|m| &m.weight)?, average(|m| &m.bias)?);
        let averaged = Linear { weight: weight.get().await?, bias: bias.get().await? };
        received.push(Received::of(server.id(), "average weight", &averaged.weight));
        received.push(Received::of(server.id(), "average bias", &averaged.bias));
        // The average carries no gradient, so loading it also clears the model's.
        self.model.load(&averaged)?;
        Ok((losses, received))
    }

    /// Trains `remote` (a copy on `shard`'s worker) on that worker's data for `local_steps` SGD
    /// steps; the last step's loss stays there, behind the pointer returned.
    async fn train(&self, remote: &RemoteLinear, shard: &Shard) -> Result<Option<Pointer>> {
        let mut last_loss = None;
        for _ in 0..self.config.local_steps.max(1) {
            let loss = remote_loss(remote, shard)?;
            loss.backward().await?;
            remote.sgd_step(self.config.lr).await?;
            last_loss = Some(loss);
        }
        Ok(last_loss)
    }

    /// Each worker shares its trained copy; the shares are added where they lie; `me` opens the sum.
    /// No worker's loss is sent either: `me` receives shares of the sum and nothing else.
    pub(super) async fn secure_aggregation_round(&mut self, server: &WorkerHandle) -> Result<(Losses, Vec<Received>)> {
        let mut copies = Vec::new();
        for shard in &self.shards {
            let remote = self.model.send(&shard.worker)?;
            self.train(&remote, shard).await?;
            copies.push(remote);
        }
        let mut holders: Vec<&WorkerHandle> = self.shards.iter().map(|s| &s.worker).collect();
        holders.push(server);
        let scale = Some(SECURE_AGGREGATION_SCALE);
        let mut received = Vec::new();
        let mut sums: Vec<Tensor> = Vec::new();
        for (index, parameter) in ["weight", "bias"].into_iter().enumerate() {
            let mut total: Option<SharedTensor> = None;
            for copy in &copies {
                let data = [&copy.weight, &copy.bias][index].data()?;
                let shared = SharedTensor::from_worker(&data, scale, &holders, None).await?;
                total = Some(match total {
                    None => shared,
                    Some(so_far) => so_far.add(&shared)?,
                });
            }
            let total =
                total.ok_or_else(|| Error::Empty { what: "secure aggregation".into(), item: "worker".into() })?;
            let (sum, shares) = total.get_with_shares().await?;
            for (holder, share) in shares {
                received.push(Received::of(&holder, &format!("share of the summed {parameter}"), &share));
            }
            sums.push(sum);
        }
        let count = copies.len() as f64;
        let [weight, bias] =
            <[Tensor; 2]>::try_from(sums).map_err(|_| Error::internal("the untrusted server's sums are not two"))?;
        self.model.load(&Linear { weight: weight.div(count)?, bias: bias.div(count)? })?;
        Ok((Vec::new(), received))
    }

    /// Each worker clips its update; `secure_worker` sums them and adds the noise; `me` gets the
    /// noisy average update and applies it. No worker's loss is sent.
    pub(super) async fn differential_privacy_round(
        &mut self,
        server: &WorkerHandle,
    ) -> Result<(Losses, Vec<Received>)> {
        let (clip, z) = (self.config.clip_norm, self.config.noise_multiplier);
        // Each of the two parameters' updates is clipped to S/√2, so the update as a whole has norm
        // at most S: the sensitivity the noise is calibrated to.
        let per_parameter = clip / std::f64::consts::SQRT_2;
        let mut deltas: Vec<[Pointer; 2]> = Vec::new();
        for shard in &self.shards {
            let remote = self.model.send(&shard.worker)?;
            let start = [remote.weight.data()?.deep_clone()?, remote.bias.data()?.deep_clone()?];
            self.train(&remote, shard).await?;
            let weight = remote.weight.data()?.sub(&start[0])?.clip_norm(per_parameter)?;
            let bias = remote.bias.data()?.sub(&start[1])?.clip_norm(per_parameter)?;
            deltas.push([weight.move_to(server).await?, bias.move_to(server).await?]);
        }
        let count = deltas.len() as f64;
        let mut received = Vec::new();
        let mut averages = Vec::new();
        for (k, name) in ["noisy average update of weight", "noisy average update of bias"].iter().enumerate() {
            let mut parts = deltas.iter().map(|d| &d[k]);
            let first = parts.next().ok_or_else(|| Error::Empty { what: "dp".into(), item: "worker".into() })?;
            let mut sum = first.deep_clone()?;
            for part in parts {
                sum = sum.add(part)?;
            }
            let average = sum.gaussian_noise(z * clip)?.div(count)?.get().await?;
            received.push(Received::of(server.id(), name, &average));
            averages.push(average);
        }
        for (parameter, average) in self.model.parameters().iter().zip(&averages) {
            parameter.data().add_(average)?;
            parameter.set_grad(None);
        }
        Ok((Vec::new(), received))
    }
}
