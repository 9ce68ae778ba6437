//! A playground federation: clients, strategies and rounds over the in-process runtime.

use super::at_once;
use minisyft::nn::Mlp;
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::federation::{client_workers, PlaygroundFederation, PlaygroundRound, RunConfig, Strategy};
use minisyft::playground::partition::{partition, Partition};
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use minisyft::Error;
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
    (0..rounds).map(|_| at_once(federation.round()).unwrap()).collect()
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
fn clients_a_skewed_partition_leaves_without_data_are_named_and_never_train() {
    let reports = run(16, Partition::LabelSkew { alpha: 0.01 }, RunConfig { lr: 0.3, ..RunConfig::default() }, 2);
    for r in &reports {
        assert!(!r.without_data.is_empty(), "alpha 0.01 leaves clients empty");
        assert_eq!(r.participants.len() + r.dropped.len() + r.without_data.len(), 16);
        assert!(r.without_data.iter().all(|w| !r.participants.contains(w)), "{r:?}");
    }
    let even = run(4, Partition::Iid, RunConfig { lr: 0.3, ..RunConfig::default() }, 1);
    assert!(even[0].without_data.is_empty());
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
        (0..8).map(|_| at_once(federation.round()).unwrap()).collect::<Vec<_>>()
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
    for bad in [RunConfig { fraction: 0.0, ..RunConfig::default() }, RunConfig { dropout: 1.0, ..RunConfig::default() }]
    {
        assert!(matches!(
            PlaygroundFederation::new(&workers, &data, &shards, &data, model(), bad),
            Err(Error::InvalidSetting { .. })
        ));
    }
}

/// The seed's linear model on the plane with a learning rate far too large for it, in `aggregation`
/// (with a server where the mode needs one): the rounds until the first error, and that error.
fn diverge(aggregation: minisyft::playground::aggregation::Aggregation) -> (usize, Error) {
    let (syft, _runtime) = minisyft::Syft::in_process(5);
    let data = DataSet::generate(DataKind::Plane, 200, 0.05, 5).unwrap();
    let (train, test) = data.split(0.25, 5);
    let shards = partition(&train.labels(), 3, Partition::Iid, 5).unwrap();
    let workers = client_workers(&syft, 3).unwrap();
    let model = Mlp::regression(2, &[], Elementwise::Tanh, &mut Rng::seeded(5)).unwrap();
    let config = RunConfig { lr: 3.0, aggregation, ..RunConfig::default() };
    let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config).unwrap();
    if aggregation.needs_server() {
        federation = federation.with_server(syft.create_worker("server").unwrap()).unwrap();
    }
    for round in 0..50 {
        if let Err(error) = at_once(federation.round()) {
            return (round, error);
        }
    }
    panic!("{aggregation:?}: 50 rounds at lr 3 and no error");
}

#[test]
fn a_diverging_run_stops_with_a_message_in_every_mode_instead_of_training_on_nan() {
    use minisyft::playground::aggregation::Aggregation;
    for aggregation in [Aggregation::Plain, Aggregation::UntrustedServer] {
        let (rounds, error) = diverge(aggregation);
        assert!(matches!(error, Error::Diverged { round, .. } if round == rounds + 1), "{aggregation:?}: {error}");
        assert!(error.to_string().contains("try a smaller learning rate"), "{error}");
    }
    // Secure aggregation keeps the clients' losses from everyone: it stops when a client's model
    // has no fixed-precision form (NaN, or too large), or when the opened model's loss diverges.
    let (_, error) = diverge(Aggregation::Secure);
    assert!(
        matches!(&error, Error::Diverged { .. })
            || matches!(&error, Error::Sharing { op, reason } if op == "fix_prec" && reason.contains("diverged")),
        "{error}"
    );
}
