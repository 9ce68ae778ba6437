//! The trust model: an object can be used only by the party that stored it or one it sent a
//! pointer to; a sender is who its channel says, never what its message claims; everything else
//! gets a typed error and leaves the object untouched. Each test plays a compromised worker by
//! injecting what it could send on its own channel.

use minisyft::federated::{Aggregation, Config, Federation};
use minisyft::limits::{MAX_CHAIN_HOPS, MAX_WAITING_REQUESTS};
use minisyft::protocol::{
    Answer, Body, Command, Envelope, InPlaceOp, MessageKind, ObjectKind, Op, Operand, Query, WireObject, WireTensor, ME,
};
use minisyft::runtime::block_on;
use minisyft::tensor::BinaryOp;
use minisyft::worker::{Stored, Worker};
use minisyft::{Error, Syft, Tensor};
use minisyft::{ObjectId, RequestId};

const STOLEN: u64 = 7;

/// bob holds `[1., 2.]` under `STOLEN`, stored by `me`; alice is bob's peer.
fn bob_with_mes_tensor() -> Worker {
    let mut bob = Worker::new("bob");
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::AddWorker { worker: "alice".into() })));
    let tensor = WireObject::Tensor(WireTensor::from_tensor(&Tensor::from([1., 2.])));
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(STOLEN), object: tensor })));
    bob
}

/// What `bob` answers `alice` for `body`: the reply's error, or the refusal's.
fn check_denied(body: Body, action: &str) {
    let mut bob = bob_with_mes_tensor();
    let out = bob.handle("alice", Envelope::new("alice", "bob", body));
    let error = match out.as_slice() {
        [Envelope { body: Body::Reply { answer: Err(error), .. }, to, .. }]
        | [Envelope { body: Body::Refused { error }, to, .. }] => {
            assert_eq!(to, "alice");
            error.clone()
        }
        other => panic!("{action}: expected one refusal to alice, got {other:?}"),
    };
    assert_eq!(
        error,
        Error::PermissionDenied {
            asker: "alice".into(),
            action: action.into(),
            id: ObjectId(STOLEN),
            worker: "bob".into(),
            owner: ME.into()
        }
    );
    assert!(
        matches!(bob.object(ObjectId(STOLEN)), Some(Stored::Tensor(t)) if *t == Tensor::from([1., 2.])),
        "{action}"
    );
}

fn request(query: Query) -> Body {
    Body::Request { request: RequestId(1), query }
}

#[test]
fn a_peer_cannot_get_delete_overwrite_change_or_use_what_me_stored() {
    check_denied(request(Query::Get { id: ObjectId(STOLEN), expected: ObjectKind::Tensor }), "get");
    check_denied(Body::Command(Command::Delete { id: ObjectId(STOLEN) }), "delete");
    let other = WireObject::Tensor(WireTensor::from_tensor(&Tensor::from([9., 9.])));
    check_denied(Body::Command(Command::Store { id: ObjectId(STOLEN), object: other }), "overwrite");
    let add = InPlaceOp::Binary { op: BinaryOp::Add, target: ObjectId(STOLEN), rhs: Operand::Scalar(1.0) };
    check_denied(request(Query::InPlace { op: add }), "add_");
    check_denied(request(Query::InPlace { op: InPlaceOp::Zero { target: ObjectId(STOLEN) } }), "zero_");
    check_denied(request(Query::Backward { id: ObjectId(STOLEN) }), "backward");
    check_denied(request(Query::RemoteGet { id: ObjectId(STOLEN) }), "remote_get");
    check_denied(Body::Command(Command::Delegate { id: ObjectId(STOLEN), to: "alice".into() }), "delegate");
}

#[test]
fn a_peer_lists_and_clears_only_its_own_objects() {
    let mut bob = bob_with_mes_tensor();
    let listing = bob.handle("alice", Envelope::new("alice", "bob", request(Query::Objects)));
    assert!(
        matches!(listing.as_slice(), [Envelope { body: Body::Reply { answer: Ok(Answer::Objects(l)), .. }, .. }] if l.is_empty())
    );
    bob.handle("alice", Envelope::new("alice", "bob", request(Query::ClearObjects)));
    assert!(bob.object(ObjectId(STOLEN)).is_some());
    // An op on someone else's object keeps the refusal in place of the result, owned by the asker.
    let op = Op::Sum { input: ObjectId(STOLEN) };
    bob.handle("alice", Envelope::new("alice", "bob", Body::Command(Command::Execute { result: ObjectId(99), op })));
    assert!(matches!(bob.object(ObjectId(99)), Some(Stored::Error(Error::PermissionDenied { .. }))));
    assert_eq!(bob.entries()[&ObjectId(99)].access.owner(), "alice");
}

#[test]
fn a_message_is_from_its_channel_whatever_it_claims() {
    let mut bob = bob_with_mes_tensor();
    let forged = Envelope::new(ME, "bob", request(Query::Get { id: ObjectId(STOLEN), expected: ObjectKind::Tensor }));
    let out = bob.handle("alice", forged);
    let expected = Error::Impersonation { channel: "alice".into(), claimed: ME.into() };
    assert!(
        matches!(out.as_slice(), [Envelope { to, body: Body::Reply { answer: Err(e), .. }, .. }] if to == "alice" && *e == expected)
    );
    assert!(bob.object(ObjectId(STOLEN)).is_some());
    // A worker bob was never introduced to is not a party at all.
    let stranger = Envelope::new("mallory", "bob", request(Query::Objects));
    let out = bob.handle("mallory", stranger);
    assert!(matches!(
        out.as_slice(),
        [Envelope { body: Body::Reply { answer: Err(Error::UnknownWorker { .. }), .. }, .. }]
    ));
    // Only `me` introduces workers.
    let introduce = Body::Command(Command::AddWorker { worker: "mallory".into() });
    bob.handle("alice", Envelope::new("alice", "bob", introduce));
    assert!(!bob.known_workers().contains("mallory"));
}

#[test]
fn only_the_worker_a_request_was_forwarded_to_may_answer_it() {
    let mut alice = Worker::new("alice");
    for peer in ["bob", "carol"] {
        let add = Body::Command(Command::AddWorker { worker: peer.into() });
        alice.handle(ME, Envelope::new(ME, "alice", add));
    }
    let pointer = WireObject::Pointer { location: "bob".into(), id_at_location: ObjectId(5) };
    alice.handle(ME, Envelope::new(ME, "alice", Body::Command(Command::Store { id: ObjectId(1), object: pointer })));
    let out = alice.handle(
        ME,
        Envelope::new(
            ME,
            "alice",
            Body::Request { request: RequestId(40), query: Query::RemoteGet { id: ObjectId(1) } },
        ),
    );
    let Some(Envelope { body: Body::Request { request: forwarded, .. }, .. }) = out.first() else {
        panic!("alice forwards the get to bob, got {out:?}")
    };
    let fake = WireObject::Tensor(WireTensor::from_tensor(&Tensor::from([6., 6., 6.])));
    let reply = Body::Reply { request: *forwarded, answer: Ok(Answer::Object(fake)) };
    assert!(alice.handle("carol", Envelope::new("carol", "alice", reply)).is_empty());
    assert_eq!(alice.waiting_requests(), 1, "carol's answer settled nothing");
    assert!(matches!(alice.object(ObjectId(1)), Some(Stored::Pointer { .. })));
}

#[test]
fn sending_a_pointer_on_delegates_its_object_and_nothing_else() {
    let (syft, runtime) = Syft::in_process(3);
    let (bob, alice) = (syft.create_worker("bob").unwrap(), syft.create_worker("alice").unwrap());
    bob.add_worker(&alice).unwrap();
    let kept = Tensor::from([5., 5.]).send(&bob).unwrap();
    let chained = Tensor::from([1., 2.]).send(&bob).unwrap().send(&alice).unwrap();
    let entries = block_on(bob.inspect()).unwrap();
    let delegated: Vec<_> = entries.iter().filter(|e| e.delegates == vec!["alice".to_owned()]).collect();
    assert_eq!(delegated.len(), 1, "{entries:?}");
    assert!(entries.iter().any(|e| e.id == kept.id_at_location() && e.delegates.is_empty()));
    // alice uses the delegated object through the chain; the other stays out of her reach.
    let sum = chained.add(&chained).unwrap();
    block_on(sum.remote_get()).unwrap();
    assert_eq!(block_on(sum.get()).unwrap(), Tensor::from([2., 4.]));
    let get = Body::Request {
        request: RequestId(3),
        query: Query::Get { id: kept.id_at_location(), expected: ObjectKind::Tensor },
    };
    runtime.inject("alice", Envelope::new("alice", "bob", get));
    assert_eq!(block_on(kept.get()).unwrap(), Tensor::from([5., 5.]));
}

#[test]
fn secure_worker_can_average_what_was_moved_to_it_but_cannot_take_the_training_data() {
    let (syft, runtime) = Syft::in_process(0);
    let config = Config { aggregation: Aggregation::UntrustedServer, ..Config::default() };
    let mut federation = Federation::toy(&syft, config).unwrap();
    block_on(federation.round()).unwrap();
    let bob_data = federation.shards[0].data.id_at_location();
    for body in [
        Body::Request { request: RequestId(77), query: Query::Get { id: bob_data, expected: ObjectKind::Tensor } },
        Body::Command(Command::Delete { id: bob_data }),
        Body::Request { request: RequestId(78), query: Query::InPlace { op: InPlaceOp::Zero { target: bob_data } } },
        Body::Request { request: RequestId(79), query: Query::ClearObjects },
    ] {
        runtime.inject("secure_worker", Envelope::new("secure_worker", "bob", body));
    }
    let denied = syft
        .events()
        .into_iter()
        .filter(|e| e.from == "bob" && e.to == "secure_worker")
        .filter(|e| e.error.as_deref().is_some_and(|text| text.starts_with("permission denied: secure_worker")))
        .count();
    assert_eq!(denied, 3, "get, delete and zero_ are refused; clear_objects clears nothing of bob's");
    assert_eq!(block_on(federation.shards[0].data.get()).unwrap(), Tensor::from([[1., 1.], [0., 1.]]));
    // ... and training goes on.
    let mut federation =
        Federation::toy(&syft, Config { aggregation: Aggregation::UntrustedServer, ..Config::default() }).unwrap();
    assert!(block_on(federation.round()).is_ok());
}

#[test]
fn a_pointer_cycle_ends_in_a_typed_error_after_a_bounded_number_of_hops() {
    let (syft, runtime) = Syft::in_process(5);
    let (bob, alice) = (syft.create_worker("bob").unwrap(), syft.create_worker("alice").unwrap());
    bob.add_worker(&alice).unwrap();
    let store = |at: &str, to: &str| {
        let object = WireObject::Pointer { location: to.into(), id_at_location: ObjectId(1) };
        runtime.inject(ME, Envelope::new(ME, at, Body::Command(Command::Store { id: ObjectId(1), object })));
        runtime.inject(ME, Envelope::new(ME, at, Body::Command(Command::Delegate { id: ObjectId(1), to: to.into() })));
    };
    store("bob", "alice");
    store("alice", "bob");
    runtime.inject(
        ME,
        Envelope::new(
            ME,
            "bob",
            Body::Command(Command::Execute { result: ObjectId(50), op: Op::Sum { input: ObjectId(1) } }),
        ),
    );
    let backward = Body::Request { request: RequestId(1_000), query: Query::Backward { id: ObjectId(1) } };
    runtime.inject(ME, Envelope::new(ME, "bob", backward));
    for name in ["bob", "alice"] {
        runtime
            .with_worker(name, |w| {
                assert!(w.entries().len() <= MAX_CHAIN_HOPS as usize, "{name} holds {}", w.entries().len());
                assert_eq!(w.waiting_requests(), 0, "{name} still waits");
            })
            .unwrap();
    }
    let hops = syft.events().into_iter().filter(|e| e.kind == MessageKind::Backward).count();
    assert!(hops <= MAX_CHAIN_HOPS as usize + 1, "{hops} hops");
    let answered = syft
        .events()
        .into_iter()
        .any(|e| e.to == ME && e.error.as_deref().is_some_and(|t| t.contains("pointer chain")));
    assert!(answered, "the backward came back as an error");
}

#[test]
fn a_worker_waits_on_at_most_so_many_forwarded_requests() {
    let mut bob = Worker::new("bob");
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::AddWorker { worker: "alice".into() })));
    let pointer = WireObject::Pointer { location: "alice".into(), id_at_location: ObjectId(1) };
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(1), object: pointer })));
    for request in 0..MAX_WAITING_REQUESTS as u64 {
        bob.handle(
            ME,
            Envelope::new(
                ME,
                "bob",
                Body::Request { request: RequestId(request), query: Query::Backward { id: ObjectId(1) } },
            ),
        );
    }
    let out = bob.handle(
        ME,
        Envelope::new(
            ME,
            "bob",
            Body::Request { request: RequestId(1 << 40), query: Query::Backward { id: ObjectId(1) } },
        ),
    );
    assert!(matches!(
        out.as_slice(),
        [Envelope { body: Body::Reply { answer: Err(Error::LimitExceeded { .. }), .. }, .. }]
    ));
    // alice dies: everything waiting on her is answered.
    let answers = bob.peer_gone("alice", "terminated");
    assert_eq!(answers.len(), MAX_WAITING_REQUESTS);
    assert_eq!(bob.waiting_requests(), 0);
}

#[test]
fn me_answers_requests_and_refuses_commands_it_cannot_take() {
    let (syft, runtime) = Syft::in_process(1);
    syft.create_worker("bob").unwrap();
    runtime.inject("bob", Envelope::new("bob", ME, Body::Request { request: RequestId(3), query: Query::Objects }));
    runtime.inject("bob", Envelope::new("bob", ME, Body::Command(Command::Delete { id: ObjectId(3) })));
    let from_me: Vec<_> = syft.events().into_iter().filter(|e| e.from == ME && e.to == "bob").collect();
    assert_eq!(
        from_me.iter().map(|e| e.kind.clone()).collect::<Vec<_>>(),
        [MessageKind::ReplyError, MessageKind::Refused]
    );
    // A worker's message that claims to be another's is dropped and counted.
    runtime.inject("bob", Envelope::new("alice", ME, Body::Reply { request: RequestId(1), answer: Ok(Answer::Done) }));
    assert_eq!(syft.forged_messages(), 1);
}

#[test]
fn a_worker_keeps_no_pointer_into_mes_store_or_its_own() {
    let mut bob = Worker::new("bob");
    for (id, location) in [(1, ME), (2, "bob")] {
        let object = WireObject::Pointer { location: location.into(), id_at_location: ObjectId(9) };
        bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(id), object })));
        assert!(matches!(bob.object(ObjectId(id)), Some(Stored::Error(Error::MalformedMessage { .. }))));
    }
}
