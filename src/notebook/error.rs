//! Errors as a Python user reads them: a kind (`NameError`, `AttributeError`, …), a message, and
//! where in the cell it happened. minisyft's own errors keep their text under the name PySyft
//! users know for them.

use std::fmt;

use crate::error::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyErrorKind {
    SyntaxError,
    IndentationError,
    NameError,
    AttributeError,
    TypeError,
    ValueError,
    IndexError,
    KeyError,
    ZeroDivisionError,
    OverflowError,
    RecursionError,
    /// Python or PyTorch that this notebook does not run yet (`unsupported.rs`).
    NotImplementedError,
    /// The cell ran past its budget of steps, or was stopped.
    KeyboardInterrupt,
    /// A minisyft error (PySyft raised these from its workers).
    Syft(&'static str),
}

impl PyErrorKind {
    pub fn name(self) -> &'static str {
        match self {
            PyErrorKind::SyntaxError => "SyntaxError",
            PyErrorKind::IndentationError => "IndentationError",
            PyErrorKind::NameError => "NameError",
            PyErrorKind::AttributeError => "AttributeError",
            PyErrorKind::TypeError => "TypeError",
            PyErrorKind::ValueError => "ValueError",
            PyErrorKind::IndexError => "IndexError",
            PyErrorKind::KeyError => "KeyError",
            PyErrorKind::ZeroDivisionError => "ZeroDivisionError",
            PyErrorKind::OverflowError => "OverflowError",
            PyErrorKind::RecursionError => "RecursionError",
            PyErrorKind::NotImplementedError => "NotImplementedError",
            PyErrorKind::KeyboardInterrupt => "KeyboardInterrupt",
            PyErrorKind::Syft(name) => name,
        }
    }
}

/// An error in a cell, with the line and column it points at (1-based; 0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct PyError {
    pub kind: PyErrorKind,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl PyError {
    pub fn new(kind: PyErrorKind, message: impl Into<String>) -> PyError {
        PyError { kind, message: message.into(), line: 0, column: 0 }
    }

    pub fn at(kind: PyErrorKind, message: impl Into<String>, line: usize, column: usize) -> PyError {
        PyError { kind, message: message.into(), line, column }
    }

    /// Places an error that does not know where it happened at `line`:`column`.
    pub fn located(mut self, line: usize, column: usize) -> PyError {
        if self.line == 0 {
            self.line = line;
            self.column = column;
        }
        self
    }

    pub fn type_error(message: impl Into<String>) -> PyError {
        PyError::new(PyErrorKind::TypeError, message)
    }

    pub fn attribute(type_name: &str, attribute: &str) -> PyError {
        PyError::new(PyErrorKind::AttributeError, format!("'{type_name}' object has no attribute '{attribute}'"))
    }

    /// The traceback's last lines, as Jupyter shows them: the line of the cell with a caret under
    /// the column, then `Kind: message`.
    pub fn render(&self, source: &str) -> String {
        let mut text = String::new();
        if self.line > 0 {
            if let Some(line) = source.lines().nth(self.line - 1) {
                text.push_str(&format!("  line {}\n    {}\n", self.line, line.trim_end()));
                let indent = line.chars().take_while(|c| c.is_whitespace()).count();
                let caret = self.column.saturating_sub(1).max(indent);
                text.push_str(&format!("    {}^\n", " ".repeat(caret)));
            }
        }
        text.push_str(&self.to_string());
        text
    }
}

impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

/// minisyft's errors under the names PySyft gave them.
impl From<Error> for PyError {
    fn from(error: Error) -> PyError {
        let kind = match &error {
            Error::ObjectNotFound { .. } => PyErrorKind::Syft("ObjectNotFoundError"),
            Error::DifferentWorkers { .. } | Error::LocalTensorWithPointer { .. } => {
                PyErrorKind::Syft("TensorsNotCollocatedException")
            }
            Error::IndexOutOfRange { .. } => PyErrorKind::IndexError,
            Error::LimitExceeded { .. } => PyErrorKind::Syft("MemoryError"),
            Error::PermissionDenied { .. } | Error::NotAllowed { .. } => PyErrorKind::Syft("GetNotPermittedError"),
            Error::WorkerExists { .. } => PyErrorKind::Syft("WorkerFoundError"),
            Error::WorkerGone { .. } | Error::UnknownWorker { .. } => PyErrorKind::Syft("WorkerNotFoundException"),
            _ => PyErrorKind::Syft("RuntimeError"),
        };
        PyError::new(kind, error.to_string())
    }
}
