//! Python's operators and the tensor methods on tensors and pointers. The method table is not a
//! list of its own: every op of minisyft's lists (`unary_ops!`, `elementwise_functions!`,
//! `binary_functions!`) is a method here by its name, so an op added there is callable from a
//! cell with no change in this file.

use std::rc::Rc;

use super::ast::BinOp;
use super::error::PyError;
use super::value::Value;
use crate::client::{Operand, Pointer};
use crate::protocol::Op;
use crate::tensor::{BinaryOp, Elementwise, Tensor};

type Evaluated = Result<Value, PyError>;

macro_rules! tensor_unary_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        // The closure lets `?` end one arm.
        #[allow(clippy::redundant_closure_call)]
        fn tensor_unary(tensor: &Tensor, method: &str, args: &[Value]) -> Option<Evaluated> {
            match method {
                $( m if m == stringify!($method) || m == $name => Some((|| {
                    #[allow(unused_mut, unused_variables)]
                    let mut position = 0..;
                    $( let $param: $ty = argument(stringify!($method), stringify!($param), args, position.next().unwrap_or(0))?; )*
                    let $x = tensor;
                    let result: crate::error::Result<Tensor> = $eval;
                    result.map(Value::Tensor).map_err(PyError::from)
                })()), )*
                _ => None,
            }
        }
    };
}

macro_rules! pointer_unary_methods {
    ($( $(#[$doc:meta])* $variant:ident $method:ident $name:literal ($($param:ident : $ty:ty),*) |$x:ident| $eval:expr; )*) => {
        #[allow(clippy::redundant_closure_call)]
        fn pointer_unary(pointer_value: &Pointer, method: &str, args: &[Value]) -> Option<Evaluated> {
            match method {
                $( m if m == stringify!($method) || m == $name => Some((|| {
                    #[allow(unused_mut, unused_variables)]
                    let mut position = 0..;
                    $( let $param: $ty = argument(stringify!($method), stringify!($param), args, position.next().unwrap_or(0))?; )*
                    let op = Op::$variant { input: pointer_value.id_at_location(), $($param),* };
                    pointer_value.run(op).map(pointer).map_err(PyError::from)
                })()), )*
                _ => None,
            }
        }
    };
}

fn tensor_op(op: BinOp) -> Option<BinaryOp> {
    match op {
        BinOp::Add => Some(BinaryOp::Add),
        BinOp::Sub => Some(BinaryOp::Sub),
        BinOp::Mul => Some(BinaryOp::Mul),
        BinOp::Div => Some(BinaryOp::Div),
        _ => None,
    }
}

/// Python's TypeError for an operator between two values it does not apply to.
pub fn unsupported(op: BinOp, lhs: &Value, rhs: &Value) -> PyError {
    PyError::type_error(format!(
        "unsupported operand type(s) for {}: '{}' and '{}'",
        op.symbol(),
        lhs.type_name(),
        rhs.type_name()
    ))
}

/// `lhs op rhs` where either side is a tensor or a pointer.
pub fn binary(op: BinOp, lhs: &Value, rhs: &Value) -> Option<Evaluated> {
    let result = match (lhs, rhs) {
        (Value::Tensor(a), Value::Tensor(b)) => match op {
            BinOp::Pow => Err(unsupported(op, lhs, rhs)),
            BinOp::MatMul => a.mm(b).map(Value::Tensor).map_err(PyError::from),
            _ => match tensor_op(op) {
                Some(op) => a.binary(op, b).map(Value::Tensor).map_err(PyError::from),
                None => Err(unsupported(op, lhs, rhs)),
            },
        },
        (Value::Tensor(a), scalar) if scalar.as_f64().is_some() => {
            let n = scalar.as_f64().unwrap_or_default();
            match (op, tensor_op(op)) {
                (BinOp::Pow, _) => Ok(Value::Tensor(a.pow(n))),
                (_, Some(op)) => a.binary(op, n).map(Value::Tensor).map_err(PyError::from),
                _ => Err(unsupported(op, lhs, rhs)),
            }
        }
        (scalar, Value::Tensor(b)) if scalar.as_f64().is_some() => {
            let n = scalar.as_f64().unwrap_or_default();
            match tensor_op(op) {
                Some(op) => Ok(Value::Tensor(b.binary_scalar(op, n, true))),
                None => Err(unsupported(op, lhs, rhs)),
            }
        }
        (Value::Pointer(a), Value::Pointer(b)) => match op {
            BinOp::MatMul => a.mm(&**b).map(pointer).map_err(PyError::from),
            _ => match tensor_op(op) {
                Some(op) => a.binary(op, &**b).map(pointer).map_err(PyError::from),
                None => Err(unsupported(op, lhs, rhs)),
            },
        },
        (Value::Pointer(a), Value::Tensor(b)) => {
            let op = tensor_op(op).unwrap_or(BinaryOp::Add);
            a.binary(op, b).map(pointer).map_err(PyError::from)
        }
        (Value::Tensor(a), Value::Pointer(b)) => {
            // The seed's common error: a local tensor and a pointer (In[46]).
            let op = tensor_op(op).unwrap_or(BinaryOp::Add);
            b.binary(op, a).map(pointer).map_err(PyError::from)
        }
        (Value::Pointer(a), scalar) if scalar.as_f64().is_some() => {
            let n = scalar.as_f64().unwrap_or_default();
            match (op, tensor_op(op)) {
                (BinOp::Pow, _) => a.pow(n).map(pointer).map_err(PyError::from),
                (_, Some(op)) => a.binary(op, n).map(pointer).map_err(PyError::from),
                _ => Err(unsupported(op, lhs, rhs)),
            }
        }
        (scalar, Value::Pointer(b)) if scalar.as_f64().is_some() => {
            let n = scalar.as_f64().unwrap_or_default();
            match op {
                BinOp::Add | BinOp::Mul => b.binary(tensor_op(op).unwrap_or(BinaryOp::Add), n).map(pointer),
                BinOp::Sub => b.neg().and_then(|negated| negated.add(n)).map(pointer),
                _ => return Some(Err(unsupported(op, lhs, rhs))),
            }
            .map_err(PyError::from)
        }
        _ => return None,
    };
    Some(result)
}

fn pointer(pointer: Pointer) -> Value {
    Value::Pointer(Rc::new(pointer))
}

/// `-x` for a tensor or a pointer.
pub fn negate(value: &Value) -> Option<Evaluated> {
    match value {
        Value::Tensor(t) => Some(Ok(Value::Tensor(t.neg()))),
        Value::Pointer(p) => Some(p.neg().map(pointer).map_err(PyError::from)),
        _ => None,
    }
}

/// A method argument as the type an op's parameter has.
pub trait FromArgument: Sized {
    fn from_argument(value: &Value) -> Option<Self>;
}

impl FromArgument for f64 {
    fn from_argument(value: &Value) -> Option<f64> {
        value.as_f64()
    }
}

impl FromArgument for i64 {
    fn from_argument(value: &Value) -> Option<i64> {
        value.as_i64()
    }
}

impl FromArgument for usize {
    fn from_argument(value: &Value) -> Option<usize> {
        value.as_i64().and_then(|i| usize::try_from(i).ok())
    }
}

/// A shape: `view(2, -1)` (packed into a tuple by `tensor_method`), `view((2, -1))`, `view(6)`.
impl FromArgument for Vec<i64> {
    fn from_argument(value: &Value) -> Option<Vec<i64>> {
        match value {
            Value::Tuple(items) => items.iter().map(Value::as_i64).collect(),
            Value::List(items) => items.borrow().iter().map(Value::as_i64).collect(),
            other => other.as_i64().map(|size| vec![size]),
        }
    }
}

impl FromArgument for Option<usize> {
    fn from_argument(value: &Value) -> Option<Option<usize>> {
        match value {
            Value::None => Some(None),
            other => usize::from_argument(other).map(Some),
        }
    }
}

/// The argument at `index` as a parameter's type; an optional parameter left out is `None`.
fn argument<T: FromArgument>(method: &str, name: &str, args: &[Value], index: usize) -> Result<T, PyError> {
    let Some(value) = args.get(index) else {
        return T::from_argument(&Value::None)
            .ok_or_else(|| PyError::type_error(format!("{method}() missing required argument '{name}'")));
    };
    T::from_argument(value)
        .ok_or_else(|| PyError::type_error(format!("{method}(): argument '{name}' cannot be a {}", value.type_name())))
}

/// `view(2, -1)` and `reshape(2, -1)` take their sizes as separate arguments: one tuple here.
fn shape_arguments<'a>(method: &'a str, args: &'a [Value], packed: &'a mut Vec<Value>) -> (&'a str, &'a [Value]) {
    let method = if method == "reshape" { "view" } else { method };
    if method == "view" && !matches!(args, [Value::Tuple(_) | Value::List(_)]) {
        packed.push(Value::tuple(args.to_vec()));
        return (method, packed.as_slice());
    }
    (method, args)
}

/// `tensor.method(args)` for every op of the lists, or `None` when `method` is not one of them.
pub fn tensor_method(tensor: &Tensor, method: &str, args: &[Value]) -> Option<Evaluated> {
    let mut packed = Vec::new();
    let (method, args) = shape_arguments(method, args, &mut packed);
    if let Some(function) = Elementwise::ALL.iter().find(|f| f.name() == method) {
        return Some(Ok(Value::Tensor(tensor.elementwise(*function))));
    }
    if let Some(op) = BinaryOp::ALL.iter().find(|op| op.name() == method) {
        return Some(match args.first() {
            Some(Value::Tensor(rhs)) => tensor.binary(*op, rhs).map(Value::Tensor).map_err(PyError::from),
            Some(scalar) if scalar.as_f64().is_some() => {
                tensor.binary(*op, scalar.as_f64().unwrap_or_default()).map(Value::Tensor).map_err(PyError::from)
            }
            other => Err(bad_operand(method, other)),
        });
    }
    if let Some(op) = BinaryOp::ALL.iter().find(|op| format!("{}_", op.name()) == method) {
        return Some(
            match args.first() {
                Some(Value::Tensor(rhs)) => tensor.binary_(*op, rhs).map(|()| Value::Tensor(tensor.clone())),
                Some(scalar) if scalar.as_f64().is_some() => {
                    tensor.binary_(*op, scalar.as_f64().unwrap_or_default()).map(|()| Value::Tensor(tensor.clone()))
                }
                other => return Some(Err(bad_operand(method, other))),
            }
            .map_err(PyError::from),
        );
    }
    if method == "mm" || method == "matmul" {
        return Some(match args.first() {
            Some(Value::Tensor(rhs)) => tensor.mm(rhs).map(Value::Tensor).map_err(PyError::from),
            other => Err(bad_operand(method, other)),
        });
    }
    crate::protocol::ops::unary_ops!(tensor_unary_methods);
    tensor_unary(tensor, method, args)
}

fn bad_operand(method: &str, got: Option<&Value>) -> PyError {
    match got {
        Some(value) => {
            PyError::type_error(format!("{method}(): expected a tensor or a number, not {}", value.type_name()))
        }
        None => PyError::type_error(format!("{method}() missing required argument 'other'")),
    }
}

/// `pointer.method(args)` for every op of the lists that needs no answer (the in-place forms wait,
/// and are in `pointer_in_place`); `None` when `method` is not one of them.
pub fn pointer_method(pointer_value: &Pointer, method: &str, args: &[Value]) -> Option<Evaluated> {
    let mut packed = Vec::new();
    let (method, args) = shape_arguments(method, args, &mut packed);
    if let Some(function) = Elementwise::ALL.iter().find(|f| f.name() == method) {
        let op = Op::Elementwise { input: pointer_value.id_at_location(), function: *function };
        return Some(pointer_value.run(op).map(pointer).map_err(PyError::from));
    }
    if let Some(op) = BinaryOp::ALL.iter().find(|op| op.name() == method) {
        return Some(match args.first().map(operand) {
            Some(Ok(rhs)) => pointer_value.binary(*op, rhs).map(pointer).map_err(PyError::from),
            Some(Err(error)) => Err(error),
            None => Err(bad_operand(method, None)),
        });
    }
    if method == "mm" || method == "matmul" {
        return Some(match args.first() {
            Some(Value::Pointer(rhs)) => pointer_value.mm(&**rhs).map(pointer).map_err(PyError::from),
            Some(Value::Tensor(rhs)) => pointer_value.mm(rhs).map(pointer).map_err(PyError::from),
            other => Err(bad_operand(method, other)),
        });
    }
    crate::protocol::ops::unary_ops!(pointer_unary_methods);
    pointer_unary(pointer_value, method, args)
}

/// A method's argument as the right-hand side of a remote op.
pub fn operand(value: &Value) -> Result<Operand<'_>, PyError> {
    match value {
        Value::Pointer(p) => Ok(Operand::Pointer(p)),
        Value::Tensor(t) => Ok(Operand::Local(t)),
        scalar => scalar.as_f64().map(Operand::Scalar).ok_or_else(|| {
            PyError::type_error(format!("expected a tensor, a pointer or a number, not {}", value.type_name()))
        }),
    }
}

/// The in-place form of a binary op by its method name (`sub_` → Sub).
pub fn in_place_op(method: &str) -> Option<BinaryOp> {
    BinaryOp::ALL.iter().copied().find(|op| method.strip_suffix('_') == Some(op.name()))
}
