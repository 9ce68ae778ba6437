//! The playground's models: logistic regression and a small multi-layer perceptron (hidden layers
//! with tanh or ReLU), each ending in a sigmoid for binary classification.

use super::Linear;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::{Elementwise, Tensor};

#[derive(Clone, Debug)]
pub struct Mlp {
    pub layers: Vec<Linear>,
    /// Between hidden layers: `Tanh` or `Relu`.
    pub activation: Elementwise,
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
        Ok(Mlp { layers, activation })
    }

    /// Logistic regression: no hidden layer.
    pub fn logistic(inputs: usize, rng: &mut Rng) -> Result<Mlp> {
        Mlp::new(inputs, &[], Elementwise::Tanh, rng)
    }

    /// The output before the sigmoid.
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

    /// The probability of class 1, one per row.
    pub fn forward(&self, input: &Tensor) -> Result<Tensor> {
        Ok(self.logits(input)?.sigmoid())
    }

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

/// The share of rows whose probability is on the side of 0.5 their target is.
pub fn accuracy(probability: &Tensor, target: &Tensor) -> f64 {
    let (p, t) = (probability.to_f32_vec(), target.to_f32_vec());
    if p.is_empty() {
        return 0.0;
    }
    p.iter().zip(&t).filter(|(p, t)| (**p >= 0.5) == (**t >= 0.5)).count() as f64 / p.len() as f64
}
