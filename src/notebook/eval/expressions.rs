//! Expressions: each kind evaluated (names, literals, operators, comparisons, calls, attributes,
//! subscripts, lambdas, f-strings), their arguments, and what `no_grad` does to their results.

use std::rc::Rc;

use super::{made, repetition, work, Evaluating, Interpreter};
use crate::notebook::ast::{Arg, BinOp, CmpOp, Expr, ExprKind, FPart, UnaryOp};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::limits::{overflow, too_long, MAX_SEQUENCE};
use crate::notebook::value::Value;
use crate::notebook::{operators, sequences, tensor_ops};

impl Interpreter {
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
                            text.push_str(&crate::notebook::repr::format_spec(&value, spec).await?);
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
                crate::notebook::library::attribute(&mut self.context, object, name).await?
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
    pub(super) fn changeable(&self, value: Value) -> Value {
        match value {
            Value::Tensor(t) if self.no_grad > 0 && t.requires_grad() => Value::Tensor(t.data()),
            other => other,
        }
    }

    pub async fn binary(&self, op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, PyError> {
        // A product of shared values waits for its Beaver triple and the openings.
        if let Some(result) = crate::notebook::sharing::binary(op, lhs, rhs).await {
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
