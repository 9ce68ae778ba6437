//! The real data set and what the server learns from it: the shipped file is the credited one,
//! a small MLP learns the digits centrally (≥ 95% of held-out digits), and one image's update lets
//! the server reconstruct that image exactly — for every one of the 1,797 digits.

use minisyft::nn::{Adam, Linear};
use minisyft::playground::digits::{Digits, CLASSES, DIGITS_SHA256, PIXELS};
use minisyft::privacy::inversion::{invert_first_layer, psnr};
use minisyft::rng::Rng;
use minisyft::Tensor;
use sha2::{Digest, Sha256};

const CSV: &str = include_str!("../www/data/digits.csv");

fn digits() -> Digits {
    Digits::parse(CSV).expect("the shipped file parses")
}

/// 64 → hidden → 10 with ReLU: logits.
struct Mlp {
    first: Linear,
    second: Linear,
}

impl Mlp {
    fn new(hidden: usize, seed: u64) -> Mlp {
        let rng = &mut Rng::seeded(seed);
        Mlp { first: Linear::new(PIXELS, hidden, rng).unwrap(), second: Linear::new(hidden, CLASSES, rng).unwrap() }
    }

    fn logits(&self, x: &Tensor) -> Tensor {
        self.second.forward(&self.first.forward(x).unwrap().relu()).unwrap()
    }

    fn parameters(&self) -> Vec<Tensor> {
        self.first.parameters().into_iter().chain(self.second.parameters()).collect()
    }
}

/// A shuffled split: every fourth digit (of the shuffled order) held out.
fn split(n: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::seeded(seed);
    for i in (1..n).rev() {
        order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
    }
    let test: Vec<usize> = order.iter().step_by(4).copied().collect();
    let train: Vec<usize> = order.iter().enumerate().filter(|(i, _)| i % 4 != 0).map(|(_, d)| *d).collect();
    (train, test)
}

#[test]
fn the_shipped_digits_are_the_credited_file_1797_images_of_10_classes() {
    let hash: String = Sha256::digest(CSV.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hash, DIGITS_SHA256);
    let digits = digits();
    assert_eq!(digits.len(), 1797);
    for class in 0..10u8 {
        let count = digits.labels.iter().filter(|&&l| l == class).count();
        assert!((170..=190).contains(&count), "class {class}: {count}");
    }
    // The first image is a zero, as sklearn's load_digits() shows it.
    assert_eq!(digits.labels[0], 0);
    assert_eq!(&digits.images[0][..8], &[0, 0, 5, 13, 9, 1, 0, 0]);
}

#[test]
fn a_damaged_file_is_refused_naming_its_line() {
    let check = |csv: &str, line: &str| match Digits::parse(csv) {
        Err(minisyft::Error::InvalidSetting { value, .. }) => assert_eq!(value, line, "{csv:?}"),
        other => panic!("{csv:?}: {other:?}"),
    };
    let good = CSV.lines().next().unwrap();
    check(&format!("{good}\n{}", good.replacen(",0,", ",17,", 1)), "line 2");
    check(&format!("{good}\n1,2,3"), "line 2");
    check(&format!("{good},4"), "line 1");
    check(&format!("{},x", &good[..good.rfind(',').unwrap()]), "line 1");
    check(&format!("{}10", &good[..good.len() - 1]), "line 1");
    assert_eq!(Digits::parse("").unwrap().len(), 0);
}

#[test]
fn a_small_mlp_learns_the_digits_to_95_percent_of_held_out_images() {
    let digits = digits();
    let (train, test) = split(digits.len(), 7);
    let (x_test, y_test) = digits.tensors(&test).unwrap();
    let model = Mlp::new(32, 3);
    let adam = Adam::new(model.parameters(), 0.01);
    let mut rng = Rng::seeded(11);
    for _epoch in 0..25 {
        let mut order = train.clone();
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        for batch in order.chunks(32) {
            let (x, y) = digits.tensors(batch).unwrap();
            adam.zero_grad();
            model.logits(&x).cross_entropy(&y).unwrap().backward().unwrap();
            adam.step().unwrap();
        }
    }
    let predicted = model.logits(&x_test).argmax(Some(1)).unwrap().to_f32_vec();
    let right = predicted.iter().zip(&y_test).filter(|(p, y)| **p as usize == **y).count();
    let accuracy = right as f64 / y_test.len() as f64;
    assert!(accuracy >= 0.95, "test accuracy {accuracy:.3}");
}

#[test]
fn one_images_update_gives_the_server_that_image_exactly_for_every_digit() {
    let digits = digits();
    let model = Mlp::new(32, 5);
    let mut worst = 0.0f32;
    for i in 0..digits.len() {
        let (x, y) = digits.tensors(&[i]).unwrap();
        for p in model.parameters() {
            p.set_grad(None);
        }
        model.logits(&x).cross_entropy(&y).unwrap().backward().unwrap();
        // Exactly what the server receives of the first layer: its two gradients.
        let (weight_grad, bias_grad) = (model.first.weight.grad().unwrap(), model.first.bias.grad().unwrap());
        let image = invert_first_layer(&weight_grad, &bias_grad).unwrap().to_f32_vec();
        let truth = x.to_f32_vec();
        let error = image.iter().zip(&truth).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        worst = worst.max(error);
        assert!(error < 1e-3, "digit {i}: max pixel error {error}");
        assert!(psnr(&image, &truth) > 60.0, "digit {i}");
    }
    eprintln!("worst pixel error over 1797 digits: {worst:e}");
}

#[test]
fn inversion_refuses_what_it_cannot_invert() {
    let zeros = Tensor::zeros(&[3]);
    let w = Tensor::zeros(&[3, 4]);
    assert!(matches!(invert_first_layer(&w, &zeros), Err(minisyft::Error::Empty { .. })));
    assert!(matches!(invert_first_layer(&w, &Tensor::zeros(&[2])), Err(minisyft::Error::ShapeMismatch { .. })));
    assert!(matches!(invert_first_layer(&zeros, &zeros), Err(minisyft::Error::WrongRank { .. })));
    assert_eq!(psnr(&[0.5, 0.5], &[0.5, 0.5]), f64::INFINITY);
    assert!((psnr(&[0.0, 0.0], &[0.1, 0.1]) - 20.0).abs() < 1e-6);
}
