//! Every elementwise op, declared once. Each list (`binary_functions!`, `elementwise_functions!`)
//! is a macro that hands its lines to another macro: here to the enums with their scalar kernels
//! and derivatives; elsewhere to `Tensor`'s methods (`ops.rs`), backpropagation (`backprop.rs`)
//! and the remote side (`Op`, `Pointer`, `PlanBuilder`). Adding an op is one line here.

/// Every elementwise binary op, declared once: `Variant method in_place "Backward name" |a, b|
/// float value, integer value; |g, a, b| gradient by a, gradient by b;` (`g` the gradient of the
/// result). The list expands into [`BinaryOp`] with its scalar kernels and derivatives (below;
/// `storage.rs` runs the kernels over arrays), the `Tensor` methods and operators
/// (`tensor/ops.rs`), backpropagation (`tensor/backprop.rs`), and the remote side: `Pointer`'s
/// and `PlanBuilder`'s methods, `Op::Binary`, `Op::every`.
macro_rules! binary_functions {
    ($($expand:tt)*) => {
        $($expand)*! {
            /// `a + b`, elementwise with broadcasting.
            Add add add_ "AddBackward0" |a, b| a + b, a.wrapping_add(b); |g, a, b| g, g;
            /// `a - b`, elementwise with broadcasting.
            Sub sub sub_ "SubBackward0" |a, b| a - b, a.wrapping_sub(b); |g, a, b| g, -g;
            /// `a * b`, elementwise with broadcasting.
            Mul mul mul_ "MulBackward0" |a, b| a * b, a.wrapping_mul(b); |g, a, b| g * b, g * a;
            /// `a / b`, elementwise with broadcasting (integers promote to floats, as `/` does in
            /// PyTorch, so the integer kernel is never reached).
            Div div div_ "DivBackward0" |a, b| a / b, a.checked_div(b).unwrap_or(0); |g, a, b| g / b, -g * a / (b * b);
        }
    };
}
pub(crate) use binary_functions;

/// [`BinaryOp`] and its kernels, from the list.
macro_rules! binary_enum {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $in_place:ident $backward:literal
        |$a:ident, $b:ident| $float:expr, $integer:expr; |$g:ident, $ga:ident, $gb:ident| $by_a:expr, $by_b:expr; )*) => {
        /// The elementwise binary operations, shared by tensor-tensor and tensor-scalar forms
        /// (`binary_functions!`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum BinaryOp {
            $( $(#[$doc])* $variant, )*
        }

        impl BinaryOp {
            /// Every elementwise binary op.
            pub const ALL: &'static [BinaryOp] = &[$( BinaryOp::$variant ),*];

            /// Its name as a method (`add`), on tensors, pointers and plans alike.
            pub fn name(self) -> &'static str {
                match self {
                    $( BinaryOp::$variant => stringify!($method), )*
                }
            }

            /// PyTorch's name for the backward node.
            pub fn backward_name(self) -> &'static str {
                match self {
                    $( BinaryOp::$variant => $backward, )*
                }
            }

            pub(super) fn apply_f32(self, a: f32, b: f32) -> f32 {
                match self {
                    $( BinaryOp::$variant => {
                        let ($a, $b) = (a, b);
                        $float
                    } )*
                }
            }

            pub(super) fn apply_i64(self, a: i64, b: i64) -> i64 {
                match self {
                    $( BinaryOp::$variant => {
                        let ($a, $b) = (a, b);
                        $integer
                    } )*
                }
            }

            /// The gradients by `a` and by `b` of `a op b`, given the result's gradient `g`.
            pub fn derivatives(self, g: f32, a: f32, b: f32) -> (f32, f32) {
                match self {
                    $( BinaryOp::$variant => {
                        let ($g, $ga, $gb) = (g, a, b);
                        let _ = ($g, $ga, $gb);
                        ($by_a, $by_b)
                    } )*
                }
            }
        }
    };
}

binary_functions!(binary_enum);

/// Every elementwise function, declared once: `Variant method "Backward name" |x, y| value,
/// derivative;`, where `y` is the value at `x` (so `exp`'s derivative is `y`). The list expands
/// into [`Elementwise`] with its scalar kernels (below; `storage.rs` runs them over arrays),
/// `Tensor`'s methods (`tensor/ops.rs`), and the remote side: `Op::Elementwise`, `Op::every`,
/// `Pointer`'s and `PlanBuilder`'s methods.
///
/// Adding one is one line here, whose value and derivative `tests/tensor.rs` checks against
/// finite differences and `tests/lessons/remote_arithmetic.rs` runs remotely.
macro_rules! elementwise_functions {
    ($($expand:tt)*) => {
        $($expand)*! {
            /// `tanh(x)` elementwise.
            Tanh tanh "TanhBackward0" |x, y| x.tanh(), 1.0 - y * y;
            /// `max(x, 0)` elementwise: `x` where it is positive, else 0 (for -0 and NaN too, on
            /// every platform and in the SIMD kernel alike).
            Relu relu "ReluBackward0" |x, y| if x > 0.0 { x } else { 0.0 }, if x > 0.0 { 1.0 } else { 0.0 };
            /// `1 / (1 + exp(-x))` elementwise.
            Sigmoid sigmoid "SigmoidBackward0" |x, y| 1.0 / (1.0 + (-x).exp()), y * (1.0 - y);
            /// The natural logarithm, elementwise.
            Log log "LogBackward0" |x, y| x.ln(), 1.0 / x;
            /// `exp(x)` elementwise.
            Exp exp "ExpBackward0" |x, y| x.exp(), y;
            /// 1 where `x > 0`, else 0: ReLU's derivative as a value (its own derivative is 0
            /// wherever it has one), which a backward pass written out as ops multiplies by.
            Heaviside heaviside "HeavisideBackward0" |x, y| if x > 0.0 { 1.0 } else { 0.0 }, 0.0;
        }
    };
}
pub(crate) use elementwise_functions;

/// [`Elementwise`] and its kernels, from the list.
macro_rules! elementwise_enum {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $backward:literal |$x:ident, $y:ident| $value:expr, $derivative:expr; )*) => {
        /// The elementwise functions a network needs, each with its derivative
        /// (`elementwise_functions!`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum Elementwise {
            $( $(#[$doc])* $variant, )*
        }

        impl Elementwise {
            /// Every function of the list.
            pub const ALL: &'static [Elementwise] = &[$( Elementwise::$variant ),*];

            /// Its name as a method (`tanh`), on tensors, pointers and plans alike.
            pub fn name(self) -> &'static str {
                match self {
                    $( Elementwise::$variant => stringify!($method), )*
                }
            }

            /// The function's value at `x`.
            pub fn apply(self, x: f32) -> f32 {
                match self {
                    $( Elementwise::$variant => {
                        let $x = x;
                        $value
                    } )*
                }
            }

            /// d(apply)/dx at `x`, where `y = apply(x)`.
            pub fn derivative(self, x: f32, y: f32) -> f32 {
                match self {
                    $( Elementwise::$variant => {
                        let ($x, $y) = (x, y);
                        let _ = ($x, $y);
                        $derivative
                    } )*
                }
            }

            /// PyTorch's name for the backward node, shown as `grad_fn=<TanhBackward0>`.
            pub fn backward_name(self) -> &'static str {
                match self {
                    $( Elementwise::$variant => $backward, )*
                }
            }
        }
    };
}

elementwise_functions!(elementwise_enum);
