//! A worker that panics or is terminated surfaces as a typed error to every pending and later call
//! on it; the other workers go on with their stores intact.

use minisyft::runtime::web::WebWorkers;
use minisyft::{Error, Syft, Tensor};
use wasm_bindgen_test::wasm_bindgen_test;

fn check_gone(error: Error, worker: &str, why: &str) {
    match error {
        Error::WorkerGone { worker: w, reason } => {
            assert_eq!(w, worker);
            assert!(reason.contains(why), "{reason}");
        }
        other => panic!("expected WorkerGone, got {other:?}"),
    }
}

async fn check_failure(kill: impl FnOnce(&WebWorkers), why: &str) {
    let transport = crate::transport();
    let syft = Syft::new(transport.clone(), 1);
    let bob = syft.create_worker("bob").unwrap();
    let alice = syft.create_worker("alice").unwrap();
    let on_bob = Tensor::from([1., 2.]).send(&bob).unwrap();
    let on_alice = Tensor::from([3., 4.]).send(&alice).unwrap();
    assert_eq!(bob.objects().await.unwrap().len(), 1);

    // A call in flight when the worker dies, and one made after.
    let pending = on_bob.sum().unwrap();
    let in_flight = pending.get();
    kill(&transport);
    check_gone(in_flight.await.unwrap_err(), "bob", why);
    check_gone(on_bob.get().await.unwrap_err(), "bob", why);
    check_gone(bob.objects().await.unwrap_err(), "bob", why);
    check_gone(Tensor::from([1]).send(&bob).unwrap_err(), "bob", why);

    assert_eq!(alice.objects().await.unwrap().len(), 1);
    assert_eq!(on_alice.add(&on_alice).unwrap().get().await.unwrap(), Tensor::from([6., 8.]));
    assert_eq!(on_alice.get().await.unwrap(), Tensor::from([3., 4.]));
}

#[wasm_bindgen_test]
async fn a_panicking_worker_fails_every_pending_and_later_call_and_the_others_go_on() {
    check_failure(|t| t.crash("bob"), "panicked").await;
}

#[wasm_bindgen_test]
async fn a_terminated_worker_fails_every_pending_and_later_call_and_the_others_go_on() {
    check_failure(|t| t.terminate("bob"), "terminated").await;
}

#[wasm_bindgen_test]
async fn a_worker_that_stops_answering_is_reported_gone_within_the_timeout() {
    // bob would answer again after 6 s; the calls fail instead, so he was found out before that.
    check_failure(|t| t.hang("bob", 6000.0), "did not answer within 1800 ms").await;
}

#[wasm_bindgen_test]
async fn a_worker_waiting_on_a_peer_is_not_blamed_for_the_peers_silence() {
    let transport = crate::transport().with_timeout_ms(1000.0);
    let syft = Syft::new(transport.clone(), 1);
    let bob = syft.create_worker("bob").unwrap();
    let alice = syft.create_worker("alice").unwrap();
    bob.add_worker(&alice).unwrap();
    let chain = Tensor::from([1., 2.]).send(&bob).unwrap().send(&alice).unwrap();
    alice.objects().await.unwrap();
    // bob hangs; alice forwards the remote_get to bob and waits; the page pings alice, who answers.
    transport.hang("bob", 5000.0);
    let error = chain.remote_get().await.unwrap_err();
    match error {
        Error::WorkerGone { worker, .. } => assert_eq!(worker, "bob"),
        other => panic!("expected bob to be gone, got {other:?}"),
    }
    assert_eq!(syft.gone_reason("alice"), None);
    assert_eq!(alice.objects().await.unwrap().len(), 1);
}

#[wasm_bindgen_test]
async fn sixteen_workers_each_keep_their_own_store() {
    let syft = crate::support::syft();
    let workers: Vec<_> = (0..16).map(|i| syft.create_worker(&format!("w{i}")).unwrap()).collect();
    let pointers: Vec<_> = workers.iter().enumerate().map(|(i, w)| Tensor::from([i as i64]).send(w).unwrap()).collect();
    for (i, worker) in workers.iter().enumerate() {
        assert_eq!(worker.objects().await.unwrap().len(), 1);
        assert_eq!(pointers[i].get().await.unwrap(), Tensor::from([i as i64]));
    }
}
