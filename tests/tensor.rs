//! The tensor core against the seed's printed values, PyTorch's printing, and finite differences.

use minisyft::nn::{squared_error, Linear, Sgd};
use minisyft::rng::Rng;
use minisyft::tensor::{BinaryOp, Elementwise};
use minisyft::{Error, Tensor};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn check_prints(tensor: &Tensor, expected: &str) {
    assert_eq!(tensor.to_string(), expected);
}

#[test]
fn seed_in_1_y0_of_x_plus_x_is_2() {
    let x = Tensor::from([1, 2, 3, 4, 5]);
    let y = x.add(&x).unwrap();
    check_prints(&y.select(0).unwrap(), "tensor(2)");
    assert_eq!(y.select(0).unwrap().item().unwrap(), 2.0);
}

#[test]
fn prints_as_pytorch_does() {
    check_prints(&Tensor::from([1, 2, 3, 4, 5]), "tensor([1, 2, 3, 4, 5])");
    check_prints(&Tensor::from([2, 4, 6, 8, 10]), "tensor([ 2,  4,  6,  8, 10])");
    check_prints(
        &Tensor::from([1., 2., 3., 4., 5.]).requiring_grad().unwrap(),
        "tensor([1., 2., 3., 4., 5.], requires_grad=True)",
    );
    check_prints(&Tensor::scalar(2.0), "tensor(2.)");
    check_prints(&Tensor::scalar(0.56), "tensor(0.5600)");
    check_prints(&Tensor::scalar(9.0527e-05), "tensor(9.0527e-05)");
    check_prints(&Tensor::scalar(0.0), "tensor(0.)");
    check_prints(
        &Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]),
        "tensor([[1., 1.],\n        [0., 1.],\n        [1., 0.],\n        [0., 0.]])",
    );
    check_prints(&Tensor::from([[0.25, -1.5]]), "tensor([[ 0.2500, -1.5000]])");
    check_prints(&Tensor::from([1, 2]).sum(), "tensor(3)");
    let x = Tensor::from([1., 2.]).requiring_grad().unwrap();
    check_prints(&x.add(&x).unwrap(), "tensor([2., 4.], grad_fn=<AddBackward0>)");
    check_prints(&Tensor::from_f32(&[0], vec![]).unwrap(), "tensor([])");
}

#[test]
fn integer_tensors_stay_integers_and_division_promotes() {
    let x = Tensor::from([1, 2, 3]);
    assert_eq!(x.sum().to_string(), "tensor(6)");
    assert_eq!(x.mul(2i64).unwrap().to_string(), "tensor([2, 4, 6])");
    assert_eq!(x.div(2i64).unwrap().to_string(), "tensor([0.5000, 1.0000, 1.5000])");
    assert_eq!(x.pow(2.0).to_string(), "tensor([1, 4, 9])");
}

#[test]
fn row_slices_and_indexing() {
    let data = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]);
    assert_eq!(data.rows(0, Some(2)).unwrap(), Tensor::from([[1., 1.], [0., 1.]]));
    assert_eq!(data.rows(2, None).unwrap(), Tensor::from([[1., 0.], [0., 0.]]));
    assert_eq!(data.rows(3, Some(10)).unwrap().shape(), vec![1, 2]);
    assert_eq!(data.select(4).unwrap_err(), Error::IndexOutOfRange { op: "index".into(), index: 4, size: 4 });
}

#[test]
fn shape_and_dtype_errors_name_the_op_and_both_shapes() {
    let a = Tensor::from([1., 2., 3.]);
    let b = Tensor::from([1., 2.]);
    assert_eq!(a.add(&b).unwrap_err(), Error::ShapeMismatch { op: "add".into(), lhs: vec![3], rhs: vec![2] });
    let m = Tensor::from([[1., 2.], [3., 4.]]);
    let n = Tensor::from([[1., 2., 3.]]);
    assert_eq!(m.mm(&n).unwrap_err(), Error::ShapeMismatch { op: "mm".into(), lhs: vec![2, 2], rhs: vec![1, 3] });
    assert!(matches!(a.mm(&m), Err(Error::WrongRank { .. })));
    assert!(matches!(Tensor::from([1, 2]).requiring_grad(), Err(Error::IntegerRequiresGrad { .. })));
    assert!(matches!(Tensor::from([1, 2]).sub_(0.5), Err(Error::DtypeMismatch { .. })));
    assert!(matches!(Tensor::from_f32(&[2, 2], vec![1.0]), Err(Error::BadLiteral { expected: 4, got: 1, .. })));
    let leaf = Tensor::from([1.]).requiring_grad().unwrap();
    assert!(matches!(leaf.sub_(1.0), Err(Error::InPlaceOnTensorRequiringGrad { .. })));
    let vector = Tensor::from([1., 2.]).requiring_grad().unwrap().mul(2.0).unwrap();
    assert_eq!(vector.backward().unwrap_err(), Error::BackwardOfNonScalar { shape: vec![2] });
}

#[test]
fn seed_in_37_to_42_grad_of_sum_of_x_plus_y_is_ones() {
    let x = Tensor::from([1., 2., 3., 4., 5.]).requiring_grad().unwrap();
    let y = Tensor::from([1., 1., 1., 1., 1.]).requiring_grad().unwrap();
    let z = x.add(&y).unwrap().sum();
    z.backward().unwrap();
    assert_eq!(x.to_string(), "tensor([1., 2., 3., 4., 5.], requires_grad=True)");
    assert_eq!(x.grad().unwrap().to_string(), "tensor([1., 1., 1., 1., 1.])");
}

#[test]
fn seed_in_43_44_linear_model_prints_the_ten_losses() {
    let input = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]).requiring_grad().unwrap();
    let target = Tensor::from([[1.], [1.], [0.], [0.]]).requiring_grad().unwrap();
    let weights = Tensor::from([[0.], [0.]]).requiring_grad().unwrap();
    let mut printed = Vec::new();
    for _ in 0..10 {
        let pred = input.mm(&weights).unwrap();
        let loss = pred.sub(&target).unwrap().pow(2.0).sum();
        loss.backward().unwrap();
        weights.data().sub_(&weights.grad().unwrap().mul(0.1).unwrap()).unwrap();
        weights.grad().unwrap().mul_(0.0).unwrap();
        printed.push(loss.data().to_string());
    }
    let expected = ["2.", "0.5600", "0.2432", "0.1372", "0.0849", "0.0538", "0.0344", "0.0220", "0.0141", "0.0090"];
    assert_eq!(printed, expected.map(|v| format!("tensor({v})")));
}

fn train_centrally(seed: u64) -> Vec<f64> {
    let data = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]);
    let target = Tensor::from([[1.], [1.], [0.], [0.]]);
    let model = Linear::new(2, 1, &mut Rng::seeded(seed)).unwrap();
    let opt = Sgd::new(model.parameters(), 0.1);
    (0..20)
        .map(|_| {
            opt.zero_grad();
            let loss = squared_error(&model.forward(&data).unwrap(), &target).unwrap();
            loss.backward().unwrap();
            opt.step().unwrap();
            loss.item().unwrap()
        })
        .collect()
}

#[test]
fn seed_in_52_53_linear_sgd_ends_below_002_for_every_seed() {
    for seed in 0..100 {
        let losses = train_centrally(seed);
        let last = *losses.last().unwrap();
        assert!(last < 0.02, "seed {seed}: last loss {last}");
        assert!(last < losses[0], "seed {seed}: loss did not fall");
    }
}

#[test]
fn linear_initialises_within_pytorch_bounds() {
    let model = Linear::new(2, 1, &mut Rng::seeded(7)).unwrap();
    let bound = 1.0 / 2f32.sqrt();
    assert_eq!(model.weight.shape(), vec![1, 2]);
    assert_eq!(model.bias.shape(), vec![1]);
    for v in model.weight.to_f32_vec().into_iter().chain(model.bias.to_f32_vec()) {
        assert!(v.abs() <= bound);
    }
    assert_ne!(model.weight, Linear::new(2, 1, &mut Rng::seeded(8)).unwrap().weight);
}

// ---- gradients against central finite differences --------------------------------------------

fn random_tensor(rng: &mut Rng, shape: &[usize], positive: bool) -> Tensor {
    let n = shape.iter().product();
    let values = (0..n).map(|_| if positive { rng.uniform(0.5, 2.0) } else { rng.uniform(-2.0, 2.0) } as f32).collect();
    Tensor::from_f32(shape, values).unwrap()
}

/// Checks d(f(inputs).sum())/d(input) against central differences for every input element.
fn check_gradient(name: &str, inputs: Vec<Tensor>, f: &dyn Fn(&[Tensor]) -> Tensor) {
    let leaves: Vec<Tensor> = inputs.iter().map(|t| t.deep_clone().detach().requiring_grad().unwrap()).collect();
    f(&leaves).sum().backward().unwrap();
    for (which, leaf) in leaves.iter().enumerate() {
        let analytic = leaf.grad().map(|g| g.to_f32_vec()).unwrap_or_else(|| vec![0.0; leaf.numel()]);
        let base = leaf.to_f32_vec();
        for i in 0..base.len() {
            let eps = 1e-2f32;
            let eval = |delta: f32| {
                let shifted: Vec<Tensor> = leaves
                    .iter()
                    .enumerate()
                    .map(|(j, t)| {
                        let mut v = t.to_f32_vec();
                        if j == which {
                            v[i] += delta;
                        }
                        Tensor::from_f32(&t.shape(), v).unwrap()
                    })
                    .collect();
                f(&shifted).sum().item().unwrap()
            };
            let numeric = (eval(eps) - eval(-eps)) / (2.0 * eps as f64);
            let tolerance = 2e-2 * (1.0 + numeric.abs());
            assert!(
                (numeric - analytic[i] as f64).abs() < tolerance,
                "{name}: input {which} element {i}: analytic {} vs numeric {numeric}",
                analytic[i]
            );
        }
    }
}

#[test]
fn every_differentiable_op_matches_finite_differences_on_random_shapes() {
    let mut rng = Rng::seeded(2024);
    for case in 0..20 {
        let rows = 1 + (rng.next_u64() % 4) as usize;
        let cols = 1 + (rng.next_u64() % 4) as usize;
        let inner = 1 + (rng.next_u64() % 3) as usize;
        let a = random_tensor(&mut rng, &[rows, cols], false);
        let b = random_tensor(&mut rng, &[rows, cols], false);
        let positive = random_tensor(&mut rng, &[rows, cols], true);
        let row = random_tensor(&mut rng, &[cols], false);
        let m = random_tensor(&mut rng, &[cols, inner], false);
        let s = rng.uniform(-2.0, 2.0);
        let label = |op: &str| format!("case {case} {op} [{rows}x{cols}]");
        // Every binary op of the list, both operands differentiated, against a scalar either side;
        // a positive operand wherever one may be a divisor.
        for &op in BinaryOp::ALL {
            check_gradient(&label(op.name()), vec![a.clone(), positive.clone()], &|t| t[0].binary(op, &t[1]).unwrap());
            check_gradient(&label("scalar"), vec![a.clone()], &|t| t[0].binary(op, s.abs() + 0.5).unwrap());
            check_gradient(&label("scalar first"), vec![positive.clone()], &|t| t[0].binary_scalar(op, s, true));
        }
        for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul] {
            check_gradient(&label(op.name()), vec![a.clone(), b.clone()], &|t| t[0].binary(op, &t[1]).unwrap());
            check_gradient(&label("bias row"), vec![a.clone(), row.clone()], &|t| t[0].binary(op, &t[1]).unwrap());
        }
        check_gradient(&label("neg"), vec![a.clone()], &|t| t[0].neg());
        check_gradient(&label("pow 2"), vec![a.clone()], &|t| t[0].pow(2.0));
        check_gradient(&label("pow 1.5"), vec![positive.clone()], &|t| t[0].pow(1.5));
        check_gradient(&label("mm"), vec![a.clone(), m.clone()], &|t| t[0].mm(&t[1]).unwrap());
        check_gradient(&label("mean"), vec![a.clone()], &|t| t[0].mean().unwrap().mul(3.0).unwrap());
        check_gradient(&label("t"), vec![a.clone(), m.clone()], &|t| {
            t[0].t().unwrap().t().unwrap().mm(&t[1]).unwrap().pow(2.0)
        });
        check_gradient(&label("select"), vec![a.clone()], &|t| t[0].select(rows - 1).unwrap().pow(2.0));
        check_gradient(&label("rows"), vec![a.clone()], &|t| t[0].rows(rows / 2, None).unwrap().pow(2.0));
        check_gradient(&label("clone"), vec![a.clone()], &|t| t[0].deep_clone().mul(&t[0]).unwrap());
        // Weighted so that each element's gradient differs: a view, a column, each row's maximum.
        let weights = random_tensor(&mut rng, &[rows * cols], false);
        check_gradient(&label("view"), vec![a.clone()], &|t| t[0].view(&[-1]).unwrap().mul(&weights).unwrap().pow(2.0));
        check_gradient(&label("select_dim"), vec![a.clone()], &|t| t[0].select_dim(1, cols - 1).unwrap().pow(2.0));
        // The maximum is not differentiable at a tie: values 0.1 apart, so a difference step of
        // 0.01 never changes which element is largest.
        let n = rows * cols;
        let spread =
            Tensor::from_f32(&[rows, cols], (0..n).map(|i| ((i * 7 + case) % n) as f32 * 0.1 - 0.4).collect()).unwrap();
        check_gradient(&label("max_dim"), vec![spread.clone()], &|t| t[0].max_dim(1).unwrap().0.pow(2.0));
        check_gradient(&label("max"), vec![spread.clone()], &|t| t[0].max().unwrap().mul(3.0).unwrap());
        let targets: Vec<usize> = (0..rows).map(|r| (r * 3 + case) % cols).collect();
        check_gradient(&label("cross_entropy"), vec![a.clone()], &|t| {
            t[0].cross_entropy(&targets).unwrap().mul(2.0).unwrap()
        });
        check_gradient(&label("linear"), vec![a.clone(), m.clone(), row.clone()], &|t| {
            let bias = t[2].rows(0, Some(1)).unwrap();
            t[0].mm(&t[1]).unwrap().add(&bias).unwrap().pow(2.0)
        });
    }
}

#[test]
fn data_shares_storage_without_history_and_grad_accumulates() {
    let w = Tensor::from([1., 2.]).requiring_grad().unwrap();
    let d = w.data();
    assert!(d.shares_storage_with(&w));
    assert!(!d.requires_grad());
    d.sub_(1.0).unwrap();
    assert_eq!(w.to_f32_vec(), vec![0., 1.]);
    w.mul(2.0).unwrap().sum().backward().unwrap();
    w.mul(3.0).unwrap().sum().backward().unwrap();
    assert_eq!(w.grad().unwrap().to_f32_vec(), vec![5., 5.]);
    let c = w.deep_clone();
    assert!(!c.shares_storage_with(&w));
    assert!(Tensor::from([1.]).sum().backward() == Err(Error::BackwardWithoutGraph));
}

#[test]
fn activations_and_binary_cross_entropy_match_finite_differences() {
    let mut rng = Rng::seeded(7);
    for case in 0..10 {
        let shape = [1 + case % 3, 1 + case % 2];
        // Away from ReLU's kink at 0, so the central difference is defined.
        let away_from_zero = |t: Tensor| {
            let v: Vec<f32> =
                t.to_f32_vec().iter().map(|x| if x.abs() < 0.1 { x.signum() * 0.5 + 0.1 } else { *x }).collect();
            Tensor::from_f32(&t.shape(), v).unwrap()
        };
        let a = away_from_zero(random_tensor(&mut rng, &shape, false));
        let positive = random_tensor(&mut rng, &shape, true);
        // Every function of the list: on positive inputs, and on mixed signs where it is defined.
        for &function in Elementwise::ALL {
            check_gradient(function.name(), vec![positive.clone()], &|t| t[0].elementwise(function));
            if a.to_f32_vec().iter().all(|&x| function.apply(x).is_finite()) {
                check_gradient(function.name(), vec![a.clone()], &|t| t[0].elementwise(function));
            }
        }
        let target = Tensor::from_f32(&shape, (0..shape[0] * shape[1]).map(|i| (i % 2) as f32).collect()).unwrap();
        check_gradient("binary cross-entropy", vec![a.clone()], &|t| {
            minisyft::nn::binary_cross_entropy(&t[0].sigmoid(), &target).unwrap()
        });
    }
}

#[test]
fn activations_print_their_pytorch_backward_names() {
    let x = Tensor::from([0.5, -1.0]).requiring_grad().unwrap();
    check_prints(&x.tanh(), "tensor([ 0.4621, -0.7616], grad_fn=<TanhBackward0>)");
    check_prints(&x.relu(), "tensor([0.5000, 0.0000], grad_fn=<ReluBackward0>)");
    check_prints(&x.sigmoid(), "tensor([0.6225, 0.2689], grad_fn=<SigmoidBackward0>)");
    check_prints(&x.exp(), "tensor([1.6487, 0.3679], grad_fn=<ExpBackward0>)");
}

#[test]
fn a_tensor_given_up_hands_over_its_storage_only_when_nothing_else_holds_it() {
    use minisyft::protocol::{Values, WireTensor};
    let alone = Tensor::from([1., 2., 3.]);
    let wire = WireTensor::from_owned_tensor(alone);
    assert_eq!(wire.values, Values::F32(vec![1., 2., 3.]));
    let kept = Tensor::from([4., 5.]);
    let shared = kept.clone();
    assert!(kept.clone().into_storage().is_err(), "another handle holds it");
    assert_eq!(WireTensor::from_owned_tensor(shared).values, Values::F32(vec![4., 5.]));
    assert_eq!(kept, Tensor::from([4., 5.]), "the other handle still sees its values");
    let transposed = Tensor::from([[1., 2.], [3., 4.]]).t().unwrap();
    assert_eq!(WireTensor::from_owned_tensor(transposed).values, Values::F32(vec![1., 3., 2., 4.]), "row-major");
}

#[test]
fn operators_are_the_methods_with_results() {
    let a = Tensor::from([[1., 2.], [3., 4.]]);
    let b = Tensor::from([[0.5, -1.], [2., 0.25]]);
    assert_eq!((&a + &b).unwrap(), a.add(&b).unwrap());
    assert_eq!((&a - &b).unwrap(), a.sub(&b).unwrap());
    assert_eq!((&a * 2.0).unwrap(), a.mul(2.0).unwrap());
    assert_eq!((&a / 2).unwrap(), a.div(2.0).unwrap());
    assert_eq!(-&a, a.neg());
    // A chain reads as PySyft's `(x + y) * 2`, each step's error typed.
    assert_eq!((&(&a + &b).unwrap() * 2.0).unwrap(), Tensor::from([[3., 2.], [10., 8.5]]));
    let wrong = Tensor::from([1., 2., 3.]);
    assert!(matches!(&a + &wrong, Err(Error::ShapeMismatch { .. })));
}

#[test]
fn view_max_and_argmax_follow_pytorch() {
    let x = Tensor::from([[1.0f32, 5.0, 3.0], [7.0, 2.0, 7.0]]);
    check_prints(&x.view(&[3, -1]).unwrap(), "tensor([[1., 5.],\n        [3., 7.],\n        [2., 7.]])");
    check_prints(&x.select_dim(1, 0).unwrap(), "tensor([1., 7.])");
    let (values, indices) = x.max_dim(1).unwrap();
    check_prints(&values, "tensor([5., 7.])");
    // On a tie, the first index.
    check_prints(&indices, "tensor([1, 0])");
    check_prints(&x.max_dim(0).unwrap().1, "tensor([1, 0, 1])");
    check_prints(&x.max().unwrap(), "tensor(7.)");
    check_prints(&x.argmax(None).unwrap(), "tensor(3)");
    check_prints(&Tensor::from([3i64, 9, 2]).max().unwrap(), "tensor(9)");
    // A NaN is the largest, as in PyTorch.
    check_prints(&Tensor::from([1.0f32, f32::NAN, 3.0]).argmax(None).unwrap(), "tensor(1)");
    // What cannot be done is refused, typed.
    assert!(matches!(x.view(&[4, -1]), Err(minisyft::Error::ShapeMismatch { .. })));
    assert!(matches!(x.view(&[-1, -1]), Err(minisyft::Error::ShapeMismatch { .. })));
    assert!(matches!(x.view(&[-3, 2]), Err(minisyft::Error::ShapeMismatch { .. })));
    assert!(matches!(x.view(&[1; 40]), Err(minisyft::Error::LimitExceeded { .. })));
    assert!(matches!(x.select_dim(2, 0), Err(minisyft::Error::WrongRank { .. })));
    assert!(matches!(x.select_dim(1, 3), Err(minisyft::Error::IndexOutOfRange { .. })));
    assert!(matches!(Tensor::zeros(&[2, 0]).max_dim(1), Err(minisyft::Error::Empty { .. })));
    assert_eq!(x.view(&[6]).unwrap().requiring_grad().map(|t| t.numel()).ok(), Some(6));
}

#[test]
fn cross_entropy_is_pytorchs_and_stays_finite_for_large_logits() {
    // By hand: row 1, log(e + e² + e³) − 3 = 0.407606; row 2, log 3 = 1.098612; their mean.
    let logits = Tensor::from([[1.0f32, 2.0, 3.0], [1.0, 1.0, 1.0]]);
    let loss = logits.cross_entropy(&[2, 0]).unwrap();
    let expected = ((1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0 + 3f64.ln()) / 2.0;
    assert!((loss.item().unwrap() - expected).abs() < 1e-5, "{loss} vs {expected}");
    let huge = Tensor::from([[1000.0f32, 0.0], [0.0, -1000.0]]);
    assert!(huge.cross_entropy(&[0, 0]).unwrap().item().unwrap().is_finite());
    check_prints(&Tensor::from([[0.0f32, 0.0]]).softmax().unwrap(), "tensor([[0.5000, 0.5000]])");
    assert!(matches!(logits.cross_entropy(&[3, 0]), Err(minisyft::Error::IndexOutOfRange { .. })));
    assert!(matches!(logits.cross_entropy(&[0]), Err(minisyft::Error::ShapeMismatch { .. })));
    assert!(matches!(Tensor::from([1.0f32, 2.0]).cross_entropy(&[0]), Err(minisyft::Error::WrongRank { .. })));
}

/// Values that tell kernels apart: signs, both zeros, tiny and huge, infinities and NaN.
fn awkward_values(count: usize, offset: usize) -> Vec<f32> {
    const POOL: [f32; 13] =
        [1.5, -2.25, 0.0, -0.0, 3.0e-39, -7.5e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 0.1, -0.3, 1e-7, 65504.0];
    (0..count).map(|i| POOL[(i * 5 + offset) % POOL.len()]).collect()
}

/// The same bits, or both NaN (a NaN's payload is the machine's).
fn check_same_floats(what: &str, got: &[f32], expected: &[f32]) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!(g.to_bits() == e.to_bits() || (g.is_nan() && e.is_nan()), "{what}[{i}]: {g} where {e} was expected");
    }
}

/// The elementwise kernels (four lanes at a time in the page's wasm, src/tensor/lanes.rs) give
/// exactly the scalar arithmetic at every length around the lane width: same shapes, a row
/// repeated along a matrix (a bias), a scalar on either side, ReLU, and a transposed operand
/// (which the general broadcasting path takes).
#[test]
fn elementwise_kernels_agree_with_scalar_arithmetic_at_every_length() {
    let scalar = |op: BinaryOp, a: f32, b: f32| match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => a / b,
    };
    for len in 0..=13 {
        let (a, b) = (awkward_values(len, 0), awkward_values(len, 7));
        let (ta, tb) = (Tensor::from_f32(&[len], a.clone()).unwrap(), Tensor::from_f32(&[len], b.clone()).unwrap());
        for &op in BinaryOp::ALL {
            let expected: Vec<f32> = a.iter().zip(&b).map(|(&x, &y)| scalar(op, x, y)).collect();
            check_same_floats(&format!("{op:?} of {len}"), &ta.binary(op, &tb).unwrap().to_f32_vec(), &expected);
            let times_three: Vec<f32> = a.iter().map(|&x| scalar(op, x, 3.0)).collect();
            check_same_floats(&format!("{op:?} 3 of {len}"), &ta.binary(op, 3.0).unwrap().to_f32_vec(), &times_three);
            let minus_half_by: Vec<f32> = a.iter().map(|&x| scalar(op, -0.5, x)).collect();
            check_same_floats(
                &format!("-0.5 {op:?} {len}"),
                &ta.binary_scalar(op, -0.5, true).to_f32_vec(),
                &minus_half_by,
            );
            // A bias of `len` added to each of 3 rows.
            let rows = awkward_values(3 * len, 3);
            let matrix = Tensor::from_f32(&[3, len], rows.clone()).unwrap();
            let repeated: Vec<f32> = rows.iter().enumerate().map(|(i, &x)| scalar(op, x, b[i % len.max(1)])).collect();
            check_same_floats(
                &format!("{op:?} of [3, {len}] by [{len}]"),
                &matrix.binary(op, &tb).unwrap().to_f32_vec(),
                &repeated,
            );
            // Transposed: not contiguous, so the broadcasting path.
            let square = Tensor::from_f32(&[len, len], awkward_values(len * len, 1)).unwrap();
            let transposed = square.t().unwrap();
            let values = transposed.to_f32_vec();
            let ones = Tensor::from_f32(&[len, len], vec![1.0; len * len]).unwrap();
            let expected: Vec<f32> = values.iter().map(|&x| scalar(op, x, 1.0)).collect();
            check_same_floats(
                &format!("{op:?} of a transposed {len}x{len}"),
                &transposed.binary(op, &ones).unwrap().to_f32_vec(),
                &expected,
            );
        }
        let relu: Vec<f32> = a.iter().map(|&x| if x > 0.0 { x } else { 0.0 }).collect();
        check_same_floats(&format!("relu of {len}"), &ta.elementwise(Elementwise::Relu).to_f32_vec(), &relu);
    }
}

/// `a · b` as the plain triple loop sums it: each element in `k`'s order, from 0.
fn naive_product(a: &[f32], b: &[f32], (n, k, m): (usize, usize, usize)) -> Vec<f32> {
    let mut product = vec![0.0f32; n * m];
    for i in 0..n {
        for j in 0..m {
            product[i * m + j] = (0..k).fold(0.0, |sum, l| sum + a[i * k + l] * b[l * m + j]);
        }
    }
    product
}

/// `a · b` as the triple loop sums it, and beside it `|a| · |b|`: how large the terms were, which
/// bounds the rounding any order of summing may differ by (a sum that cancels to a small value
/// keeps the rounding of its large terms).
fn naive_product_and_magnitude(a: &[f32], b: &[f32], shape: (usize, usize, usize)) -> (Vec<f32>, Vec<f32>) {
    let absolute = |v: &[f32]| v.iter().map(|x| x.abs()).collect::<Vec<f32>>();
    (naive_product(a, b, shape), naive_product(&absolute(a), &absolute(b), shape))
}

/// The same values within rounding: the library may block the sum over `k` and fuse multiply-adds.
fn check_product(what: &str, got: &[f32], (expected, magnitude): &(Vec<f32>, Vec<f32>)) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    for (i, ((g, e), size)) in got.iter().zip(expected).zip(magnitude).enumerate() {
        assert!((g - e).abs() <= 1e-5 * (1.0 + size), "{what}[{i}]: {g} where {e} was expected (terms' size {size})");
    }
}

/// `mm` and its backward at ragged sizes (around SIMD kernels' 4- and 8-wide blocks and a
/// 256-deep block of `k`), with transposed operands (as backward reads them): against the triple
/// loop.
#[test]
fn matrix_products_agree_with_the_triple_loop_at_ragged_sizes() {
    let mut rng = Rng::seeded(7);
    // Small sides (matrixmultiply in wasm), then every side at least 64 (our own 4×8 kernel in
    // wasm): rows not a multiple of 4, columns not of 8, `k` over two of its 256-deep blocks.
    for (n, k, m) in [
        (1, 1, 1),
        (3, 5, 7),
        (4, 2, 8),
        (5, 9, 9),
        (9, 17, 16),
        (8, 300, 3),
        (13, 257, 17),
        (2, 0, 3),
        (64, 64, 64),
        (65, 300, 67),
        (70, 513, 66),
    ] {
        let a = random_tensor(&mut rng, &[n, k], false);
        let b = random_tensor(&mut rng, &[k, m], false);
        let (av, bv) = (a.to_f32_vec(), b.to_f32_vec());
        let what = format!("[{n}, {k}] · [{k}, {m}]");
        check_product(&what, &a.mm(&b).unwrap().to_f32_vec(), &naive_product_and_magnitude(&av, &bv, (n, k, m)));
        // aᵀ's transpose is a again, read through swapped strides.
        let a_transposed = Tensor::from_f32(&[k, n], a.t().unwrap().to_f32_vec()).unwrap();
        check_product(
            &format!("{what}, a read transposed"),
            &a_transposed.t().unwrap().mm(&b).unwrap().to_f32_vec(),
            &naive_product_and_magnitude(&av, &bv, (n, k, m)),
        );
        // d(sum(a · b))/da = 1 · bᵀ, d/db = aᵀ · 1.
        let (a, b) = (a.requiring_grad().unwrap(), b.requiring_grad().unwrap());
        a.mm(&b).unwrap().sum().backward().unwrap();
        let ones = vec![1.0; n * m];
        let b_transposed = b.t().unwrap().to_f32_vec();
        let a_transposed = a.t().unwrap().to_f32_vec();
        let grad_of = |t: &Tensor| t.grad().map(|g| g.to_f32_vec()).unwrap_or_default();
        let expected_grad_a = naive_product_and_magnitude(&ones, &b_transposed, (n, m, k));
        let expected_grad_b = naive_product_and_magnitude(&a_transposed, &ones, (k, n, m));
        check_product(&format!("{what}: grad of a"), &grad_of(&a), &expected_grad_a);
        check_product(&format!("{what}: grad of b"), &grad_of(&b), &expected_grad_b);
    }
}
