//! Softmax cross-entropy over classes, as one op (PyTorch's `F.cross_entropy`, mean over rows):
//! the log-sum-exp taken after subtracting each row's maximum, so large logits never overflow,
//! and the gradient in closed form, `(softmax − one_hot) / rows`.

use std::rc::Rc;

use ndarray::{ArrayD, IxDyn};

use super::backprop::GradFn;
use super::storage::softmax_rows;
use super::{Storage, Tensor};
use crate::error::{Error, Result};

impl Tensor {
    /// The mean over rows of `−log softmax(row)[target]`, for logits `[rows, classes]` and one
    /// class index per row.
    pub fn cross_entropy(&self, targets: &[usize]) -> Result<Tensor> {
        let probabilities = softmax_rows(&self.node.storage.borrow().to_f32(), "cross_entropy")?;
        let (rows, classes) = probabilities.dim();
        if targets.len() != rows {
            return Err(Error::ShapeMismatch {
                op: "cross_entropy".into(),
                lhs: vec![rows, classes],
                rhs: vec![targets.len()],
            });
        }
        if rows == 0 {
            return Err(Error::Empty { what: "cross_entropy".into(), item: "row".into() });
        }
        let mut total = 0.0f64;
        for (row, &target) in targets.iter().enumerate() {
            let p = *probabilities.get((row, target)).ok_or(Error::IndexOutOfRange {
                op: "cross_entropy".into(),
                index: target,
                size: classes,
            })?;
            total -= f64::from(p.max(f32::MIN_POSITIVE)).ln();
        }
        let loss = Storage::F32(ArrayD::from_elem(IxDyn(&[]), (total / rows as f64) as f32));
        let targets: Rc<[usize]> = targets.into();
        Ok(Tensor::result(loss, &[self], || GradFn::CrossEntropy { logits: self.clone(), targets }))
    }

    /// [`Tensor::cross_entropy`] with the class indices held in a tensor (one per row, any shape
    /// of `rows` elements, whole numbers in `0..classes`), as a worker holds them: the target of
    /// the remote op `CrossEntropy` and of a plan's loss.
    pub fn cross_entropy_with(&self, targets: &Tensor) -> Result<Tensor> {
        let classes = self.shape().get(1).copied().unwrap_or(0);
        let values = targets.to_f32_vec();
        let indices = values
            .iter()
            .map(|&v| {
                let whole = v >= 0.0 && v.fract() == 0.0 && (v as usize) < classes;
                whole.then_some(v as usize).ok_or_else(|| Error::DtypeMismatch {
                    op: "cross_entropy".into(),
                    reason: format!("targets must be class indices 0..{classes}, found {v}"),
                })
            })
            .collect::<Result<Vec<usize>>>()?;
        self.cross_entropy(&indices)
    }

    /// Each row's softmax: probabilities over the classes (`[rows, classes]`).
    pub fn softmax(&self) -> Result<Tensor> {
        let probabilities = softmax_rows(&self.node.storage.borrow().to_f32(), "softmax")?;
        Ok(Tensor::from_storage(Storage::F32(probabilities.into_dyn())))
    }
}
