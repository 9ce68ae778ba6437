//! Evaluating a remote op on local tensors, and renaming its operands when it is forwarded along
//! a pointer chain.

use crate::error::{Error, Result};
use crate::protocol::{InPlaceOp, ObjectId, Op, Operand};
use crate::tensor::Tensor;

/// `tensors` are the op's inputs, in the order of [`Op::inputs`].
pub(super) fn op(op: &Op, tensors: &[Tensor]) -> Result<Tensor> {
    op.evaluate(tensors)
}

pub(super) fn in_place(op: &InPlaceOp, tensors: &[Tensor]) -> Result<()> {
    let target = tensors.first().ok_or_else(|| Error::internal("an in-place op evaluated without its target"))?;
    match *op {
        InPlaceOp::Binary { op, rhs: Operand::Scalar(scalar), .. } => target.binary_(op, scalar),
        InPlaceOp::Binary { op, rhs: Operand::Object(_), .. } => {
            let rhs = tensors.get(1).ok_or_else(|| Error::internal("an in-place op evaluated without its operand"))?;
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
