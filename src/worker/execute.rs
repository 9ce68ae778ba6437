//! Evaluating a remote op on local tensors, and renaming its operands when it is forwarded along
//! a pointer chain.

use crate::error::{Error, Result};
use crate::privacy::mechanisms;
use crate::protocol::{InPlaceOp, ObjectId, Op, Operand};
use crate::tensor::Tensor;

/// `tensors` are the op's inputs, in the order of [`Op::inputs`].
pub(super) fn op(op: &Op, tensors: &[Tensor]) -> Result<Tensor> {
    let first = tensors.first().ok_or_else(|| Error::malformed("an op without operands"))?;
    let second = || tensors.get(1).ok_or_else(|| Error::malformed("a binary op without its right operand"));
    match *op {
        Op::Binary { op, rhs: Operand::Scalar(scalar), .. } => first.binary(op, scalar),
        Op::Binary { op, rhs: Operand::Object(_), .. } => first.binary(op, second()?),
        Op::Mm { .. } => first.mm(second()?),
        Op::Neg { .. } => Ok(first.neg()),
        Op::Pow { exponent, .. } => Ok(first.pow(exponent)),
        Op::Sum { .. } => Ok(first.sum()),
        Op::Mean { .. } => first.mean(),
        Op::T { .. } => first.t(),
        Op::Select { index, .. } => first.select(index),
        Op::Rows { start, end, .. } => first.rows(start, end),
        Op::Clone { .. } => Ok(first.deep_clone()),
        Op::Data { .. } => Ok(first.data()),
        Op::Grad { .. } => first.grad().ok_or(Error::NoGradient),
        Op::FixPrecision { scale, .. } => mechanisms::fix_precision(first, scale),
        Op::FloorDiv { divisor, .. } => mechanisms::floor_div(first, divisor),
        Op::ClipNorm { max_norm, .. } => mechanisms::clip_norm(first, max_norm),
        Op::GaussianNoise { std, .. } => mechanisms::gaussian_noise(first, std),
    }
}

pub(super) fn in_place(op: &InPlaceOp, tensors: &[Tensor]) -> Result<()> {
    let target = tensors.first().ok_or_else(|| Error::malformed("an in-place op without a target"))?;
    match *op {
        InPlaceOp::Binary { op, rhs: Operand::Scalar(scalar), .. } => target.binary_(op, scalar),
        InPlaceOp::Binary { op, rhs: Operand::Object(_), .. } => {
            let rhs = tensors.get(1).ok_or_else(|| Error::malformed("an in-place op without its operand"))?;
            target.binary_(op, rhs)
        }
        InPlaceOp::Zero { .. } => target.zero_(),
    }
}

/// The same op over other ids (`ids` in the order of [`Op::inputs`]).
pub(super) fn rename(op: &Op, ids: &[ObjectId]) -> Op {
    let mut renamed = op.clone();
    renamed.inputs_mut().into_iter().zip(ids).for_each(|(slot, id)| *slot = *id);
    renamed
}

pub(super) fn rename_in_place(op: &InPlaceOp, ids: &[ObjectId]) -> InPlaceOp {
    let mut renamed = op.clone();
    renamed.inputs_mut().into_iter().zip(ids).for_each(|(slot, id)| *slot = *id);
    renamed
}
