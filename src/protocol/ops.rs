//! Every remote op is declared once, here. `unary_ops!` is the list of the ops that read one stored
//! tensor (with public parameters); it hands the list to a macro that expands it — into the
//! protocol's `Op` enum with its `inputs_mut` and `name` (below), the list of every op
//! ([`Op::every`], which the hostile-message generator draws from), into the worker's evaluation
//! (`worker/execute.rs`), into the methods of `Pointer` (`client/pointer.rs`) and into the steps
//! a `PlanBuilder` records (`client/plan.rs`). The three ops
//! that read two stored operands, `Binary`, `Mm` and `CrossEntropy`, are written out where they differ.
//!
//! Adding a unary remote op is one line here (and, if the tensor lacks it, its kernel).

/// `Variant method "name" (parameters) |tensor| evaluation;` for each op.
macro_rules! unary_ops {
    ($($expand:tt)*) => {
        $($expand)*! {
            /// `-x`.
            Neg neg "neg" () |x| Ok(x.neg());
            /// `x ** exponent`.
            Pow pow "pow" (exponent: f64) |x| Ok(x.pow(exponent));
            /// The sum of every element.
            Sum sum "sum" () |x| Ok(x.sum());
            /// The mean of every element.
            Mean mean "mean" () |x| x.mean();
            /// The transpose of a matrix.
            T t "t" () |x| x.t();
            /// `x[index]` along dimension 0.
            Select select "index" (index: usize) |x| x.select(index);
            /// `x[start:end]` along dimension 0.
            Rows rows "slice" (start: usize, end: Option<usize>) |x| x.rows(start, end);
            /// `x.view(2, -1)`: the same values in another shape (one size may be -1).
            View view "view" (shape: Vec<i64>) |x| x.view(&shape);
            /// Where the largest value along `dim` is (over every element for `None`).
            Argmax argmax "argmax" (dim: Option<usize>) |x| x.argmax(dim);
            /// A copy with its own storage (keeps the history).
            Clone deep_clone "clone" () |x| Ok(x.deep_clone());
            /// `.data`: the same storage without history.
            Data data "data" () |x| Ok(x.data());
            /// `.grad`: the accumulated gradient, sharing its storage (so `grad.mul_(0.)` clears it).
            Grad grad "grad" () |x| x.grad().ok_or($crate::error::Error::NoGradient);
            /// `fix_prec()` on the worker: `round(x · scale)` as integers.
            FixPrecision fix_precision "fix_prec" (scale: i64) |x| $crate::mechanisms::fix_precision(x, scale);
            /// Integer floor division by a public number (truncation after a fixed-point product).
            FloorDiv floor_div "floor_div" (divisor: i64) |x| $crate::mechanisms::floor_div(x, divisor);
            /// Scaled down to norm at most `max_norm` (the Gaussian mechanism's clipping).
            ClipNorm clip_norm "clip_norm" (max_norm: f64) |x| $crate::mechanisms::clip_norm(x, max_norm);
            /// Plus Gaussian noise of standard deviation `std`, drawn by the worker's cryptographic generator.
            GaussianNoise gaussian_noise "gaussian_noise" (std: f64) |x| $crate::mechanisms::gaussian_noise(x, std);
        }
    };
}
pub(crate) use unary_ops;

/// The protocol's `Op`: the ops of two stored operands, then one variant per unary op.
macro_rules! op_enum {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        /// Ops that make a new tensor from stored ones; the same set [`Tensor`](crate::Tensor) has locally.
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub enum Op {
            /// `lhs op rhs`, elementwise with broadcasting.
            Binary { op: crate::tensor::BinaryOp, lhs: ObjectId, rhs: Operand },
            /// Matrix product.
            Mm { lhs: ObjectId, rhs: ObjectId },
            /// An elementwise function of the tensor list (`elementwise_functions!`).
            Elementwise { input: ObjectId, function: crate::tensor::Elementwise },
            /// Softmax cross-entropy of `logits` (`[rows, classes]`) against the class index of
            /// each row held in `targets` (the mean over rows, as PyTorch's `F.cross_entropy`).
            CrossEntropy { logits: ObjectId, targets: ObjectId },
            $( $(#[$doc])* $variant { input: ObjectId, $($param: $ty),* }, )*
        }

        impl Op {
            /// Every stored object the op reads, to rename them when the op is forwarded along a
            /// chain (left operand first).
            pub fn inputs_mut(&mut self) -> Vec<&mut ObjectId> {
                match self {
                    Op::Binary { lhs, rhs: Operand::Object(rhs), .. } | Op::Mm { lhs, rhs } => vec![lhs, rhs],
                    Op::CrossEntropy { logits, targets } => vec![logits, targets],
                    Op::Binary { lhs, rhs: Operand::Scalar(_), .. } => vec![lhs],
                    Op::Elementwise { input, .. } => vec![input],
                    $( Op::$variant { input, .. } => vec![input], )*
                }
            }

            pub fn name(&self) -> &'static str {
                match self {
                    Op::Binary { op, .. } => op.name(),
                    Op::Mm { .. } => "mm",
                    Op::CrossEntropy { .. } => "cross_entropy",
                    Op::Elementwise { function, .. } => function.name(),
                    $( Op::$variant { .. } => $name, )*
                }
            }
        }
    };
}
pub(crate) use op_enum;

/// What an op computes, on local tensors: the worker's evaluation, and the local side of every
/// remote-versus-local check.
macro_rules! op_evaluate {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        impl Op {
            /// The op on `operands`, given in the order of [`Op::inputs`].
            pub fn evaluate(&self, operands: &[crate::tensor::Tensor]) -> crate::error::Result<crate::tensor::Tensor> {
                use crate::error::Error;
                let first = operands.first().ok_or_else(|| Error::internal("an op evaluated without its operands"))?;
                let second = || operands.get(1).ok_or_else(|| Error::internal("a binary op evaluated without its right operand"));
                if let Some(result) = unary(self, first) {
                    return result;
                }
                match *self {
                    Op::Binary { op, rhs: Operand::Scalar(scalar), .. } => first.binary(op, scalar),
                    Op::Binary { op, rhs: Operand::Object(_), .. } => first.binary(op, second()?),
                    Op::Mm { .. } => first.mm(second()?),
                    Op::CrossEntropy { .. } => first.cross_entropy_with(second()?),
                    _ => Err(Error::internal(format!("{} is not a binary op", self.name()))),
                }
            }
        }

        /// `op` on `input`, for the ops of one operand (`None` for `Binary` and `Mm`).
        // Parameters are numbers (Copy) but for a shape, hence `clone`.
        #[allow(clippy::clone_on_copy)]
        fn unary(op: &Op, input: &crate::tensor::Tensor) -> Option<crate::error::Result<crate::tensor::Tensor>> {
            match op {
                $( Op::$variant { $($param,)* .. } => {
                    $( let $param = $param.clone(); )*
                    let $x = input;
                    Some($eval)
                } )*
                Op::Elementwise { function, .. } => Some(Ok(input.elementwise(*function))),
                Op::Binary { .. } | Op::Mm { .. } | Op::CrossEntropy { .. } => None,
            }
        }
    };
}
pub(crate) use op_evaluate;

/// `pointer.neg()`, `pointer.pow(2.0)`, ...: each unary op as a method of `Pointer`.
macro_rules! op_pointer_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        impl Pointer {
            $(
                $(#[$doc])*
                pub fn $method(&self, $($param: $ty),*) -> Result<Pointer> {
                    self.execute(Op::$variant { input: self.id_at_location, $($param),* })
                }
            )*
        }
    };
}
pub(crate) use op_pointer_methods;

/// `builder.tanh(x)`, …: each unary op as a step of a plan being recorded.
macro_rules! op_plan_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        impl PlanBuilder {
            $(
                $(#[$doc])*
                pub fn $method(&mut self, input: Slot, $($param: $ty),*) -> Slot {
                    self.op(Op::$variant { input, $($param),* })
                }
            )*
        }
    };
}
pub(crate) use op_plan_methods;

/// Where [`Op::every`](crate::protocol::Op::every) takes each op's public parameters from: a
/// generator draws them at random.
pub trait ParameterSource {
    fn float(&mut self) -> f64;
    fn integer(&mut self) -> i64;
    fn index(&mut self) -> usize;
    fn present(&mut self) -> bool;
}

/// A parameter type of an op in the list.
pub trait Parameter: Sized {
    fn draw(source: &mut dyn ParameterSource) -> Self;
}

impl Parameter for f64 {
    fn draw(source: &mut dyn ParameterSource) -> f64 {
        source.float()
    }
}

impl Parameter for i64 {
    fn draw(source: &mut dyn ParameterSource) -> i64 {
        source.integer()
    }
}

impl Parameter for usize {
    fn draw(source: &mut dyn ParameterSource) -> usize {
        source.index()
    }
}

impl Parameter for Vec<i64> {
    fn draw(source: &mut dyn ParameterSource) -> Vec<i64> {
        let count = 1 + source.index() % 3;
        (0..count).map(|_| source.integer()).collect()
    }
}

impl Parameter for Option<usize> {
    fn draw(source: &mut dyn ParameterSource) -> Option<usize> {
        source.present().then(|| source.index())
    }
}

/// `Op::every`: one of each op, for generators and for tests that must cover the whole list.
macro_rules! op_every {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        impl Op {
            /// Every op: each binary op of `lhs` and `rhs`, `mm`, then each unary op of `lhs` with
            /// its parameters drawn from `source`.
            pub fn every(lhs: ObjectId, rhs: ObjectId, source: &mut dyn $crate::protocol::ops::ParameterSource) -> Vec<Op> {
                let mut ops: Vec<Op> = crate::tensor::BinaryOp::ALL
                    .iter()
                    .map(|&op| Op::Binary { op, lhs, rhs: Operand::Object(rhs) })
                    .collect();
                ops.push(Op::Mm { lhs, rhs });
                ops.push(Op::CrossEntropy { logits: lhs, targets: rhs });
                ops.extend(crate::tensor::Elementwise::ALL.iter().map(|&function| Op::Elementwise { input: lhs, function }));
                $( ops.push(Op::$variant {
                    input: lhs,
                    $($param: <$ty as $crate::protocol::ops::Parameter>::draw(source)),*
                }); )*
                ops
            }
        }
    };
}
pub(crate) use op_every;

/// `pointer.tanh()`, …: each elementwise function of the tensor's list as a method of `Pointer`.
macro_rules! elementwise_pointer_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $backward:literal |$x:ident, $y:ident| $value:expr, $derivative:expr; )*) => {
        impl Pointer {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> Result<Pointer> {
                    self.execute(Op::Elementwise { input: self.id_at_location, function: $crate::tensor::Elementwise::$variant })
                }
            )*
        }
    };
}
pub(crate) use elementwise_pointer_methods;

/// `builder.tanh(x)`, …: each elementwise function of the tensor's list as a plan step.
macro_rules! elementwise_plan_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $backward:literal |$x:ident, $y:ident| $value:expr, $derivative:expr; )*) => {
        impl PlanBuilder {
            $(
                $(#[$doc])*
                pub fn $method(&mut self, input: Slot) -> Slot {
                    self.op(Op::Elementwise { input, function: $crate::tensor::Elementwise::$variant })
                }
            )*
        }
    };
}
pub(crate) use elementwise_plan_methods;

/// `pointer.add(&other)`, `pointer.sub_(1.0).await`, …: each binary op of the tensor's list as a
/// method of `Pointer` (sync: it only posts), and in place (async: it waits for the worker's answer).
macro_rules! binary_pointer_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $in_place:ident $backward:literal
        |$a:ident, $b:ident| $float:expr, $integer:expr; |$g:ident, $ga:ident, $gb:ident| $by_a:expr, $by_b:expr; )*) => {
        impl Pointer {
            $(
                $(#[$doc])*
                pub fn $method<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Pointer> {
                    self.binary($crate::tensor::BinaryOp::$variant, rhs)
                }

                /// In place, on the worker; waits for it to say whether it was done.
                pub async fn $in_place<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<()> {
                    self.in_place($crate::tensor::BinaryOp::$variant, rhs.into()).await
                }
            )*
        }
    };
}
pub(crate) use binary_pointer_methods;

/// `builder.add(x, y)`, …: each binary op of the tensor's list as a plan step.
macro_rules! binary_plan_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $in_place:ident $backward:literal
        |$a:ident, $b:ident| $float:expr, $integer:expr; |$g:ident, $ga:ident, $gb:ident| $by_a:expr, $by_b:expr; )*) => {
        impl PlanBuilder {
            $(
                $(#[$doc])*
                pub fn $method(&mut self, lhs: Slot, rhs: impl Into<Arg>) -> Slot {
                    self.binary($crate::tensor::BinaryOp::$variant, lhs, rhs)
                }
            )*
        }
    };
}
pub(crate) use binary_plan_methods;
