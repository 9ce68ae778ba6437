//! PySyft's next lesson in a cell: `x.fix_prec()`, `.float_prec()`, `x.share(bob, alice,
//! crypto_provider=secure_worker)`, and a shared value's `+`, `-`, `*`, `@`, `.sum()` and
//! `.get()` — over `crate::privacy::sharing`.

use std::rc::Rc;

use super::ast::BinOp;
use super::error::PyError;
use super::tensor_ops::unsupported;
use super::value::{keyword, Value};
use crate::client::WorkerHandle;
use crate::privacy::sharing::{FixedPrecision, Opened, SharedTensor, DEFAULT_BASE, DEFAULT_PRECISION};
use crate::tensor::Tensor;

type Evaluated = Result<Value, PyError>;

/// `tensor.fix_prec(base=10, precision_fractional=3)` and `tensor.share(...)`.
pub fn tensor_method(t: &Tensor, name: &str, args: &[Value], keywords: &[(String, Value)]) -> Evaluated {
    match name {
        "fix_prec" | "fix_precision" => {
            let base = match keyword(keywords, "base") {
                Some(value) => value.as_i64().ok_or_else(|| PyError::type_error("fix_prec(): base must be an int"))?,
                None => DEFAULT_BASE,
            };
            let precision = match keyword(keywords, "precision_fractional") {
                Some(value) => value
                    .as_i64()
                    .and_then(|p| u32::try_from(p).ok())
                    .ok_or_else(|| PyError::type_error("fix_prec(): precision_fractional must be a whole number"))?,
                None => DEFAULT_PRECISION,
            };
            Ok(Value::Fixed(Rc::new(t.fix_prec_with(base, precision)?)))
        }
        _ => {
            let (holders, provider) = holders(args, keywords)?;
            let holders: Vec<&WorkerHandle> = holders.iter().collect();
            Ok(Value::Shared(Rc::new(match provider {
                Some(provider) => t.share_with_provider(&holders, &provider)?,
                None => t.share(&holders)?,
            })))
        }
    }
}

/// `fixed.float_prec()`, `fixed.share(...)`.
pub fn fixed_method(value: &FixedPrecision, name: &str, args: &[Value], keywords: &[(String, Value)]) -> Evaluated {
    match name {
        "float_prec" | "float_precision" => Ok(Value::Tensor(value.float_prec()?)),
        "share" => {
            let (holders, provider) = holders(args, keywords)?;
            let holders: Vec<&WorkerHandle> = holders.iter().collect();
            Ok(Value::Shared(Rc::new(match provider {
                Some(provider) => value.share_with_provider(&holders, &provider)?,
                None => value.share(&holders)?,
            })))
        }
        _ => Err(PyError::attribute("FixedPrecisionTensor", name)),
    }
}

/// `shared.get()`, `shared.sum()`.
pub async fn shared_method(value: &SharedTensor, name: &str) -> Evaluated {
    match name {
        "get" => Ok(match value.get_encoded().await? {
            Opened::Integers(tensor) => Value::Tensor(tensor),
            Opened::FixedPrecision(fixed) => Value::Fixed(Rc::new(fixed)),
        }),
        "sum" => Ok(Value::Shared(Rc::new(value.sum()?))),
        _ => Err(PyError::attribute("AdditiveSharingTensor", name)),
    }
}

/// `a op b` when either side is shared or in fixed precision; `None` otherwise.
pub async fn binary(op: BinOp, lhs: &Value, rhs: &Value) -> Option<Evaluated> {
    let result = match (lhs, rhs) {
        (Value::Shared(a), Value::Shared(b)) => match op {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            BinOp::Mul => a.mul(b).await,
            BinOp::MatMul => a.mm(b).await,
            _ => return Some(Err(unsupported(op, lhs, rhs))),
        }
        .map(|shared| Value::Shared(Rc::new(shared))),
        (Value::Shared(a), number) | (number, Value::Shared(a)) if op == BinOp::Mul && number.as_f64().is_some() => {
            a.mul_public(number.as_f64().unwrap_or(0.0)).await.map(|shared| Value::Shared(Rc::new(shared)))
        }
        (Value::Fixed(a), Value::Fixed(b)) => match op {
            BinOp::Add => a.add(b),
            BinOp::Sub => a.sub(b),
            _ => return Some(Err(unsupported(op, lhs, rhs))),
        }
        .map(|fixed| Value::Fixed(Rc::new(fixed))),
        (Value::Shared(_) | Value::Fixed(_), _) | (_, Value::Shared(_) | Value::Fixed(_)) => {
            return Some(Err(unsupported(op, lhs, rhs)))
        }
        _ => return None,
    };
    Some(result.map_err(PyError::from))
}

/// `share(bob, alice, crypto_provider=secure_worker)`: the holders, and the provider if named.
fn holders(args: &[Value], keywords: &[(String, Value)]) -> Result<(Vec<WorkerHandle>, Option<WorkerHandle>), PyError> {
    let holders = args
        .iter()
        .map(|a| match a {
            Value::Worker(w) => Ok(w.clone()),
            other => Err(PyError::type_error(format!("share() expects workers, not {}", other.type_name()))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let provider = match keyword(keywords, "crypto_provider") {
        Some(Value::Worker(w)) => Some(w.clone()),
        Some(Value::None) | None => None,
        Some(other) => {
            return Err(PyError::type_error(format!("crypto_provider must be a worker, not {}", other.type_name())))
        }
    };
    Ok((holders, provider))
}
