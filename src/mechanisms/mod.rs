//! The arithmetic behind the privacy modes, on plain tensors: fixed precision, splitting into
//! additive shares of the ring of 64-bit integers, Beaver triples, truncation, and the Gaussian
//! mechanism's clipping and noise. Workers run these as ops; `me` uses them locally.
//!
//! A layer of its own, below the protocol (which names these as ops) and the worker (which runs
//! them); `crate::privacy` builds the privacy modes on top and re-exports this module.

pub mod secure_random;

use ndarray::ArrayD;

use crate::error::{Error, Result};
use crate::limits::checked_elements;
use crate::tensor::{Storage, Tensor};

fn sharing_error(op: &str, reason: impl Into<String>) -> Error {
    Error::Sharing { op: op.to_owned(), reason: reason.into() }
}

fn integers(op: &str, tensor: &Tensor) -> Result<ArrayD<i64>> {
    tensor.with_storage(|storage| match storage {
        Storage::I64(values) => Ok(values.clone()),
        Storage::F32(_) => Err(sharing_error(
            op,
            "shares and fixed-precision values are integers; call fix_prec() on a float tensor first",
        )),
    })
}

fn from_integers(values: ArrayD<i64>) -> Result<Tensor> {
    let shape = values.shape().to_vec();
    Tensor::from_i64(&shape, values.into_iter().collect())
}

/// `round(x · scale)` as integers (PySyft's `fix_prec()`, scale = base^precision).
pub fn fix_precision(tensor: &Tensor, scale: i64) -> Result<Tensor> {
    if scale < 1 {
        return Err(sharing_error("fix_prec", format!("the scale must be at least 1, got {scale}")));
    }
    let values = tensor
        .to_f32_vec()
        .iter()
        .map(|&v| {
            let fixed = (f64::from(v) * scale as f64).round();
            // `as i64` would turn NaN into 0 and saturate the rest: a model gone to NaN would
            // aggregate as zeros and look trained.
            if fixed.is_finite() && fixed.abs() <= FIXED_PRECISION_LIMIT {
                Ok(fixed as i64)
            } else {
                Err(sharing_error(
                    "fix_prec",
                    format!(
                        "{v} has no fixed-precision form at scale {scale} (at most ±2^53 / scale; has training diverged?)"
                    ),
                ))
            }
        })
        .collect::<Result<Vec<i64>>>()?;
    Tensor::from_i64(&tensor.shape(), values)
}

/// The largest fixed-precision magnitude: 2^53, where f64 still holds every integer, far enough
/// from 2^63 for the sum of a few hundred clients' shares to open without wrapping.
const FIXED_PRECISION_LIMIT: f64 = 9_007_199_254_740_992.0;

/// The floats fixed-precision integers stand for (`float_prec()`).
pub fn float_precision(tensor: &Tensor, scale: i64) -> Result<Tensor> {
    let values = integers("float_prec", tensor)?;
    let shape = values.shape().to_vec();
    Tensor::from_f32(&shape, values.iter().map(|&v| (v as f64 / scale.max(1) as f64) as f32).collect())
}

/// Floor division by a public positive integer: the truncation after a fixed-point product.
pub fn floor_div(tensor: &Tensor, divisor: i64) -> Result<Tensor> {
    if divisor < 1 {
        return Err(sharing_error("floor_div", format!("the divisor must be at least 1, got {divisor}")));
    }
    from_integers(integers("floor_div", tensor)?.mapv(|v| v.div_euclid(divisor)))
}

/// `count` shares of `tensor` that add up to it (wrapping): all but one uniformly random from
/// the cryptographic generator, so any `count − 1` of them say nothing about the value.
pub fn split(tensor: &Tensor, count: usize) -> Result<Vec<Tensor>> {
    if !(2..=crate::limits::MAX_DELEGATES).contains(&count) {
        let max = crate::limits::MAX_DELEGATES;
        return Err(sharing_error("share", format!("a value is shared among 2 to {max} holders, not {count}")));
    }
    let values = integers("share", tensor)?;
    let shape = values.shape().to_vec();
    let mut last = values;
    let mut shares = Vec::with_capacity(count);
    for _ in 1..count {
        let random = secure_random::ring_elements(last.len())?;
        let share = ArrayD::from_shape_vec(shape.clone(), random).map_err(|e| Error::internal(e.to_string()))?;
        last.zip_mut_with(&share, |l, s| *l = l.wrapping_sub(*s));
        shares.push(from_integers(share)?);
    }
    shares.push(from_integers(last)?);
    Ok(shares)
}

/// The value shares stand for: their wrapping sum.
pub fn reconstruct(shares: &[Tensor]) -> Result<Tensor> {
    let mut parts = shares.iter();
    let first = parts.next().ok_or_else(|| sharing_error("get", "no shares to add up"))?;
    let mut sum = integers("get", first)?;
    for share in parts {
        let share = integers("get", share)?;
        if share.shape() != sum.shape() {
            return Err(Error::shape("get", sum.shape(), share.shape()));
        }
        sum.zip_mut_with(&share, |s, v| *s = s.wrapping_add(*v));
    }
    from_integers(sum)
}

/// What a Beaver triple is for: an elementwise product or a matrix product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Product {
    Mul,
    Mm,
}

/// The elements of a Beaver triple's three parts for operands of these shapes, checked before
/// anything is drawn: shapes that fit the product, within the tensor and `mm` limits.
pub fn triple_elements(product: Product, lhs: &[usize], rhs: &[usize]) -> Result<u64> {
    let (a, b) = (checked_elements(lhs)?, checked_elements(rhs)?);
    let c = match product {
        Product::Mul => {
            let shape =
                crate::tensor::broadcast_shape(lhs, rhs).ok_or_else(|| Error::shape("beaver triple", lhs, rhs))?;
            checked_elements(&shape)?
        }
        Product::Mm => match (lhs, rhs) {
            ([m, k], [k2, n]) if k == k2 => {
                let work = (*m as u64).saturating_mul(*k as u64).saturating_mul(*n as u64);
                if work > crate::limits::MAX_MM_WORK {
                    let what = "multiply-adds of a Beaver triple's mm";
                    return Err(crate::limits::exceeded(what, crate::limits::MAX_MM_WORK, work));
                }
                checked_elements(&[*m, *n])?
            }
            _ => return Err(Error::shape("beaver triple", lhs, rhs)),
        },
    };
    Ok(a as u64 + b as u64 + c as u64)
}

/// A Beaver triple (a, b, c = a·b) of uniformly random ring elements, for operands of these shapes.
pub fn triple(product: Product, lhs: &[usize], rhs: &[usize]) -> Result<[Tensor; 3]> {
    let random = |shape: &[usize]| -> Result<Tensor> {
        let count = checked_elements(shape)?;
        Tensor::from_i64(shape, secure_random::ring_elements(count)?)
    };
    let (a, b) = (random(lhs)?, random(rhs)?);
    let c = match product {
        Product::Mul => a.mul(&b)?,
        Product::Mm => a.mm(&b)?,
    };
    Ok([a, b, c])
}

/// `x · min(1, max_norm / ‖x‖)`: the update scaled down to norm at most `max_norm`.
pub fn clip_norm(tensor: &Tensor, max_norm: f64) -> Result<Tensor> {
    if !(max_norm > 0.0 && max_norm.is_finite()) {
        return Err(Error::InvalidSetting {
            setting: "clipping norm".into(),
            value: max_norm.to_string(),
            expected: "a positive number".into(),
        });
    }
    let values = tensor.to_f32_vec();
    let norm = values.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
    let factor = if norm > max_norm { max_norm / norm } else { 1.0 };
    Tensor::from_f32(&tensor.shape(), values.iter().map(|&v| (f64::from(v) * factor) as f32).collect())
}

/// `x + N(0, std²)` elementwise, the noise from the cryptographic generator.
pub fn gaussian_noise(tensor: &Tensor, std: f64) -> Result<Tensor> {
    if !(std >= 0.0 && std.is_finite()) {
        return Err(Error::InvalidSetting {
            setting: "noise".into(),
            value: std.to_string(),
            expected: "a standard deviation of 0 or more".into(),
        });
    }
    let values = tensor.to_f32_vec();
    let noise = secure_random::gaussians(values.len(), std)?;
    Tensor::from_f32(&tensor.shape(), values.iter().zip(noise).map(|(&v, n)| (f64::from(v) + n) as f32).collect())
}
