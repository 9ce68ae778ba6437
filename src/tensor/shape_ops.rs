//! Ops that move values between positions rather than compute new ones: `view` (a new shape,
//! one size may be `-1`), `select_dim` (`a[:, 0]`: one index along any dimension), and
//! `max_dim`/`argmax` (the largest value along a dimension, and where it is). Their kernels check
//! every size first (ndarray panics where a typed error is due); their gradients are in
//! `backprop.rs`.

use ndarray::{ArrayD, Axis, IxDyn};

use super::backprop::GradFn;
use super::{Storage, Tensor};
use crate::error::{Error, Result};
use crate::limits::{checked_elements, MAX_RANK};

impl Storage {
    /// The same values in row-major order, in `shape` (the element counts must agree).
    pub fn reshape(&self, shape: &[usize]) -> Result<Storage> {
        let count = checked_elements(shape)?;
        if count != self.len() {
            return Err(Error::ShapeMismatch { op: "view".into(), lhs: self.shape().to_vec(), rhs: shape.to_vec() });
        }
        Ok(match self {
            Storage::F32(a) => Storage::F32(reshaped(a, shape)?),
            Storage::I64(a) => Storage::I64(reshaped(a, shape)?),
        })
    }

    fn check_dim(&self, op: &str, dim: usize) -> Result<usize> {
        match self.shape().get(dim) {
            Some(&size) => Ok(size),
            None => Err(Error::WrongRank {
                op: op.into(),
                expected: format!("a dimension {dim} (at least {} dimensions)", dim.saturating_add(1)),
                shape: self.shape().to_vec(),
            }),
        }
    }

    /// The sub-tensor at `index` along dimension `dim` (that dimension goes).
    pub fn select_dim(&self, dim: usize, index: usize) -> Result<Storage> {
        let size = self.check_dim("index", dim)?;
        if index >= size {
            return Err(Error::IndexOutOfRange { op: "index".into(), index, size });
        }
        Ok(match self {
            Storage::F32(a) => Storage::F32(a.index_axis(Axis(dim), index).to_owned()),
            Storage::I64(a) => Storage::I64(a.index_axis(Axis(dim), index).to_owned()),
        })
    }

    /// Along dimension `dim`: the largest value of each lane and its index (the first, on a tie; a
    /// NaN counts as the largest, as in PyTorch). That dimension goes.
    pub fn max_dim(&self, dim: usize) -> Result<(Storage, ArrayD<i64>)> {
        if self.check_dim("max", dim)? == 0 {
            return Err(Error::Empty { what: "max".into(), item: "element along the dimension".into() });
        }
        Ok(match self {
            Storage::F32(a) => {
                let indices = a.map_axis(Axis(dim), |lane| first_max(lane.iter(), |x: &f32| x.is_nan()));
                (Storage::F32(gather(a, dim, &indices)?), indices)
            }
            Storage::I64(a) => {
                let indices = a.map_axis(Axis(dim), |lane| first_max(lane.iter(), |_| false));
                (Storage::I64(gather(a, dim, &indices)?), indices)
            }
        })
    }
}

/// `a`'s values in row-major order, in `shape` (of as many elements).
fn reshaped<T: Copy>(a: &ArrayD<T>, shape: &[usize]) -> Result<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), a.iter().copied().collect()).map_err(|e| Error::internal(e.to_string()))
}

/// The index of the first largest item (a NaN, once seen, stays the largest).
fn first_max<'a, T: PartialOrd + 'a>(items: impl Iterator<Item = &'a T>, is_nan: impl Fn(&T) -> bool) -> i64 {
    let mut best: Option<(usize, &T)> = None;
    for (i, x) in items.enumerate() {
        best = match best {
            None => Some((i, x)),
            Some((_, current)) if !is_nan(current) && (is_nan(x) || x > current) => Some((i, x)),
            kept => kept,
        };
    }
    best.map_or(0, |(i, _)| i as i64)
}

/// Each lane's item at its index (lanes in the order `map_axis` gave the indices).
fn gather<T: Copy>(a: &ArrayD<T>, dim: usize, indices: &ArrayD<i64>) -> Result<ArrayD<T>> {
    let picked: Result<Vec<T>> = a
        .lanes(Axis(dim))
        .into_iter()
        .zip(indices.iter())
        .map(|(lane, &at)| lane.get(at as usize).copied().ok_or_else(|| Error::internal("max: an index past its lane")))
        .collect();
    ArrayD::from_shape_vec(IxDyn(indices.shape()), picked?).map_err(|e| Error::internal(e.to_string()))
}

impl Tensor {
    /// `x.view(2, -1)`: the same values in another shape; one size may be `-1` (what the others
    /// leave). Gradients flow back in the input's shape.
    pub fn view(&self, shape: &[i64]) -> Result<Tensor> {
        if shape.len() > MAX_RANK {
            return Err(crate::limits::exceeded("dimensions of a tensor", MAX_RANK as u64, shape.len() as u64));
        }
        let numel = self.numel();
        let refused = || Error::ShapeMismatch {
            op: "view".into(),
            lhs: self.shape(),
            rhs: shape.iter().map(|&s| s.max(0) as usize).collect(),
        };
        let known: u64 = shape
            .iter()
            .filter(|&&s| s != -1)
            .try_fold(1u64, |product, &s| u64::try_from(s).ok().map(|s| product.saturating_mul(s)))
            .ok_or_else(refused)?;
        let inferred = match shape.iter().filter(|&&s| s == -1).count() {
            0 => None,
            1 if known > 0 && (numel as u64).is_multiple_of(known) => Some((numel as u64 / known) as usize),
            _ => return Err(refused()),
        };
        let shape: Vec<usize> = shape
            .iter()
            .map(|&s| if s == -1 { inferred.ok_or_else(refused) } else { usize::try_from(s).map_err(|_| refused()) })
            .collect::<Result<_>>()?;
        let value = self.node.storage.borrow().reshape(&shape)?;
        Ok(Tensor::result(value, &[self], || GradFn::Reshape { input: self.clone() }))
    }

    /// `a[:, i]` and its kin: the sub-tensor at `index` along `dim`.
    pub fn select_dim(&self, dim: usize, index: usize) -> Result<Tensor> {
        let value = self.node.storage.borrow().select_dim(dim, index)?;
        Ok(Tensor::result(value, &[self], || GradFn::Select { input: self.clone(), dim, index }))
    }

    /// `x.max(dim)`: the largest values along `dim` (gradients go to where each was) and their
    /// indices.
    pub fn max_dim(&self, dim: usize) -> Result<(Tensor, Tensor)> {
        let (values, indices) = self.node.storage.borrow().max_dim(dim)?;
        let positions: Vec<usize> = indices.iter().map(|&i| i as usize).collect();
        let maxima = Tensor::result(values, &[self], || GradFn::MaxDim { input: self.clone(), dim, positions });
        Ok((maxima, Tensor::from_storage(Storage::I64(indices))))
    }

    /// `x.max()`: the largest element, as a 0-dimensional tensor.
    pub fn max(&self) -> Result<Tensor> {
        Ok(self.view(&[-1])?.max_dim(0)?.0)
    }

    /// `x.argmax(dim)`: where the largest value along `dim` is; `x.argmax()` over every element
    /// (as if flattened) for `None`.
    pub fn argmax(&self, dim: Option<usize>) -> Result<Tensor> {
        match dim {
            Some(dim) => Ok(self.max_dim(dim)?.1),
            None => Ok(self.view(&[-1])?.max_dim(0)?.1),
        }
    }
}
