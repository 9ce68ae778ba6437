//! Dropping the last pointer deletes the remote object, along whole chains.

use minisyft::{Syft, Tensor};

use crate::support::{contents, workers};

crate::async_test!(rebinding_a_pointer_1000_times_leaves_one_object_on_bob, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let tensor = Tensor::from([1., 2., 3.]);
    let mut x = tensor.send(&bob).unwrap();
    for _ in 0..1000 {
        x = tensor.send(&bob).unwrap();
    }
    assert_eq!(contents(&bob).await.len(), 1);
    drop(x);
    assert!(contents(&bob).await.is_empty());
});

crate::async_test!(dropping_a_pointer_to_a_pointer_empties_alice_and_bob, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    w[0].add_worker(&w[1]).unwrap();
    let chain = Tensor::from([1, 2, 3]).send(&w[0]).unwrap().send(&w[1]).unwrap();
    assert_eq!(contents(&w[0]).await.len(), 1);
    assert_eq!(contents(&w[1]).await.len(), 1);
    drop(chain);
    assert!(contents(&w[0]).await.is_empty());
    assert!(contents(&w[1]).await.is_empty());
});

crate::async_test!(a_fetched_or_moved_pointer_owns_nothing_and_its_drop_deletes_nothing, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    w[0].add_worker(&w[1]).unwrap();
    let a = Tensor::from([1]).send(&w[0]).unwrap();
    let moved = a.move_to(&w[1]).await.unwrap();
    assert!(!a.owns_object());
    drop(a);
    assert_eq!(contents(&w[1]).await.len(), 1);
    let value = moved.get().await.unwrap();
    assert_eq!(value, Tensor::from([1]));
    assert!(!moved.owns_object());
    assert_eq!(moved.get().await.unwrap_err(), minisyft::Error::PointerReleased { id: moved.id() });
    assert!(syft.live_pointers().is_empty());
});
