//! The server reconstructing a client's image from one update, as the seed warns it can. For a
//! first layer `h = W x + b` trained on one image, the gradients are `∇W = δ xᵀ` and `∇b = δ`
//! (δ the gradient reaching `h`): every row of `∇W` is the image times that row's `∇b`, so
//! dividing a row by its `∇b` gives the image back exactly (Phong et al., 2017). The server needs
//! nothing but what it received.

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The input of one step, from a first linear layer's weight gradient `[outputs, inputs]` and
/// bias gradient `[outputs]`: the row whose bias gradient is largest in size (the best
/// conditioned), divided by it. Fails when every bias gradient is zero (nothing flowed back).
pub fn invert_first_layer(weight_grad: &Tensor, bias_grad: &Tensor) -> Result<Tensor> {
    let (weights, biases) = (weight_grad.to_f32_vec(), bias_grad.to_f32_vec());
    let shape = weight_grad.shape();
    let [outputs, inputs] = shape[..] else {
        return Err(Error::WrongRank { op: "invert_first_layer".into(), expected: "2 dimensions".into(), shape });
    };
    if biases.len() != outputs {
        return Err(Error::ShapeMismatch { op: "invert_first_layer".into(), lhs: shape, rhs: bias_grad.shape() });
    }
    let (row, scale) = biases
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .filter(|(_, b)| b.abs() > f32::MIN_POSITIVE)
        .ok_or_else(|| Error::Empty { what: "invert_first_layer".into(), item: "non-zero bias gradient".into() })?;
    let image = weights[row * inputs..(row + 1) * inputs].iter().map(|w| w / scale).collect();
    Tensor::from_f32(&[inputs], image)
}

/// Peak signal-to-noise ratio in dB of `reconstruction` against `truth`, both in 0..=1:
/// `10 log10(1 / mean squared error)`; infinite for an exact copy.
pub fn psnr(reconstruction: &[f32], truth: &[f32]) -> f64 {
    if truth.is_empty() || reconstruction.len() != truth.len() {
        return 0.0;
    }
    let mse = reconstruction.iter().zip(truth).map(|(r, t)| f64::from(r - t).powi(2)).sum::<f64>() / truth.len() as f64;
    if mse == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (1.0 / mse).log10()
}
