//! `try`/`except`/`else`/`finally` and `raise`. Errors are caught by Python's names for them
//! (`except ZeroDivisionError as e:`; `Exception` and a bare `except:` catch every kind), with
//! one deliberate difference: the cell's step budget and the Stop button raise a
//! `KeyboardInterrupt` that nothing catches, so `while True: try: … except: pass` still ends.

use std::rc::Rc;

use super::{Flow, Interpreter};
use crate::notebook::ast::{Expr, Handler, Stmt};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::value::Value;

/// The exception classes a cell can name, to catch or to raise: Python's, and minisyft's errors
/// under the names PySyft gives them.
pub const EXCEPTION_TYPES: &[&str] = &[
    "Exception",
    "ValueError",
    "TypeError",
    "NameError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "ZeroDivisionError",
    "OverflowError",
    "RecursionError",
    "RuntimeError",
    "NotImplementedError",
    "AssertionError",
    "MemoryError",
    "ObjectNotFoundError",
    "TensorsNotCollocatedException",
    "GetNotPermittedError",
    "WorkerNotFoundException",
];

/// `ValueError` as a value, if `name` is an exception class.
pub fn exception_type(name: &str) -> Option<Value> {
    EXCEPTION_TYPES.iter().find(|n| **n == name).map(|n| Value::ExceptionType(n))
}

/// The error `raise ValueError("message")` raises.
pub fn instance(name: &'static str, message: String) -> PyError {
    let kind = match name {
        "ValueError" => PyErrorKind::ValueError,
        "TypeError" => PyErrorKind::TypeError,
        "NameError" => PyErrorKind::NameError,
        "AttributeError" => PyErrorKind::AttributeError,
        "IndexError" => PyErrorKind::IndexError,
        "KeyError" => PyErrorKind::KeyError,
        "ZeroDivisionError" => PyErrorKind::ZeroDivisionError,
        "OverflowError" => PyErrorKind::OverflowError,
        "RecursionError" => PyErrorKind::RecursionError,
        "NotImplementedError" => PyErrorKind::NotImplementedError,
        other => PyErrorKind::Syft(other),
    };
    PyError::new(kind, message)
}

/// Whether an `except` clause naming `kinds` (a class or a tuple of them) catches `error`.
fn catches(kinds: &Value, error: &PyError) -> Result<bool, PyError> {
    match kinds {
        Value::ExceptionType("Exception") => Ok(true),
        Value::ExceptionType(name) => Ok(*name == error.kind.name()),
        Value::Tuple(items) => {
            for item in items.iter() {
                if catches(item, error)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        other => Err(PyError::type_error(format!(
            "catching classes that do not inherit from BaseException is not allowed (got {})",
            other.type_name()
        ))),
    }
}

impl Interpreter {
    pub(super) async fn exec_try(
        &mut self,
        body: &[Stmt],
        handlers: &[Handler],
        orelse: &[Stmt],
        finally: &[Stmt],
    ) -> Result<Flow, PyError> {
        let mut outcome = self.exec_block(body).await;
        if let Err(error) = &outcome {
            if error.kind != PyErrorKind::KeyboardInterrupt {
                for handler in handlers {
                    let caught = match &handler.kinds {
                        None => true,
                        Some(kinds) => {
                            let kinds = self.eval(kinds).await?;
                            catches(&kinds, error)?
                        }
                    };
                    if caught {
                        let error = error.clone();
                        if let Some(name) = &handler.name {
                            self.bind(name, Value::Exception(Rc::new(error.clone())));
                        }
                        self.handling.push(error);
                        outcome = self.exec_block(&handler.body).await;
                        self.handling.pop();
                        break;
                    }
                }
            }
        } else if matches!(outcome, Ok(Flow::Next)) && !orelse.is_empty() {
            // `else` runs when the body finished: not after a return, break or continue.
            outcome = self.exec_block(orelse).await;
        }
        if !finally.is_empty() {
            // What `finally` does replaces the outcome only when it returns, breaks or raises.
            match self.exec_block(finally).await? {
                Flow::Next => {}
                flow => return Ok(flow),
            }
        }
        outcome
    }

    /// `raise X(...)`, `raise X`, or a bare `raise` re-raising the error being handled.
    pub(super) async fn raise(&mut self, value: Option<&Expr>) -> PyError {
        let Some(value) = value else {
            return match self.handling.last() {
                Some(error) => error.clone(),
                None => PyError::new(PyErrorKind::Syft("RuntimeError"), "No active exception to reraise"),
            };
        };
        match self.eval(value).await {
            Ok(Value::Exception(error)) => PyError::new(error.kind, error.message.clone()),
            Ok(Value::ExceptionType(name)) => instance(name, String::new()),
            Ok(other) => {
                PyError::type_error(format!("exceptions must derive from BaseException, not {}", other.type_name()))
            }
            Err(error) => error,
        }
    }
}
