//! The playground's models: logistic regression and a small multi-layer perceptron (hidden layers
//! with tanh or ReLU) ending in a sigmoid for binary classification with cross-entropy; the same
//! shapes without the sigmoid for regression with squared error — with no hidden layer, the
//! seed's `Linear(2,1)`; and ending in a softmax over several classes with softmax cross-entropy
//! (the digits: 64 → h → 10).

use super::Linear;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::{Elementwise, Tensor};

/// A stack of [`Linear`] layers with an activation between them, for one [`Task`].
#[derive(Clone, Debug)]
pub struct Mlp {
    /// Input layer first; the last has one output, or one per class.
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
    /// One of `classes` classes: a softmax over as many outputs, with softmax cross-entropy
    /// against the class index.
    Classes {
        /// How many: the last layer's outputs.
        classes: usize,
    },
}

impl Task {
    /// Outputs of the last layer.
    pub fn outputs(self) -> usize {
        match self {
            Task::Classes { classes } => classes,
            Task::Classification | Task::Regression => 1,
        }
    }
}

impl Mlp {
    /// `inputs` → each of `hidden` → 1, with PyTorch's initialisation from `rng`.
    pub fn new(inputs: usize, hidden: &[usize], activation: Elementwise, rng: &mut Rng) -> Result<Mlp> {
        Mlp::for_task(Task::Classification, inputs, hidden, activation, rng)
    }

    /// `inputs` → each of `hidden` → `classes`, ending in a softmax: the digits' classifier.
    pub fn classifier(
        inputs: usize,
        hidden: &[usize],
        classes: usize,
        activation: Elementwise,
        rng: &mut Rng,
    ) -> Result<Mlp> {
        if !(2..=1000).contains(&classes) {
            let expected = "2 to 1000 classes".to_owned();
            return Err(Error::InvalidSetting { setting: "classes".into(), value: classes.to_string(), expected });
        }
        Mlp::for_task(Task::Classes { classes }, inputs, hidden, activation, rng)
    }

    fn for_task(task: Task, inputs: usize, hidden: &[usize], activation: Elementwise, rng: &mut Rng) -> Result<Mlp> {
        if !matches!(activation, Elementwise::Tanh | Elementwise::Relu) {
            return Err(Error::InvalidSetting {
                setting: "activation".into(),
                value: format!("{activation:?}"),
                expected: "tanh or relu".into(),
            });
        }
        let sizes: Vec<usize> = std::iter::once(inputs).chain(hidden.iter().copied()).chain([task.outputs()]).collect();
        let layers = sizes.windows(2).map(|pair| Linear::new(pair[0], pair[1], rng)).collect::<Result<_>>()?;
        Ok(Mlp { layers, activation, task })
    }

    /// The same network predicting a number, trained with squared error; `hidden = []` is the
    /// seed's `Linear(2,1)`.
    pub fn regression(inputs: usize, hidden: &[usize], activation: Elementwise, rng: &mut Rng) -> Result<Mlp> {
        Mlp::for_task(Task::Regression, inputs, hidden, activation, rng)
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

    /// The probability of class 1 (classification), the predicted value (regression), one per
    /// row; or each row's probabilities over the classes.
    pub fn forward(&self, input: &Tensor) -> Result<Tensor> {
        let logits = self.logits(input)?;
        match self.task {
            Task::Classification => Ok(logits.sigmoid()),
            Task::Regression => Ok(logits),
            Task::Classes { .. } => logits.softmax(),
        }
    }

    /// The task's loss of `prediction` (from [`Mlp::forward`]) against `target`. Over classes,
    /// the mean of `−log p[target]` read off the probabilities (the softmax of log p is p again);
    /// to train, take [`Tensor::cross_entropy_with`] of the logits, which differentiates stably.
    pub fn loss(&self, prediction: &Tensor, target: &Tensor) -> Result<Tensor> {
        match self.task {
            Task::Classification => binary_cross_entropy(prediction, target),
            Task::Regression => prediction.sub(target)?.pow(2.0).mean(),
            Task::Classes { .. } => prediction.add(1e-7)?.log().cross_entropy_with(target),
        }
    }

    /// Accuracy (classification, classes), or R² (regression: 1 − squared error / the target's
    /// variance).
    pub fn score(&self, prediction: &Tensor, target: &Tensor) -> f64 {
        match self.task {
            Task::Classification => accuracy(prediction, target),
            Task::Regression => r_squared(prediction, target),
            Task::Classes { .. } => class_accuracy(prediction, target),
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

/// Each row's most likely class (the first, on a tie).
pub fn predicted_classes(probabilities: &Tensor) -> Vec<usize> {
    let classes = probabilities.shape().get(1).copied().unwrap_or(1).max(1);
    probabilities
        .to_f32_vec()
        .chunks(classes)
        .map(|row| row.iter().enumerate().fold(0, |best, (k, p)| if *p > row[best] { k } else { best }))
        .collect()
}

/// The share of rows whose most likely class is their target's.
pub fn class_accuracy(probabilities: &Tensor, target: &Tensor) -> f64 {
    let predicted = predicted_classes(probabilities);
    if predicted.is_empty() {
        return 0.0;
    }
    let right = predicted.iter().zip(target.to_f32_vec()).filter(|(p, t)| **p as f32 == *t).count();
    right as f64 / predicted.len() as f64
}

/// The share of rows whose probability is on the side of 0.5 their target is.
pub fn accuracy(probability: &Tensor, target: &Tensor) -> f64 {
    let (p, t) = (probability.to_f32_vec(), target.to_f32_vec());
    if p.is_empty() {
        return 0.0;
    }
    p.iter().zip(&t).filter(|(p, t)| (**p >= 0.5) == (**t >= 0.5)).count() as f64 / p.len() as f64
}
