//! The tensor operations. Each computes its value with a [`Storage`] kernel and, when any input
//! requires grad, records the [`GradFn`] that `backward` replays.

use super::{BinaryOp, Elementwise, GradFn, Storage, Tensor};
use crate::error::{Error, Result};

/// The right-hand side of an elementwise op: another tensor or a Python-style scalar.
#[derive(Clone, Copy)]
pub enum Rhs<'a> {
    /// Broadcast against the left-hand side.
    Tensor(&'a Tensor),
    /// Applied to every element; it keeps an integer tensor integer when it is integral (except `/`).
    Scalar(f64),
}

impl<'a> From<&'a Tensor> for Rhs<'a> {
    fn from(tensor: &'a Tensor) -> Self {
        Rhs::Tensor(tensor)
    }
}

impl From<f64> for Rhs<'_> {
    fn from(value: f64) -> Self {
        Rhs::Scalar(value)
    }
}

impl From<i32> for Rhs<'_> {
    fn from(value: i32) -> Self {
        Rhs::Scalar(value.into())
    }
}

impl From<i64> for Rhs<'_> {
    fn from(value: i64) -> Self {
        Rhs::Scalar(value as f64)
    }
}

impl Tensor {
    pub(super) fn result(storage: Storage, inputs: &[&Tensor], grad_fn: impl FnOnce() -> GradFn) -> Tensor {
        let history = inputs.iter().any(|t| t.requires_grad()).then(grad_fn);
        Tensor::with_history(storage, history)
    }

    /// `self op rhs` for any [`BinaryOp`], with broadcasting; fails when the shapes do not broadcast.
    /// The named methods (`add`, `mul`, ...) and operators (`&a + &b`) call this.
    pub fn binary<'a>(&self, op: BinaryOp, rhs: impl Into<Rhs<'a>>) -> Result<Tensor> {
        match rhs.into() {
            Rhs::Tensor(rhs) => {
                let value = self.node.storage.borrow().binary(op, &rhs.node.storage.borrow())?;
                Ok(Tensor::result(value, &[self, rhs], || GradFn::Binary { op, lhs: self.clone(), rhs: rhs.clone() }))
            }
            Rhs::Scalar(scalar) => Ok(self.binary_scalar(op, scalar, false)),
        }
    }

    /// `scalar op self` when `scalar_first`, e.g. `1 - x`.
    pub fn binary_scalar(&self, op: BinaryOp, scalar: f64, scalar_first: bool) -> Tensor {
        let value = self.node.storage.borrow().binary_scalar(op, scalar, scalar_first);
        Tensor::result(value, &[self], || GradFn::Scalar {
            op,
            input: self.clone(),
            scalar: scalar as f32,
            scalar_first,
        })
    }

    /// `-x`, elementwise (integers wrap).
    pub fn neg(&self) -> Tensor {
        let value = self.node.storage.borrow().neg();
        Tensor::result(value, &[self], || GradFn::Neg { input: self.clone() })
    }

    /// `f(self)` elementwise (`tanh`, `relu`, `sigmoid`, `log`, `exp`).
    pub fn elementwise(&self, f: Elementwise) -> Tensor {
        let value = self.node.storage.borrow().elementwise(f);
        Tensor::result(value, &[self], || GradFn::Elementwise { function: f, input: self.clone() })
    }

    /// `self ** exponent` for a scalar exponent.
    pub fn pow(&self, exponent: f64) -> Tensor {
        let value = self.node.storage.borrow().pow(exponent);
        Tensor::result(value, &[self], || GradFn::Pow { input: self.clone(), exponent: exponent as f32 })
    }

    /// Matrix product of two 2-D tensors.
    pub fn mm(&self, rhs: &Tensor) -> Result<Tensor> {
        let value = self.node.storage.borrow().matmul(&rhs.node.storage.borrow())?;
        Ok(Tensor::result(value, &[self, rhs], || GradFn::MatMul { lhs: self.clone(), rhs: rhs.clone() }))
    }

    /// Sum of every element, as a 0-dimensional tensor (integers stay integers).
    pub fn sum(&self) -> Tensor {
        let value = self.node.storage.borrow().sum();
        Tensor::result(value, &[self], || GradFn::Sum { input: self.clone() })
    }

    /// Mean of every element, as a 0-dimensional float tensor; fails on an empty tensor.
    pub fn mean(&self) -> Result<Tensor> {
        let value = self.node.storage.borrow().mean()?;
        Ok(Tensor::result(value, &[self], || GradFn::Mean { input: self.clone() }))
    }

    /// Transpose of a tensor with at most two dimensions (PyTorch's `t()`).
    pub fn t(&self) -> Result<Tensor> {
        let value = self.node.storage.borrow().transpose()?;
        Ok(Tensor::result(value, &[self], || GradFn::Transpose { input: self.clone() }))
    }

    /// `self[index]` along dimension 0.
    pub fn select(&self, index: usize) -> Result<Tensor> {
        let value = self.node.storage.borrow().select(index)?;
        Ok(Tensor::result(value, &[self], || GradFn::Select { input: self.clone(), dim: 0, index }))
    }

    /// `self[start:end]` along dimension 0 (`end: None` is `self[start:]`).
    pub fn rows(&self, start: usize, end: Option<usize>) -> Result<Tensor> {
        let value = self.node.storage.borrow().rows(start, end)?;
        Ok(Tensor::result(value, &[self], || GradFn::Rows { input: self.clone(), start, end }))
    }

    /// A copy with its own storage that still carries gradients back (`clone()`).
    pub fn deep_clone(&self) -> Tensor {
        let value = self.node.storage.borrow().clone();
        Tensor::result(value, &[self], || GradFn::Clone { input: self.clone() })
    }

    fn check_in_place(&self, op: &str) -> Result<()> {
        if self.requires_grad() {
            return Err(Error::InPlaceOnTensorRequiringGrad { op: op.to_owned() });
        }
        Ok(())
    }

    /// `self op= rhs`, in place. The result must keep `self`'s shape and dtype.
    pub fn binary_<'a>(&self, op: BinaryOp, rhs: impl Into<Rhs<'a>>) -> Result<()> {
        let name = format!("{}_", op.name());
        self.check_in_place(&name)?;
        let new = match rhs.into() {
            Rhs::Tensor(rhs) => self.node.storage.borrow().binary(op, &rhs.node.storage.borrow())?,
            Rhs::Scalar(scalar) => self.node.storage.borrow().binary_scalar(op, scalar, false),
        };
        self.node.storage.borrow_mut().assign(&name, new)
    }

    /// Sets every element to zero in place (refused on a tensor that requires grad: use `.data()`).
    pub fn zero_(&self) -> Result<()> {
        self.check_in_place("zero_")?;
        let zeros = self.node.storage.borrow().zeros_like();
        *self.node.storage.borrow_mut() = zeros;
        Ok(())
    }

    /// Replaces this tensor's values (and shape) with a copy of `source`'s, in place.
    pub fn set_(&self, source: &Tensor) -> Result<()> {
        self.check_in_place("set_")?;
        let values = source.node.storage.borrow().clone();
        *self.node.storage.borrow_mut() = values;
        Ok(())
    }
}

/// `tensor.tanh()`, …: each elementwise function of the list as a method.
macro_rules! elementwise_tensor_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $backward:literal |$x:ident, $y:ident| $value:expr, $derivative:expr; )*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> Tensor {
                    self.elementwise(Elementwise::$variant)
                }
            )*
        }
    };
}

super::elementwise_functions!(elementwise_tensor_methods);

/// `&a + &b`, `&a * 2.0`, `&a - 1`, …: a type's binary methods as operators, with the result a
/// `Result` (shapes may not fit, operands may be on different workers), as candle's are. One list
/// for tensors and pointers: `binary_operators!(Type, OperandType, Output)`.
macro_rules! binary_operators {
    ($self_ty:ty, $rhs:ident, $output:ty) => {
        $crate::tensor::binary_operators!(@each $self_ty, $rhs, $output; Add add Add, Sub sub Sub, Mul mul Mul, Div div Div);
    };
    (@each $self_ty:ty, $rhs:ident, $output:ty; $( $trait:ident $method:ident $op:ident ),*) => {
        $(
            impl<'b, R: Into<$rhs<'b>>> std::ops::$trait<R> for &$self_ty {
                type Output = $output;

                fn $method(self, rhs: R) -> $output {
                    self.binary($crate::tensor::BinaryOp::$op, rhs)
                }
            }
        )*
    };
}
pub(crate) use binary_operators;

binary_operators!(Tensor, Rhs, Result<Tensor>);

/// `-&a` (it cannot fail).
impl std::ops::Neg for &Tensor {
    type Output = Tensor;

    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

/// `tensor.add(&other)`, `tensor.mul_(2.0)`, …: each binary op of the list as a method, and in place.
macro_rules! binary_tensor_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $in_place:ident $backward:literal
        |$a:ident, $b:ident| $float:expr, $integer:expr; |$g:ident, $ga:ident, $gb:ident| $by_a:expr, $by_b:expr; )*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                pub fn $method<'a>(&self, rhs: impl Into<Rhs<'a>>) -> Result<Tensor> {
                    self.binary(BinaryOp::$variant, rhs)
                }

                /// In place (refused on a tensor that requires grad: change its `.data` instead).
                pub fn $in_place<'a>(&self, rhs: impl Into<Rhs<'a>>) -> Result<()> {
                    self.binary_(BinaryOp::$variant, rhs)
                }
            )*
        }
    };
}

super::binary_functions!(binary_tensor_methods);
