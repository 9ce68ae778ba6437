//! Bad input gets a typed error and loses nothing; random command sequences never panic and never
//! leave a dangling id or a leaked object.

use minisyft::{ObjectId, RequestId};
use std::collections::BTreeSet;

use minisyft::protocol::{
    Answer, Body, Command, Envelope, ObjectKind, Op, Operand, Query, Values, WireObject, WireTensor, ME,
};
use minisyft::rng::Rng;
use minisyft::tensor::{BinaryOp, DType};
use minisyft::worker::{Stored, Worker};
use minisyft::{Error, Pointer, Syft, Tensor};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn request(query: Query) -> Envelope {
    Envelope::new(ME, "bob", Body::Request { request: RequestId(9), query })
}

fn reply_error(out: &[Envelope]) -> Error {
    match out {
        [Envelope { body: Body::Reply { request: RequestId(9), answer: Err(error) }, .. }] => error.clone(),
        other => panic!("expected one error reply, got {other:?}"),
    }
}

#[test]
fn a_worker_given_bad_messages_replies_with_typed_errors_and_keeps_its_store() {
    let mut bob = Worker::new("bob");
    let keep = WireTensor::from_tensor(&Tensor::from([1., 2.]));
    bob.handle(
        ME,
        Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(1), object: WireObject::Tensor(keep) })),
    );
    // A tensor whose bytes do not fit its shape is kept as an error, not a panic.
    let bad = WireTensor {
        shape: vec![3],
        dtype: DType::Float32,
        values: Values::F32(vec![0.0; 2]),
        requires_grad: false,
        grad: None,
    };
    bob.handle(
        ME,
        Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(2), object: WireObject::Tensor(bad) })),
    );
    assert!(matches!(bob.object(ObjectId(2)), Some(Stored::Error(Error::MalformedMessage { .. }))));

    let unknown = reply_error(&bob.handle(ME, request(Query::Get { id: ObjectId(77), expected: ObjectKind::Tensor })));
    assert_eq!(unknown, Error::ObjectNotFound { id: ObjectId(77), worker: "bob".into() });
    let wrong_kind =
        reply_error(&bob.handle(ME, request(Query::Get { id: ObjectId(1), expected: ObjectKind::Pointer })));
    assert!(matches!(wrong_kind, Error::WrongObjectKind { id: ObjectId(1), .. }));
    let shape = Op::Mm { lhs: ObjectId(1), rhs: ObjectId(1) };
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::Execute { result: ObjectId(3), op: shape })));
    assert!(matches!(bob.object(ObjectId(3)), Some(Stored::Error(Error::WrongRank { .. }))));
    let in_place = Query::InPlace {
        op: minisyft::protocol::InPlaceOp::Binary {
            op: BinaryOp::Add,
            target: ObjectId(1),
            rhs: Operand::Object(ObjectId(99)),
        },
    };
    assert_eq!(
        reply_error(&bob.handle(ME, request(in_place))),
        Error::ObjectNotFound { id: ObjectId(99), worker: "bob".into() }
    );
    assert_eq!(
        reply_error(&bob.handle(ME, request(Query::RemoteGet { id: ObjectId(5) }))),
        Error::ObjectNotFound { id: ObjectId(5), worker: "bob".into() }
    );
    assert_eq!(reply_error(&bob.handle(ME, request(Query::Backward { id: ObjectId(1) }))), Error::BackwardWithoutGraph);
    // A reply nobody asked for changes nothing.
    let stray = Envelope::new("alice", "bob", Body::Reply { request: RequestId(1234), answer: Ok(Answer::Done) });
    assert!(bob.handle("alice", stray).is_empty());
    assert!(matches!(bob.object(ObjectId(1)), Some(Stored::Tensor(t)) if *t == Tensor::from([1., 2.])));
    assert_eq!(bob.reject(ME, Some(RequestId(4)), Error::MalformedMessage { reason: "x".into() }).len(), 1);
}

/// Polls once: over the in-process runtime every reply has arrived when a request returns, so a
/// pending future here is a request nobody will ever answer.
fn answered_at_once<F: std::future::Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("a request was never answered"),
    }
}

/// Drives random sends, ops, chains, moves, fetches and drops against three workers, then drops
/// every pointer and checks that every store is empty.
#[test]
fn random_command_sequences_never_panic_and_leave_no_leaks() {
    for seed in 0..40 {
        let (syft, runtime) = Syft::in_process(seed);
        let names = ["bob", "alice", "carol"];
        let workers: Vec<_> = names.iter().map(|n| syft.create_worker(n).unwrap()).collect();
        workers[0].add_worker(&workers[1]).unwrap();
        let mut rng = Rng::seeded(seed * 7 + 1);
        let mut pointers: Vec<Pointer> = Vec::new();
        let mut history = Vec::new();
        let pick = |rng: &mut Rng, n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
        for _ in 0..200 {
            let action = rng.next_u64() % 10;
            let worker = &workers[pick(&mut rng, 3)];
            let outcome: Result<(), Error> = answered_at_once(async {
                match action {
                    0 | 1 => {
                        let len = 1 + pick(&mut rng, 3);
                        let values = (0..len).map(|i| i as f32 + 0.5).collect();
                        pointers.push(Tensor::from_f32(&[len], values)?.send(worker)?);
                    }
                    2 | 3 if !pointers.is_empty() => {
                        let (i, j) = (pick(&mut rng, pointers.len()), pick(&mut rng, pointers.len()));
                        let op = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div][pick(&mut rng, 4)];
                        let result = pointers[i].binary(op, &pointers[j])?;
                        pointers.push(result);
                    }
                    4 if !pointers.is_empty() => {
                        let i = pick(&mut rng, pointers.len());
                        let sent = pointers[i].send(worker)?;
                        pointers.push(sent);
                    }
                    5 if !pointers.is_empty() => {
                        let p = pointers.swap_remove(pick(&mut rng, pointers.len()));
                        let _ = p.get().await;
                        let _ = p.get_pointer().await;
                    }
                    6 if !pointers.is_empty() => {
                        let i = pick(&mut rng, pointers.len());
                        let moved = pointers[i].move_to(worker).await?;
                        pointers.push(moved);
                    }
                    7 if !pointers.is_empty() => {
                        let i = pick(&mut rng, pointers.len());
                        pointers[i].remote_get().await?;
                    }
                    8 if !pointers.is_empty() => {
                        pointers.swap_remove(pick(&mut rng, pointers.len()));
                    }
                    9 if !pointers.is_empty() => {
                        let i = pick(&mut rng, pointers.len());
                        let _ = pointers[i].sum()?.get().await;
                    }
                    _ => {}
                }
                Ok(())
            });
            // Errors are fine; panics are not (the test would abort here).
            let _ = outcome;
            history.push(action);
            assert_no_dangling(&runtime, &names, seed, &format!("after actions {history:?}"));
            for name in names {
                runtime
                    .with_worker(name, |w| {
                        assert_eq!(w.waiting_requests(), 0, "seed {seed}: {name} left a request waiting")
                    })
                    .unwrap();
            }
        }
        assert_no_dangling(&runtime, &names, seed, "at the end");
        // ... and once every pointer is dropped, nothing is left anywhere.
        drop(pointers);
        let left: BTreeSet<String> = names
            .iter()
            .filter(|n| runtime.with_worker(n, |w| !w.entries().is_empty()).unwrap())
            .map(|n| n.to_string())
            .collect();
        assert!(left.is_empty(), "seed {seed}: objects leaked on {left:?}");
    }
}

/// Every stored pointer leads to an object that exists.
fn assert_no_dangling(runtime: &minisyft::runtime::InProcess, names: &[&str], seed: u64, when: &str) {
    for name in names {
        let pointers_in_store: Vec<(minisyft::WorkerId, minisyft::ObjectId)> = runtime
            .with_worker(name, |w| {
                w.entries()
                    .values()
                    .map(|e| &e.object)
                    .filter_map(|s| match s {
                        Stored::Pointer { location, id_at_location } => Some((location.clone(), *id_at_location)),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap();
        for (location, id) in pointers_in_store {
            let exists = runtime.with_worker(&location, |w| w.entries().contains_key(&id)).unwrap();
            assert!(exists, "seed {seed}: {name} points at {location}:{id}, which is gone, {when}");
        }
    }
}
