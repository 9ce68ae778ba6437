//! Dealing a data set out to clients: IID, label skew by Dirichlet(α) (each client's class mix
//! drawn from a Dirichlet; small α means most clients see mostly one class), and quantity skew
//! (client sizes drawn from a Dirichlet). Every point goes to exactly one client.

use super::data::{normal, shuffle};
use crate::error::{Error, Result};
use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Partition {
    Iid,
    LabelSkew { alpha: f64 },
    QuantitySkew { alpha: f64 },
}

/// Most clients a partition deals to.
pub const MAX_CLIENTS: usize = 64;

/// The indices of `labels` each of `clients` clients gets.
pub fn partition(labels: &[usize], clients: usize, scheme: Partition, seed: u64) -> Result<Vec<Vec<usize>>> {
    if !(1..=MAX_CLIENTS).contains(&clients) {
        let expected = format!("1 to {MAX_CLIENTS} clients");
        return Err(Error::InvalidSetting { setting: "clients".into(), value: clients.to_string(), expected });
    }
    if let Partition::LabelSkew { alpha } | Partition::QuantitySkew { alpha } = scheme {
        if !(alpha > 0.0 && alpha <= 1e4) {
            let expected = "a Dirichlet α in (0, 10000]".to_owned();
            return Err(Error::InvalidSetting { setting: "alpha".into(), value: alpha.to_string(), expected });
        }
    }
    let mut rng = Rng::seeded(seed);
    let mut order: Vec<usize> = (0..labels.len()).collect();
    shuffle(&mut order, &mut rng);
    let mut shards = vec![Vec::new(); clients];
    match scheme {
        Partition::Iid => {
            for (k, index) in order.into_iter().enumerate() {
                shards[k % clients].push(index);
            }
        }
        Partition::QuantitySkew { alpha } => {
            let weights = dirichlet(clients, alpha, &mut rng);
            deal(&order, &weights, &mut shards);
        }
        Partition::LabelSkew { alpha } => {
            let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
            for class in 0..classes {
                let members: Vec<usize> = order.iter().copied().filter(|&i| labels[i] == class).collect();
                let weights = dirichlet(clients, alpha, &mut rng);
                deal(&members, &weights, &mut shards);
            }
            // Dealt class by class, a shard would hold its classes in blocks, and its mini-batches
            // would each be one class.
            for shard in &mut shards {
                shuffle(shard, &mut rng);
            }
        }
    }
    Ok(shards)
}

/// Deals `items` out to `shards` in consecutive runs, in proportion to `weights`.
fn deal(items: &[usize], weights: &[f64], shards: &mut [Vec<usize>]) {
    let mut rest = items;
    for (shard, count) in shards.iter_mut().zip(split_counts(items.len(), weights)) {
        let (taken, left) = rest.split_at(count.min(rest.len()));
        shard.extend_from_slice(taken);
        rest = left;
    }
}

/// `total` split in proportion to `weights`, the rounding remainder going to the largest weights.
fn split_counts(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    by_remainder.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = total.saturating_sub(counts.iter().sum());
    for &i in by_remainder.iter().cycle().take(missing) {
        counts[i] += 1;
    }
    counts
}

/// A draw from Dirichlet(α, …, α) over `n` parts.
fn dirichlet(n: usize, alpha: f64, rng: &mut Rng) -> Vec<f64> {
    let draws: Vec<f64> = (0..n).map(|_| gamma(alpha, rng)).collect();
    let sum: f64 = draws.iter().sum();
    if sum > 0.0 {
        draws.iter().map(|d| d / sum).collect()
    } else {
        vec![1.0 / n as f64; n]
    }
}

/// A Gamma(shape, 1) draw (Marsaglia and Tsang; shape < 1 by the boost Gamma(shape + 1)·U^(1/shape)).
fn gamma(shape: f64, rng: &mut Rng) -> f64 {
    if shape < 1.0 {
        let u = rng.next_f64().max(f64::MIN_POSITIVE);
        return gamma(shape + 1.0, rng) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    for _ in 0..1000 {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.next_f64();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
    d
}
