//! The values behind a tensor: an n-dimensional array of `f32` or `i64`, with the kernels the ops
//! need. Kernels check shapes before ndarray sees them, because ndarray panics where we must return
//! a typed error.

use std::borrow::Cow;

use ndarray::{ArrayD, ArrayView2, Axis, Ix2, IxDyn, Zip};

use super::gemm;
use super::lanes::{self, LaneOp};
use super::op_list::{BinaryOp, Elementwise};
use crate::error::{Error, Result};

/// A tensor's element type; it prints as PyTorch's (`torch.float32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DType {
    /// `torch.float32`, what float literals and every op on floats give.
    Float32,
    /// `torch.int64`, what integer literals give; arithmetic on it wraps on overflow.
    Int64,
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DType::Float32 => "torch.float32",
            DType::Int64 => "torch.int64",
        })
    }
}

/// A tensor's values without history: an ndarray of one [`DType`]. Reach it with
/// [`Tensor::with_storage`](crate::Tensor::with_storage) or
/// [`Tensor::into_storage`](crate::Tensor::into_storage).
#[derive(Debug, Clone, PartialEq)]
pub enum Storage {
    /// Float values ([`DType::Float32`]).
    F32(ArrayD<f32>),
    /// Integer values ([`DType::Int64`]).
    I64(ArrayD<i64>),
}

/// The shape two operands broadcast to (NumPy rules), or `None` when they do not fit.
pub fn broadcast_shape(lhs: &[usize], rhs: &[usize]) -> Option<Vec<usize>> {
    let rank = lhs.len().max(rhs.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let l = if i < rank - lhs.len() { 1 } else { lhs[i - (rank - lhs.len())] };
        let r = if i < rank - rhs.len() { 1 } else { rhs[i - (rank - rhs.len())] };
        out[i] = match (l, r) {
            (l, r) if l == r => l,
            (1, r) => r,
            (l, 1) => l,
            _ => return None,
        };
    }
    Some(out)
}

pub(crate) fn zip_broadcast<A: Copy, B: Copy>(
    op: &str,
    lhs: &ArrayD<A>,
    rhs: &ArrayD<A>,
    f: impl Fn(A, A) -> B,
) -> Result<ArrayD<B>> {
    let shape = broadcast_shape(lhs.shape(), rhs.shape()).ok_or_else(|| Error::shape(op, lhs.shape(), rhs.shape()))?;
    // `[N,1]` against `[1,M]` asks for N·M elements: refuse before allocating them.
    crate::limits::checked_elements(&shape)?;
    let (Some(l), Some(r)) = (lhs.broadcast(IxDyn(&shape)), rhs.broadcast(IxDyn(&shape))) else {
        return Err(Error::shape(op, lhs.shape(), rhs.shape()));
    };
    Ok(Zip::from(&l).and(&r).map_collect(|&a, &b| f(a, b)))
}

/// The lane kernel of each binary op (`lanes.rs`).
fn lane_op(op: BinaryOp) -> LaneOp {
    match op {
        BinaryOp::Add => LaneOp::Add,
        BinaryOp::Sub => LaneOp::Sub,
        BinaryOp::Mul => LaneOp::Mul,
        BinaryOp::Div => LaneOp::Div,
    }
}

/// `kernel` over `a`'s values, in `a`'s shape, when they are contiguous.
fn on_contiguous(a: &ArrayD<f32>, kernel: impl FnOnce(&[f32]) -> Vec<f32>) -> Option<ArrayD<f32>> {
    ArrayD::from_shape_vec(a.raw_dim(), kernel(a.as_slice()?)).ok()
}

/// `a op b` by the lane kernels when both are contiguous and `b` has `a`'s shape or repeats along
/// it (a bias added to every row: `b`'s shape ends `a`'s); `None` for every other case, which
/// [`zip_broadcast`] takes.
fn lanes_binary(op: BinaryOp, a: &ArrayD<f32>, b: &ArrayD<f32>) -> Option<ArrayD<f32>> {
    let b_values = b.as_slice()?;
    let one = |x, y| op.apply_f32(x, y);
    if a.shape() == b.shape() {
        on_contiguous(a, |a| lanes::binary(lane_op(op), one, a, b_values))
    } else if !b_values.is_empty() && b.ndim() <= a.ndim() && a.shape().ends_with(b.shape()) {
        on_contiguous(a, |a| lanes::binary_repeating(lane_op(op), one, a, b_values))
    } else {
        None
    }
}

impl Storage {
    /// Which of the two element types these values are.
    pub fn dtype(&self) -> DType {
        match self {
            Storage::F32(_) => DType::Float32,
            Storage::I64(_) => DType::Int64,
        }
    }

    /// The size of each dimension.
    pub fn shape(&self) -> &[usize] {
        match self {
            Storage::F32(a) => a.shape(),
            Storage::I64(a) => a.shape(),
        }
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when some dimension has size 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as floats, borrowed when they are.
    fn floats(&self) -> Cow<'_, ArrayD<f32>> {
        match self {
            Storage::F32(a) => Cow::Borrowed(a),
            Storage::I64(_) => Cow::Owned(self.to_f32()),
        }
    }

    /// The values as floats (integers are converted), for gradients and promotion.
    pub fn to_f32(&self) -> ArrayD<f32> {
        match self {
            Storage::F32(a) => a.clone(),
            Storage::I64(a) => a.mapv(|v| v as f32),
        }
    }

    /// `self op rhs` with broadcasting: integers stay integers except for division; mixed types give
    /// floats. Fails when the shapes do not broadcast or the result would be too large.
    pub fn binary(&self, op: BinaryOp, rhs: &Storage) -> Result<Storage> {
        match (self, rhs) {
            (Storage::I64(a), Storage::I64(b)) if op != BinaryOp::Div => {
                Ok(Storage::I64(zip_broadcast(op.name(), a, b, |x, y| op.apply_i64(x, y))?))
            }
            (Storage::F32(a), Storage::F32(b)) => match lanes_binary(op, a, b) {
                Some(values) => Ok(Storage::F32(values)),
                None => Ok(Storage::F32(zip_broadcast(op.name(), a, b, |x, y| op.apply_f32(x, y))?)),
            },
            _ => Ok(Storage::F32(zip_broadcast(op.name(), &self.to_f32(), &rhs.to_f32(), |x, y| op.apply_f32(x, y))?)),
        }
    }

    /// `self op scalar`, or `scalar op self` when `scalar_first`. An integer tensor stays an integer
    /// tensor when the scalar is integral, except for division.
    pub fn binary_scalar(&self, op: BinaryOp, scalar: f64, scalar_first: bool) -> Storage {
        match self {
            Storage::I64(a) if op != BinaryOp::Div && scalar.fract() == 0.0 => {
                let s = scalar as i64;
                Storage::I64(a.mapv(|x| if scalar_first { op.apply_i64(s, x) } else { op.apply_i64(x, s) }))
            }
            _ => {
                let one = |x, y| op.apply_f32(x, y);
                let s = scalar as f32;
                let lanes = match self {
                    Storage::F32(a) => on_contiguous(a, |a| lanes::binary_scalar(lane_op(op), one, a, s, scalar_first)),
                    Storage::I64(_) => None,
                };
                Storage::F32(
                    lanes.unwrap_or_else(|| self.to_f32().mapv(|x| if scalar_first { one(s, x) } else { one(x, s) })),
                )
            }
        }
    }

    /// `f(x)` for every element, as floats.
    pub fn elementwise(&self, f: Elementwise) -> Storage {
        let lanes = match (f, self) {
            (Elementwise::Relu, Storage::F32(a)) => on_contiguous(a, |a| lanes::relu(a, |x| f.apply(x))),
            _ => None,
        };
        Storage::F32(lanes.unwrap_or_else(|| self.to_f32().mapv(|x| f.apply(x))))
    }

    /// `-x` for every element (integers wrap).
    pub fn neg(&self) -> Storage {
        match self {
            Storage::F32(a) => Storage::F32(a.mapv(|x| -x)),
            Storage::I64(a) => Storage::I64(a.mapv(|x| x.wrapping_neg())),
        }
    }

    /// `x ** exponent` for every element: integers stay integers (wrapping) for a whole, non-negative
    /// exponent, and become floats otherwise.
    pub fn pow(&self, exponent: f64) -> Storage {
        match self {
            Storage::I64(a) if exponent.fract() == 0.0 && exponent >= 0.0 => {
                let e = exponent as u32;
                Storage::I64(a.mapv(|x| x.wrapping_pow(e)))
            }
            _ => {
                let e = exponent as f32;
                Storage::F32(self.to_f32().mapv(|x| x.powf(e)))
            }
        }
    }

    /// The matrix product of two 2-D arrays; fails on another rank, inner sizes that differ, or a
    /// product past [`MAX_MM_WORK`](crate::limits::MAX_MM_WORK) multiply-adds.
    pub fn matmul(&self, rhs: &Storage) -> Result<Storage> {
        let as_matrix = |s: &Storage| -> Result<()> {
            if s.shape().len() == 2 {
                Ok(())
            } else {
                Err(Error::WrongRank { op: "mm".into(), expected: "a 2-D matrix".into(), shape: s.shape().to_vec() })
            }
        };
        as_matrix(self)?;
        as_matrix(rhs)?;
        let (n, k, m) = (self.shape()[0], self.shape()[1], rhs.shape()[1]);
        if k != rhs.shape()[0] {
            return Err(Error::shape("mm", self.shape(), rhs.shape()));
        }
        crate::limits::checked_elements(&[n, m])?;
        let work = (n as u64).saturating_mul(k as u64).saturating_mul(m as u64);
        if work > crate::limits::MAX_MM_WORK {
            return Err(crate::limits::exceeded("multiply-adds in one mm", crate::limits::MAX_MM_WORK, work));
        }
        match (self, rhs) {
            (Storage::I64(a), Storage::I64(b)) => {
                let (a, b) = (matrix(a)?, matrix(b)?);
                // Integer products wrap, as PyTorch's do; ndarray's `dot` would panic on overflow.
                let product = ndarray::Array2::from_shape_fn((n, m), |(i, j)| {
                    (0..k).fold(0i64, |sum, l| sum.wrapping_add(a[(i, l)].wrapping_mul(b[(l, j)])))
                });
                Ok(Storage::I64(product.into_dyn()))
            }
            _ => {
                // Each operand as it is stored when it holds floats: no copy before the product.
                let (a, b) = (self.floats(), rhs.floats());
                Ok(Storage::F32(gemm::matmul(matrix(&a)?, matrix(&b)?)?.into_dyn()))
            }
        }
    }

    /// The sum of every element, 0-dimensional (integers wrap).
    pub fn sum(&self) -> Storage {
        match self {
            Storage::F32(a) => Storage::F32(ArrayD::from_elem(IxDyn(&[]), a.sum())),
            Storage::I64(a) => {
                Storage::I64(ArrayD::from_elem(IxDyn(&[]), a.iter().fold(0i64, |s, &x| s.wrapping_add(x))))
            }
        }
    }

    /// The mean of every element as a 0-dimensional float; fails when there is none.
    pub fn mean(&self) -> Result<Storage> {
        if self.is_empty() {
            return Err(Error::Empty { what: "mean".into(), item: "element".into() });
        }
        let a = self.to_f32();
        Ok(Storage::F32(ArrayD::from_elem(IxDyn(&[]), a.sum() / a.len() as f32)))
    }

    /// Rows and columns swapped (`t()`); fails past two dimensions.
    pub fn transpose(&self) -> Result<Storage> {
        if self.shape().len() > 2 {
            return Err(Error::WrongRank {
                op: "t".into(),
                expected: "at most 2 dimensions".into(),
                shape: self.shape().to_vec(),
            });
        }
        Ok(match self {
            Storage::F32(a) => Storage::F32(a.t().to_owned()),
            Storage::I64(a) => Storage::I64(a.t().to_owned()),
        })
    }

    fn check_rows(&self, op: &str) -> Result<usize> {
        match self.shape().first() {
            Some(&n) => Ok(n),
            None => Err(Error::WrongRank { op: op.into(), expected: "at least 1 dimension".into(), shape: vec![] }),
        }
    }

    /// `t[index]`: the sub-tensor at `index` along dimension 0.
    pub fn select(&self, index: usize) -> Result<Storage> {
        let size = self.check_rows("index")?;
        if index >= size {
            return Err(Error::IndexOutOfRange { op: "index".into(), index, size });
        }
        Ok(match self {
            Storage::F32(a) => Storage::F32(a.index_axis(Axis(0), index).to_owned()),
            Storage::I64(a) => Storage::I64(a.index_axis(Axis(0), index).to_owned()),
        })
    }

    /// `t[start:end]` along dimension 0, clamped as Python slices are.
    pub fn rows(&self, start: usize, end: Option<usize>) -> Result<Storage> {
        let size = self.check_rows("slice")?;
        let end = end.unwrap_or(size).min(size);
        let start = start.min(end);
        let slice = ndarray::Slice::from(start..end);
        Ok(match self {
            Storage::F32(a) => Storage::F32(a.slice_axis(Axis(0), slice).to_owned()),
            Storage::I64(a) => Storage::I64(a.slice_axis(Axis(0), slice).to_owned()),
        })
    }

    /// Replaces the values in place with `new`, which must have the same shape; an integer tensor
    /// cannot take float values (PyTorch: "result type Float can't be cast to Long").
    pub fn assign(&mut self, op: &str, new: Storage) -> Result<()> {
        if new.shape() != self.shape() {
            return Err(Error::shape(op, self.shape(), new.shape()));
        }
        match (&mut *self, new) {
            (Storage::F32(a), new) => *a = new.to_f32(),
            (Storage::I64(a), Storage::I64(b)) => *a = b,
            (Storage::I64(_), Storage::F32(_)) => {
                return Err(Error::DtypeMismatch {
                    op: op.into(),
                    reason: "result type Float can't be cast to the desired output type Long".into(),
                })
            }
        }
        Ok(())
    }

    /// Zeros of the same shape and type.
    pub fn zeros_like(&self) -> Storage {
        match self {
            Storage::F32(a) => Storage::F32(ArrayD::zeros(a.raw_dim())),
            Storage::I64(a) => Storage::I64(ArrayD::zeros(a.raw_dim())),
        }
    }
}

/// A 2-D array seen as a matrix, without a copy (the caller checked its rank).
fn matrix<T>(a: &ArrayD<T>) -> Result<ArrayView2<'_, T>> {
    a.view().into_dimensionality::<Ix2>().map_err(|e| Error::internal(e.to_string()))
}

/// Row-wise softmax of a `[rows, classes]` array, each row shifted by its maximum first.
pub(super) fn softmax_rows(logits: &ArrayD<f32>, op: &str) -> Result<ndarray::Array2<f32>> {
    let matrix = logits.view().into_dimensionality::<ndarray::Ix2>().map_err(|_| Error::WrongRank {
        op: op.into(),
        expected: "2 dimensions (rows, classes)".into(),
        shape: logits.shape().to_vec(),
    })?;
    let mut probabilities = matrix.to_owned();
    for mut row in probabilities.axis_iter_mut(Axis(0)) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        row.mapv_inplace(|x| (x - max).exp());
        let sum: f32 = row.sum();
        row.mapv_inplace(|x| x / sum);
    }
    Ok(probabilities)
}
