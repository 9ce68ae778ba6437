//! Seed In[20]–In[28]: one tensor sent to two workers at once.

use minisyft::{Syft, Tensor};

use crate::support::{contents, tensor, workers};

crate::async_test!(send_to_bob_and_alice_gives_one_copy_each_and_get_returns_both, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let (bob, alice) = (&w[0], &w[1]);
    let x = Tensor::from([1, 2, 3, 4, 5]);
    let x_ptr = x.send_to_all(&[bob, alice]).unwrap();
    assert_eq!(contents(bob).await, vec![tensor("tensor([1, 2, 3, 4, 5])")]);
    assert_eq!(contents(alice).await, vec![tensor("tensor([1, 2, 3, 4, 5])")]);

    let both: Vec<String> = x_ptr.get().await.unwrap().iter().map(|t| t.to_string()).collect();
    assert_eq!(both, ["tensor([1, 2, 3, 4, 5])", "tensor([1, 2, 3, 4, 5])"]);
    assert!(contents(bob).await.is_empty());
    assert!(contents(alice).await.is_empty());

    let x_ptr = x.send_to_all(&[bob, alice]).unwrap();
    assert_eq!(x_ptr.get_sum().await.unwrap().to_string(), "tensor([ 2,  4,  6,  8, 10])");
});

crate::async_test!(send_to_no_worker_is_an_error, |_syft: Syft| async move {
    let error = Tensor::from([1]).send_to_all(&[]).err().unwrap();
    assert_eq!(error, minisyft::Error::Empty { what: "send".into(), item: "worker".into() });
});
