//! The tree-walking evaluator: statements and expressions over a namespace, async because a `get`
//! waits for its worker. Every step counts against the cell's budget, and every so many steps the
//! evaluator yields to the page (which is also when a Stop is seen).

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::ast::{Arg, BinOp, CmpOp, Expr, ExprKind, FPart, UnaryOp};
use super::context::Context;
use super::error::{PyError, PyErrorKind};
use super::limits::{overflow, too_long, MAX_EVAL_DEPTH, MAX_SEQUENCE, MAX_STEPS};
use super::operators;
use super::sequences;
use super::tensor_ops;
use super::value::Value;
use crate::client::Syft;
use crate::rng::Rng;

mod call;
mod class;
mod comprehension;
mod exceptions;
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

    pub fn eval<'a>(&'a mut self, expr: &'a Expr) -> Evaluating<'a, Value> {
        Box::pin(async move {
            self.enter().map_err(|e| e.located(expr.line, expr.column))?;
            let value = match self.step().await {
                Ok(()) => self.eval_kind(expr).await,
                Err(error) => Err(error),
            };
            self.depth -= 1;
            value.map_err(|e| e.located(expr.line, expr.column))
        })
    }

    async fn eval_kind(&mut self, expr: &Expr) -> Result<Value, PyError> {
        Ok(match &expr.kind {
            ExprKind::Name(name) => self.lookup(name).ok_or_else(|| {
                crate::notebook::unsupported::builtin(name, crate::notebook::library::BUILTINS)
                    .unwrap_or_else(|| PyError::new(PyErrorKind::NameError, format!("name '{name}' is not defined")))
            })?,
            ExprKind::Int(i) => Value::Int(*i),
            ExprKind::Float(f) => Value::Float(*f),
            ExprKind::Str(s) => Value::str(s.as_str()),
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::None => Value::None,
            ExprKind::FString(parts) => {
                let mut text = String::new();
                for part in parts {
                    match part {
                        FPart::Text(t) => text.push_str(t),
                        FPart::Value { expr, spec } => {
                            let value = self.eval(expr).await?;
                            text.push_str(&super::repr::format_spec(&value, spec).await?);
                        }
                    }
                    if text.len() > MAX_SEQUENCE {
                        return Err(too_long("string"));
                    }
                }
                Value::str(text)
            }
            ExprKind::List(items) => Value::list(self.eval_all(items).await?),
            ExprKind::Tuple(items) => Value::tuple(self.eval_all(items).await?),
            ExprKind::Dict(pairs) => {
                let mut entries = Vec::new();
                for (key, value) in pairs {
                    let key = self.eval(key).await?;
                    let value = self.eval(value).await?;
                    sequences::dict_insert(&mut entries, key, value);
                }
                Value::Dict(Rc::new(std::cell::RefCell::new(entries)))
            }
            ExprKind::Attribute { value, name } => {
                let object = self.eval(value).await?;
                super::library::attribute(&mut self.context, object, name).await?
            }
            ExprKind::Subscript { value, index } => {
                let object = self.eval(value).await?;
                let index = self.eval(index).await?;
                let item = sequences::get_item(&object, &index)?;
                if matches!(index, Value::Slice(_)) {
                    self.charge(made(&item))?;
                }
                item
            }
            ExprKind::Slice { start, stop, step } => {
                let mut values = Vec::new();
                for part in [start, stop, step] {
                    values.push(match part {
                        Some(e) => self.eval(e).await?,
                        None => Value::None,
                    });
                }
                let [start, stop, step]: [Value; 3] =
                    values.try_into().unwrap_or([Value::None, Value::None, Value::None]);
                Value::Slice(Rc::new((start, stop, step)))
            }
            ExprKind::Call { function, args } => {
                let function = self.eval(function).await?;
                // `w.sub_(…)` on a parameter, inside `no_grad`: on its data.
                let function = match function {
                    Value::Method(bound) if self.no_grad > 0 && bound.1.ends_with('_') => {
                        Value::Method(Rc::new((self.changeable(bound.0.clone()), bound.1.clone())))
                    }
                    other => other,
                };
                let (positional, keywords) = self.eval_arguments(args).await?;
                let inputs: u64 = work(&function) + positional.iter().map(work).sum::<u64>();
                let result = self.call(function, positional, keywords).await?;
                self.charge(inputs.saturating_add(made(&result)))?;
                self.without_history(result)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let lhs = self.eval(lhs).await?;
                let rhs = self.eval(rhs).await?;
                // A repetition (`[0] * n`, `'a' * n`) is charged before it is built, so a cell over
                // its budget never allocates it.
                self.charge(repetition(*op, &lhs, &rhs))?;
                let result = self.binary(*op, &lhs, &rhs).await?;
                self.charge(work(&lhs).saturating_add(work(&rhs)).saturating_add(made(&result)))?;
                self.without_history(result)
            }
            ExprKind::Unary { op, operand } => {
                let value = self.eval(operand).await?;
                match op {
                    UnaryOp::Not => Value::Bool(!value.truthy()?),
                    UnaryOp::Pos => value,
                    UnaryOp::Neg => match value {
                        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(overflow)?),
                        Value::Float(f) => Value::Float(-f),
                        Value::Bool(b) => Value::Int(-i64::from(b)),
                        other => tensor_ops::negate(&other).unwrap_or_else(|| {
                            Err(PyError::type_error(format!("bad operand type for unary -: '{}'", other.type_name())))
                        })?,
                    },
                }
            }
            ExprKind::Compare { first, rest } => {
                let mut lhs = self.eval(first).await?;
                for (op, rhs) in rest {
                    let rhs = self.eval(rhs).await?;
                    if !compare(*op, &lhs, &rhs)? {
                        return Ok(Value::Bool(false));
                    }
                    lhs = rhs;
                }
                Value::Bool(true)
            }
            ExprKind::And(lhs, rhs) => {
                let lhs = self.eval(lhs).await?;
                if !lhs.truthy()? {
                    return Ok(lhs);
                }
                self.eval(rhs).await?
            }
            ExprKind::Or(lhs, rhs) => {
                let lhs = self.eval(lhs).await?;
                if lhs.truthy()? {
                    return Ok(lhs);
                }
                self.eval(rhs).await?
            }
            ExprKind::Lambda(def) => self.define(def).await?,
            ExprKind::Comprehension { kind, element, value, clauses } => {
                let built = self.comprehension(*kind, element, value.as_deref(), clauses).await?;
                self.charge(made(&built))?;
                built
            }
            ExprKind::IfElse { condition, then, otherwise } => {
                if self.eval(condition).await?.truthy()? {
                    self.eval(then).await?
                } else {
                    self.eval(otherwise).await?
                }
            }
        })
    }

    async fn eval_all(&mut self, items: &[Expr]) -> Result<Vec<Value>, PyError> {
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            values.push(self.eval(item).await?);
        }
        Ok(values)
    }

    async fn eval_arguments(&mut self, args: &[Arg]) -> Result<(Vec<Value>, Vec<(String, Value)>), PyError> {
        let (mut positional, mut keywords) = (Vec::new(), Vec::new());
        for arg in args {
            match arg {
                Arg::Positional(expr) => positional.push(self.eval(expr).await?),
                Arg::Keyword(name, expr) => keywords.push((name.clone(), self.eval(expr).await?)),
                Arg::Star(expr) => {
                    let value = self.eval(expr).await?;
                    positional.extend(sequences::iterate(&value)?);
                }
            }
        }
        Ok((positional, keywords))
    }

    /// Inside `no_grad`, a result as its data: it records no history. A leaf made there
    /// (`torch.tensor(…, requires_grad=True)`) keeps its flag, as in PyTorch.
    fn without_history(&self, value: Value) -> Value {
        match value {
            Value::Tensor(t) if self.no_grad > 0 && t.requires_grad() && !t.is_leaf() => Value::Tensor(t.data()),
            other => other,
        }
    }

    /// Inside `no_grad`, a parameter to change in place (`w -= …`, `w.sub_(…)`): its data.
    fn changeable(&self, value: Value) -> Value {
        match value {
            Value::Tensor(t) if self.no_grad > 0 && t.requires_grad() => Value::Tensor(t.data()),
            other => other,
        }
    }

    pub async fn binary(&self, op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, PyError> {
        // A product of shared values waits for its Beaver triple and the openings.
        if let Some(result) = super::sharing::binary(op, lhs, rhs).await {
            return result;
        }
        operators::binary(op, lhs, rhs)
    }
}

fn compare(op: CmpOp, lhs: &Value, rhs: &Value) -> Result<bool, PyError> {
    use std::cmp::Ordering;
    let equal = || sequences::equal(lhs, rhs);
    // `None` for a comparison with NaN, which is false whatever the operator (as in Python).
    let order = || -> Result<Option<Ordering>, PyError> {
        match (lhs, rhs) {
            (Value::Str(a), Value::Str(b)) => Ok(Some(a.cmp(b))),
            _ => match (lhs.as_f64(), rhs.as_f64()) {
                (Some(a), Some(b)) => Ok(a.partial_cmp(&b)),
                _ => Err(PyError::type_error(format!(
                    "'<' not supported between instances of '{}' and '{}'",
                    lhs.type_name(),
                    rhs.type_name()
                ))),
            },
        }
    };
    Ok(match op {
        CmpOp::Eq => equal(),
        CmpOp::NotEq => !equal(),
        CmpOp::Lt => order()? == Some(Ordering::Less),
        CmpOp::LtE => matches!(order()?, Some(Ordering::Less | Ordering::Equal)),
        CmpOp::Gt => order()? == Some(Ordering::Greater),
        CmpOp::GtE => matches!(order()?, Some(Ordering::Greater | Ordering::Equal)),
        CmpOp::Is => sequences::identical(lhs, rhs),
        CmpOp::IsNot => !sequences::identical(lhs, rhs),
        CmpOp::In => sequences::contains(rhs, lhs)?,
        CmpOp::NotIn => !sequences::contains(rhs, lhs)?,
    })
}
