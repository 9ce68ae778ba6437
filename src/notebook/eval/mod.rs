//! The tree-walking evaluator: statements (`statements.rs`) and expressions (`expressions.rs`) over
//! a namespace, async because a `get` waits for its worker. Here: the interpreter, its namespace
//! and its budget — every step counts against the cell's, and every so many steps the evaluator
//! yields to the page (which is also when a Stop is seen).

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::ast::BinOp;
use super::context::Context;
use super::error::{PyError, PyErrorKind};
use super::limits::{MAX_EVAL_DEPTH, MAX_STEPS};
use super::value::Value;
use crate::client::Syft;
use crate::rng::Rng;

mod call;
mod class;
mod comprehension;
mod exceptions;
mod expressions;
mod statements;

use call::Frame;

pub type Evaluating<'a, T> = Pin<Box<dyn Future<Output = Result<T, PyError>> + 'a>>;

/// Lets the page breathe between statements: a future that resolves on a later turn of its
/// event loop (natively, nothing to wait for).
pub type Yielder = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Steps between two yields to the page.
const STEPS_PER_YIELD: u64 = 2_000;
/// Tensor elements an op may touch for one step of the budget.
const ELEMENTS_PER_STEP: u64 = 4;
/// Steps a new list, tuple or dict costs per item, and a new string per byte (a step each 8).
/// With the step budget this bounds what one cell can allocate: about 20M / 4 items of 32 bytes.
const STEPS_PER_ITEM: u64 = 4 * ELEMENTS_PER_STEP;

/// The tensor elements an op reads: a local tensor's, a method's receiver's (a model's or an
/// optimizer's parameters). Remote work is the workers' to limit.
fn work(value: &Value) -> u64 {
    match value {
        Value::Tensor(t) => t.numel() as u64,
        Value::Method(bound) => work(&bound.0),
        Value::Model(model) => model.local.parameters().iter().map(|p| p.numel() as u64).sum(),
        Value::Optimizer(optimizer) => optimizer.models.iter().map(|m| work(&Value::Model(Rc::clone(m)))).sum(),
        _ => 0,
    }
}

/// What `lhs * rhs` will make when it repeats a list or a string, in the units of `made`.
fn repetition(op: BinOp, lhs: &Value, rhs: &Value) -> u64 {
    if op != BinOp::Mul {
        return 0;
    }
    let (sequence, count) = match (lhs.as_i64(), rhs.as_i64()) {
        (None, Some(n)) => (lhs, n),
        (Some(n), None) => (rhs, n),
        _ => return 0,
    };
    let count = u64::try_from(count).unwrap_or(0);
    match sequence {
        Value::List(items) => (items.borrow().len() as u64).saturating_mul(count).saturating_mul(STEPS_PER_ITEM),
        Value::Str(s) => (s.len() as u64).saturating_mul(count).saturating_mul(STEPS_PER_ITEM) / 8,
        _ => 0,
    }
}

/// What a result made, in the same units: its tensor elements, or its items and bytes.
fn made(value: &Value) -> u64 {
    let items = |n: usize| (n as u64).saturating_mul(STEPS_PER_ITEM);
    match value {
        Value::List(items_of) => items(items_of.borrow().len()),
        Value::Tuple(items_of) => items(items_of.len()),
        Value::Dict(entries) => items(entries.borrow().len()),
        Value::Str(s) => (s.len() as u64).saturating_mul(STEPS_PER_ITEM) / 8,
        other => work(other),
    }
}

pub enum Flow {
    Next,
    Break,
    Continue,
    Return(Value),
}

pub struct Interpreter {
    pub context: Context,
    pub globals: HashMap<String, Value>,
    frames: Vec<Frame>,
    steps: u64,
    /// How deeply `eval`/`exec` are nested right now.
    depth: usize,
    /// Steps a cell may take (at most `MAX_STEPS`).
    pub budget: u64,
    pub yielder: Option<Yielder>,
    pub stop: Rc<Cell<bool>>,
    /// The errors `except` clauses are handling, innermost last (what a bare `raise` re-raises).
    handling: Vec<PyError>,
    /// How many `with torch.no_grad():` blocks are running: inside one, local results record no
    /// history and in-place changes to a parameter are allowed (they go to its data), as in PyTorch.
    no_grad: usize,
}

impl Interpreter {
    pub fn new(syft: Syft, seed: u64) -> Interpreter {
        Interpreter {
            context: Context { syft, stdout: String::new(), rng: Rng::seeded(seed), models: Vec::new() },
            globals: HashMap::new(),
            frames: Vec::new(),
            steps: 0,
            depth: 0,
            budget: MAX_STEPS,
            yielder: None,
            stop: Rc::new(Cell::new(false)),
            handling: Vec::new(),
            no_grad: 0,
        }
    }

    pub fn reset_budget(&mut self) {
        self.steps = 0;
        self.depth = 0;
        self.stop.set(false);
        self.frames.clear();
        self.handling.clear();
        self.no_grad = 0;
    }

    async fn step(&mut self) -> Result<(), PyError> {
        self.steps += 1;
        if self.steps > self.budget {
            return Err(PyError::new(
                PyErrorKind::KeyboardInterrupt,
                format!("the cell ran for more than {} steps and was stopped (is a loop endless?)", self.budget),
            ));
        }
        if self.steps.is_multiple_of(STEPS_PER_YIELD) {
            if let Some(yielder) = self.yielder.clone() {
                yielder().await;
            }
        }
        if self.stop.get() {
            return Err(PyError::new(PyErrorKind::KeyboardInterrupt, "stopped"));
        }
        Ok(())
    }

    /// Local tensor work counts against the budget too: a step per `ELEMENTS_PER_STEP` elements
    /// an op read or wrote, so a loop of large ops ends as an endless loop does.
    fn charge(&mut self, elements: u64) -> Result<(), PyError> {
        self.steps = self.steps.saturating_add(elements / ELEMENTS_PER_STEP);
        if self.steps > self.budget {
            return Err(PyError::new(
                PyErrorKind::KeyboardInterrupt,
                format!("the cell did more than {} steps of work and was stopped", self.budget),
            ));
        }
        Ok(())
    }

    /// A name's value: the running function's own, then those of the functions it was defined
    /// in, then the notebook's, then the builtins.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(frame) = self.frames.last() {
            if let Some(value) = frame.locals.borrow().get(name) {
                return Some(value.clone());
            }
            for scope in frame.enclosing.iter().rev() {
                if let Some(value) = scope.borrow().get(name) {
                    return Some(value.clone());
                }
            }
        }
        self.globals
            .get(name)
            .cloned()
            .or_else(|| super::library::builtin(name))
            .or_else(|| exceptions::exception_type(name))
    }

    pub fn bind(&mut self, name: &str, value: Value) {
        match self.frames.last() {
            Some(frame) => frame.locals.borrow_mut().insert(name.to_owned(), value),
            None => self.globals.insert(name.to_owned(), value),
        };
    }

    /// One level deeper in the tree being evaluated. Each level holds a frame of the real stack
    /// while it runs, so the depth is bounded as Python bounds its recursion: a cell nests
    /// expressions, blocks and calls at most `MAX_EVAL_DEPTH` deep together.
    fn enter(&mut self) -> Result<(), PyError> {
        if self.depth >= MAX_EVAL_DEPTH {
            return Err(PyError::new(
                PyErrorKind::RecursionError,
                format!("maximum recursion depth exceeded ({MAX_EVAL_DEPTH} nested expressions, blocks and calls)"),
            ));
        }
        self.depth += 1;
        Ok(())
    }
}
