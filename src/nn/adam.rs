//! `optim.Adam`: per parameter, running averages of the gradient and of its square, corrected for
//! their start at zero (Kingma & Ba, 2015, Algorithm 1), as PyTorch's defaults have it.

use std::cell::{Cell, RefCell};

use crate::error::Result;
use crate::tensor::Tensor;

/// `optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8)`.
pub struct Adam {
    parameters: Vec<Tensor>,
    /// The learning rate.
    pub lr: f64,
    /// Decay of the gradient's running average and of its square's.
    pub betas: (f64, f64),
    /// Added to the root of the second moment, so a zero gradient never divides by zero.
    pub eps: f64,
    steps: Cell<i32>,
    /// Per parameter: the first and second moment, once it has had a gradient.
    moments: RefCell<Vec<Option<(Tensor, Tensor)>>>,
}

impl Adam {
    /// Optimizes `parameters` in place, with PyTorch's defaults but `lr`.
    pub fn new(parameters: Vec<Tensor>, lr: f64) -> Adam {
        let moments = RefCell::new(vec![None; parameters.len()]);
        Adam { parameters, lr, betas: (0.9, 0.999), eps: 1e-8, steps: Cell::new(0), moments }
    }

    /// Forgets every gradient.
    pub fn zero_grad(&self) {
        for parameter in &self.parameters {
            parameter.set_grad(None);
        }
    }

    /// One step for every parameter that has a gradient:
    /// `m = β₁m + (1−β₁)g`, `v = β₂v + (1−β₂)g²`, `p −= lr · m̂ / (√v̂ + ε)` with `m̂ = m/(1−β₁ᵗ)`,
    /// `v̂ = v/(1−β₂ᵗ)`.
    pub fn step(&self) -> Result<()> {
        let t = self.steps.get().saturating_add(1);
        self.steps.set(t);
        let (beta1, beta2) = self.betas;
        let (correction1, correction2) = (1.0 - beta1.powi(t), 1.0 - beta2.powi(t));
        let mut moments = self.moments.borrow_mut();
        for (parameter, moment) in self.parameters.iter().zip(moments.iter_mut()) {
            let Some(grad) = parameter.grad() else { continue };
            let (m, v) = match moment.take() {
                Some((m, v)) => (
                    (&(&m * beta1)? + &(&grad * (1.0 - beta1))?)?,
                    (&(&v * beta2)? + &(&grad.pow(2.0) * (1.0 - beta2))?)?,
                ),
                None => ((&grad * (1.0 - beta1))?, (&grad.pow(2.0) * (1.0 - beta2))?),
            };
            let denominator = (&(&v / correction2)?.pow(0.5) + self.eps)?;
            let update = (&(&(&m / correction1)? / &denominator)? * self.lr)?;
            parameter.data().sub_(&update)?;
            *moment = Some((m, v));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adam_steps_as_its_algorithm_computed_by_hand() {
        let p = Tensor::from([1.0f32, -2.0]).requiring_grad().expect("float");
        let adam = Adam::new(vec![p.clone()], 0.1);
        // Two steps with gradients 2p (of p²): the oracle is Algorithm 1 computed in f64.
        let (mut m, mut v, mut values) = ([0.0f64; 2], [0.0f64; 2], [1.0f64, -2.0]);
        for t in 1..=2 {
            (&p * &p).expect("square").sum().backward().expect("backward");
            adam.step().expect("step");
            adam.zero_grad();
            for i in 0..2 {
                let g = 2.0 * values[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                let (m_hat, v_hat) = (m[i] / (1.0 - 0.9f64.powi(t)), v[i] / (1.0 - 0.999f64.powi(t)));
                values[i] -= 0.1 * m_hat / (v_hat.sqrt() + 1e-8);
            }
        }
        let got = p.to_f32_vec();
        for (got, expected) in got.iter().zip(values) {
            assert!((f64::from(*got) - expected).abs() < 1e-5, "{got} vs {expected}");
        }
        // Adam's first step moves each parameter by about lr, whatever its gradient's size.
        assert!((values[0] - 0.8).abs() < 0.01);
    }
}
