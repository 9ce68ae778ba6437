//! Hostile messages: a generator throws random messages, mutations of the lesson's own messages,
//! huge and overflowing shapes, cycles, unknown ids and impersonations at a worker and at the
//! client, and scenarios of several messages that only do harm together (large operands, then a
//! plan over them; triples of huge shapes; batch gets naming an object twice). Nothing may panic
//! or abort, every request must be answered, memory stays within the limits, and no message makes
//! the worker hold more than 512 MiB or allocate more than 4 GiB (`allocator.rs`). `make test`
//! runs it unoptimised and in release (where integer overflow wraps instead of panicking).
//! Natively a million messages (`MINISYFT_HOSTILE_MESSAGES` changes the count); in wasm fewer.
//! `bytes.rs` does the same to the binary wire form: frames of hostile messages, mangled;
//! `boundary.rs` (in the browser) to what `postMessage` delivers: JS values that are not frames.

mod allocator;
#[cfg(target_arch = "wasm32")]
mod boundary;
mod bytes;
mod directed;
mod generator;
#[cfg(not(target_arch = "wasm32"))]
mod notebook;

use generator::Generator;
use minisyft::limits::{MAX_STORE_ELEMENTS, MAX_STORE_OBJECTS, MAX_WAITING_REQUESTS};
use minisyft::protocol::{Body, Command, Envelope, ME};
use minisyft::runtime::InProcess;
use minisyft::worker::Worker;
use minisyft::{Syft, Tensor, WorkerId};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

pub(crate) fn message_count(native: usize, wasm: usize) -> usize {
    if cfg!(target_arch = "wasm32") {
        return wasm;
    }
    std::env::var("MINISYFT_HOSTILE_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(native)
}

#[test]
fn a_worker_survives_a_million_hostile_messages_answers_every_request_and_stays_within_its_limits() {
    let total = message_count(1_000_000, 20_000);
    let mut generator = Generator::new(2024);
    let mut bob = Worker::new("bob");
    bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::AddWorker { worker: "alice".into() })));
    let (mut requests, mut answered) = (0u64, 0u64);
    for i in 0..total {
        // Start afresh now and then, so that stores of every size are met.
        if i % 50_000 == 49_999 {
            bob = Worker::new("bob");
            bob.handle(ME, Envelope::new(ME, "bob", Body::Command(Command::AddWorker { worker: "alice".into() })));
        }
        let (channel, envelope) = generator.message_to("bob");
        let asked = match &envelope.body {
            Body::Request { request, .. } => Some(*request),
            _ => None,
        };
        let waiting_before = bob.waiting_requests();
        let (out, usage) = allocator::measure(|| bob.handle(channel, envelope));
        assert!(usage.within_ceilings(), "message {i} from {channel} went over the ceilings: {usage:?}");
        if let Some(request) = asked {
            requests += 1;
            let replied =
                out.iter().any(|e| e.to == channel && matches!(e.body, Body::Reply { request: r, .. } if r == request));
            let forwarded = bob.waiting_requests() == waiting_before + 1;
            assert!(
                replied || forwarded,
                "message {i}: request {request} from {channel} was neither answered nor forwarded"
            );
            answered += u64::from(replied);
        }
        assert!(bob.entries().len() <= MAX_STORE_OBJECTS);
        assert!(bob.stored_elements() <= MAX_STORE_ELEMENTS);
        assert!(bob.waiting_requests() <= MAX_WAITING_REQUESTS);
    }
    // What was forwarded is answered when its peers go.
    let waiting = bob.waiting_requests();
    let peers: Vec<WorkerId> = bob.known_workers().iter().cloned().collect();
    let answers: Vec<Envelope> = peers.iter().flat_map(|peer| bob.peer_gone(peer, "the test ended")).collect();
    assert_eq!(answers.iter().filter(|e| matches!(e.body, Body::Reply { .. })).count(), waiting);
    assert_eq!(bob.waiting_requests(), 0);
    assert!(requests > total as u64 / 10 && answered > 0, "{requests} requests, {answered} answered at once");
}

#[test]
fn the_client_survives_hostile_messages_from_its_workers_and_keeps_working() {
    let total = message_count(200_000, 5_000);
    let mut generator = Generator::new(7);
    let runtime = InProcess::new();
    let syft = Syft::new(runtime.clone(), 3);
    let bob = syft.create_worker("bob").unwrap();
    let alice = syft.create_worker("alice").unwrap();
    bob.add_worker(&alice).unwrap();
    let kept = Tensor::from([1., 2., 3.]).send(&bob).unwrap();
    for _ in 0..total {
        let channel = ["bob", "alice"][generator.below(2) as usize];
        let to = if generator.chance(80) { ME } else { ["bob", "alice"][generator.below(2) as usize] };
        let envelope = generator.envelope(channel, to);
        let ((), usage) = allocator::measure(|| runtime.inject(channel, envelope));
        assert!(usage.within_ceilings(), "a message from {channel} to {to} went over the ceilings: {usage:?}");
    }
    assert!(syft.refusals().len() <= 1000);
    // The client still works, and what `me` stored is untouched.
    let run = async {
        assert_eq!(kept.get().await.unwrap(), Tensor::from([1., 2., 3.]));
        let y = Tensor::from([4., 5.]).send(&bob).unwrap().send(&alice).unwrap();
        y.remote_get().await.unwrap();
        assert_eq!(y.get().await.unwrap(), Tensor::from([4., 5.]));
        syft.settle().await.unwrap();
    };
    at_once(run);
}

/// Polls once: over the in-process runtime every reply has arrived when a request returns.
pub(crate) fn at_once<F: std::future::Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("a request was never answered"),
    }
}
