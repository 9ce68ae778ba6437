//! What the server reconstructs each round from what reached it, and how close it came. From an
//! update of the first layer `h = W x + b` (trained − global), each row of ΔW divided by its Δb
//! is the image a single step trained on, exactly (`privacy/inversion.rs`); after several steps
//! or over several images it is a blend of them, and after secure aggregation or DP noise only
//! the sum's blend is left. The server needs nothing but what it received; judging it takes the
//! simulation's privileged view — which images the update came from.

use crate::error::Result;
use crate::privacy::gradient_matching::Observed;
use crate::privacy::inversion::{invert_first_layer, psnr};
use crate::protocol::WorkerId;
use crate::tensor::Tensor;

/// The server's reconstruction from one update, beside the nearest true image.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconstruction {
    /// Whose update: a client's, or `None` for the aggregate (every participant's at once).
    pub client: Option<WorkerId>,
    /// The reconstruction, clipped to the pixels' range 0..=1 (which the server knows).
    pub image: Vec<f32>,
    /// Privileged: of the training examples the update came from this round, the nearest.
    pub nearest: Vec<f32>,
    /// PSNR in dB of `image` against `nearest`.
    pub psnr: f64,
    /// How many training examples the update came from.
    pub examples: usize,
}

/// One client's update as `me` received it in the plain mode, kept from the latest round for an
/// attack that takes longer than a round (gradient matching, on a worker of its own).
#[derive(Clone, Debug)]
pub struct ClientUpdate {
    pub round: usize,
    pub client: WorkerId,
    /// The global model the client started from, and the model it sent back.
    pub global: Vec<Tensor>,
    pub trained: Vec<Tensor>,
    pub activation: crate::tensor::Elementwise,
    /// The learning rate the server set: after one step, the update is `lr` times the gradient.
    pub lr: f64,
    /// Privileged: the images it trained on this round (the simulation knows; the server does not).
    pub images: Vec<Vec<f32>>,
}

impl ClientUpdate {
    /// What the server has: the model it sent, and the update as the gradient it came from
    /// (`(global − trained) / lr`, exact after one step).
    pub fn observed(&self) -> Result<Observed> {
        let gradients =
            self.global.iter().zip(&self.trained).map(|(g, t)| g.sub(t)?.div(self.lr)).collect::<Result<_>>()?;
        Ok(Observed { parameters: self.global.clone(), gradients, activation: self.activation })
    }
}

/// The examples at `used` (`features` numbers each) of the row-after-row `inputs`.
pub fn examples(inputs: &[f32], features: usize, used: &[usize]) -> Vec<Vec<f32>> {
    used.iter()
        .filter_map(|&i| {
            let start = i.checked_mul(features)?;
            inputs.get(start..start.checked_add(features)?).map(<[f32]>::to_vec)
        })
        .collect()
}

/// The server's best reconstruction from the first layer's update `trained − global` (weight,
/// bias: the first two parameters), judged against the examples (`[n, features]` rows of
/// `inputs`) at `used`. `None` where nothing flowed back (every Δb zero) or nothing was used.
pub fn reconstruct(
    client: Option<WorkerId>,
    trained: &[Tensor],
    global: &[Tensor],
    inputs: &[f32],
    used: &[usize],
) -> Result<Option<Reconstruction>> {
    let ([weight, bias, ..], [global_weight, global_bias, ..]) = (trained, global) else { return Ok(None) };
    let update = (weight.sub(global_weight)?, bias.sub(global_bias)?);
    let Ok(image) = invert_first_layer(&update.0, &update.1) else { return Ok(None) };
    let image: Vec<f32> = image.to_f32_vec().iter().map(|p| p.clamp(0.0, 1.0)).collect();
    let examples = examples(inputs, image.len(), used);
    let best = examples.iter().map(|truth| (psnr(&image, truth), truth)).max_by(|a, b| a.0.total_cmp(&b.0));
    Ok(best.map(|(psnr, nearest)| Reconstruction {
        client,
        image,
        nearest: nearest.to_vec(),
        psnr,
        examples: used.len(),
    }))
}
