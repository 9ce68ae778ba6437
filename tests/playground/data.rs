//! Seeded data sets, partitions over clients, and the models and their ops, locally and on a worker.

use super::at_once;
use minisyft::nn::{accuracy, binary_cross_entropy, Mlp, Sgd};
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::partition::{partition, Partition};
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use minisyft::{Error, Tensor};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn every_data_set_is_reproducible_from_its_seed_and_balanced() {
    for kind in DataKind::GENERATED {
        let a = DataSet::generate(kind, 400, 0.2, 5).unwrap();
        assert_eq!(a, DataSet::generate(kind, 400, 0.2, 5).unwrap(), "{kind:?}: same seed, same data");
        assert_ne!(a, DataSet::generate(kind, 400, 0.2, 6).unwrap(), "{kind:?}: another seed, other data");
        assert_eq!(a.len(), 400);
        assert!(a.inputs.iter().all(|v| (-6.0..=6.0).contains(v)));
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
    assert!(xor.inputs.chunks(2).zip(&xor.targets).all(|(p, &t)| (p[0] * p[1] > 0.0) == (t == 1.0)));
    assert!(matches!(DataSet::generate(DataKind::Xor, 200, 1.5, 3), Err(Error::InvalidSetting { .. })));
    assert!(matches!(DataSet::generate(DataKind::Xor, 1, 0.0, 3), Err(Error::InvalidSetting { .. })));
    assert!(matches!(DataSet::generate(DataKind::Digits, 200, 0.0, 3), Err(Error::InvalidSetting { .. })));
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
    let check = |remote: minisyft::Pointer, local: Tensor| assert_eq!(at_once(remote.get()).unwrap(), local);
    check(on_bob.tanh().unwrap(), x.tanh());
    check(on_bob.relu().unwrap(), x.relu());
    check(on_bob.sigmoid().unwrap(), x.sigmoid());
    check(on_bob.exp().unwrap(), x.exp());
}
