//! The functions a cell calls by name: Python's builtins here, and the library's (`torch.*`,
//! `nn.*`, `optim.*`, `F.*`, `sy.*`) in `torch_calls.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use super::context::Context;
use super::error::{PyError, PyErrorKind};
use super::limits::{overflow, too_long, MAX_SEQUENCE};
use super::operators::binary;
use super::sequences::iterate;
use super::value::{keyword, Value};

type Evaluated = Result<Value, PyError>;

fn one<'a>(name: &str, args: &'a [Value]) -> Result<&'a Value, PyError> {
    args.first().ok_or_else(|| PyError::type_error(format!("{name}() takes exactly one argument (0 given)")))
}

fn integer(name: &str, value: &Value) -> Result<i64, PyError> {
    value.as_i64().ok_or_else(|| {
        PyError::type_error(format!("{name}(): '{}' object cannot be interpreted as an integer", value.type_name()))
    })
}

pub async fn call_builtin(
    context: &mut Context,
    name: &'static str,
    args: Vec<Value>,
    keywords: Vec<(String, Value)>,
) -> Evaluated {
    match name {
        "print" => {
            let mut parts = Vec::new();
            let mut printed = 0usize;
            for arg in &args {
                let part = super::repr::str(arg).await?;
                printed += part.len();
                if printed > MAX_SEQUENCE * 4 {
                    return Err(too_long("printed output"));
                }
                parts.push(part);
            }
            let separator = match keyword(&keywords, "sep") {
                Some(Value::Str(s)) => s.to_string(),
                _ => " ".to_owned(),
            };
            let end = match keyword(&keywords, "end") {
                Some(Value::Str(s)) => s.to_string(),
                _ => "\n".to_owned(),
            };
            context.stdout.push_str(&parts.join(&separator));
            context.stdout.push_str(&end);
            if context.stdout.len() > MAX_SEQUENCE * 4 {
                return Err(too_long("printed output"));
            }
            Ok(Value::None)
        }
        "range" => {
            let numbers = args.iter().map(|a| integer("range", a)).collect::<Result<Vec<_>, _>>()?;
            let (start, stop, step) = match numbers.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => {
                    return Err(PyError::type_error(format!("range expected 1 to 3 arguments, got {}", numbers.len())))
                }
            };
            if step == 0 {
                return Err(PyError::new(PyErrorKind::ValueError, "range() arg 3 must not be zero"));
            }
            if step == i64::MIN {
                return Err(overflow());
            }
            Ok(Value::Range { start, stop, step })
        }
        "len" => {
            let length = super::sequences::length(one(name, &args)?)?;
            Ok(Value::Int(i64::try_from(length).unwrap_or(i64::MAX)))
        }
        "zip" => {
            // Sized before anything is copied: `zip(*l)` over a million lists would copy them all.
            let lengths = args.iter().map(super::sequences::length).collect::<Result<Vec<_>, _>>()?;
            let shortest = lengths.iter().copied().min().unwrap_or(0);
            if shortest.saturating_mul(args.len()) > MAX_SEQUENCE || lengths.iter().sum::<usize>() > 4 * MAX_SEQUENCE {
                return Err(too_long("zip"));
            }
            let lists = args.iter().map(iterate).collect::<Result<Vec<_>, _>>()?;
            Ok(Value::list((0..shortest).map(|i| Value::tuple(lists.iter().map(|l| l[i].clone()).collect())).collect()))
        }
        "enumerate" => {
            let items = iterate(one(name, &args)?)?;
            let start = args.get(1).or_else(|| keyword(&keywords, "start")).and_then(Value::as_i64).unwrap_or(0);
            let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
            start.checked_add(count).ok_or_else(overflow)?;
            Ok(Value::list(
                items.into_iter().zip(start..).map(|(item, i)| Value::tuple(vec![Value::Int(i), item])).collect(),
            ))
        }
        "list" => Ok(Value::list(match args.first() {
            Some(value) => iterate(value)?,
            None => Vec::new(),
        })),
        "tuple" => Ok(Value::tuple(match args.first() {
            Some(value) => iterate(value)?,
            None => Vec::new(),
        })),
        "str" => Ok(Value::str(match args.first() {
            Some(value) => super::repr::str(value).await?,
            None => String::new(),
        })),
        "copy.deepcopy" | "copy.copy" => Ok(match one(name, &args)? {
            Value::Model(model) => context.register(super::methods::copy_model(model)?),
            Value::Tensor(t) => {
                let copy = t.data().deep_clone();
                copy.set_requires_grad(t.requires_grad())?;
                Value::Tensor(copy)
            }
            Value::List(items) => Value::list(items.borrow().clone()),
            Value::Dict(entries) => Value::Dict(Rc::new(RefCell::new(entries.borrow().clone()))),
            other => other.clone(),
        }),
        "super" => Ok(Value::Super),
        "super().__init__" | "nn.Module" => Ok(Value::None),
        "isinstance" => {
            let (object, class) = (one(name, &args)?, args.get(1).unwrap_or(&Value::None));
            Ok(Value::Bool(match (object, class) {
                (Value::Instance(instance), Value::Class(class)) => std::rc::Rc::ptr_eq(&instance.class, class),
                (Value::Instance(instance), Value::Builtin("nn.Module")) => instance.class.module,
                (Value::Model(_), Value::Builtin("nn.Module" | "nn.Linear")) => true,
                (Value::Tensor(_), Value::Builtin("torch.Tensor")) => true,
                (Value::Int(_), Value::Builtin("int")) | (Value::Float(_), Value::Builtin("float")) => true,
                (Value::Str(_), Value::Builtin("str")) | (Value::List(_), Value::Builtin("list")) => true,
                (Value::Bool(_), Value::Builtin("bool" | "int")) | (Value::Tuple(_), Value::Builtin("tuple")) => true,
                _ => false,
            }))
        }
        "bool" => Ok(Value::Bool(args.first().map(Value::truthy).transpose()?.unwrap_or(false))),
        "int" => match one(name, &args)? {
            Value::Str(s) => s.trim().parse::<i64>().map(Value::Int).map_err(|_| {
                PyError::new(PyErrorKind::ValueError, format!("invalid literal for int() with base 10: '{s}'"))
            }),
            Value::Tensor(t) => Ok(Value::Int(t.item()? as i64)),
            other => other
                .as_f64()
                .filter(|f| f.is_finite() && f.abs() < 9.2e18)
                .map(|f| Value::Int(f.trunc() as i64))
                .ok_or_else(|| {
                    PyError::type_error(format!("int() argument must be a number, not '{}'", other.type_name()))
                }),
        },
        "float" => match one(name, &args)? {
            Value::Str(s) => s.trim().parse::<f64>().map(Value::Float).map_err(|_| {
                PyError::new(PyErrorKind::ValueError, format!("could not convert string to float: '{s}'"))
            }),
            Value::Tensor(t) => Ok(Value::Float(t.item()?)),
            other => other.as_f64().map(Value::Float).ok_or_else(|| {
                PyError::type_error(format!("float() argument must be a number, not '{}'", other.type_name()))
            }),
        },
        "abs" => match one(name, &args)? {
            Value::Int(i) => Ok(Value::Int(i.checked_abs().ok_or_else(overflow)?)),
            Value::Float(f) => Ok(Value::Float(f.abs())),
            other => Err(PyError::type_error(format!("bad operand type for abs(): '{}'", other.type_name()))),
        },
        "min" | "max" => {
            let items = if args.len() == 1 { iterate(&args[0])? } else { args.clone() };
            let mut best: Option<(f64, Value)> = None;
            for item in items {
                let number =
                    item.as_f64().ok_or_else(|| PyError::type_error(format!("{name}() of a {}", item.type_name())))?;
                let better = match &best {
                    None => true,
                    Some((b, _)) => (name == "min" && number < *b) || (name == "max" && number > *b),
                };
                if better {
                    best = Some((number, item));
                }
            }
            best.map(|(_, v)| v)
                .ok_or_else(|| PyError::new(PyErrorKind::ValueError, format!("{name}() arg is an empty sequence")))
        }
        "sum" => {
            let mut total = Value::Int(0);
            for item in iterate(one(name, &args)?)? {
                total = binary(super::ast::BinOp::Add, &total, &item)?;
            }
            Ok(total)
        }
        "round" => {
            let value = one(name, &args)?.as_f64().ok_or_else(|| PyError::type_error("round() takes a number"))?;
            match args.get(1).and_then(Value::as_i64) {
                Some(digits) => {
                    let scale = 10f64.powi(i32::try_from(digits.clamp(-20, 20)).unwrap_or(0));
                    Ok(Value::Float((value * scale).round_ties_even() / scale))
                }
                None => Ok(Value::Int(value.round_ties_even() as i64)),
            }
        }
        _ => super::torch_calls::call_library(context, name, args, keywords),
    }
}
