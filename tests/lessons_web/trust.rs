//! The trust model over real Web Workers: a compromised `secure_worker` tries to take bob's
//! training data over its own MessagePort, as itself and claiming to be `me`; a compromised alice
//! forges bob's reply to the page. Every attempt is refused and the data stays where it was.

use minisyft::federated::{Aggregation, Config, Federation};
use minisyft::protocol::{Body, Command, Envelope, ObjectKind, Query, ME};
use minisyft::RequestId;
use minisyft::{Syft, Tensor};
use wasm_bindgen_test::wasm_bindgen_test;

/// Waits (at most 2 s) until `done` holds.
async fn eventually(done: impl Fn() -> bool) -> bool {
    for _ in 0..40 {
        if done() {
            return true;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().unwrap().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    done()
}

#[wasm_bindgen_test]
async fn secure_worker_can_average_but_cannot_take_bobs_data_over_web_workers() {
    let transport = crate::transport();
    let syft = Syft::new(transport.clone(), 1);
    let config = Config { aggregation: Aggregation::UntrustedServer, ..Config::default() };
    let mut federation = Federation::toy(&syft, config).unwrap();
    federation.round().await.unwrap();
    let data = federation.shards[0].data.id_at_location();
    let get = |request| Body::Request { request, query: Query::Get { id: data, expected: ObjectKind::Tensor } };
    transport.misbehave("secure_worker", Envelope::new("secure_worker", "bob", get(RequestId(1))), false);
    transport.misbehave("secure_worker", Envelope::new(ME, "bob", get(RequestId(2))), false);
    transport.misbehave(
        "secure_worker",
        Envelope::new("secure_worker", "bob", Body::Command(Command::Delete { id: data })),
        false,
    );
    let refusals = || {
        syft.events()
            .into_iter()
            .filter(|e| e.from == "bob" && e.to == "secure_worker")
            .filter_map(|e| e.error)
            .collect::<Vec<_>>()
    };
    assert!(eventually(|| refusals().len() == 3).await, "bob answered {:?}", refusals());
    let refusals = refusals();
    assert_eq!(
        refusals.iter().filter(|e| e.starts_with("permission denied: secure_worker")).count(),
        2,
        "{refusals:?}"
    );
    assert!(refusals.iter().any(|e| e.contains("claimed to come from me")), "{refusals:?}");

    // A forged reply on alice's channel, claiming to be bob's, is dropped by the page.
    let forged =
        Envelope::new("bob", ME, Body::Reply { request: RequestId(1), answer: Ok(minisyft::protocol::Answer::Done) });
    transport.misbehave("alice", forged, true);
    assert!(eventually(|| syft.forged_messages() == 1).await);

    // The data is where it was, and training goes on.
    federation.round().await.unwrap();
    assert_eq!(federation.shards[0].data.get().await.unwrap(), Tensor::from([[1., 1.], [0., 1.]]));
}
