//! The playground's models: logistic regression and a small multi-layer perceptron (hidden layers
//! with tanh or ReLU) ending in a sigmoid for binary classification with cross-entropy; and the
//! same shapes without the sigmoid for regression with squared error — with no hidden layer, the
//! seed's `Linear(2,1)`.

use super::Linear;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::{Elementwise, Tensor};

/// A stack of [`Linear`] layers with an activation between them, for one [`Task`].
#[derive(Clone, Debug)]
pub struct Mlp {
    /// Input layer first; the last has one output.
    pub layers: Vec<Linear>,
    /// Between hidden layers: `Tanh` or `Relu`.
    pub activation: Elementwise,
    /// Decides the output function, the loss and the score.
    pub task: Task,
}

/// What the model predicts, and so its output and its loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// The probability of class 1 (a sigmoid), with binary cross-entropy.
    Classification,
    /// A number (no output function), with squared error (mean, as the seed's lesson).
    Regression,
}

impl Mlp {
    /// `inputs` → each of `hidden` → 1, with PyTorch's initialisation from `rng`.
    pub fn new(inputs: usize, hidden: &[usize], activation: Elementwise, rng: &mut Rng) -> Result<Mlp> {
        if !matches!(activation, Elementwise::Tanh | Elementwise::Relu) {
            return Err(Error::InvalidSetting {
                setting: "activation".into(),
                value: format!("{activation:?}"),
                expected: "tanh or relu".into(),
            });
        }
        let sizes: Vec<usize> = std::iter::once(inputs).chain(hidden.iter().copied()).chain([1]).collect();
        let layers = sizes.windows(2).map(|pair| Linear::new(pair[0], pair[1], rng)).collect::<Result<_>>()?;
        Ok(Mlp { layers, activation, task: Task::Classification })
    }

    /// The same network predicting a number, trained with squared error; `hidden = []` is the
    /// seed's `Linear(2,1)`.
    pub fn regression(inputs: usize, hidden: &[usize], activation: Elementwise, rng: &mut Rng) -> Result<Mlp> {
        Ok(Mlp { task: Task::Regression, ..Mlp::new(inputs, hidden, activation, rng)? })
    }

    /// Logistic regression: no hidden layer.
    pub fn logistic(inputs: usize, rng: &mut Rng) -> Result<Mlp> {
        Mlp::new(inputs, &[], Elementwise::Tanh, rng)
    }

    /// The output before the output function.
    pub fn logits(&self, input: &Tensor) -> Result<Tensor> {
        let mut x = input.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(&x)?;
            if i + 1 < self.layers.len() {
                x = x.elementwise(self.activation);
            }
        }
        Ok(x)
    }

    /// The probability of class 1 (classification) or the predicted value (regression), one per row.
    pub fn forward(&self, input: &Tensor) -> Result<Tensor> {
        let logits = self.logits(input)?;
        Ok(match self.task {
            Task::Classification => logits.sigmoid(),
            Task::Regression => logits,
        })
    }

    /// The task's loss of `prediction` (from [`Mlp::forward`]) against `target`.
    pub fn loss(&self, prediction: &Tensor, target: &Tensor) -> Result<Tensor> {
        match self.task {
            Task::Classification => binary_cross_entropy(prediction, target),
            Task::Regression => prediction.sub(target)?.pow(2.0).mean(),
        }
    }

    /// Accuracy (classification), or R² (regression: 1 − squared error / the target's variance).
    pub fn score(&self, prediction: &Tensor, target: &Tensor) -> f64 {
        match self.task {
            Task::Classification => accuracy(prediction, target),
            Task::Regression => r_squared(prediction, target),
        }
    }

    /// Every layer's weight and bias, in layer order (handles sharing the model's storage).
    pub fn parameters(&self) -> Vec<Tensor> {
        self.layers.iter().flat_map(Linear::parameters).collect()
    }
}

/// PyTorch's `BCELoss` (mean): −mean(t·log p + (1 − t)·log(1 − p)). The logs are taken of p and
/// 1 − p plus 1e-7, so a confident mistake costs a large, finite loss.
pub fn binary_cross_entropy(probability: &Tensor, target: &Tensor) -> Result<Tensor> {
    const EPSILON: f64 = 1e-7;
    let positive = target.mul(&probability.add(EPSILON)?.log())?;
    let negative = target.neg().add(1.0)?.mul(&probability.neg().add(1.0 + EPSILON)?.log())?;
    Ok(positive.add(&negative)?.mean()?.neg())
}

/// 1 − Σ(p − t)² / Σ(t − mean t)²: 1 for a perfect fit, 0 for predicting the mean.
pub fn r_squared(prediction: &Tensor, target: &Tensor) -> f64 {
    let (p, t) = (prediction.to_f32_vec(), target.to_f32_vec());
    if t.is_empty() {
        return 0.0;
    }
    let mean = t.iter().map(|&v| f64::from(v)).sum::<f64>() / t.len() as f64;
    let residual: f64 = p.iter().zip(&t).map(|(p, t)| (f64::from(*p) - f64::from(*t)).powi(2)).sum();
    let total: f64 = t.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum();
    if total == 0.0 {
        return 0.0;
    }
    1.0 - residual / total
}

/// The share of rows whose probability is on the side of 0.5 their target is.
pub fn accuracy(probability: &Tensor, target: &Tensor) -> f64 {
    let (p, t) = (probability.to_f32_vec(), target.to_f32_vec());
    if p.is_empty() {
        return 0.0;
    }
    p.iter().zip(&t).filter(|(p, t)| (**p >= 0.5) == (**t >= 0.5)).count() as f64 / p.len() as f64
}
