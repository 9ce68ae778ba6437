//! The playground's privacy modes: what the server receives, and what it learns.

use super::at_once;
use minisyft::nn::Mlp;
use minisyft::playground::aggregation::Aggregation;
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::federation::{client_workers, PlaygroundFederation, PlaygroundRound, RunConfig};
use minisyft::playground::partition::{partition, Partition};
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use minisyft::Tensor;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

struct Run {
    reports: Vec<PlaygroundRound>,
    parameters: Vec<Vec<f32>>,
    /// Who sent `me` tensor bytes, and how many.
    senders_to_me: std::collections::BTreeMap<minisyft::WorkerId, usize>,
}

/// `rounds` rounds of 5 IID clients on the gauss data, with a `server` worker; `before` may
/// break something first.
fn check(aggregation: Aggregation, rounds: usize, before: impl Fn(&minisyft::runtime::InProcess)) -> Run {
    let (syft, runtime) = minisyft::Syft::in_process(4);
    let data = DataSet::generate(DataKind::Gauss, 300, 0.2, 4).unwrap();
    let (train, test) = data.split(0.25, 4);
    let shards = partition(&train.labels(), 5, Partition::QuantitySkew { alpha: 1.0 }, 4).unwrap();
    let workers = client_workers(&syft, 5).unwrap();
    let server = syft.create_worker("server").unwrap();
    let model = Mlp::new(2, &[4], Elementwise::Tanh, &mut Rng::seeded(4)).unwrap();
    let config = RunConfig { local_epochs: 2, batch_size: 16, lr: 0.3, aggregation, ..RunConfig::default() };
    let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config)
        .unwrap()
        .with_server(server)
        .unwrap();
    before(&runtime);
    syft.clear_events();
    let reports = (0..rounds).map(|_| at_once(federation.round()).unwrap()).collect();
    let mut senders_to_me = std::collections::BTreeMap::new();
    for event in syft.events().iter().filter(|e| e.to == "me" && e.bytes > 0) {
        *senders_to_me.entry(event.from.clone()).or_default() += event.bytes;
    }
    let parameters = federation.setup.model.parameters().iter().map(Tensor::to_f32_vec).collect();
    // Nothing of a round stays behind: each live client keeps its data, targets and plan.
    for worker in syft.worker_ids() {
        let Ok(entries) = at_once(syft.inspect(&worker)) else { continue };
        let expected = if worker == "server" || rounds == 0 { 0..=2 } else { 2..=3 };
        assert!(expected.contains(&entries.len()), "{aggregation:?}: {worker} holds {entries:?}");
    }
    Run { reports, parameters, senders_to_me }
}

fn largest_difference(a: &Run, b: &Run) -> f32 {
    a.parameters.iter().flatten().zip(b.parameters.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn the_server_and_secure_aggregation_reach_the_same_model_as_plain_averaging() {
    let plain = check(Aggregation::Plain, 3, |_| {});
    let untrusted = check(Aggregation::UntrustedServer, 3, |_| {});
    let secure = check(Aggregation::Secure, 3, |_| {});
    assert!(largest_difference(&plain, &untrusted) < 1e-5, "{}", largest_difference(&plain, &untrusted));
    assert!(largest_difference(&plain, &secure) < 1e-4, "{}", largest_difference(&plain, &secure));
    assert!(plain.reports[2].train_loss < plain.reports[0].train_loss);
}

#[test]
fn only_the_aggregate_reaches_me_in_the_private_modes() {
    let plain = check(Aggregation::Plain, 1, |_| {});
    assert_eq!(plain.senders_to_me.len(), 5, "every client's model: {:?}", plain.senders_to_me);
    let untrusted = check(Aggregation::UntrustedServer, 1, |_| {});
    let from_clients: usize = untrusted.senders_to_me.iter().filter(|(k, _)| *k != "server").map(|(_, v)| v).sum();
    assert_eq!(from_clients, 5 * 4, "one f32 loss from each client and nothing else");
    let secure = check(Aggregation::Secure, 1, |_| {});
    assert!(secure.reports[0].client_losses.is_empty());
    // The committee: the server and the first two participants, each sending shares only.
    let committee: Vec<&str> = secure.senders_to_me.keys().map(minisyft::WorkerId::as_str).collect();
    assert_eq!(committee, ["client_0", "client_1", "server"]);
    let dp = check(Aggregation::DifferentialPrivacy { clip: 1.0, noise: 0.5 }, 1, |_| {});
    assert_eq!(dp.senders_to_me.keys().collect::<Vec<_>>(), ["server"]);
    assert!(dp.reports[0].received.contains("noisy mean update"));
    // What the page's legend promises (a client-loss line or none) is what each mode reports.
    for (run, mode) in
        [(&plain, Aggregation::Plain), (&untrusted, Aggregation::UntrustedServer), (&secure, Aggregation::Secure)]
            .into_iter()
            .chain([(&dp, Aggregation::DifferentialPrivacy { clip: 1.0, noise: 0.5 })])
    {
        assert_eq!(!run.reports[0].client_losses.is_empty(), mode.reveals_client_losses(), "{mode:?}");
    }
}

#[test]
fn differential_privacy_moves_the_model_by_at_most_the_clip_and_its_noise_is_fresh() {
    let start = check(Aggregation::Plain, 0, |_| {});
    let clipped = check(Aggregation::DifferentialPrivacy { clip: 0.01, noise: 0.0 }, 1, |_| {});
    let moved: f32 = start
        .parameters
        .iter()
        .flatten()
        .zip(clipped.parameters.iter().flatten())
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f32>()
        .sqrt();
    assert!(moved > 0.005 && moved <= 0.01 + 1e-6, "the mean of clipped updates moved {moved}");
    let noisy = || check(Aggregation::DifferentialPrivacy { clip: 1.0, noise: 1.0 }, 1, |_| {});
    assert!(largest_difference(&noisy(), &noisy()) > 1e-3, "same seed, fresh noise");
}

#[test]
fn a_client_that_fails_mid_run_is_left_out_and_named() {
    for aggregation in
        [Aggregation::Plain, Aggregation::UntrustedServer, Aggregation::DifferentialPrivacy { clip: 1.0, noise: 0.1 }]
    {
        let run = check(aggregation, 2, |runtime| runtime.kill("client_3"));
        for report in &run.reports {
            assert_eq!(report.failed.len(), 1, "{aggregation:?}");
            assert_eq!(report.failed[0].0, "client_3");
            assert_eq!(report.participants.len(), 4);
        }
        assert!(run.reports[1].train_loss.is_finite());
    }
}

#[test]
fn each_round_counts_its_messages_and_bytes() {
    let run = check(Aggregation::Plain, 2, |_| {});
    let traffic = run.reports[1].traffic;
    // Out: the model (4·2 + 4 + 4 + 1 = 17 floats) to 5 clients; back: the model and the loss.
    assert!(traffic.bytes >= 5 * (17 + 18) * 4, "{traffic:?}");
    // Per client: the parameters' stores, run, fetch, their replies and the deletes after: a
    // constant whatever the model size and the local steps (the page batches them into at
    // most 4 postMessages each way: tests/lessons_web/playground.rs).
    assert!(traffic.messages <= 5 * 12, "{traffic:?}");
}
