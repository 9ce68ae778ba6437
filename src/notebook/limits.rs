//! Every limit a cell meets, in one place: how long a cell may be, how deeply it may nest, how
//! many steps it may take, how long a sequence it may build.

use super::error::{PyError, PyErrorKind};

pub use super::parser::MAX_NESTING;
pub use super::scanner::MAX_CELL_BYTES;

/// How many steps (statements, expressions, loop turns) one cell may take: a loop of 10^9
/// iterations stops with a message instead of freezing the page.
pub const MAX_STEPS: u64 = 20_000_000;
/// How deeply calls of `def` functions may nest.
pub const MAX_CALL_DEPTH: usize = 24;
/// How deeply expressions, blocks and calls may nest together while a cell runs. Each level holds
/// a frame of the real stack; 160 levels take about 400 KB in a release build, within the 1 MB
/// a page's wasm has.
pub const MAX_EVAL_DEPTH: usize = 160;
/// The longest list, string or range a cell may build.
pub const MAX_SEQUENCE: usize = 1 << 20;

pub fn overflow() -> PyError {
    PyError::new(PyErrorKind::OverflowError, "integer result too large (integers here are 64-bit)")
}

pub fn too_long(what: &str) -> PyError {
    PyError::new(PyErrorKind::Syft("MemoryError"), format!("a {what} longer than {MAX_SEQUENCE} is refused"))
}
