//! The seed's warning, carried out: "by looking at their gradients … we can restore their training
//! data perfectly". The central server of plain send/get training knows the model it sent (w, b)
//! and receives, from each worker each round, the gradients of that worker's summed squared error
//! and the loss. For the toy `Linear(2, 1)` on two rows (xᵢ, yᵢ), with rᵢ = w·xᵢ + b − yᵢ:
//!
//! ```text
//!   ∇b = Σ 2rᵢ      ∇W = Σ 2rᵢxᵢ      loss = Σ rᵢ²
//! ```
//!
//! Four equations per round in six unknowns (both rows, both targets). A few rounds of different
//! (w, b) pin them down: this module fits the six unknowns to everything received by
//! Levenberg–Marquardt from several starts (gradient matching). It only ever sees what the server
//! received; it never looks at a worker's data.

use crate::rng::Rng;

/// What the server held and received of one worker in one round.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The model it sent.
    pub weight: [f64; 2],
    pub bias: f64,
    /// What came back.
    pub grad_weight: [f64; 2],
    pub grad_bias: f64,
    pub loss: f64,
}

/// A worker's two rows and targets as the server reconstructs them.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconstruction {
    /// Sorted, since the order of a worker's rows cannot be told from sums over them.
    pub rows: [([f64; 2], f64); 2],
    /// Root-mean-square mismatch between what was received and what these rows would give.
    pub residual: f64,
}

impl Reconstruction {
    /// The largest distance, coordinate by coordinate, from `truth` (sorted the same way).
    pub fn error_against(&self, truth: [([f64; 2], f64); 2]) -> f64 {
        let truth = sorted(truth);
        self.rows
            .iter()
            .zip(truth.iter())
            .flat_map(|((x, y), (tx, ty))| [(x[0] - tx[0]).abs(), (x[1] - tx[1]).abs(), (y - ty).abs()])
            .fold(0.0, f64::max)
    }
}

fn sorted(mut rows: [([f64; 2], f64); 2]) -> [([f64; 2], f64); 2] {
    let key = |r: &([f64; 2], f64)| (r.0[0], r.0[1], r.1);
    if key(&rows[1]).partial_cmp(&key(&rows[0])) == Some(std::cmp::Ordering::Less) {
        rows.swap(0, 1);
    }
    rows
}

const UNKNOWNS: usize = 6;
const STARTS: usize = 24;
const ITERATIONS: usize = 200;
/// Rounds the fit uses at most: a few informative ones pin the rows down, and the cost stays flat.
pub const ROUNDS_USED: usize = 8;

/// The two rows that best explain `observations` (every round the server received, in order), or
/// `None` with no observation to go on.
///
/// The fit uses the [`ROUNDS_USED`] most informative rounds, not the latest: once training has
/// converged a round's gradients are nearly zero and its model the same as the round before, so
/// late rounds pin nothing down — a fit of them alone got worse as training went on. A round
/// says the more, the further the model it was sent was from fitting the worker's rows: the
/// larger its gradients and loss. What the server received only grows, and so does what it keeps.
pub fn reconstruct(observations: &[Observation]) -> Option<Reconstruction> {
    if observations.is_empty() {
        return None;
    }
    let observations = most_informative(observations);
    let observations = observations.as_slice();
    // A fixed seed: the attack is a demonstration and must repeat exactly.
    let mut rng = Rng::seeded(0xA77AC);
    let mut best: Option<([f64; UNKNOWNS], f64)> = None;
    for _ in 0..STARTS {
        let start: [f64; UNKNOWNS] = std::array::from_fn(|_| rng.uniform(-2.0, 2.0));
        let (fit, cost) = levenberg_marquardt(start, observations);
        if best.as_ref().is_none_or(|(_, best_cost)| cost < *best_cost) {
            best = Some((fit, cost));
        }
        if cost < 1e-16 {
            break;
        }
    }
    let (p, cost) = best?;
    let equations = (observations.len() * 4) as f64;
    Some(Reconstruction {
        rows: sorted([([p[0], p[1]], p[2]), ([p[3], p[4]], p[5])]),
        residual: (cost / equations).sqrt(),
    })
}

/// The [`ROUNDS_USED`] rounds with the largest gradients and loss, in the order they came.
fn most_informative(observations: &[Observation]) -> Vec<Observation> {
    let information = |o: &Observation| {
        let size = o.grad_weight[0].powi(2) + o.grad_weight[1].powi(2) + o.grad_bias.powi(2) + o.loss.abs();
        if size.is_finite() {
            size
        } else {
            0.0
        }
    };
    let mut ranked: Vec<usize> = (0..observations.len()).collect();
    ranked.sort_by(|&a, &b| information(&observations[b]).total_cmp(&information(&observations[a])).then(a.cmp(&b)));
    ranked.truncate(ROUNDS_USED);
    ranked.sort_unstable();
    ranked.into_iter().map(|i| observations[i].clone()).collect()
}

/// Residuals of every equation and their derivatives by the six unknowns
/// `p = (x₁₀, x₁₁, y₁, x₂₀, x₂₁, y₂)`.
fn residuals(p: &[f64; UNKNOWNS], observations: &[Observation]) -> (Vec<f64>, Vec<[f64; UNKNOWNS]>) {
    let mut values = Vec::with_capacity(observations.len() * 4);
    let mut jacobian = Vec::with_capacity(observations.len() * 4);
    for o in observations {
        let [w0, w1] = o.weight;
        let rows = [[p[0], p[1], p[2]], [p[3], p[4], p[5]]];
        let r: Vec<f64> = rows.iter().map(|[x0, x1, y]| w0 * x0 + w1 * x1 + o.bias - y).collect();
        // Each equation's derivative by one row's (x₀, x₁, y), placed at that row's offset.
        let row = |f: &dyn Fn(usize, [f64; 3], f64) -> [f64; 3]| {
            let mut d = [0.0; UNKNOWNS];
            for (i, xy) in rows.iter().enumerate() {
                d[3 * i..3 * i + 3].copy_from_slice(&f(i, *xy, r[i]));
            }
            d
        };
        values.push(2.0 * (r[0] + r[1]) - o.grad_bias);
        jacobian.push(row(&|_, _, _| [2.0 * w0, 2.0 * w1, -2.0]));
        values.push(2.0 * (r[0] * p[0] + r[1] * p[3]) - o.grad_weight[0]);
        jacobian.push(row(&|_, [x0, _, _], ri| [2.0 * (w0 * x0 + ri), 2.0 * w1 * x0, -2.0 * x0]));
        values.push(2.0 * (r[0] * p[1] + r[1] * p[4]) - o.grad_weight[1]);
        jacobian.push(row(&|_, [_, x1, _], ri| [2.0 * w0 * x1, 2.0 * (w1 * x1 + ri), -2.0 * x1]));
        values.push(r[0] * r[0] + r[1] * r[1] - o.loss);
        jacobian.push(row(&|_, _, ri| [2.0 * ri * w0, 2.0 * ri * w1, -2.0 * ri]));
    }
    (values, jacobian)
}

fn cost(p: &[f64; UNKNOWNS], observations: &[Observation]) -> f64 {
    residuals(p, observations).0.iter().map(|r| r * r).sum()
}

fn levenberg_marquardt(mut p: [f64; UNKNOWNS], observations: &[Observation]) -> ([f64; UNKNOWNS], f64) {
    let mut lambda = 1e-3;
    let mut current = cost(&p, observations);
    for _ in 0..ITERATIONS {
        let (r, j) = residuals(&p, observations);
        let mut jtj = [[0.0; UNKNOWNS]; UNKNOWNS];
        let mut jtr = [0.0; UNKNOWNS];
        for (ri, ji) in r.iter().zip(&j) {
            for a in 0..UNKNOWNS {
                jtr[a] += ji[a] * ri;
                for b in 0..UNKNOWNS {
                    jtj[a][b] += ji[a] * ji[b];
                }
            }
        }
        let mut improved = false;
        for _ in 0..10 {
            let mut system = jtj;
            for (a, row) in system.iter_mut().enumerate() {
                row[a] += lambda * (1.0 + row[a]);
            }
            let Some(step) = solve(system, jtr.map(|v| -v)) else { break };
            let candidate: [f64; UNKNOWNS] = std::array::from_fn(|k| p[k] + step[k]);
            let next = cost(&candidate, observations);
            if next.is_finite() && next < current {
                p = candidate;
                current = next;
                lambda = (lambda / 3.0).max(1e-12);
                improved = true;
                break;
            }
            lambda *= 4.0;
        }
        if !improved || current < 1e-20 {
            break;
        }
    }
    (p, current)
}

/// Gaussian elimination with partial pivoting; `None` for a singular system.
fn solve(mut a: [[f64; UNKNOWNS]; UNKNOWNS], mut b: [f64; UNKNOWNS]) -> Option<[f64; UNKNOWNS]> {
    for column in 0..UNKNOWNS {
        let pivot = (column..UNKNOWNS).max_by(|&i, &k| a[i][column].abs().total_cmp(&a[k][column].abs()))?;
        if a[pivot][column].abs() < 1e-300 {
            return None;
        }
        a.swap(column, pivot);
        b.swap(column, pivot);
        let (pivot_row, pivot_b) = (a[column], b[column]);
        for row in column + 1..UNKNOWNS {
            let factor = a[row][column] / pivot_row[column];
            for (value, pivot_value) in a[row][column..].iter_mut().zip(&pivot_row[column..]) {
                *value -= factor * pivot_value;
            }
            b[row] -= factor * pivot_b;
        }
    }
    let mut x = [0.0; UNKNOWNS];
    for row in (0..UNKNOWNS).rev() {
        let tail: f64 = (row + 1..UNKNOWNS).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    Some(x)
}
