//! Seed In[3]–In[19]: send, pointer fields, get.

use minisyft::{Syft, Tensor};

use crate::support::{contents, store, tensor, workers, Entry};

crate::async_test!(send_stores_the_tensors_on_bob_and_pointers_name_both_ends, |syft: Syft| async move {
    let [bob] = <[_; 1]>::try_from(workers(&syft, &["bob"])).ok().unwrap();
    let x = Tensor::from([1, 2, 3, 4, 5]);
    let y = Tensor::from([1, 1, 1, 1, 1]);
    let x_ptr = x.send(&bob).unwrap();
    let y_ptr = y.send(&bob).unwrap();

    let objects = store(&bob).await;
    assert_eq!(objects.len(), 2);
    assert!(objects.contains(&(x_ptr.id_at_location(), tensor("tensor([1, 2, 3, 4, 5])"))));
    assert!(objects.contains(&(y_ptr.id_at_location(), tensor("tensor([1, 1, 1, 1, 1])"))));

    assert_eq!(x_ptr.to_string(), format!("[PointerTensor | me:{} -> bob:{}]", x_ptr.id(), x_ptr.id_at_location()));
    assert_eq!(x_ptr.location(), bob);
    assert_eq!(bob.summary().await.unwrap(), "<VirtualWorker id:bob #objects:2>");
    assert_eq!(x_ptr.location().to_string(), "<VirtualWorker id:bob>");
    let me = syft.me();
    assert_eq!(me.summary().await.unwrap(), "<VirtualWorker id:me #objects:0>");
    assert_eq!(x_ptr.owner(), me);
    assert_ne!(x_ptr.owner(), bob);

    assert_eq!(x_ptr.get().await.unwrap().to_string(), "tensor([1, 2, 3, 4, 5])");
    assert_eq!(y_ptr.get().await.unwrap().to_string(), "tensor([1, 1, 1, 1, 1])");
    assert_eq!(contents(&bob).await, Vec::<Entry>::new());
    assert!(!x_ptr.owns_object());
});

crate::async_test!(integer_tensors_survive_the_round_trip_exactly, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([[i64::MAX, -3], [0, 7]]);
    assert_eq!(x.send(&bob).unwrap().get().await.unwrap(), x);
    let f = Tensor::from([1.5, -0.25]).requiring_grad().unwrap();
    let back = f.send(&bob).unwrap().get().await.unwrap();
    assert_eq!(back.to_string(), "tensor([ 1.5000, -0.2500], requires_grad=True)");
});
