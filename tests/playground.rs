//! The playground's raw material: seeded data sets, partitions over clients, the models and their
//! ops, locally and on a worker.

use minisyft::nn::{accuracy, binary_cross_entropy, Mlp, Sgd};
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::partition::{partition, Partition};
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use std::future::Future;

use minisyft::{Error, Tensor};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[test]
fn every_data_set_is_reproducible_from_its_seed_and_balanced() {
    for kind in DataKind::ALL {
        let a = DataSet::generate(kind, 400, 0.2, 5).unwrap();
        assert_eq!(a, DataSet::generate(kind, 400, 0.2, 5).unwrap(), "{kind:?}: same seed, same data");
        assert_ne!(a, DataSet::generate(kind, 400, 0.2, 6).unwrap(), "{kind:?}: another seed, other data");
        assert_eq!(a.len(), 400);
        assert!(a.points.iter().flatten().all(|v| (-6.0..=6.0).contains(v)));
        if kind.is_classification() {
            let ones = a.targets.iter().filter(|&&t| t == 1.0).count();
            assert!(a.targets.iter().all(|&t| t == 0.0 || t == 1.0));
            assert_eq!(ones, 200, "{kind:?}: half of each class");
        }
        let (train, test) = a.split(0.25, 1);
        assert_eq!((train.len(), test.len()), (300, 100));
    }
    // Without noise, xor's labels follow the quadrants exactly.
    let xor = DataSet::generate(DataKind::Xor, 200, 0.0, 3).unwrap();
    assert!(xor.points.iter().zip(&xor.targets).all(|(p, &t)| (p[0] * p[1] > 0.0) == (t == 1.0)));
    assert!(matches!(DataSet::generate(DataKind::Xor, 200, 1.5, 3), Err(Error::InvalidSetting { .. })));
    assert!(matches!(DataSet::generate(DataKind::Xor, 1, 0.0, 3), Err(Error::InvalidSetting { .. })));
}

fn check_partition(scheme: Partition, clients: usize) -> (DataSet, Vec<Vec<usize>>) {
    let data = DataSet::generate(DataKind::Gauss, 1000, 0.1, 2).unwrap();
    let shards = partition(&data.labels(), clients, scheme, 9).unwrap();
    assert_eq!(shards.len(), clients);
    let mut all: Vec<usize> = shards.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1000).collect::<Vec<_>>(), "{scheme:?}: every point to exactly one client");
    (data, shards)
}

/// The mean over clients of the share of a client's points in its most common class.
fn majority_share(data: &DataSet, shards: &[Vec<usize>]) -> f64 {
    let labels = data.labels();
    let shares: Vec<f64> = shards
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| {
            let ones = s.iter().filter(|&&i| labels[i] == 1).count();
            ones.max(s.len() - ones) as f64 / s.len() as f64
        })
        .collect();
    shares.iter().sum::<f64>() / shares.len() as f64
}

#[test]
fn partitions_deal_every_point_once_with_the_skew_asked_for() {
    let (data, iid) = check_partition(Partition::Iid, 16);
    assert!(iid.iter().all(|s| s.len() == 62 || s.len() == 63));
    assert!(majority_share(&data, &iid) < 0.7, "iid clients see both classes");
    let (data, skewed) = check_partition(Partition::LabelSkew { alpha: 0.05 }, 16);
    assert!(majority_share(&data, &skewed) > 0.9, "α = 0.05: clients see mostly one class");
    let (data, mild) = check_partition(Partition::LabelSkew { alpha: 100.0 }, 16);
    assert!(majority_share(&data, &mild) < 0.7, "α = 100: close to iid");
    let (_, uneven) = check_partition(Partition::QuantitySkew { alpha: 0.3 }, 16);
    let sizes: Vec<usize> = uneven.iter().map(Vec::len).collect();
    assert!(sizes.iter().max().unwrap() > &(4 * (1000 / 16)), "quantity skew: some clients hold far more: {sizes:?}");
    assert!(partition(&[0, 1], 65, Partition::Iid, 0).is_err());
    assert!(partition(&[0, 1], 2, Partition::LabelSkew { alpha: 0.0 }, 0).is_err());
}

#[test]
fn a_small_mlp_learns_xor_and_logistic_regression_cannot() {
    let data = DataSet::generate(DataKind::Xor, 200, 0.0, 4).unwrap();
    let (x, y) = data.tensors().unwrap();
    let train = |model: &Mlp, steps: usize| {
        let optimizer = Sgd::new(model.parameters(), 0.3);
        for _ in 0..steps {
            optimizer.zero_grad();
            binary_cross_entropy(&model.forward(&x).unwrap(), &y).unwrap().backward().unwrap();
            optimizer.step().unwrap();
        }
        accuracy(&model.forward(&x).unwrap(), &y)
    };
    let steps = if cfg!(target_arch = "wasm32") { 150 } else { 400 };
    let mlp = Mlp::new(2, &[8], Elementwise::Tanh, &mut Rng::seeded(1)).unwrap();
    let learned = train(&mlp, steps);
    assert!(learned > 0.9, "the MLP reaches {learned}");
    let logistic = Mlp::logistic(2, &mut Rng::seeded(1)).unwrap();
    let linear = train(&logistic, steps);
    assert!(linear < 0.75, "a line cannot separate xor: {linear}");
    assert!(Mlp::new(2, &[4], Elementwise::Exp, &mut Rng::seeded(1)).is_err());
}

#[test]
fn activations_run_on_a_worker_as_they_do_locally() {
    let (syft, _runtime) = minisyft::Syft::in_process(1);
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([0.5, -1.0, 2.0]);
    let on_bob = x.send(&bob).unwrap();
    let check = |remote: minisyft::Pointer, local: Tensor| {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match std::pin::pin!(remote.get()).poll(&mut context) {
            std::task::Poll::Ready(value) => assert_eq!(value.unwrap(), local),
            std::task::Poll::Pending => panic!("in-process answers at once"),
        }
    };
    check(on_bob.tanh().unwrap(), x.tanh());
    check(on_bob.relu().unwrap(), x.relu());
    check(on_bob.sigmoid().unwrap(), x.sigmoid());
    check(on_bob.exp().unwrap(), x.exp());
}

mod federation {
    use super::*;
    use minisyft::playground::federation::{
        client_workers, PlaygroundFederation, PlaygroundRound, RunConfig, Strategy,
    };
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn run(clients: usize, scheme: Partition, config: RunConfig, rounds: usize) -> Vec<PlaygroundRound> {
        let (syft, _runtime) = minisyft::Syft::in_process(config.seed);
        let data = DataSet::generate(DataKind::Circle, 480, 0.05, 3).unwrap();
        let (train, test) = data.split(0.25, 3);
        let shards = partition(&train.labels(), clients, scheme, 3).unwrap();
        let workers = client_workers(&syft, clients).unwrap();
        let model = Mlp::new(2, &[8], Elementwise::Tanh, &mut Rng::seeded(config.seed)).unwrap();
        let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config).unwrap();
        (0..rounds).map(|_| super::at_once(federation.round()).unwrap()).collect()
    }

    #[test]
    fn a_non_iid_sixteen_client_run_learns_the_circle() {
        let config = RunConfig { fraction: 0.5, local_epochs: 2, batch_size: 16, lr: 0.3, ..RunConfig::default() };
        let rounds = if cfg!(target_arch = "wasm32") { 4 } else { 25 };
        let reports = run(16, Partition::LabelSkew { alpha: 0.5 }, config, rounds);
        assert!(reports.iter().all(|r| r.participants.len() == 8 && r.dropped.is_empty()));
        let (first, last) = (&reports[0], &reports[reports.len() - 1]);
        assert!(last.train_loss < first.train_loss, "{} -> {}", first.train_loss, last.train_loss);
        if !cfg!(target_arch = "wasm32") {
            assert!(last.test_accuracy > 0.85, "test accuracy {}", last.test_accuracy);
        }
    }

    #[test]
    fn dropped_clients_are_left_out_and_named_and_a_run_repeats_from_its_seed() {
        let config = RunConfig { seed: 11, dropout: 0.5, lr: 0.3, ..RunConfig::default() };
        let reports = run(6, Partition::Iid, config.clone(), 6);
        assert!(reports.iter().any(|r| !r.dropped.is_empty()), "someone dropped out");
        for r in &reports {
            assert_eq!(r.participants.len() + r.dropped.len(), 6);
            assert!(r.dropped.iter().all(|d| !r.participants.contains(d)));
            assert_eq!(r.client_losses.len(), r.participants.len());
        }
        assert_eq!(reports, run(6, Partition::Iid, config, 6), "the same seed, the same run");
    }

    #[test]
    fn the_seeds_linear_model_with_squared_error_learns_the_plane_through_a_plan_and_op_by_op() {
        let run = |use_plans: bool| {
            let (syft, _runtime) = minisyft::Syft::in_process(5);
            let data = DataSet::generate(DataKind::Plane, 300, 0.05, 5).unwrap();
            let (train, test) = data.split(0.25, 5);
            let shards = partition(&train.labels(), 4, Partition::Iid, 5).unwrap();
            let workers = client_workers(&syft, 4).unwrap();
            let model = Mlp::regression(2, &[], Elementwise::Tanh, &mut Rng::seeded(5)).unwrap();
            let config = RunConfig { lr: 0.02, batch_size: 16, use_plans, ..RunConfig::default() };
            let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config).unwrap();
            (0..8).map(|_| super::at_once(federation.round()).unwrap()).collect::<Vec<_>>()
        };
        let (planned, op_by_op) = (run(true), run(false));
        for (a, b) in planned.iter().zip(&op_by_op) {
            assert!((a.train_loss - b.train_loss).abs() < 1e-5, "{} vs {}", a.train_loss, b.train_loss);
        }
        let last = &planned[7];
        assert!(last.train_loss < planned[0].train_loss / 2.0, "{} -> {}", planned[0].train_loss, last.train_loss);
        assert!(last.test_accuracy > 0.95, "test R² {}", last.test_accuracy);
    }

    #[test]
    fn fedprox_keeps_training_and_settings_out_of_range_are_refused() {
        let config = RunConfig { strategy: Strategy::FedProx { mu: 0.1 }, lr: 0.3, ..RunConfig::default() };
        let reports = run(4, Partition::QuantitySkew { alpha: 1.0 }, config, 5);
        assert!(reports[4].train_loss < reports[0].train_loss);
        let (syft, _runtime) = minisyft::Syft::in_process(0);
        let data = DataSet::generate(DataKind::Gauss, 40, 0.0, 1).unwrap();
        let workers = client_workers(&syft, 2).unwrap();
        let model = || Mlp::logistic(2, &mut Rng::seeded(0)).unwrap();
        let shards = vec![vec![0, 1], vec![2, 3]];
        for bad in
            [RunConfig { fraction: 0.0, ..RunConfig::default() }, RunConfig { dropout: 1.0, ..RunConfig::default() }]
        {
            assert!(matches!(
                PlaygroundFederation::new(&workers, &data, &shards, &data, model(), bad),
                Err(Error::InvalidSetting { .. })
            ));
        }
    }
}

/// Polls once: over the in-process runtime every reply has arrived when a request returns.
fn at_once<F: Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("in-process answers at once"),
    }
}

mod plans {
    use super::*;
    use minisyft::playground::federation::{client_workers, PlaygroundFederation, RunConfig, Strategy};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Runs `rounds` rounds and returns the reports and, per client per round, the messages `me`
    /// sent that wait for an answer (round trips).
    fn run(config: RunConfig, rounds: usize) -> (Vec<minisyft::playground::federation::PlaygroundRound>, usize) {
        let (syft, _runtime) = minisyft::Syft::in_process(1);
        let data = DataSet::generate(DataKind::Gauss, 200, 0.1, 3).unwrap();
        let (train, test) = data.split(0.25, 3);
        let shards = partition(&train.labels(), 4, Partition::Iid, 3).unwrap();
        let workers = client_workers(&syft, 4).unwrap();
        let model = Mlp::new(2, &[6, 4], Elementwise::Relu, &mut Rng::seeded(2)).unwrap();
        let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config).unwrap();
        syft.clear_events();
        let reports: Vec<_> = (0..rounds).map(|_| super::at_once(federation.round()).unwrap()).collect();
        let requests = syft
            .events()
            .iter()
            .filter(|e| e.from == "me" && !matches!(e.kind.as_str(), "store" | "delete" | "delegate" | "store plan"))
            .filter(|e| !e.kind.starts_with("execute") && e.kind != "counters")
            .count();
        (reports, requests / (4 * rounds))
    }

    #[test]
    fn a_plan_trains_exactly_as_op_by_op_in_two_round_trips_per_client() {
        for strategy in [Strategy::FedAvg, Strategy::FedProx { mu: 0.5 }] {
            let config = RunConfig { local_epochs: 3, batch_size: 10, lr: 0.2, strategy, ..RunConfig::default() };
            let (planned, planned_trips) = run(RunConfig { use_plans: true, ..config.clone() }, 3);
            let (op_by_op, op_trips) = run(RunConfig { use_plans: false, ..config }, 3);
            for (a, b) in planned.iter().zip(&op_by_op) {
                assert!(
                    (a.train_loss - b.train_loss).abs() < 1e-5,
                    "{strategy:?}: {} vs {}",
                    a.train_loss,
                    b.train_loss
                );
            }
            assert_eq!(planned_trips, 2, "{strategy:?}: run the plan, fetch the parameters");
            assert!(op_trips > 50, "{strategy:?}: op by op takes {op_trips}");
        }
    }

    #[test]
    fn a_malformed_plan_is_a_typed_error() {
        use minisyft::protocol::{Op, Plan, PlanStep};
        let (syft, _runtime) = minisyft::Syft::in_process(1);
        let bob = syft.create_worker("bob").unwrap();
        let x = Tensor::from([1.0]).send(&bob).unwrap();
        let cases = [
            Plan { inputs: 1, steps: vec![PlanStep::Op { out: 1, op: Op::Neg { input: 7 } }], outputs: vec![1] },
            Plan { inputs: 1, steps: vec![PlanStep::Op { out: 1 << 40, op: Op::Neg { input: 0 } }], outputs: vec![] },
            Plan {
                inputs: 1,
                steps: vec![PlanStep::ForEachBatch {
                    data: 0,
                    target: 0,
                    x: 1,
                    y: 2,
                    batch_size: 1,
                    epochs: 1 << 40,
                    body: 0,
                }],
                outputs: vec![],
            },
        ];
        for plan in cases {
            let pointer = plan.send(&bob).unwrap();
            let outcome = super::at_once(pointer.run_plan(&[&x], plan.outputs.len()));
            let typed = |e: &Error| matches!(e, Error::MalformedMessage { .. } | Error::LimitExceeded { .. });
            match outcome {
                Err(error) if typed(&error) => {}
                // Refused when stored: the refusal says why, and there is nothing to run.
                Err(Error::ObjectNotFound { .. }) => assert!(syft.refusals().last().is_some_and(|(_, e)| typed(e))),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(super::at_once(x.get()).unwrap(), Tensor::from([1.0]));
    }
}

mod privacy_modes {
    use super::*;
    use minisyft::playground::aggregation::Aggregation;
    use minisyft::playground::federation::{client_workers, PlaygroundFederation, PlaygroundRound, RunConfig};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    struct Run {
        reports: Vec<PlaygroundRound>,
        parameters: Vec<Vec<f32>>,
        /// Who sent `me` tensor bytes, and how many.
        senders_to_me: std::collections::BTreeMap<String, usize>,
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
        let reports = (0..rounds).map(|_| super::at_once(federation.round()).unwrap()).collect();
        let mut senders_to_me = std::collections::BTreeMap::new();
        for event in syft.events().iter().filter(|e| e.to == "me" && e.bytes > 0) {
            *senders_to_me.entry(event.from.clone()).or_default() += event.bytes;
        }
        let parameters = federation.model.parameters().iter().map(Tensor::to_f32_vec).collect();
        // Nothing of a round stays behind: each live client keeps its data, targets and plan.
        for worker in syft.worker_ids() {
            let Ok(entries) = super::at_once(syft.inspect(&worker)) else { continue };
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
        let committee: Vec<&str> = secure.senders_to_me.keys().map(String::as_str).collect();
        assert_eq!(committee, ["client_0", "client_1", "server"]);
        let dp = check(Aggregation::DifferentialPrivacy { clip: 1.0, noise: 0.5 }, 1, |_| {});
        assert_eq!(dp.senders_to_me.keys().collect::<Vec<_>>(), ["server"]);
        assert!(dp.reports[0].received.contains("noisy mean update"));
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
        for aggregation in [
            Aggregation::Plain,
            Aggregation::UntrustedServer,
            Aggregation::DifferentialPrivacy { clip: 1.0, noise: 0.1 },
        ] {
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
}
