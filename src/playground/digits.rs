//! The real data set: 1,797 handwritten 8×8 digits (UCI, CC BY 4.0; `www/data/README.md`). The
//! page fetches `data/digits.csv`; this parses and checks it: every line 64 pixels in 0..=16 and
//! a label in 0..=9, at most `MAX_DIGITS` lines, or a typed error naming the line.

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Where the page finds the data, beside itself.
pub const DIGITS_URL: &str = "./data/digits.csv";
/// SHA-256 of `www/data/digits.csv` (`tests/digits.rs` checks the file against it).
pub const DIGITS_SHA256: &str = "6ebb3d2fee246a4e99363262ddf8a00a3c41bee6014c373ed9d9216ba7f651b8";
/// Pixels of one image (8×8) and classes.
pub const PIXELS: usize = 64;
pub const CLASSES: usize = 10;
/// The most lines read (the file has 1,797).
pub const MAX_DIGITS: usize = 10_000;
/// The brightest pixel value; images are scaled to 0..=1 by it.
pub const MAX_PIXEL: u8 = 16;

/// Images (pixels 0..=16, row by row) and their labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Digits {
    pub images: Vec<[u8; PIXELS]>,
    pub labels: Vec<u8>,
}

impl Digits {
    /// Reads the CSV: `p0,…,p63,label` per line.
    pub fn parse(csv: &str) -> Result<Digits> {
        let mut digits = Digits { images: Vec::new(), labels: Vec::new() };
        for (number, line) in csv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            if digits.labels.len() >= MAX_DIGITS {
                return Err(refused(number, format!("more than {MAX_DIGITS} digits")));
            }
            let mut image = [0u8; PIXELS];
            let mut fields = line.trim().split(',');
            for pixel in image.iter_mut() {
                *pixel = value(fields.next(), MAX_PIXEL).ok_or_else(|| refused(number, "64 pixels of 0..16".into()))?;
            }
            let label =
                value(fields.next(), 9).ok_or_else(|| refused(number, "a label of 0..9 after the pixels".into()))?;
            if fields.next().is_some() {
                return Err(refused(number, "65 fields".into()));
            }
            digits.images.push(image);
            digits.labels.push(label);
        }
        Ok(digits)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The images at `indices` as a `[n, 64]` float tensor scaled to 0..=1, and their labels.
    pub fn tensors(&self, indices: &[usize]) -> Result<(Tensor, Vec<usize>)> {
        let mut pixels = Vec::with_capacity(indices.len() * PIXELS);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            let (image, label) = self.images.get(i).zip(self.labels.get(i)).ok_or(Error::IndexOutOfRange {
                op: "digits".into(),
                index: i,
                size: self.len(),
            })?;
            pixels.extend(image.iter().map(|&p| f32::from(p) / f32::from(MAX_PIXEL)));
            labels.push(usize::from(*label));
        }
        Ok((Tensor::from_f32(&[indices.len(), PIXELS], pixels)?, labels))
    }
}

fn value(field: Option<&str>, max: u8) -> Option<u8> {
    field?.trim().parse::<u8>().ok().filter(|v| *v <= max)
}

fn refused(line_index: usize, expected: String) -> Error {
    Error::InvalidSetting { setting: "digits.csv".into(), value: format!("line {}", line_index + 1), expected }
}
