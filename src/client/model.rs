//! `model.send(bob)` / `model.get()` for [`Linear`]: its parameters travel together.

use super::{Pointer, WorkerHandle};
use crate::error::Result;
use crate::nn::Linear;

/// A [`Linear`] whose parameters live on one worker.
pub struct RemoteLinear {
    /// Points at the weight, `[out_features, in_features]`.
    pub weight: Pointer,
    /// Points at the bias, `[out_features]`, on the same worker.
    pub bias: Pointer,
}

impl Linear {
    /// Sends both parameters (values, `requires_grad`, gradients) to `worker`.
    pub fn send(&self, worker: &WorkerHandle) -> Result<RemoteLinear> {
        Ok(RemoteLinear { weight: self.weight.send(worker)?, bias: self.bias.send(worker)? })
    }
}

impl RemoteLinear {
    /// The worker that holds the parameters (`model.location`).
    pub fn location(&self) -> WorkerHandle {
        self.weight.location()
    }

    /// The forward pass, run where the model and `input` live.
    pub fn forward(&self, input: &Pointer) -> Result<Pointer> {
        input.mm(&self.weight.t()?)?.add(&self.bias)
    }

    /// `p.data -= lr * p.grad` on the worker, for both parameters, then clears the gradients.
    pub async fn sgd_step(&self, lr: f64) -> Result<()> {
        for parameter in [&self.weight, &self.bias] {
            let grad = parameter.grad()?;
            parameter.data()?.sub_(&grad.mul(lr)?).await?;
            grad.zero_().await?;
        }
        Ok(())
    }

    /// Brings both parameters back, with their gradients; the worker keeps nothing.
    pub async fn get(&self) -> Result<Linear> {
        Ok(Linear { weight: self.weight.get().await?, bias: self.bias.get().await? })
    }

    /// Moves both parameters to `worker`, directly from where they are.
    pub async fn move_to(&self, worker: &WorkerHandle) -> Result<RemoteLinear> {
        Ok(RemoteLinear { weight: self.weight.move_to(worker).await?, bias: self.bias.move_to(worker).await? })
    }
}
