//! Training rounds as plans: what one round costs in round trips, and what a plan computes.

use super::at_once;
use minisyft::nn::Mlp;
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::federation::{client_workers, PlaygroundFederation, RunConfig, Strategy};
use minisyft::playground::partition::{partition, Partition};
use minisyft::protocol::MessageKind;
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use minisyft::ObjectId;
use minisyft::{Error, Tensor};
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
    let reports: Vec<_> = (0..rounds).map(|_| at_once(federation.round()).unwrap()).collect();
    let requests = syft
        .events()
        .iter()
        .filter(|e| {
            e.from == "me"
                && !matches!(
                    e.kind,
                    MessageKind::Store
                        | MessageKind::Delete
                        | MessageKind::Delegate
                        | MessageKind::StorePlan
                        | MessageKind::Execute(_)
                        | MessageKind::Counters
                )
        })
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
            assert!((a.train_loss - b.train_loss).abs() < 1e-5, "{strategy:?}: {} vs {}", a.train_loss, b.train_loss);
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
        Plan {
            inputs: 1,
            steps: vec![PlanStep::Op { out: ObjectId(1), op: Op::Neg { input: ObjectId(7) } }],
            outputs: vec![ObjectId(1)],
        },
        Plan {
            inputs: 1,
            steps: vec![PlanStep::Op { out: ObjectId(1 << 40), op: Op::Neg { input: ObjectId(0) } }],
            outputs: vec![],
        },
        Plan {
            inputs: 1,
            steps: vec![PlanStep::ForEachBatch {
                data: ObjectId(0),
                target: ObjectId(0),
                x: ObjectId(1),
                y: ObjectId(2),
                batch_size: 1,
                epochs: 1 << 40,
                body: 0,
            }],
            outputs: vec![],
        },
    ];
    for plan in cases {
        let pointer = plan.send(&bob).unwrap();
        let outcome = at_once(pointer.run_plan(&[&x], plan.outputs.len()));
        let typed = |e: &Error| matches!(e, Error::InvalidPlan { .. } | Error::LimitExceeded { .. });
        match outcome {
            Err(error) if typed(&error) => {}
            // Refused when stored: the refusal says why, and there is nothing to run.
            Err(Error::ObjectNotFound { .. }) => assert!(syft.refusals().last().is_some_and(|(_, e)| typed(e))),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(at_once(x.get()).unwrap(), Tensor::from([1.0]));
}
