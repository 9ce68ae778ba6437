//! Python's containers: iterating, indexing and slicing lists, tuples, dicts, strings, ranges and
//! tensors (a tensor's rows), equality and `in`.

use std::rc::Rc;

use super::error::{PyError, PyErrorKind};
use super::limits::{too_long, MAX_SEQUENCE};
use super::value::Value;

pub fn iterate(value: &Value) -> Result<Vec<Value>, PyError> {
    Ok(match value {
        Value::List(items) => items.borrow().clone(),
        Value::Tuple(items) => items.as_ref().clone(),
        Value::Dict(entries) => entries.borrow().iter().map(|(k, _)| k.clone()).collect(),
        Value::Str(s) => s.chars().map(|c| Value::str(c.to_string())).collect(),
        Value::Range { start, stop, step } => {
            let count = range_len(*start, *stop, *step);
            if count > MAX_SEQUENCE as i64 {
                return Err(too_long("range"));
            }
            (0..count).map(|i| Value::Int(start + i * step)).collect()
        }
        Value::Tensor(t) => {
            let rows = t.shape().first().copied().unwrap_or(0);
            (0..rows).map(|i| t.select(i).map(Value::Tensor)).collect::<crate::error::Result<_>>()?
        }
        other => return Err(PyError::type_error(format!("'{}' object is not iterable", other.type_name()))),
    })
}

/// `len(value)` without copying anything.
pub fn length(value: &Value) -> Result<usize, PyError> {
    Ok(match value {
        Value::List(items) => items.borrow().len(),
        Value::Tuple(items) => items.len(),
        Value::Dict(entries) => entries.borrow().len(),
        Value::Str(s) => s.chars().count(),
        Value::Range { start, stop, step } => usize::try_from(range_len(*start, *stop, *step)).unwrap_or(usize::MAX),
        Value::Tensor(t) => t.shape().first().copied().unwrap_or(0),
        other => return Err(PyError::type_error(format!("object of type '{}' has no len()", other.type_name()))),
    })
}

fn range_len(start: i64, stop: i64, step: i64) -> i64 {
    if step > 0 && start < stop {
        (stop.saturating_sub(start).saturating_add(step - 1)) / step
    } else if step < 0 && start > stop {
        // `range()` refuses a step of i64::MIN, so `-step` cannot overflow.
        (start.saturating_sub(stop).saturating_add(step.saturating_neg() - 1)) / step.saturating_neg()
    } else {
        0
    }
}

pub fn dict_insert(entries: &mut Vec<(Value, Value)>, key: Value, value: Value) {
    match entries.iter_mut().find(|(k, _)| equal(k, &key)) {
        Some(entry) => entry.1 = value,
        None => entries.push((key, value)),
    }
}

pub fn equal(lhs: &Value, rhs: &Value) -> bool {
    equal_within(lhs, rhs, 0, &std::cell::Cell::new(MAX_COMPARED))
}

/// Containers deeper than this compare by identity (a list that holds itself ends the descent).
const MAX_COMPARE_DEPTH: usize = 32;
/// Elements one comparison may visit: lists sharing their items (`a = [a, a, a]` 32 times) would
/// otherwise take 3^32 steps. Past it, unequal unless identical.
const MAX_COMPARED: usize = 1 << 20;

/// Whether two values are the very same object (Python's `is`).
pub fn identical(lhs: &Value, rhs: &Value) -> bool {
    match (lhs, rhs) {
        (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
        (Value::Tuple(a), Value::Tuple(b)) => Rc::ptr_eq(a, b),
        (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b),
        (Value::Pointer(a), Value::Pointer(b)) => Rc::ptr_eq(a, b),
        (Value::Model(a), Value::Model(b)) => Rc::ptr_eq(a, b),
        (Value::Instance(a), Value::Instance(b)) => Rc::ptr_eq(a, b),
        (Value::Class(a), Value::Class(b)) => Rc::ptr_eq(a, b),
        (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
        (Value::Tensor(a), Value::Tensor(b)) => a.shares_storage_with(b),
        (Value::Worker(a), Value::Worker(b)) => a == b,
        (Value::None, Value::None) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Int(a), Value::Int(b)) => a == b,
        (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
        _ => false,
    }
}

fn equal_within(lhs: &Value, rhs: &Value, depth: usize, budget: &std::cell::Cell<usize>) -> bool {
    if identical(lhs, rhs) && !matches!(lhs, Value::Float(_)) {
        return true;
    }
    if depth >= MAX_COMPARE_DEPTH || budget.get() == 0 {
        return false;
    }
    budget.set(budget.get() - 1);
    let equal = |x: &Value, y: &Value| equal_within(x, y, depth + 1, budget);
    match (lhs, rhs) {
        (Value::Dict(a), Value::Dict(b)) => {
            let (a, b) = (a.borrow(), b.borrow());
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.iter().any(|(other_key, other)| equal(key, other_key) && equal(value, other)))
        }
        (Value::None, Value::None) => true,
        (Value::Str(a), Value::Str(b)) => a == b,
        (Value::Worker(a), Value::Worker(b)) => a == b,
        (Value::List(a), Value::List(b)) => {
            let (a, b) = (a.borrow(), b.borrow());
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equal(x, y))
        }
        (Value::Tuple(a), Value::Tuple(b)) => a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| equal(x, y)),
        (Value::Pointer(a), Value::Pointer(b)) => Rc::ptr_eq(a, b),
        (Value::Tensor(a), Value::Tensor(b)) => a.shares_storage_with(b),
        _ => match (lhs.as_f64(), rhs.as_f64()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
    }
}

pub fn contains(container: &Value, item: &Value) -> Result<bool, PyError> {
    Ok(match container {
        Value::Str(s) => match item {
            Value::Str(part) => s.contains(&**part),
            _ => return Err(PyError::type_error("'in <string>' requires string as left operand")),
        },
        Value::Dict(entries) => entries.borrow().iter().any(|(k, _)| equal(k, item)),
        Value::List(items) => items.borrow().iter().any(|x| equal(x, item)),
        Value::Tuple(items) => items.iter().any(|x| equal(x, item)),
        other => iterate(other)?.iter().any(|x| equal(x, item)),
    })
}

/// `value` as a position in a `what` (`list`, `tuple`, `string`) of `length` items, negative
/// positions counting from the end; Python's errors otherwise.
fn index(value: &Value, length: usize, what: &str) -> Result<usize, PyError> {
    let i = value.as_i64().ok_or_else(|| {
        PyError::type_error(format!("{what} indices must be integers or slices, not {}", value.type_name()))
    })?;
    let out_of_range = || PyError::new(PyErrorKind::IndexError, format!("{what} index out of range"));
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let resolved = if i < 0 { i.checked_add(length).ok_or_else(out_of_range)? } else { i };
    if resolved < 0 || resolved >= length {
        return Err(out_of_range());
    }
    usize::try_from(resolved).map_err(|_| out_of_range())
}

/// `start:stop` of a slice, resolved against `length` (no step other than 1).
fn slice_bounds(slice: &(Value, Value, Value), length: usize) -> Result<(usize, usize), PyError> {
    if !matches!(slice.2, Value::None) && slice.2.as_i64() != Some(1) {
        return Err(PyError::new(PyErrorKind::ValueError, "slices with a step are not supported here"));
    }
    let length = i64::try_from(length).unwrap_or(i64::MAX);
    let bound = |v: &Value, default: i64| -> Result<i64, PyError> {
        match v {
            Value::None => Ok(default),
            other => {
                let i = other.as_i64().ok_or_else(|| PyError::type_error("slice indices must be integers or None"))?;
                Ok(if i < 0 { (i + length).max(0) } else { i.min(length) })
            }
        }
    };
    let (start, stop) = (bound(&slice.0, 0)?, bound(&slice.1, length)?);
    let to_usize = |i: i64| usize::try_from(i).unwrap_or(0);
    Ok((to_usize(start), to_usize(stop.max(start))))
}

pub fn get_item(object: &Value, key: &Value) -> Result<Value, PyError> {
    match (object, key) {
        (Value::List(items), Value::Slice(s)) => {
            let items = items.borrow();
            let (a, b) = slice_bounds(s, items.len())?;
            Ok(Value::list(items[a..b].to_vec()))
        }
        (Value::List(items), _) => {
            let items = items.borrow();
            Ok(items[index(key, items.len(), "list")?].clone())
        }
        (Value::Tuple(items), Value::Slice(s)) => {
            let (a, b) = slice_bounds(s, items.len())?;
            Ok(Value::tuple(items[a..b].to_vec()))
        }
        (Value::Tuple(items), _) => Ok(items[index(key, items.len(), "tuple")?].clone()),
        (Value::Str(text), Value::Slice(slice)) => {
            let (start, stop) = slice_bounds(slice, text.chars().count())?;
            Ok(Value::str(text.chars().skip(start).take(stop - start).collect::<String>()))
        }
        (Value::Str(text), _) => {
            let at = index(key, text.chars().count(), "string")?;
            Ok(Value::str(text.chars().nth(at).map(String::from).unwrap_or_default()))
        }
        (Value::Dict(entries), _) => entries
            .borrow()
            .iter()
            .find(|(k, _)| equal(k, key))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| PyError::new(PyErrorKind::KeyError, key_text(key))),
        (Value::Tensor(t), Value::Slice(s)) => {
            let (a, b) = slice_bounds(s, t.shape().first().copied().unwrap_or(0))?;
            Ok(Value::Tensor(t.rows(a, Some(b))?))
        }
        (Value::Tensor(t), Value::Tuple(keys)) => Ok(Value::Tensor(index_dims(t, keys)?)),
        (Value::Tensor(t), _) => {
            Ok(Value::Tensor(t.select(index(key, t.shape().first().copied().unwrap_or(0), "tensor")?)?))
        }
        (Value::Pointer(p), Value::Slice(s)) => {
            let start = s.0.as_i64().and_then(|i| usize::try_from(i).ok()).unwrap_or(0);
            let end = s.1.as_i64().and_then(|i| usize::try_from(i).ok());
            Ok(Value::Pointer(Rc::new(p.rows(start, end)?)))
        }
        (Value::Pointer(p), _) => {
            let i = key
                .as_i64()
                .and_then(|i| usize::try_from(i).ok())
                .ok_or_else(|| PyError::type_error("a pointer's index must be a non-negative integer"))?;
            Ok(Value::Pointer(Rc::new(p.select(i)?)))
        }
        _ => Err(PyError::type_error(format!("'{}' object is not subscriptable", object.type_name()))),
    }
}

fn key_text(key: &Value) -> String {
    match key {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        other => other.type_name().to_owned(),
    }
}

pub fn set_item(object: &Value, key: &Value, value: Value) -> Result<(), PyError> {
    match object {
        Value::List(items) => {
            let mut items = items.borrow_mut();
            let i = index(key, items.len(), "list assignment")?;
            items[i] = value;
            Ok(())
        }
        Value::Dict(entries) => {
            dict_insert(&mut entries.borrow_mut(), key.clone(), value);
            Ok(())
        }
        other => Err(PyError::type_error(format!("'{}' object does not support item assignment", other.type_name()))),
    }
}

/// `a[:, 0]`, `a[1, 2]`, `a[0:2, 1]`: per dimension an index (that dimension goes) or a slice
/// (kept, its rows taken).
fn index_dims(tensor: &crate::tensor::Tensor, keys: &[Value]) -> Result<crate::tensor::Tensor, PyError> {
    if keys.len() > tensor.shape().len() {
        return Err(PyError::new(
            PyErrorKind::IndexError,
            format!("too many indices for tensor of dimension {}", tensor.shape().len()),
        ));
    }
    let mut result = tensor.clone();
    let mut dim = 0;
    for key in keys {
        let size = result.shape().get(dim).copied().unwrap_or(0);
        match key {
            Value::Slice(slice) => {
                let (start, end) = slice_bounds(slice, size)?;
                if (start, end) != (0, size) {
                    // Rows of this dimension: moved to the front, taken, moved back (2-D at most).
                    result = match dim {
                        0 => result.rows(start, Some(end))?,
                        1 if result.shape().len() == 2 => result.t()?.rows(start, Some(end))?.t()?,
                        _ => {
                            return Err(PyError::new(
                                PyErrorKind::Syft("NotImplementedError"),
                                "a slice past the second dimension is not supported here",
                            ))
                        }
                    };
                }
                dim += 1;
            }
            other => result = result.select_dim(dim, index(other, size, "tensor")?)?,
        }
    }
    Ok(result)
}
