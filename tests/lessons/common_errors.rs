//! Seed In[45]–In[47]: operands on different machines, a local tensor with a pointer, and a
//! pointer whose object was deleted.

use minisyft::{Error, Syft, Tensor};

use crate::support::workers;

crate::async_test!(an_op_between_workers_names_both_and_says_what_to_do, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice"]);
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&w[0]).unwrap();
    let y = Tensor::from([1, 1, 1, 1, 1]).send(&w[1]).unwrap();
    let error = x.add(&y).err().unwrap();
    assert_eq!(
        error,
        Error::DifferentWorkers { op: "add".into(), lhs_worker: "bob".into(), rhs_worker: "alice".into() }
    );
    assert!(error.to_string().contains("move_to"), "{error}");
});

crate::async_test!(seed_in_46_a_local_tensor_with_a_pointer_is_its_own_error, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob).unwrap();
    let y = Tensor::from([1, 1, 1, 1, 1]);
    let error = x.add(&y).err().unwrap();
    assert_eq!(error, Error::LocalTensorWithPointer { op: "add".into(), worker: "bob".into() });
    assert!(error.to_string().contains("send the local tensor to bob"));
});

crate::async_test!(seed_in_47_using_a_pointer_after_clear_objects_is_object_not_found, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob).unwrap();
    bob.clear_objects().await.unwrap();
    let y = x.add(&x).unwrap();
    // The error is stored in place of y on bob and surfaces when y is fetched.
    let error = y.get().await.unwrap_err();
    assert_eq!(error, Error::ObjectNotFound { id: x.id_at_location(), worker: "bob".into() });
    assert_eq!(x.get().await.unwrap_err(), Error::ObjectNotFound { id: x.id_at_location(), worker: "bob".into() });
    // The error stays in place of y until y is dropped.
    assert_eq!(crate::support::store(&bob).await, vec![(y.id(), crate::support::Entry::Error(error.to_string()))]);
    drop(y);
    assert!(bob.objects().await.unwrap().is_empty());
});

crate::async_test!(a_shape_error_on_bob_is_stored_and_surfaces_typed_where_used, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let a = Tensor::from([1., 2., 3.]).send(&bob).unwrap();
    let b = Tensor::from([1., 2.]).send(&bob).unwrap();
    let c = a.add(&b).unwrap();
    let d = c.mul(2.0).unwrap();
    let expected = Error::ShapeMismatch { op: "add".into(), lhs: vec![3], rhs: vec![2] };
    assert_eq!(d.get().await.unwrap_err(), expected);
    assert_eq!(c.backward().await.unwrap_err(), expected);
    assert_eq!(a.get().await.unwrap(), Tensor::from([1., 2., 3.]));
});
