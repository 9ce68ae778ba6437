//! The methods of every value that has some: tensors and pointers (the op lists' methods come
//! from `tensor_ops`), workers, models, optimizers, lists, dicts and strings.

use std::cell::RefCell;
use std::rc::Rc;

use super::error::{PyError, PyErrorKind};
use super::limits::{too_long, MAX_SEQUENCE};
use super::sequences::iterate;
use super::tensor_ops;
use super::value::{keyword, Model, Value};
use crate::client::{Pointer, WorkerHandle};
use crate::nn::{Linear, Sgd};
use crate::tensor::Tensor;

type Evaluated = Result<Value, PyError>;

pub fn shape(dims: &[usize]) -> Value {
    Value::tuple(dims.iter().map(|d| Value::Int(i64::try_from(*d).unwrap_or(i64::MAX))).collect())
}

fn workers(args: &[Value]) -> Result<Vec<WorkerHandle>, PyError> {
    args.iter()
        .map(|a| match a {
            Value::Worker(w) => Ok(w.clone()),
            other => Err(PyError::type_error(format!("send() expects workers, not {}", other.type_name()))),
        })
        .collect()
}

pub fn forward(model: &Model, input: &Value) -> Evaluated {
    match (input, &*model.remote.borrow()) {
        (Value::Pointer(p), Some(remote)) => Ok(Value::Pointer(Rc::new(remote.forward(p)?))),
        (Value::Tensor(t), None) => Ok(Value::Tensor(model.local.forward(t)?)),
        (Value::Pointer(p), None) => Err(PyError::from(crate::error::Error::LocalTensorWithPointer {
            op: "forward".into(),
            worker: p.location().id().into(),
        })),
        (Value::Tensor(_), Some(remote)) => Err(PyError::from(crate::error::Error::LocalTensorWithPointer {
            op: "forward".into(),
            worker: remote.location().id().into(),
        })),
        (other, _) => Err(PyError::type_error(format!("a model takes a tensor, not {}", other.type_name()))),
    }
}

pub async fn call_method(object: &Value, name: &str, args: Vec<Value>, keywords: Vec<(String, Value)>) -> Evaluated {
    match object {
        Value::Tensor(t) => tensor_method(t, name, &args, &keywords),
        Value::Pointer(p) => pointer_method(p, name, &args, &keywords).await,
        Value::Multi(m) => match name {
            "get" => {
                if keyword(&keywords, "sum_results").map(Value::truthy).transpose()?.unwrap_or(false) {
                    Ok(Value::Tensor(m.get_sum().await?))
                } else {
                    Ok(Value::list(m.get().await?.into_iter().map(Value::Tensor).collect()))
                }
            }
            _ => Err(PyError::attribute("MultiPointerTensor", name)),
        },
        Value::Instance(instance) => super::classes::module_method(instance, name),
        Value::Fixed(fixed) => super::sharing::fixed_method(fixed, name, &args, &keywords),
        Value::Shared(shared) => super::sharing::shared_method(shared, name).await,
        Value::Worker(worker) => match name {
            "clear_objects" => Ok(Value::Worker(worker.clear_objects().await?.clone())),
            "add_worker" | "add_workers" => {
                for other in workers(&args)? {
                    worker.add_worker(&other)?;
                }
                Ok(Value::None)
            }
            _ => Err(PyError::attribute("VirtualWorker", name)),
        },
        Value::Model(model) => model_method(model, name, &args).await,
        Value::Optimizer(optimizer) => match name {
            "zero_grad" => {
                optimizer.rule.zero_grad();
                for model in optimizer.models.iter().chain(&optimizer.remote_models) {
                    // Out of its cell while the worker answers, put back whatever the answer.
                    let remote = model.remote.borrow_mut().take();
                    let cleared = match &remote {
                        Some(remote) => zero_remote_grads(remote).await,
                        None => Ok(()),
                    };
                    *model.remote.borrow_mut() = remote;
                    cleared?;
                }
                Ok(Value::None)
            }
            "step" => {
                optimizer.rule.step()?;
                for model in &optimizer.remote_models {
                    let lr = match &optimizer.rule {
                        super::value::Rule::Sgd(sgd) => sgd.lr,
                        super::value::Rule::Adam(_) => {
                            return Err(PyError::new(
                                PyErrorKind::Syft("NotImplementedError"),
                                "Adam over a sent model's parameters is not supported here; use optim.SGD",
                            ))
                        }
                    };
                    let remote = model.remote.borrow_mut().take();
                    let stepped = match &remote {
                        Some(remote) => remote_sgd_step(remote, lr).await,
                        None => Err(PyError::new(
                            PyErrorKind::Syft("RuntimeError"),
                            "step(): the model these parameters belong to is no longer sent (it was fetched with get())",
                        )),
                    };
                    *model.remote.borrow_mut() = remote;
                    stepped?;
                }
                Ok(Value::None)
            }
            _ => Err(PyError::attribute("Optimizer", name)),
        },
        Value::List(items) => match name {
            "append" => {
                let item = args
                    .into_iter()
                    .next()
                    .ok_or_else(|| PyError::type_error("append() takes exactly one argument (0 given)"))?;
                if items.borrow().len() >= MAX_SEQUENCE {
                    return Err(too_long("list"));
                }
                items.borrow_mut().push(item);
                Ok(Value::None)
            }
            _ => Err(PyError::attribute("list", name)),
        },
        Value::Dict(entries) => match name {
            "keys" => Ok(Value::list(entries.borrow().iter().map(|(k, _)| k.clone()).collect())),
            "values" => Ok(Value::list(entries.borrow().iter().map(|(_, v)| v.clone()).collect())),
            "items" => Ok(Value::list(
                entries.borrow().iter().map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()])).collect(),
            )),
            _ => Err(PyError::attribute("dict", name)),
        },
        Value::Str(text) => match name {
            "format" => super::repr::format_method(text, &args).await,
            "join" => {
                let items = iterate(args.first().unwrap_or(&Value::None))?;
                let mut parts = Vec::new();
                let mut joined = 0usize;
                for item in items {
                    match item {
                        Value::Str(s) => {
                            joined = joined.saturating_add(s.len() + text.len());
                            if joined > MAX_SEQUENCE {
                                return Err(too_long("string"));
                            }
                            parts.push(s.to_string())
                        }
                        other => {
                            return Err(PyError::type_error(format!(
                                "sequence item: expected str instance, {} found",
                                other.type_name()
                            )))
                        }
                    }
                }
                Ok(Value::str(parts.join(text)))
            }
            _ => Err(PyError::attribute("str", name)),
        },
        other => Err(PyError::attribute(other.type_name(), name)),
    }
}

fn tensor_method(t: &Tensor, name: &str, args: &[Value], keywords: &[(String, Value)]) -> Evaluated {
    match name {
        "send" => {
            let to = workers(args)?;
            match to.as_slice() {
                [one] => Ok(Value::Pointer(Rc::new(t.send(one)?))),
                [] => Err(PyError::type_error("send() missing 1 required positional argument: 'location'")),
                many => Ok(Value::Multi(Rc::new(t.send_to_all(&many.iter().collect::<Vec<_>>())?))),
            }
        }
        "fix_prec" | "fix_precision" | "share" => super::sharing::tensor_method(t, name, args, keywords),
        "backward" => {
            t.backward()?;
            Ok(Value::None)
        }
        // `x.max()`, and `x.max(dim)` / `x.max(dim=1)`: (values, indices), as PyTorch's.
        "max" => match args.first().or_else(|| keyword(keywords, "dim")) {
            None => Ok(Value::Tensor(t.max()?)),
            Some(dim) => {
                let dim = dim.as_i64().and_then(|d| usize::try_from(d).ok()).ok_or_else(|| {
                    PyError::type_error(format!("max(): dim must be a non-negative int, not {}", dim.type_name()))
                })?;
                let (values, indices) = t.max_dim(dim)?;
                Ok(Value::tuple(vec![Value::Tensor(values), Value::Tensor(indices)]))
            }
        },
        "item" => {
            let value = t.item()?;
            Ok(if matches!(t.dtype(), crate::tensor::DType::Int64) {
                Value::Int(value as i64)
            } else {
                Value::Float(value)
            })
        }
        "zero_" => {
            t.zero_()?;
            Ok(Value::Tensor(t.clone()))
        }
        "set_" => match args.first() {
            Some(Value::Tensor(source)) => {
                t.set_(source)?;
                Ok(Value::Tensor(t.clone()))
            }
            _ => Err(PyError::type_error("set_() expects a tensor")),
        },
        "copy" | "clone" => Ok(Value::Tensor(t.deep_clone())),
        "size" => Ok(shape(&t.shape())),
        "dim" => Ok(Value::Int(i64::try_from(t.shape().len()).unwrap_or(0))),
        "get" => Err(PyError::new(
            PyErrorKind::Syft("RuntimeError"),
            "get() is for pointers: this tensor is already here (it was never sent, or was fetched already)",
        )),
        _ => {
            let _ = keywords;
            tensor_ops::tensor_method(t, name, args).unwrap_or_else(|| Err(PyError::attribute("Tensor", name)))
        }
    }
}

async fn pointer_method(p: &Rc<Pointer>, name: &str, args: &[Value], keywords: &[(String, Value)]) -> Evaluated {
    let _ = keywords;
    match name {
        // PySyft's `get` brings back whatever is there: a tensor, or the next pointer of a chain.
        // The worker refuses a get of the wrong kind without removing anything, so the second
        // try is safe.
        "get" => match p.get().await {
            Ok(tensor) => Ok(Value::Tensor(tensor)),
            Err(crate::error::Error::WrongObjectKind { found, .. }) if found.contains("pointer") => {
                Ok(Value::Pointer(Rc::new(p.get_pointer().await?)))
            }
            Err(other) => Err(other.into()),
        },
        "send" => {
            let to = workers(args)?;
            match to.as_slice() {
                [one] => Ok(Value::Pointer(Rc::new(p.send(one)?))),
                _ => Err(PyError::type_error("a pointer is sent to one worker at a time")),
            }
        }
        "move" => match workers(args)?.as_slice() {
            [one] => Ok(Value::Pointer(Rc::new(p.move_to(one).await?))),
            _ => Err(PyError::type_error("move() takes one worker")),
        },
        "remote_get" => {
            p.remote_get().await?;
            Ok(Value::Pointer(Rc::clone(p)))
        }
        "backward" => {
            p.backward().await?;
            Ok(Value::None)
        }
        "zero_" => {
            p.zero_().await?;
            Ok(Value::Pointer(Rc::clone(p)))
        }
        _ => {
            if let Some(op) = tensor_ops::in_place_op(name) {
                let rhs = args
                    .first()
                    .ok_or_else(|| PyError::type_error(format!("{name}() missing required argument 'other'")))?;
                p.in_place(op, tensor_ops::operand(rhs)?).await?;
                return Ok(Value::Pointer(Rc::clone(p)));
            }
            tensor_ops::pointer_method(p, name, args).unwrap_or_else(|| Err(PyError::attribute("PointerTensor", name)))
        }
    }
}

/// `p.data -= lr * p.grad` for a sent model's parameters, where they are (gradients kept, as
/// PyTorch's `step` keeps them).
async fn remote_sgd_step(remote: &crate::client::RemoteLinear, lr: f64) -> Result<(), PyError> {
    for parameter in [&remote.weight, &remote.bias] {
        let grad = parameter.grad()?;
        parameter.data()?.sub_(&grad.mul(lr)?).await?;
    }
    Ok(())
}

/// Clears a sent model's gradients on its worker; a parameter with no gradient yet has none to clear.
async fn zero_remote_grads(remote: &crate::client::RemoteLinear) -> Result<(), PyError> {
    for parameter in [&remote.weight, &remote.bias] {
        match parameter.grad()?.zero_().await {
            Ok(()) | Err(crate::error::Error::NoGradient) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(())
}

/// `model.copy()`: the same parameters' values in a model of its own (not sent anywhere).
pub fn copy_model(model: &Model) -> Result<Model, PyError> {
    Ok(Model {
        local: Linear {
            weight: model.local.weight.data().deep_clone().requiring_grad()?,
            bias: model.local.bias.data().deep_clone().requiring_grad()?,
        },
        remote: RefCell::new(None),
    })
}

async fn model_method(model: &Rc<Model>, name: &str, args: &[Value]) -> Evaluated {
    match name {
        "parameters" => Ok(match &*model.remote.borrow() {
            Some(remote) => Value::list(vec![
                Value::Pointer(Rc::new(remote.weight.unowned())),
                Value::Pointer(Rc::new(remote.bias.unowned())),
            ]),
            None => Value::list(model.local.parameters().into_iter().map(Value::Tensor).collect()),
        }),
        // `alices_model.move(secure_worker)`: the parameters go worker to worker, never through me.
        "move" => match workers(args)?.as_slice() {
            [one] => {
                let remote = model.remote.borrow_mut().take();
                let Some(remote) = remote else {
                    return Err(PyError::new(
                        PyErrorKind::Syft("RuntimeError"),
                        "move(): this model was not sent anywhere",
                    ));
                };
                let moved = remote.move_to(one).await;
                match moved {
                    Ok(moved) => *model.remote.borrow_mut() = Some(moved),
                    Err(error) => {
                        *model.remote.borrow_mut() = Some(remote);
                        return Err(error.into());
                    }
                }
                Ok(Value::Model(Rc::clone(model)))
            }
            _ => Err(PyError::type_error("move() takes one worker")),
        },
        "forward" => forward(model, args.first().unwrap_or(&Value::None)),
        "send" => match workers(args)?.as_slice() {
            [one] => {
                let remote = model.local.send(one)?;
                *model.remote.borrow_mut() = Some(remote);
                Ok(Value::Model(Rc::clone(model)))
            }
            _ => Err(PyError::type_error("a model is sent to one worker at a time")),
        },
        "get" => {
            let remote = model.remote.borrow_mut().take();
            match remote {
                Some(remote) => {
                    let trained = remote.get().await?;
                    model.local.load(&trained)?;
                    Ok(Value::Model(Rc::clone(model)))
                }
                None => Err(PyError::new(PyErrorKind::Syft("RuntimeError"), "get(): this model was not sent anywhere")),
            }
        }
        "zero_grad" => {
            Sgd::new(model.local.parameters(), 0.0).zero_grad();
            Ok(Value::None)
        }
        _ => Err(PyError::attribute("Linear", name)),
    }
}
