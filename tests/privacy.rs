//! What the server learns: the seed's warning carried out (the rows recovered from send/get
//! gradients), nothing to invert when only an average arrives, and the privacy accountant against
//! known values. (Native: the attack over a hundred seeds is quick here and slow in a debug wasm.)
#![cfg(not(target_arch = "wasm32"))]

use minisyft::federated::{toy_data, Aggregation, Config, Federation};
use minisyft::privacy::accountant::{epsilon, Conversion};
use minisyft::privacy::attack::{reconstruct, Observation};
use minisyft::runtime::block_on;
use minisyft::Syft;

/// Each worker's rows and targets, from the toy data (rows 0–1 are bob's, 2–3 alice's): only to
/// compare with, never given to the attack.
fn truth(worker: usize) -> [([f64; 2], f64); 2] {
    let (data, target) = toy_data();
    let (x, y) = (data.to_f32_vec(), target.to_f32_vec());
    let row = |i: usize| ([f64::from(x[2 * i]), f64::from(x[2 * i + 1])], f64::from(y[i]));
    [row(2 * worker), row(2 * worker + 1)]
}

fn observations(seed: u64, aggregation: Aggregation, rounds: usize) -> [Vec<Observation>; 2] {
    let (syft, _runtime) = Syft::in_process(seed);
    let mut federation = Federation::toy(&syft, Config { seed, aggregation, ..Config::default() }).unwrap();
    let mut seen = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        let report = block_on(federation.round()).unwrap();
        for (worker, name) in ["bob", "alice"].iter().enumerate() {
            seen[worker].extend(report.observation_of(name));
        }
    }
    seen
}

#[test]
fn the_server_restores_every_workers_rows_from_send_get_gradients_within_five_rounds_for_every_seed() {
    for seed in 0..100 {
        let seen = observations(seed, Aggregation::SendGet, 5);
        for (worker, observed) in seen.iter().enumerate() {
            let reconstruction = reconstruct(observed).unwrap();
            let error = reconstruction.error_against(truth(worker));
            assert!(error < 0.01, "seed {seed}, worker {worker}: {reconstruction:?} is {error} off");
        }
    }
}

/// What the server received can only grow, so what it reconstructs must not get worse: once the
/// rows are restored they stay restored, round after round, however long training runs (the page
/// once fitted only the latest rounds, which say nothing once the model has converged).
#[test]
fn the_reconstruction_never_gets_worse_with_more_rounds_over_two_hundred_rounds_for_every_seed() {
    const CHECKED: [usize; 9] = [5, 10, 20, 40, 60, 80, 120, 160, 200];
    for seed in 0..20 {
        let seen = observations(seed, Aggregation::SendGet, 200);
        for (worker, observed) in seen.iter().enumerate() {
            assert_eq!(observed.len(), 200);
            for rounds in CHECKED {
                let reconstruction = reconstruct(&observed[..rounds]).unwrap();
                let error = reconstruction.error_against(truth(worker));
                assert!(
                    error < 0.01,
                    "seed {seed}, worker {worker}, {rounds} rounds: {error} off ({reconstruction:?})"
                );
            }
        }
    }
}

#[test]
fn one_round_is_not_enough_to_pin_the_rows_down() {
    // Four equations in six unknowns: many rows explain one round; the fit says nothing certain.
    let seen = observations(3, Aggregation::SendGet, 1);
    let reconstruction = reconstruct(&seen[0]).unwrap();
    assert!(reconstruction.residual < 1e-4, "it fits: {reconstruction:?}");
    assert!(reconstruction.error_against(truth(0)) > 0.01, "but not necessarily the truth: {reconstruction:?}");
}

#[test]
fn an_untrusted_server_receives_no_gradient_of_any_worker_to_invert() {
    let seen = observations(0, Aggregation::UntrustedServer, 5);
    assert!(seen.iter().all(Vec::is_empty));
}

#[test]
fn the_accountant_gives_the_known_epsilons_of_the_gaussian_mechanism() {
    let check = |z: f64, conversion, expected: f64| {
        let eps = epsilon(10, z, 1e-5, conversion);
        assert!((eps - expected).abs() < 0.005, "z = {z}, {conversion:?}: {eps}, expected {expected}");
    };
    check(1.0, Conversion::Classic, 20.17);
    check(2.0, Conversion::Classic, 8.84);
    check(1.0, Conversion::Balle2020, 19.05);
    check(2.0, Conversion::Balle2020, 8.08);
    assert_eq!(epsilon(0, 1.0, 1e-5, Conversion::Classic), 0.0);
    assert!(epsilon(20, 1.0, 1e-5, Conversion::Classic) > epsilon(10, 1.0, 1e-5, Conversion::Classic));
    assert!(epsilon(10, 0.0, 1e-5, Conversion::Classic).is_infinite());
}

#[test]
fn every_share_is_uniform_and_independent_of_the_secret() {
    use minisyft::privacy::mechanisms::split;
    use minisyft::Tensor;
    const DRAWS: usize = 20_000;
    for secret in [0i64, 1 << 62, -1, 123_456] {
        for holders in [2, 3] {
            // Read exactly from their printed form (as floats they would lose their low bits).
            let exact: Vec<Vec<i64>> = (0..DRAWS)
                .map(|_| {
                    split(&Tensor::from([secret]), holders)
                        .unwrap()
                        .iter()
                        .map(|s| {
                            s.to_string().trim_start_matches("tensor([").trim_end_matches("])").trim().parse().unwrap()
                        })
                        .collect()
                })
                .collect();
            for holder in 0..holders {
                let values: Vec<u64> = exact.iter().map(|s| s[holder] as u64).collect();
                // Every bit is one half of the time (within five standard deviations).
                for bit in 0..64 {
                    let ones = values.iter().filter(|v| (*v >> bit) & 1 == 1).count() as f64;
                    let deviation = (ones - DRAWS as f64 / 2.0).abs() / (DRAWS as f64 / 4.0).sqrt();
                    assert!(deviation < 5.0, "secret {secret}, holder {holder}, bit {bit}: {deviation:.1} σ");
                }
                // The top byte is uniform over 256 values (chi-square, 255 degrees of freedom).
                let mut bins = [0f64; 256];
                values.iter().for_each(|v| bins[(v >> 56) as usize] += 1.0);
                let expected = DRAWS as f64 / 256.0;
                let chi2: f64 = bins.iter().map(|o| (o - expected).powi(2) / expected).sum();
                assert!(
                    chi2 < 255.0 + 6.0 * (2.0f64 * 255.0).sqrt(),
                    "secret {secret}, holder {holder}: χ² = {chi2:.0}"
                );
            }
            // And they still add up to the secret.
            assert!(exact.iter().all(|s| s.iter().fold(0i64, |a, &b| a.wrapping_add(b)) == secret));
        }
    }
}
