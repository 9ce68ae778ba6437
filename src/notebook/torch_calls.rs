//! The library functions a cell calls by name: `torch.*` (`torch.tensor` from nested lists),
//! `nn.*`, `optim.*`, `F.*` and `sy.*`; Python's own builtins are `builtins.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use super::context::Context;
use super::error::{PyError, PyErrorKind};
use super::limits::too_long;
use super::operators::binary;
use super::sequences::iterate;
use super::value::{keyword, Model, Optimizer, Rule, Value};
use crate::nn::{Adam, Linear, Sgd};
use crate::tensor::{Elementwise, Tensor};

type Evaluated = Result<Value, PyError>;

/// Workers one notebook may start: each is a Web Worker with a wasm instance of its own.
const MAX_NOTEBOOK_WORKERS: usize = 16;

fn tensor_argument<'a>(name: &str, args: &'a [Value], at: usize) -> Result<&'a Value, PyError> {
    args.get(at).ok_or_else(|| PyError::type_error(format!("{name}() missing a tensor argument")))
}

pub(super) fn call_library(
    context: &mut Context,
    name: &'static str,
    args: Vec<Value>,
    keywords: Vec<(String, Value)>,
) -> Evaluated {
    if let Some(function) = Elementwise::ALL.iter().find(|f| f.name() == name) {
        return match tensor_argument(name, &args, 0)? {
            Value::Tensor(t) => Ok(Value::Tensor(t.elementwise(*function))),
            Value::Pointer(p) => super::tensor_ops::pointer_method(p, name, &[])
                .unwrap_or_else(|| Err(PyError::attribute("PointerTensor", name))),
            other => Err(PyError::type_error(format!(
                "{name}(): argument 'input' must be Tensor, not {}",
                other.type_name()
            ))),
        };
    }
    match name {
        "torch.tensor" | "torch.Tensor" => {
            let data = args
                .first()
                .ok_or_else(|| PyError::type_error("tensor() missing 1 required positional argument: 'data'"))?;
            let tensor = tensor_from(data, name == "torch.Tensor")?;
            if keyword(&keywords, "requires_grad").map(Value::truthy).transpose()?.unwrap_or(false) {
                return Ok(Value::Tensor(tensor.requiring_grad()?));
            }
            Ok(Value::Tensor(tensor))
        }
        "torch.zeros" => {
            let dims =
                args.iter().map(|a| a.as_i64().and_then(|i| usize::try_from(i).ok())).collect::<Option<Vec<_>>>();
            let dims = dims.ok_or_else(|| PyError::type_error("zeros() takes sizes as integers"))?;
            crate::limits::checked_elements(&dims)?;
            Ok(Value::Tensor(Tensor::zeros(&dims)))
        }
        "torch.add" | "torch.sub" | "torch.mul" | "torch.div" | "torch.mm" | "torch.matmul" => {
            let op = match name {
                "torch.add" => super::ast::BinOp::Add,
                "torch.sub" => super::ast::BinOp::Sub,
                "torch.mul" => super::ast::BinOp::Mul,
                "torch.div" => super::ast::BinOp::Div,
                _ => super::ast::BinOp::MatMul,
            };
            binary(op, tensor_argument(name, &args, 0)?, tensor_argument(name, &args, 1)?)
        }
        "torch.sum" | "torch.mean" => {
            let method = name.trim_start_matches("torch.");
            match tensor_argument(name, &args, 0)? {
                Value::Tensor(t) => super::tensor_ops::tensor_method(t, method, &[])
                    .unwrap_or_else(|| Err(PyError::attribute("Tensor", method))),
                Value::Pointer(p) => super::tensor_ops::pointer_method(p, method, &[])
                    .unwrap_or_else(|| Err(PyError::attribute("PointerTensor", method))),
                other => Err(PyError::type_error(format!(
                    "{method}(): argument 'input' must be Tensor, not {}",
                    other.type_name()
                ))),
            }
        }
        "torch.no_grad" => Ok(Value::NoGrad),
        "torch.manual_seed" => {
            let seed = args
                .first()
                .and_then(Value::as_i64)
                .ok_or_else(|| PyError::type_error("manual_seed() takes an integer"))?;
            context.rng = crate::rng::Rng::seeded(seed as u64);
            Ok(Value::None)
        }
        "nn.Linear" => {
            let size = |at: usize, key: &str| {
                args.get(at)
                    .or_else(|| keyword(&keywords, key))
                    .and_then(Value::as_i64)
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|n| (1..=4096).contains(n))
                    .ok_or_else(|| PyError::type_error(format!("Linear(): {key} must be an integer from 1 to 4096")))
            };
            let linear = Linear::new(size(0, "in_features")?, size(1, "out_features")?, &mut context.rng)?;
            Ok(context.register(Model { local: linear, remote: RefCell::new(None) }))
        }
        "F.mse_loss" => {
            let (prediction, target) = (tensor_argument(name, &args, 0)?, tensor_argument(name, &args, 1)?);
            let difference = binary(super::ast::BinOp::Sub, prediction, target)?;
            let squared = binary(super::ast::BinOp::Pow, &difference, &Value::Int(2))?;
            match squared {
                Value::Tensor(t) => Ok(Value::Tensor(t.mean()?)),
                Value::Pointer(p) => Ok(Value::Pointer(Rc::new(p.mean()?))),
                other => Err(PyError::type_error(format!("mse_loss(): expected tensors, got {}", other.type_name()))),
            }
        }
        "optim.SGD" | "optim.Adam" => {
            let parameters = args
                .first()
                .or_else(|| keyword(&keywords, "params"))
                .ok_or_else(|| PyError::type_error("SGD() missing 'params'"))?;
            // Local tensors, or a sent model's parameters (pointers): those are stepped where they are.
            let mut local = Vec::new();
            let mut pointers = Vec::new();
            for parameter in iterate(parameters)? {
                match parameter {
                    Value::Tensor(t) => local.push(t),
                    Value::Pointer(p) => pointers.push(p),
                    other => {
                        return Err(PyError::type_error(format!(
                            "optimizer can only optimize Tensors, not {}",
                            other.type_name()
                        )))
                    }
                }
            }
            let parameters = local;
            let sent_models = context.models.iter().filter_map(std::rc::Weak::upgrade).filter(|m| {
                m.remote.borrow().as_ref().is_some_and(|r| {
                    pointers
                        .iter()
                        .any(|p| [&r.weight, &r.bias].iter().any(|q| q.id_at_location() == p.id_at_location()))
                })
            });
            let remote_models: Vec<Rc<Model>> = sent_models.collect();
            if remote_models.len() * 2 < pointers.len() {
                return Err(PyError::type_error(
                    "an optimizer takes a sent model's parameters (model.parameters()), not other pointers",
                ));
            }
            let lr = match args.get(1).or_else(|| keyword(&keywords, "lr")) {
                Some(value) => value.as_f64().ok_or_else(|| PyError::type_error("lr must be a number"))?,
                None => 0.001,
            };
            if !(lr.is_finite() && lr >= 0.0) {
                return Err(PyError::new(PyErrorKind::ValueError, format!("Invalid learning rate: {lr}")));
            }
            let models = context
                .models
                .iter()
                .filter_map(std::rc::Weak::upgrade)
                .filter(|m| m.local.parameters().iter().any(|p| parameters.iter().any(|q| p.shares_storage_with(q))))
                .collect();
            let rule = match name {
                "optim.Adam" => Rule::Adam(Adam::new(parameters, lr)),
                _ => Rule::Sgd(Sgd::new(parameters, lr)),
            };
            Ok(Value::Optimizer(Rc::new(Optimizer { rule, models, remote_models })))
        }
        "sy.TorchHook" => Ok(Value::Hook),
        "sy.VirtualWorker" => {
            let id = match args.get(1).or_else(|| keyword(&keywords, "id")) {
                Some(Value::Str(id)) => id.to_string(),
                Some(other) => {
                    return Err(PyError::type_error(format!(
                        "VirtualWorker(): id must be a string, not {}",
                        other.type_name()
                    )))
                }
                None => return Err(PyError::type_error("VirtualWorker() missing the keyword argument 'id'")),
            };
            if id.is_empty() || id.len() > 64 || id == crate::ME {
                return Err(PyError::new(
                    PyErrorKind::ValueError,
                    format!("a worker's id must be 1 to 64 characters and not 'me'; got '{id}'"),
                ));
            }
            // Running the cell again gives the same worker, as the lesson expects of a re-run.
            if context.syft.worker(&id).is_none() && context.syft.worker_ids().len() >= MAX_NOTEBOOK_WORKERS {
                return Err(PyError::new(
                    PyErrorKind::ValueError,
                    format!("a notebook starts at most {MAX_NOTEBOOK_WORKERS} workers (each is a Web Worker); Restart to begin afresh"),
                ));
            }
            match context.syft.worker(&id) {
                Some(existing) => Ok(Value::Worker(existing)),
                None => {
                    // PySyft 0.2's virtual workers all know each other (one process, one registry):
                    // `alices_model.move(secure_worker)` needs no `add_worker`. A new worker is
                    // introduced to every other here, as the seed's In[59] does by hand.
                    let others: Vec<_> =
                        context.syft.worker_ids().into_iter().filter_map(|w| context.syft.worker(&w)).collect();
                    let created = context.syft.create_worker(&id)?;
                    for other in others.iter().filter(|w| !w.is_me() && w.id() != created.id()) {
                        created.add_worker(other)?;
                    }
                    Ok(Value::Worker(created))
                }
            }
        }
        _ => Err(PyError::new(PyErrorKind::NameError, format!("'{name}' is not available in this notebook"))),
    }
}

/// `torch.tensor(data)`: nested lists of numbers; floats anywhere make a float tensor.
fn tensor_from(data: &Value, force_float: bool) -> Result<Tensor, PyError> {
    let mut shape = Vec::new();
    let mut values = Vec::new();
    let mut float = force_float;
    flatten(data, 0, &mut shape, &mut values, &mut float)?;
    if values.len() > crate::limits::MAX_TENSOR_ELEMENTS {
        return Err(too_long("tensor"));
    }
    if float {
        Ok(Tensor::from_f32(&shape, values.iter().map(|v| v.as_f64().unwrap_or_default() as f32).collect())?)
    } else {
        Ok(Tensor::from_i64(&shape, values.iter().map(|v| v.as_i64().unwrap_or_default()).collect())?)
    }
}

fn flatten(
    value: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    values: &mut Vec<Value>,
    float: &mut bool,
) -> Result<(), PyError> {
    if depth > 8 {
        return Err(PyError::new(PyErrorKind::ValueError, "a tensor of more than 8 dimensions is refused"));
    }
    match value {
        Value::List(_) | Value::Tuple(_) => {
            let items = iterate(value)?;
            match shape.get(depth) {
                Some(expected) if *expected != items.len() => {
                    return Err(PyError::new(
                        PyErrorKind::ValueError,
                        format!("expected sequence of length {expected} at dim {depth} (got {})", items.len()),
                    ))
                }
                Some(_) => {}
                None if depth == shape.len() && (values.is_empty() || depth == 0) => shape.push(items.len()),
                None => {
                    return Err(PyError::new(
                        PyErrorKind::ValueError,
                        "the nested lists of a tensor must all be as deep",
                    ))
                }
            }
            for item in &items {
                flatten(item, depth + 1, shape, values, float)?;
                if values.len() > crate::limits::MAX_TENSOR_ELEMENTS {
                    return Err(too_long("tensor"));
                }
            }
            Ok(())
        }
        Value::Float(_) => {
            *float = true;
            leaf(value, depth, shape, values)
        }
        Value::Int(_) | Value::Bool(_) => leaf(value, depth, shape, values),
        other => Err(PyError::type_error(format!("tensor(): a {} is not a number", other.type_name()))),
    }
}

fn leaf(value: &Value, depth: usize, shape: &[usize], values: &mut Vec<Value>) -> Result<(), PyError> {
    if depth != shape.len() {
        return Err(PyError::new(PyErrorKind::ValueError, "the nested lists of a tensor must all be as deep"));
    }
    values.push(value.clone());
    Ok(())
}
