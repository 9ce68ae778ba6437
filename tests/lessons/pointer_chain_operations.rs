//! Seed In[84]–In[100]: remote_get and move, worker to worker.

use minisyft::{Error, Syft, Tensor};

use crate::support::{contents, store, tensor, workers, Entry};

crate::async_test!(remote_get_moves_the_data_from_bob_to_alice, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let (bob, alice) = (&w[0], &w[1]);
    bob.add_worker(alice).unwrap();
    bob.clear_objects().await.unwrap();
    alice.clear_objects().await.unwrap();

    let x = Tensor::from([1, 2, 3, 4, 5]).send(bob).unwrap().send(alice).unwrap();
    let bob_store = store(bob).await;
    assert_eq!(bob_store.len(), 1);
    let (bob_id, _) = bob_store[0];
    assert_eq!(store(alice).await, vec![(x.id_at_location(), Entry::Pointer("bob".into(), bob_id))]);

    x.remote_get().await.unwrap();
    assert_eq!(x.to_string(), format!("[PointerTensor | me:{} -> alice:{}]", x.id(), x.id_at_location()));
    assert!(contents(bob).await.is_empty());
    assert_eq!(store(alice).await, vec![(x.id_at_location(), tensor("tensor([1, 2, 3, 4, 5])"))]);
    assert_eq!(x.get().await.unwrap().to_string(), "tensor([1, 2, 3, 4, 5])");
});

crate::async_test!(move_to_sends_data_worker_to_worker_never_through_me, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let (bob, alice) = (&w[0], &w[1]);
    bob.add_worker(alice).unwrap();
    let x = Tensor::from([1, 2, 3, 4, 5]).send(bob).unwrap();
    assert_eq!(contents(bob).await, vec![tensor("tensor([1, 2, 3, 4, 5])")]);
    syft.clear_events();
    let old_id = x.id();
    let x = x.move_to(alice).await.unwrap();
    // Worker-to-worker messages are reported to the page on their own; settle() lets them arrive.
    syft.settle().await.unwrap();
    let events = syft.events();
    assert!(contents(bob).await.is_empty());
    assert_eq!(store(alice).await, vec![(old_id, tensor("tensor([1, 2, 3, 4, 5])"))]);
    // The 40 bytes of data went bob -> alice; nothing with a payload went to or from me.
    assert!(events.iter().any(|e| e.from == "bob" && e.to == "alice" && e.bytes == 40));
    assert!(events.iter().filter(|e| !e.is_worker_to_worker()).all(|e| e.bytes == 0), "{events:#?}");
    assert_eq!(x.get().await.unwrap().to_string(), "tensor([1, 2, 3, 4, 5])");
});

crate::async_test!(
    move_to_a_worker_that_does_not_know_the_source_is_refused_before_anything_moves,
    |syft: Syft| async move {
        let w = workers(&syft, &["bob", "alice"]);
        let x = Tensor::from([1, 2]).send(&w[0]).unwrap();
        let error = x.move_to(&w[1]).await.unwrap_err();
        assert_eq!(error, Error::UnknownWorker { worker: "alice".into(), unknown: "bob".into() });
        assert_eq!(x.get().await.unwrap(), Tensor::from([1, 2]));
    }
);

crate::async_test!(sending_a_pointer_to_a_worker_that_cannot_reach_its_data_is_refused, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let x = Tensor::from([1, 2]).send(&w[0]).unwrap();
    assert_eq!(x.send(&w[1]).unwrap_err(), Error::UnknownWorker { worker: "alice".into(), unknown: "bob".into() });
    assert!(x.owns_object());
    assert_eq!(x.get().await.unwrap(), Tensor::from([1, 2]));
});
