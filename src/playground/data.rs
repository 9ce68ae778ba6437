//! The playground's data: seeded 2-D sets in the TensorFlow Playground's spirit (gauss, xor,
//! circle and spiral for binary classification, a plane for regression; points in [-6, 6]²,
//! `noise` in [0, 1] blurs them), and the real handwritten digits (`digits.rs`), 64 pixels and one
//! of ten classes each.

use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    Gauss,
    Xor,
    Circle,
    Spiral,
    /// Regression: the target is a plane over the two features.
    Plane,
    /// The real 8×8 handwritten digits: 64 features, ten classes. Fetched, never generated.
    Digits,
}

impl DataKind {
    /// The sets made from a seed.
    pub const GENERATED: [DataKind; 5] =
        [DataKind::Gauss, DataKind::Xor, DataKind::Circle, DataKind::Spiral, DataKind::Plane];
    /// Every set, the real digits last.
    pub const ALL: [DataKind; 6] =
        [DataKind::Gauss, DataKind::Xor, DataKind::Circle, DataKind::Spiral, DataKind::Plane, DataKind::Digits];

    pub fn name(self) -> &'static str {
        match self {
            DataKind::Gauss => "gauss",
            DataKind::Xor => "xor",
            DataKind::Circle => "circle",
            DataKind::Spiral => "spiral",
            DataKind::Plane => "plane",
            DataKind::Digits => "digits",
        }
    }

    pub fn is_classification(self) -> bool {
        self != DataKind::Plane
    }

    /// Numbers per example: 2 for the generated sets, 64 pixels for a digit.
    pub fn features(self) -> usize {
        match self {
            DataKind::Digits => super::digits::PIXELS,
            _ => 2,
        }
    }

    /// Classes a classifier tells apart (10 digits; 2 otherwise, and for the plane's halves).
    pub fn classes(self) -> usize {
        match self {
            DataKind::Digits => super::digits::CLASSES,
            _ => 2,
        }
    }
}

/// Examples (`features` numbers each, row after row) and their targets: 0 or 1 for the binary
/// sets, a number for the plane, a class index 0..=9 for the digits.
#[derive(Clone, Debug, PartialEq)]
pub struct DataSet {
    pub kind: DataKind,
    pub features: usize,
    pub inputs: Vec<f32>,
    pub targets: Vec<f32>,
}

/// A standard normal draw (Box–Muller; demo data, so the seeded generator).
pub(crate) fn normal(rng: &mut Rng) -> f64 {
    let u1 = rng.next_f64().max(f64::MIN_POSITIVE);
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Most points a generated data set may have.
pub const MAX_POINTS: usize = 100_000;

impl DataSet {
    pub fn generate(kind: DataKind, count: usize, noise: f64, seed: u64) -> Result<DataSet> {
        if !(2..=MAX_POINTS).contains(&count) {
            let expected = format!("2 to {MAX_POINTS} points");
            return Err(Error::InvalidSetting { setting: "points".into(), value: count.to_string(), expected });
        }
        if kind == DataKind::Digits {
            let expected = "a generated set (the digits are real data: DataSet::digits)".to_owned();
            return Err(Error::InvalidSetting { setting: "data".into(), value: kind.name().into(), expected });
        }
        if !(0.0..=1.0).contains(&noise) {
            let expected = "a noise level from 0 to 1".to_owned();
            return Err(Error::InvalidSetting { setting: "noise".into(), value: noise.to_string(), expected });
        }
        let mut rng = Rng::seeded(seed);
        let mut inputs = Vec::with_capacity(2 * count);
        let mut targets = Vec::with_capacity(count);
        for i in 0..count {
            let label = (i % 2) as f64;
            let (x, y, target) = match kind {
                DataKind::Gauss => {
                    let centre = if label == 1.0 { 2.0 } else { -2.0 };
                    let spread = 0.5 + 2.0 * noise;
                    (centre + spread * normal(&mut rng), centre + spread * normal(&mut rng), label)
                }
                DataKind::Xor => {
                    let (x, y) = (rng.uniform(-5.0, 5.0), rng.uniform(-5.0, 5.0));
                    // Keep the quadrants apart by a margin, as the TF Playground does.
                    let (x, y) = (x + 0.3 * x.signum(), y + 0.3 * y.signum());
                    let target = if x * y > 0.0 { 1.0 } else { 0.0 };
                    (x + noise * 2.0 * normal(&mut rng), y + noise * 2.0 * normal(&mut rng), target)
                }
                DataKind::Circle => {
                    let radius = if label == 1.0 { rng.uniform(0.0, 2.5) } else { rng.uniform(3.5, 5.0) };
                    let angle = rng.uniform(0.0, 2.0 * std::f64::consts::PI);
                    let (x, y) = (radius * angle.cos(), radius * angle.sin());
                    (x + noise * 2.0 * normal(&mut rng), y + noise * 2.0 * normal(&mut rng), label)
                }
                DataKind::Spiral => {
                    let t = rng.uniform(0.0, 1.0);
                    let radius = 5.0 * t;
                    let angle = 1.75 * t * 2.0 * std::f64::consts::PI + label * std::f64::consts::PI;
                    let (x, y) = (radius * angle.sin(), radius * angle.cos());
                    (x + noise * normal(&mut rng), y + noise * normal(&mut rng), label)
                }
                DataKind::Plane | DataKind::Digits => {
                    let (x, y) = (rng.uniform(-6.0, 6.0), rng.uniform(-6.0, 6.0));
                    (x, y, (x + 2.0 * y) / 6.0 + noise * normal(&mut rng))
                }
            };
            inputs.extend([x.clamp(-6.0, 6.0) as f32, y.clamp(-6.0, 6.0) as f32]);
            targets.push(target as f32);
        }
        Ok(DataSet { kind, features: 2, inputs, targets })
    }

    /// The digits as a data set: pixels scaled to 0..=1, the label as the target.
    pub fn digits(digits: &super::digits::Digits) -> DataSet {
        let scale = |p: &u8| f32::from(*p) / f32::from(super::digits::MAX_PIXEL);
        DataSet {
            kind: DataKind::Digits,
            features: super::digits::PIXELS,
            inputs: digits.images.iter().flat_map(|image| image.iter().map(scale)).collect(),
            targets: digits.labels.iter().map(|&l| f32::from(l)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Example `i`'s features.
    pub fn input(&self, i: usize) -> Option<&[f32]> {
        let start = i.checked_mul(self.features)?;
        self.inputs.get(start..start.checked_add(self.features)?)
    }

    /// Example `i` as a point on the map, for a 2-D set.
    pub fn point(&self, i: usize) -> Option<[f32; 2]> {
        match self.input(i)? {
            [x, y] => Some([*x, *y]),
            _ => None,
        }
    }

    /// A seeded shuffle split into (train, test), with `test_fraction` of the points held out.
    pub fn split(&self, test_fraction: f64, seed: u64) -> (DataSet, DataSet) {
        let mut order: Vec<usize> = (0..self.len()).collect();
        shuffle(&mut order, &mut Rng::seeded(seed));
        let test = ((self.len() as f64 * test_fraction.clamp(0.0, 1.0)).round() as usize).min(self.len());
        (self.subset(&order[test..]), self.subset(&order[..test]))
    }

    pub fn subset(&self, indices: &[usize]) -> DataSet {
        let mut subset = DataSet { kind: self.kind, features: self.features, inputs: Vec::new(), targets: Vec::new() };
        for (input, target) in indices.iter().filter_map(|&i| self.input(i).zip(self.targets.get(i))) {
            subset.inputs.extend_from_slice(input);
            subset.targets.push(*target);
        }
        subset
    }

    /// Class labels for partitioning: the class of a classification set; a regression set's
    /// targets are split at 0.
    pub fn labels(&self) -> Vec<usize> {
        match self.kind {
            DataKind::Digits => self.targets.iter().map(|&t| t as usize).collect(),
            DataKind::Plane => self.targets.iter().map(|&t| usize::from(t > 0.0)).collect(),
            _ => self.targets.iter().map(|&t| usize::from(t > 0.5)).collect(),
        }
    }

    /// `[n, features]` inputs and `[n, 1]` targets.
    pub fn tensors(&self) -> Result<(Tensor, Tensor)> {
        let rows = self.len();
        Ok((
            Tensor::from_f32(&[rows, self.features], self.inputs.clone())?,
            Tensor::from_f32(&[rows, 1], self.targets.clone())?,
        ))
    }
}

/// Fisher–Yates with the seeded generator.
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
