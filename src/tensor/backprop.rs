//! Reverse-mode autograd in one file: a topological sort of the graph below the output, then one
//! sweep from the output back to the leaves with gradients stored by node id. Only leaves that
//! require grad keep a `.grad`, as in PyTorch.

use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, Axis, Ix2, IxDyn, Slice};

use super::gemm;
use super::storage::zip_broadcast;
use super::{BinaryOp, Elementwise, Storage, Tensor};
use crate::error::{Error, Result};

/// How a tensor was computed: the op and the inputs its gradient needs.
#[derive(Clone)]
pub(crate) enum GradFn {
    Binary {
        op: BinaryOp,
        lhs: Tensor,
        rhs: Tensor,
    },
    Scalar {
        op: BinaryOp,
        input: Tensor,
        scalar: f32,
        scalar_first: bool,
    },
    Neg {
        input: Tensor,
    },
    Pow {
        input: Tensor,
        exponent: f32,
    },
    MatMul {
        lhs: Tensor,
        rhs: Tensor,
    },
    Sum {
        input: Tensor,
    },
    Mean {
        input: Tensor,
    },
    Transpose {
        input: Tensor,
    },
    Select {
        input: Tensor,
        dim: usize,
        index: usize,
    },
    Reshape {
        input: Tensor,
    },
    /// Each result came from `positions[i]` along `dim` of its lane.
    MaxDim {
        input: Tensor,
        dim: usize,
        positions: Vec<usize>,
    },
    /// Softmax cross-entropy of `[rows, classes]` logits against one class per row.
    CrossEntropy {
        logits: Tensor,
        targets: std::rc::Rc<[usize]>,
    },
    Rows {
        input: Tensor,
        start: usize,
        end: Option<usize>,
    },
    Clone {
        input: Tensor,
    },
    Elementwise {
        function: Elementwise,
        input: Tensor,
    },
}

impl GradFn {
    /// PyTorch's name for the node, shown as `grad_fn=<AddBackward0>`.
    pub fn name(&self) -> &'static str {
        match self {
            // PyTorch names `2 - x` apart (it is `x.rsub(2)` there).
            GradFn::Scalar { op: BinaryOp::Sub, scalar_first: true, .. } => "RsubBackward1",
            GradFn::Binary { op, .. } | GradFn::Scalar { op, .. } => op.backward_name(),
            GradFn::Neg { .. } => "NegBackward0",
            GradFn::Pow { .. } => "PowBackward0",
            GradFn::MatMul { .. } => "MmBackward0",
            GradFn::Sum { .. } => "SumBackward0",
            GradFn::Mean { .. } => "MeanBackward0",
            GradFn::Transpose { .. } => "TBackward0",
            GradFn::Select { .. } => "SelectBackward0",
            GradFn::Reshape { .. } => "ViewBackward0",
            GradFn::MaxDim { .. } => "MaxBackward0",
            GradFn::CrossEntropy { .. } => "NllLossBackward0",
            GradFn::Rows { .. } => "SliceBackward0",
            GradFn::Clone { .. } => "CloneBackward0",
            GradFn::Elementwise { function, .. } => function.backward_name(),
        }
    }

    /// The inputs, given up (for dropping a long history without recursion: the handles returned
    /// are then the only ones left).
    pub(super) fn into_inputs(self) -> Vec<Tensor> {
        self.inputs().into_iter().cloned().collect()
    }

    pub(super) fn inputs(&self) -> Vec<&Tensor> {
        match self {
            GradFn::Binary { lhs, rhs, .. } | GradFn::MatMul { lhs, rhs } => vec![lhs, rhs],
            GradFn::Scalar { input, .. }
            | GradFn::Neg { input }
            | GradFn::Pow { input, .. }
            | GradFn::Sum { input }
            | GradFn::Mean { input }
            | GradFn::Transpose { input }
            | GradFn::Select { input, .. }
            | GradFn::Reshape { input }
            | GradFn::MaxDim { input, .. }
            | GradFn::CrossEntropy { logits: input, .. }
            | GradFn::Rows { input, .. }
            | GradFn::Clone { input }
            | GradFn::Elementwise { input, .. } => vec![input],
        }
    }

    /// The gradient with respect to each input, given the gradient of the output.
    fn input_grads(&self, grad: &ArrayD<f32>) -> Result<Vec<(&Tensor, ArrayD<f32>)>> {
        let values = |t: &Tensor| t.node.storage.borrow().to_f32();
        Ok(match self {
            GradFn::Binary { op, lhs, rhs } => {
                let (l, r) = (values(lhs), values(rhs));
                let (dl, dr) = derivatives(*op, grad, &l, &r)?;
                vec![
                    (lhs, reduce_to_shape(dl, lhs.node.storage.borrow().shape())),
                    (rhs, reduce_to_shape(dr, rhs.node.storage.borrow().shape())),
                ]
            }
            GradFn::Scalar { op, input, scalar, scalar_first } => {
                let s = *scalar;
                // d(x op s)/dx is the derivative by the left operand; d(s op x)/dx by the right.
                let x = values(input);
                let g = if *scalar_first {
                    times(grad, &x, |g, x| op.derivatives(g, s, x).1)?
                } else {
                    times(grad, &x, |g, x| op.derivatives(g, x, s).0)?
                };
                vec![(input, g)]
            }
            GradFn::Neg { input } => vec![(input, grad.mapv(|g| -g))],
            GradFn::Pow { input, exponent } => {
                let e = *exponent;
                vec![(input, times(grad, &values(input), move |g, x| g * e * x.powf(e - 1.0))?)]
            }
            GradFn::MatMul { lhs, rhs } => {
                let matrix =
                    |a: ArrayD<f32>| a.into_dimensionality::<Ix2>().map_err(|e| Error::internal(e.to_string()));
                let g = matrix(grad.clone())?;
                let dl = gemm::matmul(g.view(), matrix(values(rhs))?.t())?.into_dyn();
                let dr = gemm::matmul(matrix(values(lhs))?.t(), g.view())?.into_dyn();
                vec![(lhs, dl), (rhs, dr)]
            }
            GradFn::Sum { input } => vec![(input, broadcast_scalar(grad, input, 1.0))],
            GradFn::Mean { input } => {
                let n = input.numel().max(1) as f32;
                vec![(input, broadcast_scalar(grad, input, 1.0 / n))]
            }
            GradFn::Transpose { input } => vec![(input, grad.t().to_owned())],
            GradFn::Select { input, dim, index } => {
                let mut full = ArrayD::zeros(IxDyn(input.node.storage.borrow().shape()));
                full.index_axis_mut(Axis(*dim), *index).assign(grad);
                vec![(input, full)]
            }
            GradFn::Reshape { input } => {
                let shape = input.node.storage.borrow().shape().to_vec();
                let full = ArrayD::from_shape_vec(IxDyn(&shape), grad.iter().copied().collect())
                    .map_err(|e| Error::internal(e.to_string()))?;
                vec![(input, full)]
            }
            GradFn::MaxDim { input, dim, positions } => {
                let mut full: ArrayD<f32> = ArrayD::zeros(IxDyn(input.node.storage.borrow().shape()));
                for ((mut lane, &g), &at) in full.lanes_mut(Axis(*dim)).into_iter().zip(grad.iter()).zip(positions) {
                    if let Some(slot) = lane.get_mut(at) {
                        *slot += g;
                    }
                }
                vec![(input, full)]
            }
            GradFn::Rows { input, start, end } => {
                let shape = input.node.storage.borrow().shape().to_vec();
                let size = shape.first().copied().unwrap_or(0);
                let end = end.unwrap_or(size).min(size);
                let start = (*start).min(end);
                let mut full = ArrayD::zeros(IxDyn(&shape));
                full.slice_axis_mut(Axis(0), Slice::from(start..end)).assign(grad);
                vec![(input, full)]
            }
            GradFn::CrossEntropy { logits, targets } => {
                let mut d = super::storage::softmax_rows(&values(logits), "cross_entropy")?;
                let rows = d.nrows().max(1) as f32;
                let g = grad.iter().next().copied().unwrap_or(0.0);
                for (row, &target) in targets.iter().enumerate() {
                    if let Some(p) = d.get_mut((row, target)) {
                        *p -= 1.0;
                    }
                }
                vec![(logits, d.mapv(|x| x * g / rows).into_dyn())]
            }
            GradFn::Clone { input } => vec![(input, grad.clone())],
            GradFn::Elementwise { function, input } => {
                let f = *function;
                let local = values(input).mapv(|x| f.derivative(x, f.apply(x)));
                vec![(input, times(grad, &local, |g, d| g * d)?)]
            }
        })
    }
}

fn times(a: &ArrayD<f32>, b: &ArrayD<f32>, f: impl Fn(f32, f32) -> f32) -> Result<ArrayD<f32>> {
    zip_broadcast("backward", a, b, f)
}

/// The gradients by `l` and by `r` of `l op r` (broadcast to `grad`'s shape), from the op's own
/// derivatives in the list.
fn derivatives(
    op: BinaryOp,
    grad: &ArrayD<f32>,
    l: &ArrayD<f32>,
    r: &ArrayD<f32>,
) -> Result<(ArrayD<f32>, ArrayD<f32>)> {
    let shape = grad.raw_dim();
    let (Some(l), Some(r)) = (l.broadcast(shape.clone()), r.broadcast(shape)) else {
        return Err(Error::shape("backward", l.shape(), r.shape()));
    };
    let mut by_l = ArrayD::zeros(grad.raw_dim());
    let mut by_r = ArrayD::zeros(grad.raw_dim());
    ndarray::Zip::from(&mut by_l).and(&mut by_r).and(grad).and(&l).and(&r).for_each(|dl, dr, &g, &a, &b| {
        (*dl, *dr) = op.derivatives(g, a, b);
    });
    Ok((by_l, by_r))
}

fn broadcast_scalar(grad: &ArrayD<f32>, input: &Tensor, factor: f32) -> ArrayD<f32> {
    let g = grad.iter().next().copied().unwrap_or(0.0) * factor;
    ArrayD::from_elem(IxDyn(input.node.storage.borrow().shape()), g)
}

/// Sums a broadcast gradient back down to the shape of the operand it flowed from.
fn reduce_to_shape(mut grad: ArrayD<f32>, shape: &[usize]) -> ArrayD<f32> {
    while grad.ndim() > shape.len() {
        grad = grad.sum_axis(Axis(0));
    }
    for (axis, &size) in shape.iter().enumerate() {
        if size == 1 && grad.shape()[axis] != 1 {
            grad = grad.sum_axis(Axis(axis)).insert_axis(Axis(axis));
        }
    }
    grad
}

/// Every node below `root`, each after all of its inputs.
fn topological_order(root: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut visited = HashSet::new();
    // (node, inputs already pushed): a node is emitted on its second visit, after its inputs.
    let mut stack = vec![(root.clone(), false)];
    while let Some((node, expanded)) = stack.pop() {
        if expanded {
            order.push(node);
            continue;
        }
        if !visited.insert(node.node_id()) {
            continue;
        }
        stack.push((node.clone(), true));
        if let Some(grad_fn) = node.grad_fn() {
            for input in grad_fn.inputs() {
                if input.requires_grad() && !visited.contains(&input.node_id()) {
                    stack.push((input.clone(), false));
                }
            }
        }
    }
    order
}

impl Tensor {
    /// Accumulates d(self)/d(leaf) into the `.grad` of every leaf that requires grad.
    /// `self` must be a one-element tensor that requires grad.
    pub fn backward(&self) -> Result<()> {
        if !self.requires_grad() {
            return Err(Error::BackwardWithoutGraph);
        }
        if self.numel() != 1 {
            return Err(Error::BackwardOfNonScalar { shape: self.shape() });
        }
        let mut grads: HashMap<u64, ArrayD<f32>> = HashMap::new();
        grads.insert(self.node_id(), ArrayD::ones(IxDyn(&self.shape())));
        for node in topological_order(self).iter().rev() {
            let Some(grad) = grads.remove(&node.node_id()) else {
                continue;
            };
            let Some(grad_fn) = node.grad_fn() else {
                node.accumulate_grad(grad)?;
                continue;
            };
            for (input, input_grad) in grad_fn.input_grads(&grad)? {
                if !input.requires_grad() {
                    continue;
                }
                match grads.get_mut(&input.node_id()) {
                    Some(sum) => *sum += &input_grad,
                    None => {
                        grads.insert(input.node_id(), input_grad);
                    }
                }
            }
        }
        Ok(())
    }

    fn accumulate_grad(&self, grad: ArrayD<f32>) -> Result<()> {
        match self.grad() {
            Some(existing) => {
                let sum = existing.node.storage.borrow().binary(BinaryOp::Add, &Storage::F32(grad))?;
                existing.node.storage.borrow_mut().assign("accumulate grad", sum)
            }
            None => {
                self.set_grad(Some(Tensor::from_storage(Storage::F32(grad))));
                Ok(())
            }
        }
    }
}
