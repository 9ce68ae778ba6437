//! Gradient matching: the server reconstructs a batch of B images from one update of an MLP
//! (Zhu et al. 2019, with the cosine distance of Geiping et al. 2020). The labels come first, from
//! the last layer's bias gradient (a class in the batch is where it is negative: Zhao et al. 2020);
//! then dummy images, started at random, are moved by Adam until the gradients they would give
//! match the observed ones in direction; the best of several restarts is kept.
//!
//! Differentiating a distance between gradients needs second derivatives. Rather than an autograd
//! that records its own backward pass (PyTorch's `create_graph=True`), the MLP's backward pass is
//! written out here as tensor ops of the input (`record_gradients`: G = (softmax − Y)/B, ∇W = Gᵀa,
//! ∇b = 1ᵀG, G ← (G W) ⊙ act′(z)), so the distance is an ordinary expression of the dummy images
//! that first-order autograd differentiates. `tests/gradient_matching.rs` checks the written-out
//! gradients against autograd's own and the distance's derivative against finite differences.
//!
//! The whole optimisation is one plan, stored once and run once per restart on a worker of the
//! attacker's own (on the page, a Web Worker): the page never waits on it.

use crate::client::{PlanBuilder, Pointer, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{ObjectId, Plan};
use crate::rng::Rng;
use crate::tensor::{BinaryOp, Elementwise, Tensor};

/// What the server has: the global model it sent (weight, bias per layer, input layer first) and
/// the gradient the client's update implies (`(global − trained) / lr` after one step). The
/// distance ignores its scale; the labels do not.
pub struct Observed {
    pub parameters: Vec<Tensor>,
    pub gradients: Vec<Tensor>,
    /// Between hidden layers: `Relu` or `Tanh`.
    pub activation: Elementwise,
}

/// How hard to try.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchSettings {
    /// Adam steps per restart.
    pub iterations: usize,
    pub restarts: usize,
    /// Adam's step size at the start; it decays to a tenth by the last step.
    pub lr: f64,
    /// Seeds the dummy images' starts (an attack's demo, so the seeded generator).
    pub seed: u64,
}

impl Default for MatchSettings {
    fn default() -> MatchSettings {
        MatchSettings { iterations: 400, restarts: 4, lr: 0.1, seed: 0 }
    }
}

/// The server's reconstruction of a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchReconstruction {
    /// One image a row of the batch, pixels in 0..=1.
    pub images: Vec<Vec<f32>>,
    pub labels: Vec<usize>,
    /// 1 − cosine between the reconstruction's gradients and the observed ones (0: identical).
    pub distance: f64,
}

const BETAS: (f64, f64) = (0.9, 0.999);
const EPSILON: f64 = 1e-8;
/// Most images in a batch the attack takes on.
pub const MAX_BATCH: usize = 16;
/// Most Adam steps in one restart (a plan run stays well inside the worker's step limit).
pub const MAX_ITERATIONS: usize = 5_000;

/// The labels of a batch of `batch` from the last layer's bias gradient `mean(softmax − one_hot)`:
/// each class's count is about `B·p̄ − B·g`, with `p̄` taken as uniform; rounded, and the total
/// made `batch` by the most negative entries.
pub fn infer_labels(last_bias_gradient: &[f32], batch: usize) -> Vec<usize> {
    let classes = last_bias_gradient.len().max(1);
    let b = batch as f64;
    let mut counts: Vec<usize> = last_bias_gradient
        .iter()
        .map(|&g| (b / classes as f64 - b * f64::from(g)).round().clamp(0.0, b) as usize)
        .collect();
    let mut by_need: Vec<usize> = (0..last_bias_gradient.len()).collect();
    by_need.sort_by(|&i, &j| last_bias_gradient[i].total_cmp(&last_bias_gradient[j]));
    while counts.iter().sum::<usize>() > batch {
        // Take from the least negative class that has any.
        let Some(&k) = by_need.iter().rev().find(|&&k| counts[k] > 0) else { break };
        counts[k] -= 1;
    }
    for &k in by_need.iter().cycle().take(batch.saturating_sub(counts.iter().sum())) {
        counts[k] += 1;
    }
    counts.iter().enumerate().flat_map(|(class, &n)| std::iter::repeat_n(class, n)).collect()
}

/// The constants a recorded backward pass needs beside the parameters.
struct Constants {
    /// `[B, classes]` one-hot labels.
    one_hot: ObjectId,
    /// `[classes, 1]` ones: a row sum as a product.
    ones_classes: ObjectId,
    /// `[1, B]` ones: a column sum as a product.
    ones_batch: ObjectId,
}

/// Records the MLP's parameter gradients at input `x` (mean softmax cross-entropy against the
/// one-hot labels) as ops of `x`, in the order of `parameters`.
fn record_gradients(
    p: &mut PlanBuilder,
    parameters: &[ObjectId],
    activation: Elementwise,
    x: ObjectId,
    constants: &Constants,
    batch: usize,
) -> Vec<ObjectId> {
    let layers = parameters.len() / 2;
    // Per layer: its input a and its output before the activation z.
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    let mut a = x;
    for layer in 0..layers {
        let transposed = p.t(parameters[2 * layer]);
        let product = p.mm(a, transposed);
        let z = p.add(product, parameters[2 * layer + 1]);
        inputs.push(a);
        outputs.push(z);
        a = match activation {
            Elementwise::Relu => p.relu(z),
            _ => p.tanh(z),
        };
    }
    let logits = outputs[layers - 1];
    // Softmax without the row maximum taken out (a plan has no row maximum): a logit past ~88
    // overflows exp, the distance is NaN, and that restart loses to any finite one.
    let exponentials = p.exp(logits);
    let totals = p.mm(exponentials, constants.ones_classes);
    let probabilities = p.div(exponentials, totals);
    let difference = p.sub(probabilities, constants.one_hot);
    let mut g = p.mul(difference, 1.0 / batch as f64);
    let mut gradients = vec![ObjectId(0); parameters.len()];
    for layer in (0..layers).rev() {
        let transposed = p.t(g);
        gradients[2 * layer] = p.mm(transposed, inputs[layer]);
        gradients[2 * layer + 1] = p.mm(constants.ones_batch, g);
        if layer > 0 {
            let back = p.mm(g, parameters[2 * layer]);
            let below = outputs[layer - 1];
            let derivative = match activation {
                Elementwise::Relu => p.heaviside(below),
                _ => {
                    let value = inputs[layer];
                    let squared = p.pow(value, 2.0);
                    let minus = p.neg(squared);
                    p.add(minus, 1.0)
                }
            };
            g = p.mul(back, derivative);
        }
    }
    gradients
}

/// `1 − Σ⟨g, t⟩ / ‖g‖` for observed gradients `targets` scaled to norm 1 together.
fn record_distance(p: &mut PlanBuilder, gradients: &[ObjectId], targets: &[ObjectId]) -> ObjectId {
    let (mut dot, mut squares) = (None, None);
    for (&g, &t) in gradients.iter().zip(targets) {
        let product = p.mul(g, t);
        let d = p.sum(product);
        let square = p.pow(g, 2.0);
        let s = p.sum(square);
        dot = Some(match dot {
            Some(so_far) => p.add(so_far, d),
            None => d,
        });
        squares = Some(match squares {
            Some(so_far) => p.add(so_far, s),
            None => s,
        });
    }
    let (dot, squares) = (dot.unwrap_or(ObjectId(0)), squares.unwrap_or(ObjectId(0)));
    let norm = p.pow(squares, 0.5);
    let cosine = p.div(dot, norm);
    let minus = p.neg(cosine);
    p.add(minus, 1.0)
}

/// The plan: inputs `[schedule, schedule, x, m, v, one_hot, ones_classes, ones_batch,
/// parameters…, targets…]`, where `schedule` is `[iterations, 1]`, each row the step size of one
/// Adam step (its bias correction folded in); outputs `[x, the last distance]`.
pub fn matching_plan(parameter_count: usize, activation: Elementwise, batch: usize) -> Plan {
    let (mut plan, slots) = PlanBuilder::new(8 + 2 * parameter_count as u64);
    let (schedule, x, m, v) = (slots[0], slots[2], slots[3], slots[4]);
    let constants = Constants { one_hot: slots[5], ones_classes: slots[6], ones_batch: slots[7] };
    let parameters = &slots[8..8 + parameter_count];
    let targets = &slots[8 + parameter_count..];
    let mut last = ObjectId(0);
    plan.for_each_batch((schedule, slots[1]), 1, 1, |p, step_size, _| {
        let gradients = record_gradients(p, parameters, activation, x, &constants, batch);
        let distance = record_distance(p, &gradients, targets);
        p.backward(distance);
        let grad = p.grad(x);
        // Adam: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², x −= step · m / (√v + ε).
        p.in_place(BinaryOp::Mul, m, BETAS.0);
        let new_m = p.mul(grad, 1.0 - BETAS.0);
        p.in_place(BinaryOp::Add, m, new_m);
        p.in_place(BinaryOp::Mul, v, BETAS.1);
        let squared = p.pow(grad, 2.0);
        let new_v = p.mul(squared, 1.0 - BETAS.1);
        p.in_place(BinaryOp::Add, v, new_v);
        let root = p.pow(v, 0.5);
        let denominator = p.add(root, EPSILON);
        let direction = p.div(m, denominator);
        let step = p.mul(direction, step_size);
        let values = p.data(x);
        p.in_place(BinaryOp::Sub, values, step);
        // Back into the pixels' range: min(max(x, 0), 1) = 1 − relu(1 − relu(x)), set in place.
        let floor = p.relu(values);
        let flipped = p.neg(floor);
        let from_top = p.add(flipped, 1.0);
        let capped = p.relu(from_top);
        let minus_capped = p.neg(capped);
        let clamped = p.add(minus_capped, 1.0);
        let excess = p.sub(values, clamped);
        p.in_place(BinaryOp::Sub, values, excess);
        p.zero_(grad);
        last = distance;
    });
    plan.build(&[x, last])
}

/// One evaluation, for checking: inputs `[x, one_hot, ones_classes, ones_batch, parameters…,
/// targets…]` (the targets scaled to norm 1 together), outputs `[the written-out gradients…, the distance, its gradient in x]`.
pub fn distance_plan(parameter_count: usize, activation: Elementwise, batch: usize) -> Plan {
    let (mut plan, slots) = PlanBuilder::new(4 + 2 * parameter_count as u64);
    let x = slots[0];
    let constants = Constants { one_hot: slots[1], ones_classes: slots[2], ones_batch: slots[3] };
    let parameters = &slots[4..4 + parameter_count];
    let gradients = record_gradients(&mut plan, parameters, activation, x, &constants, batch);
    let distance = record_distance(&mut plan, &gradients, &slots[4 + parameter_count..]);
    plan.backward(distance);
    let grad = plan.grad(x);
    let mut outputs = gradients;
    outputs.extend([distance, grad]);
    plan.build(&outputs)
}

/// Adam's step sizes with the bias correction folded in (`lr·√(1−β₂ᵗ)/(1−β₁ᵗ)`), decaying
/// geometrically to a tenth: a `[iterations, 1]` tensor, a row per step.
fn schedule(settings: &MatchSettings) -> Result<Tensor> {
    let n = settings.iterations;
    let steps = (1..=n).map(|t| {
        let correction = (1.0 - BETAS.1.powi(t as i32)).sqrt() / (1.0 - BETAS.0.powi(t as i32));
        (settings.lr * correction * 0.1f64.powf((t - 1) as f64 / n as f64)) as f32
    });
    Tensor::from_f32(&[n, 1], steps.collect())
}

fn refuse(setting: &str, value: String, expected: String) -> Error {
    Error::InvalidSetting { setting: setting.into(), value, expected }
}

/// The server's best reconstruction of a batch of `batch` images of `features` pixels from
/// `observed`, computed on `worker` (which sees only the model and the gradient).
pub async fn reconstruct_batch(
    worker: &WorkerHandle,
    observed: &Observed,
    batch: usize,
    settings: &MatchSettings,
) -> Result<BatchReconstruction> {
    if !(1..=MAX_BATCH).contains(&batch) {
        return Err(refuse("batch", batch.to_string(), format!("1 to {MAX_BATCH} images")));
    }
    if !(1..=MAX_ITERATIONS).contains(&settings.iterations) || !(1..=32).contains(&settings.restarts) {
        let value = format!("{} iterations, {} restarts", settings.iterations, settings.restarts);
        return Err(refuse("gradient matching", value, format!("1 to {MAX_ITERATIONS} iterations, 1 to 32 restarts")));
    }
    let count = observed.parameters.len();
    if count < 2 || !count.is_multiple_of(2) || observed.gradients.len() != count {
        let value = format!("{count} parameters, {} gradients", observed.gradients.len());
        return Err(refuse(
            "gradient matching",
            value,
            "a weight and a bias per layer, and a gradient for each".into(),
        ));
    }
    let features = observed.parameters[0].shape().get(1).copied().unwrap_or(0);
    // The observed gradients scaled to norm 1 together: the distance then needs only ‖g‖.
    let norm = observed.gradients.iter().flat_map(|g| g.to_f32_vec()).map(|v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(Error::Empty { what: "gradient matching".into(), item: "non-zero, finite gradient".into() });
    }
    let last_bias = observed.gradients[count - 1].to_f32_vec();
    let classes = last_bias.len();
    let labels = infer_labels(&last_bias, batch);
    let mut one_hot = vec![0.0f32; batch * classes];
    for (row, &label) in labels.iter().enumerate() {
        one_hot[row * classes + label] = 1.0;
    }
    let schedule = schedule(settings)?;
    let send = |t: &Tensor| t.send(worker);
    let fixed: Vec<Pointer> = [
        schedule.clone(),
        schedule,
        Tensor::from_f32(&[batch, classes], one_hot)?,
        Tensor::from_f32(&[classes, 1], vec![1.0; classes])?,
        Tensor::from_f32(&[1, batch], vec![1.0; batch])?,
    ]
    .iter()
    .map(send)
    .collect::<Result<_>>()?;
    let parameters: Vec<Pointer> = observed.parameters.iter().map(|t| send(&t.detach())).collect::<Result<_>>()?;
    let targets: Vec<Pointer> =
        observed.gradients.iter().map(|g| send(&g.detach().mul(1.0 / norm)?)).collect::<Result<_>>()?;
    let plan = matching_plan(count, observed.activation, batch).send(worker)?;
    let mut rng = Rng::seeded(settings.seed);
    let mut best: Option<(Vec<f32>, f64)> = None;
    for _ in 0..settings.restarts {
        let start: Vec<f32> = (0..batch * features).map(|_| rng.next_f64() as f32).collect();
        let x = send(&Tensor::from_f32(&[batch, features], start)?.requiring_grad()?)?;
        let (m, v) = (send(&Tensor::zeros(&[batch, features]))?, send(&Tensor::zeros(&[batch, features]))?);
        let mut inputs: Vec<&Pointer> = vec![&fixed[0], &fixed[1], &x, &m, &v, &fixed[2], &fixed[3], &fixed[4]];
        inputs.extend(parameters.iter());
        inputs.extend(targets.iter());
        let outputs = plan.run_plan(&inputs, 2).await?;
        let fetched = worker.syft().get_many(&outputs.iter().collect::<Vec<_>>()).await?;
        let [images, distance] = &fetched[..] else { return Err(Error::internal("gradient matching gave no result")) };
        let distance = distance.item()?;
        // A restart whose logits overflowed ends NaN: any finite one beats it.
        let better = |d: f64| distance < d || (d.is_nan() && !distance.is_nan());
        if best.as_ref().is_none_or(|(_, d)| better(*d)) {
            best = Some((images.to_f32_vec(), distance));
        }
    }
    let (pixels, distance) = best.ok_or_else(|| Error::internal("no restart ran"))?;
    let images = pixels.chunks(features.max(1)).map(<[f32]>::to_vec).collect();
    Ok(BatchReconstruction { images, labels, distance })
}
