//! The little of `torch.nn` and `torch.optim` the seed uses: `Linear`, plain SGD and the summed
//! squared error; and Adam, which the course's later lessons use.

#![warn(missing_docs)]

mod adam;
mod mlp;

pub use adam::Adam;
pub use mlp::{accuracy, binary_cross_entropy, class_accuracy, predicted_classes, r_squared, Mlp, Task};

use crate::error::Result;
use crate::rng::Rng;
use crate::tensor::Tensor;

/// `nn.Linear(in_features, out_features)`: `y = x Wᵀ + b`.
#[derive(Clone, Debug)]
pub struct Linear {
    /// Shape `[out_features, in_features]`, as in PyTorch.
    pub weight: Tensor,
    /// Shape `[out_features]`.
    pub bias: Tensor,
}

impl Linear {
    /// PyTorch's default initialisation: weight and bias uniform in ±1/sqrt(in_features).
    pub fn new(in_features: usize, out_features: usize, rng: &mut Rng) -> Result<Linear> {
        let bound = 1.0 / (in_features.max(1) as f64).sqrt();
        let mut draw = |n: usize| (0..n).map(|_| rng.uniform(-bound, bound) as f32).collect::<Vec<f32>>();
        let weight =
            Tensor::from_f32(&[out_features, in_features], draw(out_features * in_features))?.requiring_grad()?;
        let bias = Tensor::from_f32(&[out_features], draw(out_features))?.requiring_grad()?;
        Ok(Linear { weight, bias })
    }

    /// `model(x)`: one output row per row of `input`; fails unless `input` is `[batch, in_features]`.
    pub fn forward(&self, input: &Tensor) -> Result<Tensor> {
        input.mm(&self.weight.t()?)?.add(&self.bias)
    }

    /// Handles to the parameters (they share storage with the model's own).
    pub fn parameters(&self) -> Vec<Tensor> {
        vec![self.weight.clone(), self.bias.clone()]
    }

    /// Overwrites this model's values and gradients with `other`'s, in place, so that an optimizer
    /// holding this model's parameters sees them (what PySyft's `model.get()` does).
    pub fn load(&self, other: &Linear) -> Result<()> {
        for (mine, theirs) in self.parameters().iter().zip(other.parameters()) {
            mine.data().set_(&theirs)?;
            mine.set_grad(theirs.grad());
        }
        Ok(())
    }
}

/// `optim.SGD(params, lr)` without momentum.
pub struct Sgd {
    parameters: Vec<Tensor>,
    /// The learning rate; it may be changed between steps.
    pub lr: f64,
}

impl Sgd {
    /// Optimizes `parameters` (e.g. [`Linear::parameters`]): they share storage with the model, so
    /// [`Sgd::step`] updates the model in place.
    pub fn new(parameters: Vec<Tensor>, lr: f64) -> Sgd {
        Sgd { parameters, lr }
    }

    /// Forgets every gradient (PyTorch's `set_to_none=True`).
    pub fn zero_grad(&self) {
        for parameter in &self.parameters {
            parameter.set_grad(None);
        }
    }

    /// `p.data -= lr * p.grad` for every parameter that has a gradient.
    pub fn step(&self) -> Result<()> {
        for parameter in &self.parameters {
            if let Some(grad) = parameter.grad() {
                parameter.data().sub_(&grad.mul(self.lr)?)?;
            }
        }
        Ok(())
    }
}

/// The seed's loss: `((pred - target)**2).sum()`.
pub fn squared_error(prediction: &Tensor, target: &Tensor) -> Result<Tensor> {
    Ok(prediction.sub(target)?.pow(2.0).sum())
}
