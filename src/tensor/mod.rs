//! Tensors: n-dimensional `f32` or `i64` values with PyTorch's reverse-mode autograd.
//!
//! A [`Tensor`] is a cheap handle (`Rc`) to a node: shared storage, a `requires_grad` flag, an
//! accumulated `.grad`, and the record of the op that made it (`grad_fn`). `.data()` and
//! `.detach()` share the storage but not the history, so `w.data().sub_(..)` updates `w` in place
//! exactly as `weights.data.sub_(...)` does in the seed.

#![warn(missing_docs)]

mod backprop;
mod display;
mod gemm;
mod lanes;
mod loss;
mod op_list;
mod ops;
mod shape_ops;
mod storage;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ndarray::{ArrayD, IxDyn};

use crate::error::{Error, Result};
pub(crate) use backprop::GradFn;
pub(crate) use op_list::{binary_functions, elementwise_functions};
pub use op_list::{BinaryOp, Elementwise};
pub(crate) use ops::binary_operators;
pub use ops::Rhs;
pub use storage::{broadcast_shape, DType, Storage};

thread_local! {
    static NEXT_NODE_ID: Cell<u64> = const { Cell::new(1) };
}

fn next_node_id() -> u64 {
    NEXT_NODE_ID.with(|next| {
        let id = next.get();
        next.set(id + 1);
        id
    })
}

/// `th.tensor(...)`: a handle on values and their autograd history. Cloning the handle shares
/// everything (as assigning a tensor does in Python); [`Tensor::deep_clone`] copies the values.
///
/// ```
/// use minisyft::Tensor;
///
/// let x = Tensor::from([1., 2., 3.]).requiring_grad()?;
/// let y = x.mul(&x)?.sum();
/// y.backward()?;
/// assert_eq!(x.grad().unwrap().to_f32_vec(), vec![2., 4., 6.]);
/// assert_eq!(Tensor::from([[1, 2], [3, 4]]).shape(), vec![2, 2]);
/// # Ok::<(), minisyft::Error>(())
/// ```
#[derive(Clone)]
pub struct Tensor {
    node: Rc<Node>,
}

struct Node {
    /// Identity for autograd bookkeeping (gradients are stored by it during backward).
    id: u64,
    storage: Rc<RefCell<Storage>>,
    requires_grad: Cell<bool>,
    grad: RefCell<Option<Tensor>>,
    grad_fn: Option<GradFn>,
    /// Elements this node keeps alive: its own and, through `grad_fn`, its history's (shared
    /// history counted once per path, so this bounds memory from above).
    graph_elements: u64,
}

/// Dropping a long history one node at a time: the default drop would recurse once per op and a
/// chain of a few hundred thousand ops (one message each) would overflow the stack.
impl Drop for Node {
    fn drop(&mut self) {
        let Some(grad_fn) = self.grad_fn.take() else { return };
        let mut pending = grad_fn.into_inputs();
        while let Some(tensor) = pending.pop() {
            if let Ok(mut node) = Rc::try_unwrap(tensor.node) {
                if let Some(grad_fn) = node.grad_fn.take() {
                    pending.extend(grad_fn.into_inputs());
                }
            }
        }
    }
}

impl Tensor {
    pub(crate) fn from_storage(storage: Storage) -> Tensor {
        Tensor::with_history(storage, None)
    }

    fn with_history(storage: Storage, grad_fn: Option<GradFn>) -> Tensor {
        let requires_grad = grad_fn.is_some();
        let own = storage.len() as u64;
        let history: u64 = grad_fn
            .as_ref()
            .map_or(0, |g| g.inputs().iter().fold(0u64, |sum, input| sum.saturating_add(input.graph_elements())));
        Tensor {
            node: Rc::new(Node {
                id: next_node_id(),
                storage: Rc::new(RefCell::new(storage)),
                requires_grad: Cell::new(requires_grad),
                grad: RefCell::new(None),
                grad_fn,
                graph_elements: own.saturating_add(history),
            }),
        }
    }

    /// A float tensor of `shape` from values in row-major order.
    pub fn from_f32(shape: &[usize], values: Vec<f32>) -> Result<Tensor> {
        let expected = crate::limits::checked_elements(shape)?;
        let got = values.len();
        ArrayD::from_shape_vec(IxDyn(shape), values)
            .map(|a| Tensor::from_storage(Storage::F32(a)))
            .map_err(|_| Error::BadLiteral { shape: shape.to_vec(), expected, got })
    }

    /// An integer tensor of `shape` from values in row-major order.
    pub fn from_i64(shape: &[usize], values: Vec<i64>) -> Result<Tensor> {
        let expected = crate::limits::checked_elements(shape)?;
        let got = values.len();
        ArrayD::from_shape_vec(IxDyn(shape), values)
            .map(|a| Tensor::from_storage(Storage::I64(a)))
            .map_err(|_| Error::BadLiteral { shape: shape.to_vec(), expected, got })
    }

    /// Elements this tensor keeps alive, its autograd history included (an upper bound: history
    /// shared by several paths is counted once per path).
    pub fn graph_elements(&self) -> u64 {
        self.node.graph_elements
    }

    /// A 0-dimensional float tensor, like `th.tensor(2.)`.
    pub fn scalar(value: f32) -> Tensor {
        Tensor::from_storage(Storage::F32(ArrayD::from_elem(IxDyn(&[]), value)))
    }

    /// `th.zeros(shape)`: a float tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::from_storage(Storage::F32(ArrayD::zeros(IxDyn(shape))))
    }

    /// Marks this tensor as a leaf whose gradient `backward` accumulates, like
    /// `th.tensor(..., requires_grad=True)`. Integer tensors cannot require grad.
    pub fn requiring_grad(self) -> Result<Tensor> {
        self.set_requires_grad(true)?;
        Ok(self)
    }

    /// `x.requires_grad = ...` (every clone of the handle sees it); fails with
    /// [`Error::IntegerRequiresGrad`] for an integer tensor.
    pub fn set_requires_grad(&self, requires_grad: bool) -> Result<()> {
        if requires_grad && self.dtype() != DType::Float32 {
            return Err(Error::IntegerRequiresGrad { dtype: self.dtype().to_string() });
        }
        self.node.requires_grad.set(requires_grad);
        Ok(())
    }

    /// Whether ops on this tensor record history for `backward`.
    pub fn requires_grad(&self) -> bool {
        self.node.requires_grad.get()
    }

    /// True for tensors made by the user rather than by an op (PyTorch's `is_leaf`).
    pub fn is_leaf(&self) -> bool {
        self.node.grad_fn.is_none()
    }

    /// The op that made this tensor, when it was made from a tensor that requires grad.
    pub(crate) fn grad_fn(&self) -> Option<&GradFn> {
        self.node.grad_fn.as_ref()
    }

    /// The accumulated gradient; it shares storage with the tensor's own, so `grad.mul_(0.)` clears it.
    pub fn grad(&self) -> Option<Tensor> {
        self.node.grad.borrow().clone()
    }

    /// Replaces `.grad` (`None` forgets it), as assigning `x.grad` does.
    pub fn set_grad(&self, grad: Option<Tensor>) {
        *self.node.grad.borrow_mut() = grad;
    }

    /// The same storage without history or gradient (`tensor.data`).
    pub fn data(&self) -> Tensor {
        Tensor {
            node: Rc::new(Node {
                id: next_node_id(),
                storage: Rc::clone(&self.node.storage),
                requires_grad: Cell::new(false),
                grad: RefCell::new(None),
                grad_fn: None,
                graph_elements: self.numel() as u64,
            }),
        }
    }

    /// Same as [`Tensor::data`]: PyTorch's `detach()` also shares storage.
    pub fn detach(&self) -> Tensor {
        self.data()
    }

    /// The size of each dimension (`x.shape`); empty for a 0-dimensional tensor.
    pub fn shape(&self) -> Vec<usize> {
        self.node.storage.borrow().shape().to_vec()
    }

    /// `torch.float32` or `torch.int64`.
    pub fn dtype(&self) -> DType {
        self.node.storage.borrow().dtype()
    }

    /// The number of elements, PyTorch's `numel()`.
    pub fn numel(&self) -> usize {
        self.node.storage.borrow().len()
    }

    /// The storage itself when nothing else holds this tensor or shares its storage (no copy);
    /// the tensor back otherwise.
    pub fn into_storage(self) -> std::result::Result<Storage, Tensor> {
        let alone = |count: usize, weak: usize| count == 1 && weak == 0;
        if !alone(Rc::strong_count(&self.node), Rc::weak_count(&self.node))
            || !alone(Rc::strong_count(&self.node.storage), Rc::weak_count(&self.node.storage))
        {
            return Err(self);
        }
        let empty = Storage::F32(ndarray::ArrayD::zeros(ndarray::IxDyn(&[0])));
        Ok(self.node.storage.replace(empty))
    }

    /// Lends the values to `f` without copying them.
    pub fn with_storage<R>(&self, f: impl FnOnce(&Storage) -> R) -> R {
        f(&self.node.storage.borrow())
    }

    /// The values as `f32`, row-major (integers converted).
    pub fn to_f32_vec(&self) -> Vec<f32> {
        self.node.storage.borrow().to_f32().iter().copied().collect()
    }

    /// The value of a one-element tensor, as PyTorch's `item()`.
    pub fn item(&self) -> Result<f64> {
        let storage = self.node.storage.borrow();
        if storage.len() != 1 {
            return Err(Error::WrongRank {
                op: "item".into(),
                expected: "exactly one element".into(),
                shape: storage.shape().to_vec(),
            });
        }
        Ok(match &*storage {
            Storage::F32(a) => a.iter().next().copied().unwrap_or_default() as f64,
            Storage::I64(a) => a.iter().next().copied().unwrap_or_default() as f64,
        })
    }

    /// True when both handles share one storage (e.g. `w` and `w.data()`).
    pub fn shares_storage_with(&self, other: &Tensor) -> bool {
        Rc::ptr_eq(&self.node.storage, &other.node.storage)
    }

    fn node_id(&self) -> u64 {
        self.node.id
    }
}

/// Literal constructors: `Tensor::from([1, 2, 3])` is an integer tensor, `Tensor::from([1., 2.])`
/// a float tensor, and nested arrays make matrices.
macro_rules! literal_impls {
    ($($elem:ty => $ctor:ident as $target:ty),*) => {$(
        impl<const N: usize> From<[$elem; N]> for Tensor {
            fn from(values: [$elem; N]) -> Tensor {
                let data = ArrayD::from_shape_fn(IxDyn(&[N]), |i| values[i[0]] as $target);
                Tensor::from_storage(Storage::$ctor(data))
            }
        }
        impl<const R: usize, const C: usize> From<[[$elem; C]; R]> for Tensor {
            fn from(values: [[$elem; C]; R]) -> Tensor {
                let data = ArrayD::from_shape_fn(IxDyn(&[R, C]), |i| values[i[0]][i[1]] as $target);
                Tensor::from_storage(Storage::$ctor(data))
            }
        }
    )*};
}
literal_impls!(i32 => I64 as i64, i64 => I64 as i64, f32 => F32 as f32, f64 => F32 as f32);

impl PartialEq for Tensor {
    /// Equal values, shape and dtype (not identity: use `shares_storage_with` for that).
    fn eq(&self, other: &Tensor) -> bool {
        *self.node.storage.borrow() == *other.node.storage.borrow()
    }
}
