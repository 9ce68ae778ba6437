//! PySyft's next lesson in Rust: fixed precision (`fix_prec()`, base 10 with 3 fractional digits
//! by default) and additive secret sharing over the ring of 64-bit integers (`share(...)`), with
//! `get()` reconstructing. A [`SharedTensor`] is one value spread over its holders: each holds a
//! share that alone is uniformly random. Adding, subtracting, negating, summing and multiplying by
//! a public value work share by share; multiplying two shared values takes a Beaver triple from a
//! crypto provider, then (for fixed precision) a truncation.

use std::fmt;

mod dealing;

use super::mechanisms;
use crate::client::{Pointer, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{Command, ObjectId, Product};
use crate::tensor::Tensor;

/// PySyft's defaults: base 10, 3 fractional digits.
pub const DEFAULT_BASE: i64 = 10;
pub const DEFAULT_PRECISION: u32 = 3;

fn sharing(op: &str, reason: impl Into<String>) -> Error {
    Error::Sharing { op: op.to_owned(), reason: reason.into() }
}

/// A float tensor in fixed precision: integers that stand for `value / scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPrecision {
    pub integers: Tensor,
    pub scale: i64,
}

impl Tensor {
    /// `x.fix_prec()`: base 10, 3 fractional digits.
    pub fn fix_prec(&self) -> Result<FixedPrecision> {
        self.fix_prec_with(DEFAULT_BASE, DEFAULT_PRECISION)
    }

    pub fn fix_prec_with(&self, base: i64, precision: u32) -> Result<FixedPrecision> {
        let scale = base
            .checked_pow(precision)
            .filter(|s| *s >= 1 && base >= 2)
            .ok_or_else(|| sharing("fix_prec", format!("base {base} with precision {precision} does not fit")))?;
        Ok(FixedPrecision { integers: mechanisms::fix_precision(self, scale)?, scale })
    }

    /// `x.share(bob, alice, ...)` of an integer tensor (a float one needs `fix_prec()` first).
    pub fn share(&self, holders: &[&WorkerHandle]) -> Result<SharedTensor> {
        SharedTensor::deal(self, None, holders, None)
    }

    /// `x.share(bob, alice, crypto_provider=...)` of an integer tensor: products take the
    /// provider's Beaver triples.
    pub fn share_with_provider(&self, holders: &[&WorkerHandle], provider: &WorkerHandle) -> Result<SharedTensor> {
        SharedTensor::deal(self, None, holders, Some(provider))
    }
}

impl FixedPrecision {
    pub fn float_prec(&self) -> Result<Tensor> {
        mechanisms::float_precision(&self.integers, self.scale)
    }

    pub fn add(&self, other: &FixedPrecision) -> Result<FixedPrecision> {
        self.same_scale("add", other)?;
        Ok(FixedPrecision { integers: self.integers.add(&other.integers)?, scale: self.scale })
    }

    pub fn sub(&self, other: &FixedPrecision) -> Result<FixedPrecision> {
        self.same_scale("sub", other)?;
        Ok(FixedPrecision { integers: self.integers.sub(&other.integers)?, scale: self.scale })
    }

    fn same_scale(&self, op: &str, other: &FixedPrecision) -> Result<()> {
        if self.scale == other.scale {
            Ok(())
        } else {
            Err(sharing(op, format!("precisions differ (scale {} and {})", self.scale, other.scale)))
        }
    }

    /// `.share(bob, alice, ...)`.
    pub fn share(&self, holders: &[&WorkerHandle]) -> Result<SharedTensor> {
        SharedTensor::deal(&self.integers, Some(self.scale), holders, None)
    }

    /// `.share(bob, alice, crypto_provider=...)`: the provider deals Beaver triples for products.
    pub fn share_with_provider(&self, holders: &[&WorkerHandle], provider: &WorkerHandle) -> Result<SharedTensor> {
        SharedTensor::deal(&self.integers, Some(self.scale), holders, Some(provider))
    }
}

impl fmt::Display for FixedPrecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FixedPrecisionTensor>{}", self.integers)
    }
}

/// A shared value brought back with [`SharedTensor::get_encoded`].
#[derive(Clone, Debug, PartialEq)]
pub enum Opened {
    Integers(Tensor),
    FixedPrecision(FixedPrecision),
}

/// One value, secret-shared among its holders.
pub struct SharedTensor {
    shares: Vec<Pointer>,
    holders: Vec<WorkerHandle>,
    /// `Some` for a fixed-precision value.
    scale: Option<i64>,
    provider: Option<WorkerHandle>,
    shape: Vec<usize>,
    /// Its entry among `me`'s shared values (the page draws the shares as one object).
    tracked: u64,
}

impl Drop for SharedTensor {
    fn drop(&mut self) {
        if let Some(holder) = self.holders.first() {
            holder.syft().untrack_shared_value(self.tracked);
        }
    }
}

impl SharedTensor {
    fn new(
        shares: Vec<Pointer>,
        holders: Vec<WorkerHandle>,
        scale: Option<i64>,
        provider: Option<WorkerHandle>,
        shape: Vec<usize>,
    ) -> SharedTensor {
        let tracked =
            holders.first().map_or(0, |h| h.syft().track_shared_value(shares.iter().map(Pointer::id).collect()));
        SharedTensor { shares, holders, scale, provider, shape, tracked }
    }

    pub fn holders(&self) -> Vec<&str> {
        self.holders.iter().map(WorkerHandle::id).collect()
    }

    pub fn shares(&self) -> &[Pointer] {
        &self.shares
    }

    /// The crypto provider that deals its Beaver triples, if it has one.
    pub fn provider(&self) -> Option<&str> {
        self.provider.as_ref().map(WorkerHandle::id)
    }

    pub fn is_fixed_precision(&self) -> bool {
        self.scale.is_some()
    }

    fn syft(&self) -> Result<&Syft> {
        self.holders.first().map(WorkerHandle::syft).ok_or_else(|| sharing("shared tensor", "no holders"))
    }

    fn like(&self, shares: Vec<Pointer>) -> SharedTensor {
        SharedTensor::new(shares, self.holders.clone(), self.scale, self.provider.clone(), self.shape.clone())
    }

    fn compatible(&self, op: &str, other: &SharedTensor) -> Result<()> {
        if self.holders != other.holders {
            return Err(sharing(
                op,
                format!(
                    "the values are shared among different holders ({} and {}); share both among the same workers",
                    self.holders().join(", "),
                    other.holders().join(", ")
                ),
            ));
        }
        if self.scale != other.scale {
            return Err(sharing(
                op,
                "one value is in fixed precision and the other is not, or their precisions differ",
            ));
        }
        Ok(())
    }

    fn pairwise(
        &self,
        op: &str,
        other: &SharedTensor,
        f: impl Fn(&Pointer, &Pointer) -> Result<Pointer>,
    ) -> Result<SharedTensor> {
        self.compatible(op, other)?;
        let shares = self.shares.iter().zip(&other.shares).map(|(a, b)| f(a, b)).collect::<Result<Vec<_>>>()?;
        Ok(self.like(shares))
    }

    pub fn add(&self, other: &SharedTensor) -> Result<SharedTensor> {
        self.pairwise("add", other, |a, b| a.add(b))
    }

    pub fn sub(&self, other: &SharedTensor) -> Result<SharedTensor> {
        self.pairwise("sub", other, |a, b| a.sub(b))
    }

    pub fn neg(&self) -> Result<SharedTensor> {
        Ok(self.like(self.shares.iter().map(Pointer::neg).collect::<Result<Vec<_>>>()?))
    }

    pub fn sum(&self) -> Result<SharedTensor> {
        Ok(self.like(self.shares.iter().map(Pointer::sum).collect::<Result<Vec<_>>>()?))
    }

    /// Times a public number: each share is multiplied; a fixed-precision value is then truncated.
    pub async fn mul_public(&self, value: f64) -> Result<SharedTensor> {
        let factor = match self.scale {
            Some(scale) => (value * scale as f64).round(),
            None if value.fract() == 0.0 => value,
            None => return Err(sharing("mul", "an integer shared value can only be multiplied by a whole number")),
        };
        let product = self.like(self.shares.iter().map(|s| s.mul(factor)).collect::<Result<Vec<_>>>()?);
        match self.scale {
            Some(scale) => product.truncate(scale).await,
            None => Ok(product),
        }
    }

    /// Times another shared value, elementwise (Beaver's protocol).
    pub async fn mul(&self, other: &SharedTensor) -> Result<SharedTensor> {
        self.beaver(Product::Mul, other).await
    }

    /// Matrix product with another shared value (Beaver's protocol).
    pub async fn mm(&self, other: &SharedTensor) -> Result<SharedTensor> {
        self.beaver(Product::Mm, other).await
    }

    async fn beaver(&self, product: Product, other: &SharedTensor) -> Result<SharedTensor> {
        let op = if product == Product::Mul { "mul" } else { "mm" };
        self.compatible(op, other)?;
        let provider = self.provider.as_ref().ok_or_else(|| {
            sharing(op, "multiplying two shared values needs a crypto provider: share with share_with_provider(...)")
        })?;
        let syft = self.syft()?.clone();
        let (lhs_shape, rhs_shape) = (self.shape_now().await?, other.shape_now().await?);
        let ids: Vec<[ObjectId; 3]> =
            self.holders.iter().map(|_| [syft.fresh_id(), syft.fresh_id(), syft.fresh_id()]).collect();
        let holders = self.holders.iter().zip(&ids).map(|(h, ids)| (h.id().into(), *ids)).collect();
        provider.post(Command::Triple { product, lhs: lhs_shape, rhs: rhs_shape, holders });
        syft.settle().await?;
        let triple: Vec<[Pointer; 3]> = self
            .holders
            .iter()
            .zip(&ids)
            .map(|(h, ids)| ids.map(|id| Pointer::new(syft.clone(), syft.fresh_id(), h.id(), id)))
            .collect();
        // d = x − a and e = y − b are opened: masked by the random a and b, they say nothing.
        let masked = |values: &[Pointer], which: usize| -> Result<Vec<Pointer>> {
            values.iter().zip(&triple).map(|(v, t)| v.sub(&t[which])).collect()
        };
        let d = open(&masked(&self.shares, 0)?).await?;
        let e = open(&masked(&other.shares, 1)?).await?;
        let times = |lhs: &Pointer, rhs: &Pointer| if product == Product::Mul { lhs.mul(rhs) } else { lhs.mm(rhs) };
        let mut shares = Vec::new();
        for (i, (holder, [a, b, c])) in self.holders.iter().zip(&triple).enumerate() {
            let (d_here, e_here) = (d.send(holder)?, e.send(holder)?);
            let mut z = c.add(&times(&d_here, b)?)?.add(&times(a, &e_here)?)?;
            if i == 0 {
                z = z.add(&times(&d_here, &e_here)?)?;
            }
            shares.push(z);
        }
        let product = self.like(shares);
        match self.scale {
            Some(scale) => product.truncate(scale).await,
            None => Ok(product),
        }
    }

    /// The shape of the value, read from a share (the shares are public-shaped).
    async fn shape_now(&self) -> Result<Vec<usize>> {
        if !self.shape.is_empty() {
            return Ok(self.shape.clone());
        }
        let first = self.shares.first().ok_or_else(|| sharing("shape", "no shares"))?;
        let listing = first.location().objects().await?;
        listing
            .iter()
            .find(|entry| entry.id == first.id_at_location())
            .and_then(|entry| entry.tensor().map(Tensor::shape))
            .ok_or_else(|| sharing("shape", "the first share is not a tensor"))
    }

    /// Divides by `scale` after a fixed-point product. Two shares: the first holder floors its
    /// share, the second floors the negation of its own and negates back (SecureML's local
    /// truncation: off by at most one unit in the last place, with overwhelming probability).
    /// More holders first fold their shares onto the second holder, worker to worker, and the
    /// second holder re-shares its result among them afterwards.
    async fn truncate(&self, scale: i64) -> Result<SharedTensor> {
        let [first, second, rest @ ..] = self.shares.as_slice() else {
            return Err(sharing("truncate", "a shared value has at least two shares"));
        };
        let second_holder = &self.holders[1];
        let mut folded = second.deep_clone()?;
        for share in rest {
            folded = folded.add(&share.move_to(second_holder).await?)?;
        }
        let low = first.floor_div(scale)?;
        let high = folded.neg()?.floor_div(scale)?.neg()?;
        if rest.is_empty() {
            return Ok(self.like(vec![low, high]));
        }
        let others: Vec<&WorkerHandle> = self.holders[1..].iter().collect();
        let mut reshared = SharedTensor::from_worker(&high, None, &others, None).await?;
        let mut shares = vec![low];
        shares.extend(std::mem::take(&mut reshared.shares));
        Ok(self.like(shares))
    }

    /// `get()`: every share comes back and the value is their sum (in fixed precision: as floats).
    pub async fn get(&self) -> Result<Tensor> {
        Ok(self.get_with_shares().await?.0)
    }

    /// `get()` as PySyft returns it: the sum of the shares, a fixed-precision value still in fixed
    /// precision (`(x * x).get().float_prec()`), an integer one a tensor.
    pub async fn get_encoded(&self) -> Result<Opened> {
        let integers = open(&self.shares).await?;
        Ok(match self.scale {
            Some(scale) => Opened::FixedPrecision(FixedPrecision { integers, scale }),
            None => Opened::Integers(integers),
        })
    }

    /// [`SharedTensor::get`], with the shares as they arrived from each holder (what `me` saw).
    pub async fn get_with_shares(&self) -> Result<(Tensor, Vec<(String, Tensor)>)> {
        let mut shares = Vec::with_capacity(self.shares.len());
        for (holder, share) in self.holders.iter().zip(&self.shares) {
            shares.push((holder.id().to_owned(), share.get().await?));
        }
        let parts: Vec<Tensor> = shares.iter().map(|(_, s)| s.clone()).collect();
        let value = mechanisms::reconstruct(&parts)?;
        let value = match self.scale {
            Some(scale) => mechanisms::float_precision(&value, scale)?,
            None => value,
        };
        Ok((value, shares))
    }
}

/// Fetches every share and adds them up.
async fn open(shares: &[Pointer]) -> Result<Tensor> {
    let mut values = Vec::with_capacity(shares.len());
    for share in shares {
        values.push(share.get().await?);
    }
    mechanisms::reconstruct(&values)
}
