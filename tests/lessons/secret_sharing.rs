//! PySyft's next lesson: fixed precision and additive secret sharing. Each holder's share alone is
//! random-looking; operations on shares give the right values back.

use minisyft::privacy::sharing::SharedTensor;
use minisyft::{Error, Syft, Tensor};

use crate::support::{store, workers, Entry};

fn close(a: &Tensor, b: &[f32], tolerance: f32) -> bool {
    let a = a.to_f32_vec();
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tolerance)
}

crate::async_test!(a_shared_tensor_adds_up_and_no_holder_holds_the_value, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice", "secure_worker"]);
    let x = Tensor::from([1, 2, 3, 4, 5]).share(&[&w[0], &w[1], &w[2]]).unwrap();
    assert_eq!(x.holders(), ["bob", "alice", "secure_worker"]);
    // bob's store holds one integer tensor, and it is not x.
    let on_bob = store(&w[0]).await;
    assert_eq!(on_bob.len(), 1);
    assert!(matches!(&on_bob[0].1, Entry::Tensor(t) if t != "tensor([1, 2, 3, 4, 5])"), "{on_bob:?}");
    assert_eq!(x.add(&x).unwrap().get().await.unwrap(), Tensor::from([2, 4, 6, 8, 10]));
    assert_eq!(x.neg().unwrap().sum().unwrap().get().await.unwrap().to_string(), "tensor(-15)");
});

crate::async_test!(fixed_precision_adds_and_comes_back_as_floats, |_syft: Syft| async move {
    let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec().unwrap();
    assert_eq!(x.to_string(), "FixedPrecisionTensor>tensor([100, 200, 300])");
    let y = x.add(&x).unwrap().float_prec().unwrap();
    assert!(close(&y, &[0.2, 0.4, 0.6], 1e-6), "{y}");
});

crate::async_test!(
    fixed_precision_refuses_what_it_cannot_represent_instead_of_making_it_zero,
    |_syft: Syft| async move {
        for value in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e13, -1e13] {
            let refused = Tensor::from([0.5, value]).fix_prec();
            assert!(
                matches!(&refused, Err(Error::Sharing { op, reason }) if op == "fix_prec" && reason.contains("diverged")),
                "{value}: {:?}",
                refused.map(|x| x.to_string())
            );
        }
        // ±2^53 / 1000 is the edge: just inside it still works.
        assert_eq!(Tensor::from([9.0e12]).fix_prec().unwrap().float_prec().unwrap(), Tensor::from([9.0e12]));
    }
);

crate::async_test!(
    a_worker_whose_value_has_no_fixed_precision_form_says_so_when_asked_to_share_it,
    |syft: Syft| async move {
        let w = workers(&syft, &["bob", "alice", "secure_worker"]);
        let on_bob = Tensor::from([0.5, f32::NAN]).send(&w[0]).unwrap();
        let shared = SharedTensor::from_worker(&on_bob, Some(1000), &[&w[0], &w[1], &w[2]], None).await;
        assert!(
            matches!(&shared, Err(Error::Sharing { op, reason }) if op == "fix_prec" && reason.contains("NaN")),
            "{:?}",
            shared.map(|_| ())
        );
        // A value that has one is shared as before, after the refusal.
        let fine = Tensor::from([0.5, 2.0]).send(&w[0]).unwrap();
        let shared = SharedTensor::from_worker(&fine, Some(1000), &[&w[0], &w[1], &w[2]], None).await.unwrap();
        assert_eq!(shared.get().await.unwrap(), Tensor::from([0.5, 2.0]));
    }
);

crate::async_test!(fixed_precision_values_shared_add_and_multiply_within_a_thousandth, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice", "carol", "crypto_provider"]);
    for holders in [vec![&w[0], &w[1]], vec![&w[0], &w[1], &w[2]]] {
        let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec().unwrap().share_with_provider(&holders, &w[3]).unwrap();
        let y = Tensor::from([2.5, -1.5, 4.0]).fix_prec().unwrap().share_with_provider(&holders, &w[3]).unwrap();
        let sum = x.add(&x).unwrap().get().await.unwrap();
        assert!(close(&sum, &[0.2, 0.4, 0.6], 1e-6), "{sum}");
        let product = x.mul(&y).await.unwrap().get().await.unwrap();
        assert!(close(&product, &[0.25, -0.3, 1.2], 1e-3), "{} holders: {product}", holders.len());
        let scaled = y.mul_public(0.5).await.unwrap().get().await.unwrap();
        assert!(close(&scaled, &[1.25, -0.75, 2.0], 1e-3), "{scaled}");
        let squared_sum = x.mul(&x).await.unwrap().sum().unwrap().get().await.unwrap();
        assert!(close(&squared_sum, &[0.14], 1e-3), "{squared_sum}");
    }
    let a =
        Tensor::from([[1.0, 2.0], [3.0, 4.0]]).fix_prec().unwrap().share_with_provider(&[&w[0], &w[1]], &w[3]).unwrap();
    let b = Tensor::from([[0.5], [-1.0]]).fix_prec().unwrap().share_with_provider(&[&w[0], &w[1]], &w[3]).unwrap();
    let mm = a.mm(&b).await.unwrap().get().await.unwrap();
    assert!(close(&mm, &[-1.5, -2.5], 1e-3), "{mm}");
});

crate::async_test!(sharing_mistakes_are_typed_errors_with_advice, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice", "carol"]);
    match Tensor::from([0.5]).share(&[&w[0], &w[1]]) {
        Err(Error::Sharing { reason, .. }) => assert!(reason.contains("fix_prec()"), "{reason}"),
        other => panic!("a float cannot be shared as it is, got {:?}", other.map(|s| s.holders().join(","))),
    }
    let x = Tensor::from([1]).share(&[&w[0], &w[1]]).unwrap();
    let y = Tensor::from([1]).share(&[&w[1], &w[2]]).unwrap();
    match x.add(&y) {
        Err(Error::Sharing { reason, .. }) => assert!(reason.contains("different holders"), "{reason}"),
        _ => panic!("mixing holders is an error"),
    }
    match x.mul(&x).await {
        Err(Error::Sharing { reason, .. }) => assert!(reason.contains("crypto provider"), "{reason}"),
        _ => panic!("a product of shared values needs a crypto provider"),
    }
    assert!(matches!(Tensor::from([1]).share(&[&w[0]]), Err(Error::Sharing { .. })));
});

crate::async_test!(a_worker_shares_its_own_value_and_me_only_ever_sees_the_sum, |syft: Syft| async move {
    let w = workers(&syft, &["bob", "alice", "secure_worker"]);
    let holders = [&w[0], &w[1], &w[2]];
    let bobs = Tensor::from([0.25, -0.5]).send(&w[0]).unwrap();
    let alices = Tensor::from([1.0, 2.0]).send(&w[1]).unwrap();
    let from_bob = SharedTensor::from_worker(&bobs, Some(1000), &holders, None).await.unwrap();
    let from_alice = SharedTensor::from_worker(&alices, Some(1000), &holders, None).await.unwrap();
    let before = syft.events().len();
    let sum = from_bob.add(&from_alice).unwrap().get().await.unwrap();
    assert!(close(&sum, &[1.25, 1.5], 1e-6), "{sum}");
    // What reached me: one share per holder of the sum, nothing of bob's or alice's alone.
    let to_me = syft.events()[before..].iter().filter(|e| e.to == "me" && e.bytes > 0).count();
    assert_eq!(to_me, 3);
});
