//! Seed In[29]–In[42]: ops on pointers run on bob; remote autograd.

use minisyft::protocol::{Op, ParameterSource};
use minisyft::{Syft, Tensor};

use crate::support::{contents, store, tensor};

crate::async_test!(x_plus_y_runs_on_bob_and_the_result_id_is_the_same_on_both_ends, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob).unwrap();
    let y = Tensor::from([1, 1, 1, 1, 1]).send(&bob).unwrap();
    let z = x.add(&y).unwrap();
    assert_eq!(z.to_string(), format!("[PointerTensor | me:{0} -> bob:{0}]", z.id()));
    assert_eq!(z.id(), z.id_at_location());
    assert!(store(&bob).await.contains(&(z.id(), tensor("tensor([2, 3, 4, 5, 6])"))));
    assert_eq!(z.get().await.unwrap().to_string(), "tensor([2, 3, 4, 5, 6])");
    // th.add(x, y) is the same op
    assert_eq!(x.add(&y).unwrap().get().await.unwrap().to_string(), "tensor([2, 3, 4, 5, 6])");
    assert_eq!(contents(&bob).await.len(), 2);
});

crate::async_test!(every_tensor_op_runs_remotely_and_matches_the_local_result, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let a = Tensor::from([[1., 2.], [3., 4.]]);
    let b = Tensor::from([[0.5, -1.], [2., 0.25]]);
    let (pa, pb) = (a.send(&bob).unwrap(), b.send(&bob).unwrap());
    let cases = [
        (pa.add(&pb).unwrap(), a.add(&b).unwrap()),
        (pa.sub(&pb).unwrap(), a.sub(&b).unwrap()),
        (pa.mul(&pb).unwrap(), a.mul(&b).unwrap()),
        (pa.div(&pb).unwrap(), a.div(&b).unwrap()),
        (pa.mul(3.0).unwrap(), a.mul(3.0).unwrap()),
        (pa.mm(&pb).unwrap(), a.mm(&b).unwrap()),
        (pa.pow(2.0).unwrap(), a.pow(2.0)),
        (pa.neg().unwrap(), a.neg()),
        (pa.sum().unwrap(), a.sum()),
        (pa.mean().unwrap(), a.mean().unwrap()),
        (pa.t().unwrap(), a.t().unwrap()),
        (pa.select(1).unwrap(), a.select(1).unwrap()),
        (pa.rows(1, None).unwrap(), a.rows(1, None).unwrap()),
        (pa.deep_clone().unwrap(), a.deep_clone()),
    ];
    for (remote, local) in cases {
        assert_eq!(remote.get().await.unwrap(), local);
    }
});

/// The same parameters for every op, so that both sides compute the same thing (a noise of
/// standard deviation 0 is no noise).
struct Fixed;

impl ParameterSource for Fixed {
    fn float(&mut self) -> f64 {
        0.0
    }
    fn integer(&mut self) -> i64 {
        1000
    }
    fn index(&mut self) -> usize {
        1
    }
    fn present(&mut self) -> bool {
        true
    }
}

crate::async_test!(every_op_of_the_list_runs_remotely_and_matches_the_local_result, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let a = Tensor::from([[1., 2.], [3., 4.]]);
    let b = Tensor::from([[0.5, -1.], [2., 0.25]]);
    let (pa, pb) = (a.send(&bob).unwrap(), b.send(&bob).unwrap());
    let every = Op::every(pa.id_at_location(), pb.id_at_location(), &mut Fixed);
    let names: Vec<&str> = every.iter().map(Op::name).collect();
    for name in
        ["add", "sub", "mul", "div", "mm", "tanh", "relu", "sigmoid", "log", "exp", "neg", "fix_prec", "gaussian_noise"]
    {
        assert!(names.contains(&name), "{name} is in the list: {names:?}");
    }
    for op in every {
        let operands = [a.clone(), b.clone()];
        let local = op.evaluate(&operands[..op.inputs().len()]);
        let remote = pa.run(op.clone()).unwrap().get().await;
        assert_eq!(remote, local, "{op:?}");
    }
});

crate::async_test!(operators_on_pointers_run_where_the_data_is, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let alice = syft.create_worker("alice").unwrap();
    let (x, y) = (Tensor::from([1., 2., 3.]).send(&bob).unwrap(), Tensor::from([1., 1., 1.]).send(&bob).unwrap());
    let z = (&(&x + &y).unwrap() * 2.0).unwrap();
    assert_eq!(z.location(), bob);
    assert_eq!(z.get().await.unwrap(), Tensor::from([4., 6., 8.]));
    assert_eq!((-&x).unwrap().get().await.unwrap(), Tensor::from([-1., -2., -3.]));
    assert_eq!((&x / 2).unwrap().get().await.unwrap(), Tensor::from([0.5, 1., 1.5]));
    let elsewhere = Tensor::from([1., 1., 1.]).send(&alice).unwrap();
    assert!(matches!(&x - &elsewhere, Err(minisyft::Error::DifferentWorkers { .. })));
    assert!(matches!(&x * &Tensor::from([2., 2., 2.]), Err(minisyft::Error::LocalTensorWithPointer { .. })));
});

crate::async_test!(seed_in_37_to_42_backward_on_bob_brings_x_back_with_its_grad, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let x = Tensor::from([1., 2., 3., 4., 5.]).requiring_grad().unwrap().send(&bob).unwrap();
    let y = Tensor::from([1., 1., 1., 1., 1.]).requiring_grad().unwrap().send(&bob).unwrap();
    let z = x.add(&y).unwrap().sum().unwrap();
    z.backward().await.unwrap();
    let x = x.get().await.unwrap();
    assert_eq!(x.to_string(), "tensor([1., 2., 3., 4., 5.], requires_grad=True)");
    assert_eq!(x.grad().unwrap().to_string(), "tensor([1., 1., 1., 1., 1.])");
});
