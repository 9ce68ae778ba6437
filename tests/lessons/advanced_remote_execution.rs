//! Seed In[59]–In[79]: sending a pointer moves the pointer, and ops on pointer chains.

use minisyft::{Syft, Tensor};

use crate::support::{contents, store, tensor, workers, Entry};

crate::async_test!(sending_a_pointer_moves_the_pointer_not_the_data, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let (bob, alice) = (&w[0], &w[1]);
    bob.add_worker(alice).unwrap();

    let x = Tensor::from([1, 2, 3, 4]);
    assert_eq!(x.to_string(), "tensor([1, 2, 3, 4])");
    let x_ptr = x.send(bob).unwrap();
    let pointer_to_x_ptr = x_ptr.send(alice).unwrap();
    assert_eq!(
        pointer_to_x_ptr.to_string(),
        format!("[PointerTensor | me:{} -> alice:{}]", pointer_to_x_ptr.id(), x_ptr.id())
    );

    assert_eq!(store(bob).await, vec![(x_ptr.id_at_location(), tensor("tensor([1, 2, 3, 4])"))]);
    assert_eq!(store(alice).await, vec![(x_ptr.id(), Entry::Pointer("bob".into(), x_ptr.id_at_location()))]);

    let x_ptr_again = pointer_to_x_ptr.get_pointer().await.unwrap();
    assert_eq!(
        x_ptr_again.to_string(),
        format!("[PointerTensor | me:{} -> bob:{}]", x_ptr.id(), x_ptr.id_at_location())
    );
    assert!(contents(alice).await.is_empty());
    assert_eq!(x_ptr_again.get().await.unwrap().to_string(), "tensor([1, 2, 3, 4])");
    assert!(contents(bob).await.is_empty());
});

crate::async_test!(arithmetic_on_a_pointer_to_a_pointer_runs_on_bob, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let (bob, alice) = (&w[0], &w[1]);
    bob.add_worker(alice).unwrap();

    let p2p2x = Tensor::from([1, 2, 3, 4, 5]).send(bob).unwrap().send(alice).unwrap();
    let y = p2p2x.add(&p2p2x).unwrap();

    let bob_store = store(bob).await;
    assert_eq!(bob_store.len(), 2);
    assert!(bob_store.contains(&(y.id_at_location(), tensor("tensor([ 2,  4,  6,  8, 10])"))));
    assert!(bob_store.iter().any(|(_, e)| *e == tensor("tensor([1, 2, 3, 4, 5])")));
    let alice_store = store(alice).await;
    assert_eq!(alice_store.len(), 2);
    // In[73]: alice keeps a pointer under the result id, to the same id on bob.
    assert!(alice_store.contains(&(y.id_at_location(), Entry::Pointer("bob".into(), y.id_at_location()))));

    assert_eq!(y.get_pointer().await.unwrap().get().await.unwrap().to_string(), "tensor([ 2,  4,  6,  8, 10])");
    assert_eq!(contents(bob).await, vec![tensor("tensor([1, 2, 3, 4, 5])")]);
    assert_eq!(contents(alice).await.len(), 1);

    assert_eq!(p2p2x.get_pointer().await.unwrap().get().await.unwrap().to_string(), "tensor([1, 2, 3, 4, 5])");
    assert!(contents(bob).await.is_empty());
    assert!(contents(alice).await.is_empty());
});

crate::async_test!(get_on_a_pointer_to_a_pointer_as_a_tensor_is_refused_and_loses_nothing, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    w[0].add_worker(&w[1]).unwrap();
    let chain = Tensor::from([7]).send(&w[0]).unwrap().send(&w[1]).unwrap();
    let error = chain.get().await.unwrap_err();
    assert!(matches!(error, minisyft::Error::WrongObjectKind { .. }), "{error}");
    assert_eq!(contents(&w[1]).await.len(), 1);
    assert_eq!(chain.get_pointer().await.unwrap().get().await.unwrap(), Tensor::from([7]));
});

crate::async_test!(clear_objects_returns_the_worker_so_calls_chain_as_in_pysyft, |syft: minisyft::Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let alice = syft.create_worker("alice").unwrap();
    let _kept = minisyft::Tensor::from([1, 2]).send(&bob).unwrap();
    bob.clear_objects().await.unwrap().add_worker(&alice).unwrap();
    assert!(crate::support::store(&bob).await.is_empty());
    assert!(bob.knows(&alice));
});
