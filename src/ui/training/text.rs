//! What the training panel says about a mode and a run, in the run's own numbers.

use super::super::url::{mode_name, RunSettings};
use crate::federated::{Aggregation, RoundReport};

/// What the noise costs, in this run's numbers: the model has three numbers (the seed's
/// `Linear(2, 1)`) and two workers' clipped updates are summed before the noise is added.
pub fn dp_tradeoff(z: f64, clip: f64, reports: &[RoundReport]) -> String {
    let mut text = format!(
        "Noise against signal: each round secure_worker adds noise of standard deviation z·S = {} to each of the model's 3 numbers, \
         while the two clipped updates it sums have a norm of at most 2·S = {} together. From z ≈ 1 the noise is as large as \
         what the workers learned, and the model can end worse than it started: that is the price of a small ε. A smaller z (say 0.1) learns again, at a larger ε.",
        z * clip,
        2.0 * clip
    );
    if let (Some(first), Some(last)) = (reports.first(), reports.last().filter(|_| reports.len() > 1)) {
        if last.global_loss > first.global_loss {
            text.push_str(&format!(
                " In this run the total loss has risen from {:.3} after round 1 to {:.3}.",
                first.global_loss, last.global_loss
            ));
        }
    }
    text
}

/// `dp (z = 1, S = 1), lr 0.1`: what a finished run's curve is called on the chart.
pub fn run_name(settings: &RunSettings) -> String {
    let config = &settings.config;
    match config.aggregation {
        Aggregation::DifferentialPrivacy => {
            format!("dp (z = {}, S = {}), lr {}", config.noise_multiplier, config.clip_norm, config.lr)
        }
        mode => format!("{}, lr {}", mode_name(mode), config.lr),
    }
}

pub fn mode_label(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "model.send / model.get (seed In[57])",
        Aggregation::UntrustedServer => "untrusted server: average on secure_worker",
        Aggregation::SecureAggregation => "secure aggregation: add secret shares, open only the sum",
        Aggregation::DifferentialPrivacy => "differential privacy: clip, add Gaussian noise",
    }
}

pub fn mode_explained(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "Plain mode: the model goes to each worker and comes back with its gradients, so the server sees every worker's model — and, below, restores their data from it.",
        Aggregation::UntrustedServer => "Untrusted-server mode: each worker trains its own copy; the copies move worker to worker to secure_worker, are averaged there, and only the average (and each worker's loss) comes back. secure_worker sees every model.",
        Aggregation::SecureAggregation => "Secure aggregation: each worker puts its trained copy in fixed precision and splits it into random shares for bob, alice and secure_worker; the shares are added where they lie and only the sum is opened. Nobody — secure_worker included — sees one worker's model, and no worker's loss is sent.",
        Aggregation::DifferentialPrivacy => "Differential privacy: each worker clips its update (trained copy minus the model it got) to norm S; secure_worker adds them up with Gaussian noise of standard deviation z·S from its cryptographic generator, and the server receives only the noisy average. (Central DP: secure_worker sees the clipped updates.)",
    }
}

/// Whether a mode sends each worker's own loss to the server (secagg and dp send none).
pub fn sends_worker_losses(mode: Aggregation) -> bool {
    matches!(mode, Aggregation::SendGet | Aggregation::UntrustedServer)
}
