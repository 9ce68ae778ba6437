//! Python's binary operators: on tensors and pointers through `tensor_ops`, on numbers, strings
//! and lists here.

use super::ast::BinOp;
use super::error::{PyError, PyErrorKind};
use super::limits::{overflow, too_long, MAX_SEQUENCE};
use super::tensor_ops;
use super::value::Value;

/// `lhs op rhs` for any two values.
pub fn binary(op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, PyError> {
    if let Some(result) = tensor_ops::binary(op, lhs, rhs) {
        return result;
    }
    arithmetic(op, lhs, rhs)
}

/// Python's arithmetic on numbers, strings and lists.
pub fn arithmetic(op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, PyError> {
    let unsupported = || {
        PyError::type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.symbol(),
            lhs.type_name(),
            rhs.type_name()
        ))
    };
    match (lhs, rhs) {
        (Value::Str(a), Value::Str(b)) if op == BinOp::Add => {
            if a.len() + b.len() > MAX_SEQUENCE {
                return Err(too_long("string"));
            }
            Ok(Value::str(format!("{a}{b}")))
        }
        (Value::List(a), Value::List(b)) if op == BinOp::Add => {
            let mut items = a.borrow().clone();
            items.extend(b.borrow().iter().cloned());
            if items.len() > MAX_SEQUENCE {
                return Err(too_long("list"));
            }
            Ok(Value::list(items))
        }
        (Value::List(items), n) | (n, Value::List(items)) if op == BinOp::Mul && n.as_i64().is_some() => {
            let count = usize::try_from(n.as_i64().unwrap_or(0)).unwrap_or(0);
            let items = items.borrow();
            if items.len().saturating_mul(count) > MAX_SEQUENCE {
                return Err(too_long("list"));
            }
            Ok(Value::list(items.iter().cloned().cycle().take(items.len() * count).collect()))
        }
        (Value::Str(s), n) | (n, Value::Str(s)) if op == BinOp::Mul && n.as_i64().is_some() => {
            let count = usize::try_from(n.as_i64().unwrap_or(0)).unwrap_or(0);
            if s.len().saturating_mul(count) > MAX_SEQUENCE {
                return Err(too_long("string"));
            }
            Ok(Value::str(s.repeat(count)))
        }
        (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
            let (a, b) = (lhs.as_i64().unwrap_or(0), rhs.as_i64().unwrap_or(0));
            let zero = || PyError::new(PyErrorKind::ZeroDivisionError, "division by zero");
            Ok(match op {
                BinOp::Add => Value::Int(a.checked_add(b).ok_or_else(overflow)?),
                BinOp::Sub => Value::Int(a.checked_sub(b).ok_or_else(overflow)?),
                BinOp::Mul => Value::Int(a.checked_mul(b).ok_or_else(overflow)?),
                BinOp::Div => {
                    if b == 0 {
                        return Err(zero());
                    }
                    Value::Float(a as f64 / b as f64)
                }
                BinOp::FloorDiv | BinOp::Mod if b == 0 => return Err(zero()),
                BinOp::FloorDiv => Value::Int(floor_div(a, b).ok_or_else(overflow)?),
                BinOp::Mod => Value::Int(floor_mod(a, b).ok_or_else(overflow)?),
                BinOp::Pow => match u32::try_from(b) {
                    Ok(exponent) => Value::Int(a.checked_pow(exponent).ok_or_else(overflow)?),
                    Err(_) => Value::Float((a as f64).powf(b as f64)),
                },
                BinOp::MatMul => return Err(unsupported()),
            })
        }
        _ => match (lhs.as_f64(), rhs.as_f64()) {
            (Some(a), Some(b)) => Ok(Value::Float(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div | BinOp::FloorDiv | BinOp::Mod if b == 0.0 => {
                    return Err(PyError::new(PyErrorKind::ZeroDivisionError, "float division by zero"))
                }
                BinOp::Div => a / b,
                BinOp::FloorDiv => (a / b).floor(),
                // Python's `%` takes the divisor's sign: -7 % 2 == 1, 7 % -2 == -1.
                BinOp::Mod => {
                    let r = a % b;
                    if r != 0.0 && (r < 0.0) != (b < 0.0) {
                        r + b
                    } else {
                        r
                    }
                }
                BinOp::Pow => a.powf(b),
                BinOp::MatMul => return Err(unsupported()),
            })),
            _ => Err(unsupported()),
        },
    }
}

/// Python's `//` on integers: rounds towards minus infinity (7 // -2 == -4). `None` only for
/// i64::MIN // -1, which does not fit.
fn floor_div(a: i64, b: i64) -> Option<i64> {
    let (q, r) = (a.checked_div(b)?, a.checked_rem(b)?);
    Some(if r != 0 && ((r < 0) != (b < 0)) { q - 1 } else { q })
}

/// Python's `%` on integers: the remainder has the divisor's sign (7 % -2 == -1).
fn floor_mod(a: i64, b: i64) -> Option<i64> {
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) { r + b } else { r })
}
