//! Every size a message controls has a limit, answered with a typed error before anything is
//! allocated; nothing a message builds can overflow the stack.

use minisyft::limits::{MAX_RANK, MAX_STORE_OBJECTS, MAX_TENSOR_ELEMENTS};
use minisyft::protocol::{Body, Command, Envelope, Op, Values, WireGrad, WireObject, WireTensor, ME};
use minisyft::tensor::DType;
use minisyft::worker::{Stored, Worker};
use minisyft::ObjectId;
use minisyft::{Error, Tensor};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn store(bob: &mut Worker, id: u64, shape: Vec<usize>, values: Values) -> Vec<Envelope> {
    let dtype = if matches!(values, Values::F32(_)) { DType::Float32 } else { DType::Int64 };
    let tensor = WireTensor { shape, dtype, values, requires_grad: false, grad: None };
    bob.handle(
        ME,
        Envelope::new(
            ME,
            "bob",
            Body::Command(Command::Store { id: ObjectId(id), object: WireObject::Tensor(tensor) }),
        ),
    )
}

fn execute(bob: &mut Worker, result: u64, op: Op) {
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::Execute { result: ObjectId(result), op })));
}

fn check_limit(bob: &Worker, id: u64, what: &str) {
    match bob.object(ObjectId(id)) {
        Some(Stored::Error(Error::LimitExceeded { what: w, .. })) => assert!(w.contains(what), "{w}"),
        other => panic!("expected a limit on {what} under {id}, got {other:?}"),
    }
}

#[test]
fn shapes_whose_size_overflows_or_is_huge_are_refused_before_allocation() {
    let mut bob = Worker::new("bob");
    store(&mut bob, 1, vec![usize::MAX, 2], Values::F32(vec![]));
    check_limit(&bob, 1, "elements of a tensor");
    store(&mut bob, 2, vec![1 << 31, 0], Values::F32(vec![]));
    check_limit(&bob, 2, "elements of a tensor");
    store(&mut bob, 3, vec![1; MAX_RANK + 1], Values::F32(vec![0.0]));
    check_limit(&bob, 3, "dimensions");
    // A gradient must fit its tensor.
    let grad = Some(WireGrad { values: Values::I64(vec![1]) });
    let tensor =
        WireTensor { shape: vec![1], dtype: DType::Float32, values: Values::F32(vec![1.0]), requires_grad: true, grad };
    bob.handle(
        ME,
        Envelope::new(ME, "bob", Body::Command(Command::Store { id: ObjectId(4), object: WireObject::Tensor(tensor) })),
    );
    assert!(matches!(bob.object(ObjectId(4)), Some(Stored::Error(Error::MalformedMessage { .. }))));
}

#[test]
fn an_mm_or_a_broadcast_that_would_allocate_too_much_is_refused() {
    let mut bob = Worker::new("bob");
    store(&mut bob, 1, vec![4096, 1], Values::F32(vec![1.0; 4096]));
    store(&mut bob, 2, vec![1, 8192], Values::F32(vec![1.0; 8192]));
    execute(
        &mut bob,
        3,
        Op::Binary {
            op: minisyft::tensor::BinaryOp::Add,
            lhs: ObjectId(1),
            rhs: minisyft::protocol::Operand::Object(ObjectId(2)),
        },
    );
    check_limit(&bob, 3, "elements of a tensor");
    execute(&mut bob, 4, Op::Mm { lhs: ObjectId(1), rhs: ObjectId(2) });
    check_limit(&bob, 4, "elements of a tensor");
    store(&mut bob, 5, vec![1024, 4096], Values::F32(vec![0.5; 1 << 22]));
    store(&mut bob, 6, vec![4096, 1024], Values::F32(vec![0.5; 1 << 22]));
    execute(&mut bob, 7, Op::Mm { lhs: ObjectId(5), rhs: ObjectId(6) });
    check_limit(&bob, 7, "multiply-adds");
    assert!(Tensor::zeros(&[MAX_TENSOR_ELEMENTS, 1]).add(&Tensor::zeros(&[1, 2])).is_err());
}

#[test]
fn a_store_holds_at_most_so_many_objects_and_says_so() {
    let mut bob = Worker::new("bob");
    for id in 0..MAX_STORE_OBJECTS as u64 {
        store(&mut bob, id, vec![], Values::F32(vec![1.0]));
    }
    let out = store(&mut bob, u64::MAX, vec![], Values::F32(vec![1.0]));
    assert!(matches!(out.as_slice(), [Envelope { body: Body::Refused { error: Error::LimitExceeded { .. } }, .. }]));
    assert_eq!(bob.entries().len(), MAX_STORE_OBJECTS);
}

#[test]
fn a_history_of_a_hundred_thousand_ops_backpropagates_and_drops_without_recursion() {
    let mut x = Tensor::from([1.]).requiring_grad().unwrap();
    let leaf = x.clone();
    for _ in 0..100_000 {
        x = x.add(1.0).unwrap();
    }
    x.sum().backward().unwrap();
    assert_eq!(leaf.grad().unwrap(), Tensor::from([1.]));
    drop(x);
}
