//! The aggregating modes: secure aggregation ends where the untrusted server's plain averaging
//! ends, while `me` receives only shares of the sum; differential privacy clips each update and
//! gives `me` a noisy average whose noise comes from the cryptographic generator.

use minisyft::federated::{Aggregation, Config, Federation, SECURE_AGGREGATION_SCALE};
use minisyft::protocol::Values;
use minisyft::Syft;

fn config(seed: u64, aggregation: Aggregation) -> Config {
    Config { seed, aggregation, local_steps: 5, lr: 0.1, ..Config::default() }
}

async fn final_loss(aggregation: Aggregation, seed: u64, rounds: usize) -> f64 {
    let syft = crate::support::syft();
    let mut federation = Federation::toy(&syft, config(seed, aggregation)).unwrap();
    let mut loss = f64::NAN;
    for _ in 0..rounds {
        loss = federation.round().await.unwrap().global_loss;
    }
    loss
}

crate::async_test!(secure_aggregation_ends_within_1e4_of_plain_averaging_for_every_seed, |_syft: Syft| async move {
    // Fixed precision with 6 digits moves each parameter by at most 1e-6 a round.
    let seeds = if cfg!(target_arch = "wasm32") { 0..3 } else { 0..100 };
    for seed in seeds {
        let plain = final_loss(Aggregation::UntrustedServer, seed, 10).await;
        let secure = final_loss(Aggregation::SecureAggregation, seed, 10).await;
        assert!((plain - secure).abs() < 1e-4, "seed {seed}: {secure} against {plain}");
    }
});

crate::async_test!(in_secure_aggregation_me_receives_only_shares_of_the_sum, |syft: Syft| async move {
    let mut federation = Federation::toy(&syft, config(4, Aggregation::SecureAggregation)).unwrap();
    for _ in 0..3 {
        let before = federation.model.weight.to_f32_vec();
        let report = federation.round().await.unwrap();
        assert!(report.worker_losses.is_empty(), "no worker's loss is sent");
        let senders: Vec<(&str, &str)> =
            report.server_received.iter().map(|r| (r.from.as_str(), r.name.as_str())).collect();
        let shares_of = |parameter: &str| {
            ["bob", "alice", "secure_worker"].map(|w| (w, format!("share of the summed {parameter}")))
        };
        let expected = [shares_of("weight"), shares_of("bias")].concat();
        assert_eq!(senders, expected.iter().map(|(w, n)| (*w, n.as_str())).collect::<Vec<_>>());
        // A share looks nothing like a model: as fixed precision it stands for an absurd number.
        // The three shares of a parameter, added as they were made (wrapping), are the sum of the
        // two workers' fixed-precision values: me can check the model it was given.
        let shares: Vec<&[i64]> = report
            .server_received
            .iter()
            .map(|r| match &r.values {
                Values::I64(values) => values.as_slice(),
                Values::F32(floats) => panic!("{r}: a share as floats {floats:?}"),
            })
            .collect();
        assert!(shares.iter().flat_map(|s| s.iter()).all(|v| v.unsigned_abs() > 1_000_000), "{shares:?}");
        let opened = |shares: &[&[i64]], i: usize| {
            let sum = shares.iter().fold(0i64, |sum, share| sum.wrapping_add(share[i]));
            sum as f64 / SECURE_AGGREGATION_SCALE as f64 / 2.0
        };
        for (i, weight) in report.weight.iter().enumerate() {
            assert!((opened(&shares[0..3], i) - f64::from(*weight)).abs() < 1e-5, "weight[{i}]");
        }
        assert!((opened(&shares[3..6], 0) - f64::from(report.bias[0])).abs() < 1e-5, "bias");
        assert_ne!(before, report.weight, "the model moved");
    }
});

crate::async_test!(differential_privacy_clips_every_update_and_draws_fresh_noise, |_syft: Syft| async move {
    // Without noise, the model moves by at most the clipping norm a round.
    let syft = crate::support::syft();
    let tight = Config { clip_norm: 0.01, noise_multiplier: 0.0, ..config(2, Aggregation::DifferentialPrivacy) };
    let mut federation = Federation::toy(&syft, tight).unwrap();
    for _ in 0..3 {
        let before: Vec<f32> = [federation.model.weight.to_f32_vec(), federation.model.bias.to_f32_vec()].concat();
        let report = federation.round().await.unwrap();
        let after: Vec<f32> = [report.weight.clone(), report.bias.clone()].concat();
        let moved = before.iter().zip(&after).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>().sqrt();
        assert!(moved <= 0.01 + 1e-6, "moved {moved}");
        assert!(report.worker_losses.is_empty());
        let names: Vec<&str> = report.server_received.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["noisy average update of weight", "noisy average update of bias"]);
    }
    // Two runs from the same seed get different noise: it does not come from the seeded generator.
    let mut runs = Vec::new();
    for _ in 0..2 {
        let syft = crate::support::syft();
        let mut federation = Federation::toy(&syft, config(2, Aggregation::DifferentialPrivacy)).unwrap();
        runs.push(federation.round().await.unwrap().weight);
    }
    assert_ne!(runs[0], runs[1]);
});

crate::async_test!(with_little_noise_differential_privacy_still_learns, |_syft: Syft| async move {
    let syft = crate::support::syft();
    let gentle = Config { clip_norm: 1.0, noise_multiplier: 0.01, ..config(1, Aggregation::DifferentialPrivacy) };
    let mut federation = Federation::toy(&syft, gentle).unwrap();
    let first = federation.round().await.unwrap().global_loss;
    let mut last = first;
    for _ in 0..15 {
        last = federation.round().await.unwrap().global_loss;
    }
    assert!(last < first / 4.0, "{first} -> {last}");
});
