//! The final project: aggregation without `me` ever receiving an individual model or gradient.

use minisyft::RequestId;
use std::cell::RefCell;
use std::rc::Rc;

use minisyft::federated::{toy_data, Aggregation, Config, Federation};
use minisyft::nn::{squared_error, Linear};
use minisyft::protocol::{Answer, Body, Envelope, WireObject};
use minisyft::runtime::{Event, Sink, Transport};
use minisyft::{Syft, Tensor};

/// The transport under test, keeping a copy of every message delivered to `me`.
#[derive(Clone)]
struct Recording<T> {
    inner: T,
    received: Rc<RefCell<Vec<Envelope>>>,
}

impl<T: Transport> Transport for Recording<T> {
    fn attach(&self, sink: Sink) {
        let received = Rc::clone(&self.received);
        self.inner.attach(Rc::new(move |event| {
            if let Event::Deliver { envelope, .. } = &event {
                received.borrow_mut().push(envelope.clone());
            }
            sink(event)
        }));
    }
    fn spawn(&self, worker: &str) -> minisyft::Result<()> {
        self.inner.spawn(worker)
    }
    fn connect(&self, a: &str, b: &str) -> minisyft::Result<()> {
        self.inner.connect(a, b)
    }
    fn post(&self, envelope: Envelope) {
        self.inner.post(envelope)
    }
    fn inspect(&self, worker: &str, token: RequestId) {
        self.inner.inspect(worker, token)
    }
}

fn received_tensors(envelopes: &[Envelope]) -> Vec<Tensor> {
    envelopes
        .iter()
        .filter_map(|e| match &e.body {
            Body::Reply { answer: Ok(Answer::Object(WireObject::Tensor(t))), .. } => Some(t.to_tensor().unwrap()),
            _ => None,
        })
        .collect()
}

/// One local SGD step of `model` on rows `rows` of the toy data, computed here as the oracle.
fn locally_trained(model: &Linear, rows: (usize, Option<usize>), lr: f64) -> Linear {
    let (data, target) = toy_data();
    let copy = Linear {
        weight: model.weight.data().deep_clone().requiring_grad().unwrap(),
        bias: model.bias.data().deep_clone().requiring_grad().unwrap(),
    };
    let loss = squared_error(
        &copy.forward(&data.rows(rows.0, rows.1).unwrap()).unwrap(),
        &target.rows(rows.0, rows.1).unwrap(),
    )
    .unwrap();
    loss.backward().unwrap();
    for p in copy.parameters() {
        p.data().sub_(&p.grad().unwrap().mul(lr).unwrap()).unwrap();
    }
    copy
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
}

crate::async_test!(me_receives_only_the_average_and_the_global_loss_falls, |_syft: Syft| async move {
    let recording = Recording { inner: crate::transport(), received: Rc::default() };
    let syft = Syft::new(recording.clone(), 7);
    let config =
        Config { seed: 11, aggregation: Aggregation::UntrustedServer, lr: 0.1, local_steps: 1, ..Config::default() };
    let mut federation = Federation::toy(&syft, config).unwrap();
    let mut previous_global = f64::INFINITY;
    for round in 0..20 {
        let before = federation.model.clone();
        let before = Linear { weight: before.weight.data().deep_clone(), bias: before.bias.data().deep_clone() };
        let bob_model = locally_trained(&before, (0, Some(2)), 0.1);
        let alice_model = locally_trained(&before, (2, None), 0.1);
        recording.received.borrow_mut().clear();

        let report = federation.round().await.unwrap();

        let received = received_tensors(&recording.received.borrow());
        for individual in [&bob_model, &alice_model] {
            for tensor in &received {
                assert!(
                    !close(&tensor.to_f32_vec(), &individual.weight.to_f32_vec()),
                    "round {round}: me saw a worker's weight"
                );
                assert!(
                    !close(&tensor.to_f32_vec(), &individual.bias.to_f32_vec()) || tensor.shape().is_empty(),
                    "round {round}: me saw a worker's bias"
                );
                assert!(tensor.grad().is_none(), "round {round}: me saw a gradient");
            }
        }
        let mean = |a: &Tensor, b: &Tensor| a.add(b).unwrap().div(2.0).unwrap().to_f32_vec();
        assert!(close(&report.weight, &mean(&bob_model.weight, &alice_model.weight)), "round {round}");
        assert!(close(&report.bias, &mean(&bob_model.bias, &alice_model.bias)), "round {round}");
        // Two scalar losses and the two averaged parameters: nothing else with values reached me.
        let shapes: Vec<Vec<usize>> = received.iter().map(|t| t.shape()).collect();
        assert_eq!(shapes, [vec![], vec![], vec![1, 2], vec![1]]);
        let names: Vec<(&str, &str)> =
            report.server_received.iter().map(|r| (r.from.as_str(), r.name.as_str())).collect();
        assert_eq!(
            names,
            [
                ("bob", "loss"),
                ("alice", "loss"),
                ("secure_worker", "average weight"),
                ("secure_worker", "average bias")
            ]
        );
        // The report lists exactly the values that reached me.
        let listed: Vec<Vec<f32>> =
            report.server_received.iter().filter_map(|r| r.floats().map(<[f32]>::to_vec)).collect();
        assert_eq!(listed, received.iter().map(Tensor::to_f32_vec).collect::<Vec<_>>());

        assert!(report.global_loss < previous_global, "round {round}: {} >= {previous_global}", report.global_loss);
        previous_global = report.global_loss;
    }
    // The model copies were consumed: the workers keep only their data, the server nothing.
    for shard in &federation.shards {
        assert_eq!(shard.worker.objects().await.unwrap().len(), 2);
    }
    assert!(federation.server.as_ref().unwrap().objects().await.unwrap().is_empty());
    // And the individual models did travel worker to worker.
    let events = syft.events();
    assert!(events.iter().any(|e| e.from == "bob" && e.to == "secure_worker" && e.bytes > 0));
    assert!(events.iter().any(|e| e.from == "alice" && e.to == "secure_worker" && e.bytes > 0));
});

crate::async_test!(untrusted_server_training_converges_for_many_seeds, |_syft: Syft| async move {
    for seed in 0..30 {
        let syft = crate::support::syft();
        let config =
            Config { seed, aggregation: Aggregation::UntrustedServer, lr: 0.1, local_steps: 5, ..Config::default() };
        let mut federation = Federation::toy(&syft, config).unwrap();
        let first = federation.round().await.unwrap().global_loss;
        let mut last = first;
        for _ in 1..20 {
            last = federation.round().await.unwrap().global_loss;
        }
        assert!(last < first && last < 0.05, "seed {seed}: {first} -> {last}");
    }
});
