//! What a hostile run found, each as a directed test: plans naming the last register number, plan
//! runs that would outgrow memory or burn CPU, Beaver triples dealt for strangers or past any use,
//! a refused batch `get` that must change nothing, and a peer filling a store its creator must be
//! able to clear. Each measures the worker's memory while it handles the message.

use minisyft::limits::MAX_STORE_OBJECTS;
use minisyft::protocol::{
    Body, Command, Envelope, Op, Operand, Plan, PlanStep, Product, Query, Values, WireObject, WireTensor, ME,
};
use minisyft::tensor::{BinaryOp, DType};
use minisyft::worker::{Stored, Worker};
use minisyft::{Error, Syft, Tensor};
use minisyft::{ObjectId, RequestId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::allocator::{measure, Usage};
use super::at_once;

/// bob, who may message alice and carol.
fn bob() -> Worker {
    let mut bob = Worker::new("bob");
    for peer in ["alice", "carol"] {
        bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::AddWorker { worker: peer.into() })));
    }
    bob
}

fn filled(shape: &[usize], value: f32, requires_grad: bool) -> WireObject {
    let count = shape.iter().product();
    let values = Values::F32(vec![value; count]);
    WireObject::Tensor(WireTensor { shape: shape.to_vec(), dtype: DType::Float32, values, requires_grad, grad: None })
}

/// What bob sends back for `body` from `channel`, and what handling it cost.
fn handle(bob: &mut Worker, channel: &str, body: Body) -> (Vec<Envelope>, Usage) {
    measure(|| bob.handle(channel, Envelope::new(channel, "bob", body)))
}

/// The one error bob answered with: a refused command or a failed reply.
fn check_refused(out: &[Envelope], what: &str) -> Error {
    match out {
        [Envelope { body: Body::Refused { error }, .. }]
        | [Envelope { body: Body::Reply { answer: Err(error), .. }, .. }] => error.clone(),
        other => panic!("{what}: expected one refusal, got {other:?}"),
    }
}

fn check_limit(error: &Error, what: &str) {
    assert!(
        matches!(error, Error::LimitExceeded { what: w, .. } if w.contains(what)),
        "expected a limit on {what}, got {error:?}"
    );
}

fn add(out: u64, lhs: u64, rhs: u64) -> PlanStep {
    PlanStep::Op {
        out: ObjectId(out),
        op: Op::Binary { op: BinaryOp::Add, lhs: ObjectId(lhs), rhs: Operand::Object(ObjectId(rhs)) },
    }
}

fn run_plan(bob: &mut Worker, plan: Plan, inputs: Vec<ObjectId>, outputs: Vec<ObjectId>) -> (Vec<Envelope>, Usage) {
    let (out, _) = handle(bob, ME, Body::Command(Command::StorePlan { id: ObjectId(100), plan }));
    assert!(out.is_empty(), "the plan is stored: {out:?}");
    handle(
        bob,
        ME,
        Body::Request { request: RequestId(1), query: Query::RunPlan { plan: ObjectId(100), inputs, outputs } },
    )
}

#[test]
fn a_plan_naming_the_last_register_number_is_refused_and_not_stored() {
    let last = u64::MAX;
    let plans = [
        Plan { inputs: 1, steps: vec![PlanStep::Backward { slot: ObjectId(last) }], outputs: vec![] },
        Plan {
            inputs: 1,
            steps: vec![PlanStep::Op { out: ObjectId(1), op: Op::Neg { input: ObjectId(last) } }],
            outputs: vec![ObjectId(1)],
        },
        Plan {
            inputs: 1,
            steps: vec![PlanStep::Op { out: ObjectId(last), op: Op::Neg { input: ObjectId(0) } }],
            outputs: vec![],
        },
        Plan {
            inputs: 1,
            steps: vec![PlanStep::ForEachBatch {
                data: ObjectId(0),
                target: ObjectId(0),
                x: ObjectId(last),
                y: ObjectId(1),
                batch_size: 1,
                epochs: 1,
                body: 0,
            }],
            outputs: vec![],
        },
        Plan { inputs: 1, steps: vec![], outputs: vec![ObjectId(last)] },
        Plan { inputs: last, steps: vec![], outputs: vec![] },
    ];
    let mut bob = bob();
    for (id, plan) in (10..).zip(plans) {
        let (out, _) = handle(&mut bob, ME, Body::Command(Command::StorePlan { id: ObjectId(id), plan: plan.clone() }));
        check_limit(&check_refused(&out, &format!("{plan:?}")), "registers of a plan");
        assert!(bob.object(ObjectId(id)).is_none(), "{plan:?} was stored");
    }
}

#[test]
fn a_plan_run_whose_history_would_outgrow_the_limit_stops_before_it_exhausts_memory() {
    // r0 = r0 + r1, sixteen times: each step keeps a 4096 × 4096 result alive in r0's history.
    let mut bob = bob();
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(1), object: filled(&[4096, 1], 1.0, true) }));
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(2), object: filled(&[1, 4096], 1.0, false) }));
    let plan = Plan { inputs: 2, steps: (0..16).map(|_| add(0, 0, 1)).collect(), outputs: vec![ObjectId(0)] };
    let (out, usage) = run_plan(&mut bob, plan, vec![ObjectId(1), ObjectId(2)], vec![ObjectId(3)]);
    check_limit(&check_refused(&out, "the growing history"), "history");
    assert!(usage.within_ceilings(), "the run held or allocated too much: {usage:?}");
    assert!(bob.object(ObjectId(3)).is_none());
    assert!(matches!(bob.object(ObjectId(1)), Some(Stored::Tensor(_))), "its inputs are kept");
}

/// Hours of work before plan runs counted the elements they touch; now about a second in a
/// release build (a minute unoptimised, so `make test` runs it in its release pass).
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[cfg_attr(debug_assertions, ignore = "a minute unoptimised: `make test` runs it with --release")]
fn a_plan_run_is_bounded_by_the_elements_it_touches_not_by_its_steps() {
    // Two steps: for a million epochs over one batch, a 4096 × 4096 broadcast add.
    let mut bob = bob();
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(1), object: filled(&[4096, 1], 1.0, false) }));
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(2), object: filled(&[4096, 1], 1.0, false) }));
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(3), object: filled(&[1, 4096], 1.0, false) }));
    let steps = vec![
        PlanStep::ForEachBatch {
            data: ObjectId(0),
            target: ObjectId(1),
            x: ObjectId(3),
            y: ObjectId(4),
            batch_size: 4096,
            epochs: 1_000_000,
            body: 1,
        },
        add(5, 3, 2),
    ];
    let (out, usage) = run_plan(
        &mut bob,
        Plan { inputs: 3, steps, outputs: vec![] },
        vec![ObjectId(1), ObjectId(2), ObjectId(3)],
        vec![],
    );
    check_limit(&check_refused(&out, "the long loop"), "elements one plan run touches");
    assert!(usage.within_ceilings(), "{usage:?}");
}

#[test]
fn only_me_may_ask_a_crypto_provider_for_beaver_triples() {
    let mut bob = bob();
    let holders = vec![("alice".into(), [1, 2, 3].map(ObjectId)), ("carol".into(), [4, 5, 6].map(ObjectId))];
    let triple = Command::Triple { product: Product::Mul, lhs: vec![2], rhs: vec![2], holders };
    let (out, _) = handle(&mut bob, "alice", Body::Command(triple.clone()));
    let error = check_refused(&out, "a triple for a peer");
    assert!(matches!(error, Error::Sharing { ref reason, .. } if reason.contains("only me")), "{error:?}");
    assert!(out.iter().all(|e| e.to == "alice"), "nothing was dealt: {out:?}");
    // `me` may: six shares, each stored and delegated.
    let (out, _) = handle(&mut bob, ME, Body::Command(triple));
    assert_eq!(out.len(), 12, "{out:?}");
}

#[test]
fn a_beaver_triple_larger_than_any_shared_product_needs_is_refused_before_it_is_drawn() {
    let mut bob = bob();
    let holders = vec![("alice".into(), [1, 2, 3].map(ObjectId)), ("carol".into(), [4, 5, 6].map(ObjectId))];
    for (product, lhs, rhs) in [
        (Product::Mul, vec![1 << 24], vec![1 << 24]),
        (Product::Mm, vec![4096, 4096], vec![4096, 4096]),
        (Product::Mm, vec![1, 1 << 23], vec![1 << 23, 1]),
    ] {
        let triple = Command::Triple { product, lhs: lhs.clone(), rhs, holders: holders.clone() };
        let (out, usage) = handle(&mut bob, ME, Body::Command(triple));
        check_limit(&check_refused(&out, &format!("{lhs:?}")), "triple");
        assert!(usage.peak < 1 << 20 && usage.allocated < 1 << 20, "{lhs:?}: {usage:?}");
    }
}

#[test]
fn a_refused_batch_get_changes_nothing() {
    let (syft, _runtime) = Syft::in_process(0);
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([1., 2.]).send(&bob).unwrap();
    let y = Tensor::from([3.]).send(&bob).unwrap();
    at_once(async {
        let twice = syft.get_many(&[&x, &y, &x]).await;
        assert!(matches!(twice, Err(Error::FetchedTwice { id }) if id == x.id_at_location()), "{twice:?}");
        assert_eq!(x.get().await.unwrap(), Tensor::from([1., 2.]));
        assert_eq!(y.get().await.unwrap(), Tensor::from([3.]));
    });
    // The worker refuses such a batch itself, whoever sends it.
    let mut bob = self::bob();
    handle(&mut bob, ME, Body::Command(Command::Store { id: ObjectId(1), object: filled(&[2], 1.0, false) }));
    let (out, _) = handle(
        &mut bob,
        ME,
        Body::Request { request: RequestId(1), query: Query::GetMany { ids: vec![ObjectId(1), ObjectId(1)] } },
    );
    assert_eq!(check_refused(&out, "twice"), Error::FetchedTwice { id: ObjectId(1) });
    assert!(bob.object(ObjectId(1)).is_some());
}

#[test]
fn a_peer_fills_no_more_than_its_share_of_a_store_and_the_workers_creator_can_always_clear_it() {
    let mut bob = bob();
    let mut refused = None;
    for id in 0..MAX_STORE_OBJECTS as u64 {
        let (out, _) = handle(
            &mut bob,
            "alice",
            Body::Command(Command::Store { id: ObjectId(id), object: filled(&[], 1.0, false) }),
        );
        if let [Envelope { body: Body::Refused { error }, .. }] = out.as_slice() {
            refused = Some(error.clone());
            break;
        }
    }
    let error = refused.expect("alice's share of bob's store has a limit");
    check_limit(&error, "objects one party keeps");
    // carol and me can still store.
    let (out, _) = handle(
        &mut bob,
        "carol",
        Body::Command(Command::Store { id: ObjectId(u64::MAX), object: filled(&[], 2.0, false) }),
    );
    assert!(out.is_empty(), "{out:?}");
    let (out, _) = handle(
        &mut bob,
        ME,
        Body::Command(Command::Store { id: ObjectId(u64::MAX - 1), object: filled(&[], 3.0, false) }),
    );
    assert!(out.is_empty(), "{out:?}");
    // bob.clear_objects() from the page that created bob empties it, whoever stored what.
    let (out, _) = handle(&mut bob, ME, Body::Request { request: RequestId(1), query: Query::ClearObjects });
    assert!(matches!(out.as_slice(), [Envelope { body: Body::Reply { answer: Ok(_), .. }, .. }]), "{out:?}");
    assert_eq!(bob.entries().len(), 0);
    assert_eq!(bob.stored_elements(), 0);
}
