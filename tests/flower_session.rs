//! A Flower node's life (`src/flower/session.rs`) against a scripted SuperLink and a fake clock:
//! it joins, beats on time, leaves when stopped, retries what can mend with backoff, gives up on
//! what cannot with the advice the page shows; and the client's side (`src/flower/client.rs`):
//! shards, the model read from a message, client-side DP.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::{Cell, RefCell};

use minisyft::flower::client::{model_from, ClientDp, ShardSpec};
use minisyft::flower::fleet::Request;
use minisyft::flower::node::{Arrays, Trainer};
use minisyft::flower::protobuf::Writer;
use minisyft::flower::received::Received;
use minisyft::flower::session::{run, Event, Problem, Status, Surroundings};
use minisyft::runtime::block_on;
use minisyft::{Error, Result};

/// Never asked to train: these SuperLinks send no messages.
struct Idle;

impl Trainer for Idle {
    async fn train(&mut self, _: &Received) -> Result<(Arrays, i64, f64)> {
        Err(Error::Flower { what: "train".into(), reason: "not expected".into() })
    }
    async fn evaluate(&mut self, _: &Received) -> Result<(i64, f64, f64)> {
        Err(Error::Flower { what: "evaluate".into(), reason: "not expected".into() })
    }
    fn initial(&self) -> Result<Arrays> {
        Err(Error::Flower { what: "get_parameters".into(), reason: "not expected".into() })
    }
}

struct Outcome {
    calls: Vec<(f64, &'static str)>,
    statuses: Vec<Status>,
    result: std::result::Result<(), Problem>,
}

/// Runs a node until `seconds` on the fake clock, the SuperLink answering each call with `answer`.
fn check(seconds: f64, answer: impl Fn(&Request, f64) -> Result<Vec<u8>>) -> Outcome {
    let clock = Cell::new(1_800_000_000.0);
    let start = clock.get();
    let calls = RefCell::new(Vec::new());
    let statuses = RefCell::new(Vec::new());
    let call = |request: Request| {
        calls.borrow_mut().push((clock.get() - start, request.name()));
        let answer = answer(&request, clock.get() - start);
        async move { answer }
    };
    let sleep = |s: f64| {
        clock.set(clock.get() + s);
        async {}
    };
    let now = || clock.get();
    let stop = || clock.get() - start >= seconds;
    let report = |event: Event| {
        if let Event::Status(status) = event {
            statuses.borrow_mut().push(status);
        }
    };
    let around = Surroundings { now: &now, stop: &stop, report: &report };
    let result = block_on(run(call, sleep, b"PEM", &mut Idle, &around));
    Outcome { calls: calls.into_inner(), statuses: statuses.into_inner(), result }
}

fn field(number: u32, value: u64) -> Vec<u8> {
    let mut w = Writer::default();
    w.uint64(number, value);
    w.bytes
}

/// A SuperLink that takes the node as 42 and has no messages.
fn healthy(request: &Request, _: f64) -> Result<Vec<u8>> {
    Ok(match request {
        Request::ActivateNode { .. } => field(1, 42),
        Request::Heartbeat { .. } => field(1, 1),
        _ => Vec::new(),
    })
}

fn status(status: u16) -> Error {
    Error::FleetStatus { call: "x".into(), address: "a".into(), status, body: String::new() }
}

#[test]
fn a_node_joins_beats_every_24_seconds_and_leaves_when_stopped() {
    let outcome = check(80.0, healthy);
    assert_eq!(outcome.result, Ok(()));
    let names: Vec<&str> = outcome.calls.iter().map(|(_, n)| *n).collect();
    assert_eq!(&names[..2], ["register-node", "activate-node"]);
    assert_eq!(&names[names.len() - 2..], ["deactivate-node", "unregister-node"]);
    let beats: Vec<f64> = outcome.calls.iter().filter(|(_, n)| *n == "send-node-heartbeat").map(|(t, _)| *t).collect();
    assert_eq!(beats.len(), 3, "{beats:?}");
    assert!(beats.windows(2).all(|w| (24.0..25.0).contains(&(w[1] - w[0]))), "{beats:?}");
    assert!(outcome.statuses.contains(&Status::Waiting { node_id: 42 }));
    assert_eq!(outcome.statuses.last(), Some(&Status::Stopped));
}

#[test]
fn an_unreachable_superlink_is_retried_with_backoff_and_the_advice_says_to_start_one() {
    let outcome = check(100.0, |request, _| {
        Err(Error::FleetUnreachable { call: request.name().into(), address: "a".into(), reason: "refused".into() })
    });
    let waits: Vec<f64> = outcome
        .statuses
        .iter()
        .filter_map(|s| if let Status::Retrying { seconds, .. } = s { Some(*seconds) } else { None })
        .collect();
    assert_eq!(waits, [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]);
    let Some(Status::Retrying { problem, .. }) = outcome.statuses.iter().find(|s| matches!(s, Status::Retrying { .. }))
    else {
        panic!("no retry in {:?}", outcome.statuses)
    };
    assert!(problem.advice.contains("make federation"), "{}", problem.advice);
    // Never joined: nothing to leave.
    assert!(outcome.calls.iter().all(|(_, n)| *n == "register-node"));
    assert_eq!(outcome.statuses.last(), Some(&Status::Stopped));
}

#[test]
fn a_superlink_of_another_protocol_stops_the_node_with_what_to_run() {
    let outcome = check(100.0, |_, _| Err(status(415)));
    let problem = outcome.result.expect_err("415 is not retried");
    assert!(!problem.retried);
    assert!(problem.advice.contains("1.42.0"), "{}", problem.advice);
    assert_eq!(outcome.statuses.last(), Some(&Status::Failed(problem)));
    assert_eq!(outcome.calls.len(), 1);
}

#[test]
fn a_server_that_does_not_pass_the_fleet_api_on_stops_the_node_with_the_proxy_to_set_up() {
    let outcome = check(100.0, |_, _| Err(status(404)));
    let problem = outcome.result.expect_err("404 is not retried");
    assert!(problem.advice.contains("/v1/fleet/"), "{}", problem.advice);
    assert_eq!(outcome.calls.len(), 1);
}

#[test]
fn a_superlink_that_forgets_the_node_is_rejoined_with_the_same_key() {
    // From t = 15 the SuperLink no longer knows node 42 (it restarted): the node activates again.
    let outcome = check(30.0, |request, t| match request {
        Request::Heartbeat { node_id: 42, .. } if t >= 15.0 => Ok(field(1, 0)),
        Request::RegisterNode { .. } if t > 0.0 => Err(status(409)),
        Request::ActivateNode { .. } if t > 0.0 => Ok(field(1, 43)),
        other => healthy(other, t),
    });
    assert_eq!(outcome.result, Ok(()));
    let activations = outcome.calls.iter().filter(|(_, n)| *n == "activate-node").count();
    assert_eq!(activations, 2, "{:?}", outcome.calls);
    assert!(outcome.statuses.contains(&Status::Waiting { node_id: 43 }));
    assert!(outcome
        .statuses
        .iter()
        .any(|s| matches!(s, Status::Retrying { problem, .. } if problem.error.contains("heartbeat"))));
}

#[test]
fn a_key_registered_once_is_not_registered_again_when_activation_fails() {
    // Activation fails twice (a proxy's 502); Flower refuses a second registration of a key (412).
    let outcome = check(10.0, |request, t| match request {
        Request::ActivateNode { .. } if t < 2.5 => Err(status(502)),
        other => healthy(other, t),
    });
    let names: Vec<&str> = outcome.calls.iter().map(|(_, n)| *n).collect();
    assert_eq!(names.iter().filter(|n| **n == "register-node").count(), 1, "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "activate-node").count(), 3, "{names:?}");
    assert!(outcome.statuses.contains(&Status::Waiting { node_id: 42 }));
}

#[test]
fn a_call_that_keeps_failing_after_joining_backs_off_further_each_time() {
    // Joining works every time; every pull fails (500): the waits must still grow.
    let outcome = check(40.0, |request, t| match request {
        Request::PullMessages { .. } => Err(status(500)),
        other => healthy(other, t),
    });
    let waits: Vec<f64> = outcome
        .statuses
        .iter()
        .filter_map(|s| if let Status::Retrying { seconds, .. } = s { Some(*seconds) } else { None })
        .collect();
    assert_eq!(&waits[..4], [1.0, 2.0, 4.0, 8.0], "{waits:?}");
}

#[test]
fn a_signature_refused_is_said_with_the_clock_and_retried() {
    let outcome = check(5.0, |_, _| Err(status(401)));
    let Some(Status::Retrying { problem, .. }) = outcome.statuses.iter().find(|s| matches!(s, Status::Retrying { .. }))
    else {
        panic!("no retry in {:?}", outcome.statuses)
    };
    assert!(problem.advice.contains("clock"), "{}", problem.advice);
}

#[test]
fn shards_of_all_clients_cover_the_training_split_once() {
    let spec = ShardSpec::new(0, 5, 3).unwrap();
    let (train, shards) = spec.training_split().unwrap();
    let mut all: Vec<usize> = shards.concat();
    all.sort_unstable();
    assert_eq!(all, (0..train.len()).collect::<Vec<_>>());
    assert_eq!(ShardSpec::new(4, 5, 3).unwrap().shard().unwrap().len(), shards[4].len());
    assert!(matches!(ShardSpec::new(5, 5, 3), Err(Error::InvalidSetting { .. })));
    assert!(matches!(ShardSpec::new(0, 65, 3), Err(Error::InvalidSetting { .. })));
}

fn message(arrays: &Arrays) -> Received {
    Received {
        metadata: Default::default(),
        arrays: arrays.iter().map(|(n, s, v)| ("arrays".into(), n.clone(), s.clone(), v.clone())).collect(),
        config: Vec::new(),
        records: vec!["arrays".into()],
    }
}

fn mlp_arrays() -> Arrays {
    vec![
        ("0.weight".into(), vec![3, 2], vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6]),
        ("0.bias".into(), vec![3], vec![0.0, 0.1, 0.2]),
        ("1.weight".into(), vec![1, 3], vec![1.0, -1.0, 0.5]),
        ("1.bias".into(), vec![1], vec![0.25]),
    ]
}

#[test]
fn a_model_read_from_a_message_gives_back_the_same_arrays_and_wrong_shapes_are_refused() {
    let arrays = mlp_arrays();
    assert_eq!(model_from(&message(&arrays)).unwrap().arrays(), arrays);
    let mut wrong = mlp_arrays();
    wrong[3].1 = vec![2];
    wrong[3].2 = vec![0.0, 0.0];
    assert!(matches!(model_from(&message(&wrong)), Err(Error::Flower { .. })));
    assert!(matches!(model_from(&message(&Vec::new())), Err(Error::Flower { .. })));
    let mut poisoned = mlp_arrays();
    poisoned[0].2[3] = f32::NAN;
    assert!(matches!(model_from(&message(&poisoned)), Err(Error::Flower { .. })));
}

#[test]
fn arrays_named_as_pytorch_names_them_are_taken_by_order_and_shape_and_named_back_so() {
    let named = |names: [&str; 4]| -> Arrays {
        mlp_arrays().into_iter().zip(names).map(|((_, shape, values), name)| (name.to_owned(), shape, values)).collect()
    };
    let torch = named(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    assert_eq!(model_from(&message(&torch)).unwrap().arrays(), torch);
    let legacy = named(["0", "1", "2", "3"]);
    assert_eq!(model_from(&message(&legacy)).unwrap().arrays(), legacy);
    // A second layer that does not take the first one's outputs: refused, with every shape listed.
    let mut wrong = torch.clone();
    wrong[2] = ("fc2.weight".into(), vec![1, 4], vec![0.0; 4]);
    let Err(Error::Flower { reason, .. }) = model_from(&message(&wrong)) else { panic!("accepted") };
    assert!(reason.contains("fc2.weight takes 4 inputs, the layer before gives 3"), "{reason}");
    assert!(reason.contains("fc1.weight [3, 2], fc1.bias [3], fc2.weight [1, 4], fc2.bias [1]"), "{reason}");
    assert!(reason.contains("this tab trains a dense network"), "{reason}");
    let Err(Error::Flower { reason, .. }) = model_from(&message(&torch[..3].to_vec())) else { panic!("accepted") };
    assert!(reason.starts_with("3 arrays"), "{reason}");
}

#[test]
fn client_dp_without_noise_bounds_the_update_by_the_clip_and_its_noise_is_fresh() {
    let global = mlp_arrays();
    let trained: Arrays =
        global.iter().map(|(n, s, v)| (n.clone(), s.clone(), v.iter().map(|x| x + 1.0).collect())).collect();
    let delta_norm = |sent: &Arrays| {
        sent.iter()
            .zip(&global)
            .flat_map(|((_, _, a), (_, _, b))| a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)))
            .sum::<f64>()
            .sqrt()
    };
    let clipped = ClientDp::new(0.5, 0.0).unwrap().privatise(&global, &trained).unwrap();
    assert!((delta_norm(&clipped) - 0.5).abs() < 1e-5, "{}", delta_norm(&clipped));
    // Under the clip, the update passes unchanged.
    let small = ClientDp::new(100.0, 0.0).unwrap().privatise(&global, &trained).unwrap();
    assert_eq!(small, trained);
    let noisy = ClientDp::new(0.5, 1.0).unwrap();
    assert_ne!(noisy.privatise(&global, &trained).unwrap(), noisy.privatise(&global, &trained).unwrap());
    // A NaN in the update would compare false with the clip and let the rest through unclipped.
    let mut poisoned = trained.clone();
    poisoned[1].2[0] = f32::NAN;
    assert!(ClientDp::new(0.5, 0.0).unwrap().privatise(&global, &poisoned).is_err());
    assert!(matches!(ClientDp::new(0.0, 1.0), Err(Error::InvalidSetting { .. })));
    assert!(matches!(ClientDp::new(1.0, f64::NAN), Err(Error::InvalidSetting { .. })));
}

#[test]
fn a_digits_shard_trains_the_servers_ten_class_model_and_refuses_the_circles() {
    use minisyft::playground::data::{DataKind, DataSet};
    use minisyft::playground::digits::Digits;
    let digits = DataSet::digits(&Digits::parse(include_str!("../www/data/digits.csv")).unwrap());
    let spec = ShardSpec::new(1, 4, 0).unwrap().on(DataKind::Digits).unwrap();
    let (train, shards) = spec.training_split_of(&digits).unwrap();
    assert_eq!(train.len(), 1348);
    assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), 1348);
    assert_eq!(spec.shard_of(&digits).unwrap().len(), shards[1].len());
    assert!(matches!(spec.on(DataKind::Xor), Err(Error::InvalidSetting { .. })));
    // A circle spec cannot deal from the digits.
    assert!(ShardSpec::new(1, 4, 0).unwrap().training_split_of(&digits).is_err());
    // The ServerApp's digits model: 64 → 16 → 10, a softmax over ten classes.
    let arrays = |shapes: &[(&str, Vec<usize>)]| minisyft::flower::received::Received {
        metadata: Default::default(),
        arrays: shapes
            .iter()
            .map(|(n, s)| ("arrays".to_owned(), n.to_string(), s.clone(), vec![0.01; s.iter().product()]))
            .collect(),
        config: Vec::new(),
        records: vec!["arrays".into()],
    };
    let model = model_from(&arrays(&[
        ("0.weight", vec![16, 64]),
        ("0.bias", vec![16]),
        ("1.weight", vec![10, 16]),
        ("1.bias", vec![10]),
    ]))
    .unwrap()
    .mlp;
    assert_eq!(model.task, minisyft::nn::Task::Classes { classes: 10 });
    assert_eq!(model.layers[0].weight.shape(), vec![16, 64]);
}
