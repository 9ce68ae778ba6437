//! What names mean: Python's builtins and the `torch` and `syft` modules as PySyft 0.2's lessons
//! use them, the attributes of every value, and calls (the methods themselves are `methods.rs`,
//! the op lists' ones `tensor_ops.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use super::ast::BinOp;
use super::context::Context;
use super::error::{PyError, PyErrorKind};
use super::tensor_ops;
use super::value::{Module, Value};
use crate::client::WorkerHandle;
use crate::tensor::BinaryOp;

type Evaluated = Result<Value, PyError>;

/// Python's builtins a cell can call.
pub const BUILTINS: &[&str] = &[
    "print",
    "range",
    "len",
    "zip",
    "enumerate",
    "list",
    "tuple",
    "str",
    "int",
    "float",
    "abs",
    "min",
    "max",
    "sum",
    "round",
    "bool",
    "super",
    "isinstance",
];

pub fn builtin(name: &str) -> Option<Value> {
    BUILTINS.iter().find(|b| **b == name).map(|b| Value::Builtin(b))
}

/// `torch.tensor`, `nn.Linear`, `sy.VirtualWorker`, …: a module's names.
pub fn module_attribute(context: &Context, module: Module, name: &str) -> Evaluated {
    const TORCH: &[&str] = &[
        "tensor",
        "Tensor",
        "add",
        "sub",
        "mul",
        "div",
        "mm",
        "matmul",
        "sum",
        "mean",
        "no_grad",
        "zeros",
        "manual_seed",
    ];
    let function = |names: &[&'static str], prefix: &str| -> Option<Value> {
        let dotted = format!("{prefix}.{name}");
        names.iter().find(|n| **n == name).map(|_| Value::Builtin(leak_name(&dotted)))
    };
    let elementwise =
        || crate::tensor::Elementwise::ALL.iter().find(|f| f.name() == name).map(|f| Value::Builtin(f.name()));
    let found = match module {
        Module::Torch => match name {
            "nn" => Some(Value::Module(Module::Nn)),
            "optim" => Some(Value::Module(Module::Optim)),
            _ => function(TORCH, "torch").or_else(elementwise),
        },
        Module::Nn => match name {
            "functional" => Some(Value::Module(Module::NnFunctional)),
            _ => function(&["Linear", "Module"], "nn"),
        },
        Module::NnFunctional => function(&["mse_loss"], "F").or_else(elementwise),
        Module::Optim => function(&["SGD", "Adam"], "optim"),
        Module::Copy => function(&["deepcopy", "copy"], "copy"),
        Module::Syft => match name {
            "local_worker" => Some(Value::Worker(context.syft.me())),
            _ => function(&["TorchHook", "VirtualWorker"], "sy"),
        },
    };
    found.ok_or_else(|| {
        let elementwise = crate::tensor::Elementwise::ALL.iter().map(|f| f.name());
        let has: Vec<&str> = match module {
            Module::Torch => TORCH.iter().copied().chain(["nn", "optim"]).chain(elementwise).collect(),
            Module::Nn => vec!["Linear", "Module", "functional"],
            Module::NnFunctional => std::iter::once("mse_loss").chain(elementwise).collect(),
            Module::Optim => vec!["SGD", "Adam"],
            _ => Vec::new(),
        };
        super::unsupported::module_attribute(module.name(), name, &has).unwrap_or_else(|| {
            PyError::new(PyErrorKind::AttributeError, format!("module '{}' has no attribute '{name}'", module.name()))
        })
    })
}

/// The dotted names of the module functions, as `'static` strings from a fixed table (so a
/// `Value::Builtin` stays a plain pointer).
fn leak_name(dotted: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "torch.tensor",
        "torch.Tensor",
        "torch.add",
        "torch.sub",
        "torch.mul",
        "torch.div",
        "torch.mm",
        "torch.matmul",
        "torch.sum",
        "torch.mean",
        "torch.no_grad",
        "torch.zeros",
        "torch.manual_seed",
        "nn.Linear",
        "nn.Module",
        "F.mse_loss",
        "optim.SGD",
        "optim.Adam",
        "copy.deepcopy",
        "copy.copy",
        "sy.TorchHook",
        "sy.VirtualWorker",
    ];
    NAMES.iter().find(|n| **n == dotted).copied().unwrap_or("unknown")
}

pub async fn attribute(context: &mut Context, object: Value, name: &str) -> Evaluated {
    let method = |object: Value| Ok(Value::Method(Rc::new((object, name.to_owned()))));
    match &object {
        Value::Module(module) => module_attribute(context, *module, name),
        Value::Instance(instance) => super::classes::attribute(instance, name),
        Value::Class(class) => class
            .attribute(name)
            .cloned()
            .ok_or_else(|| PyError::attribute(&format!("type object '{}'", class.name), name)),
        // `super().__init__()` in a subclass's `__init__`: nn.Module's (and object's) do nothing here.
        Value::Super if name == "__init__" => Ok(Value::Builtin("super().__init__")),
        Value::Hook if name == "local_worker" => Ok(Value::Worker(context.syft.me())),
        Value::Tensor(t) => match name {
            "data" => Ok(Value::Tensor(t.data())),
            "grad" => Ok(t.grad().map_or(Value::None, Value::Tensor)),
            "requires_grad" => Ok(Value::Bool(t.requires_grad())),
            "shape" => Ok(super::methods::shape(&t.shape())),
            "T" => Ok(Value::Tensor(t.t()?)),
            "location" => Err(PyError::attribute("Tensor", name)),
            _ => method(object),
        },
        Value::Pointer(p) => match name {
            "location" => Ok(Value::Worker(p.location())),
            "owner" => Ok(Value::Worker(p.owner())),
            "id_at_location" => Ok(Value::Int(id_number(p.id_at_location().0))),
            "id" => Ok(Value::Int(id_number(p.id().0))),
            "data" => Ok(Value::Pointer(Rc::new(p.data()?))),
            "grad" => Ok(Value::Pointer(Rc::new(p.grad()?))),
            "child" => Ok(object.clone()),
            _ => method(object),
        },
        Value::Worker(worker) => match name {
            "id" => Ok(Value::str(worker.id())),
            "_objects" | "_tensors" => store(worker).await,
            _ => method(object),
        },
        Value::Model(model) => match name {
            // A sent model's parameters are where it is: pointers (that own nothing).
            "weight" | "bias" => Ok(match &*model.remote.borrow() {
                Some(remote) => Value::Pointer(Rc::new(if name == "weight" {
                    remote.weight.unowned()
                } else {
                    remote.bias.unowned()
                })),
                None if name == "weight" => Value::Tensor(model.local.weight.clone()),
                None => Value::Tensor(model.local.bias.clone()),
            }),
            "location" => match &*model.remote.borrow() {
                Some(remote) => Ok(Value::Worker(remote.location())),
                None => Ok(Value::None),
            },
            _ => method(object),
        },
        Value::Str(_)
        | Value::List(_)
        | Value::Dict(_)
        | Value::Multi(_)
        | Value::Optimizer(_)
        | Value::Fixed(_)
        | Value::Shared(_) => method(object),
        _ => Err(PyError::attribute(object.type_name(), name)),
    }
}

/// Object ids print as PySyft's: large positive numbers (all of minisyft's fit in an i64).
fn id_number(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// A store read after every message under way has landed: over Web Workers an op forwarded along
/// a chain (alice → bob, In[71]) may still be in flight when `bob._objects` is asked for.
async fn store(worker: &WorkerHandle) -> Evaluated {
    let pairs = worker
        .store()
        .await?
        .entries
        .into_iter()
        .map(|entry| (Value::Int(id_number(entry.id.0)), Value::StoreEntry(Rc::new((worker.id().to_owned(), entry)))))
        .collect();
    Ok(Value::Dict(Rc::new(RefCell::new(pairs))))
}

pub async fn set_attribute(object: &Value, name: &str, value: Value) -> Result<(), PyError> {
    match (object, name) {
        // `bob._objects = {}`: the seed's way of emptying a store (In[47]).
        (Value::Worker(worker), "_objects" | "_tensors") => match &value {
            Value::Dict(entries) if entries.borrow().is_empty() => {
                worker.clear_objects().await?;
                Ok(())
            }
            _ => Err(PyError::type_error("a worker's store can only be emptied here: bob._objects = {}")),
        },
        (Value::Instance(instance), _) => super::classes::set_attribute(instance, name, value),
        (Value::Tensor(t), "grad") => {
            match value {
                Value::None => t.set_grad(None),
                Value::Tensor(grad) => t.set_grad(Some(grad)),
                other => {
                    return Err(PyError::type_error(format!(
                        "assigned grad expected to be a Tensor or None but got {}",
                        other.type_name()
                    )))
                }
            }
            Ok(())
        }
        (Value::Tensor(t), "requires_grad") => Ok(t.set_requires_grad(value.truthy()?)?),
        _ => Err(PyError::new(
            PyErrorKind::AttributeError,
            format!("cannot set attribute '{name}' of a '{}' here", object.type_name()),
        )),
    }
}

/// `x op= y` on a tensor or a pointer: in place, as PyTorch does; `None` for other values.
pub async fn in_place(target: &Value, op: BinOp, rhs: &Value) -> Option<Result<(), PyError>> {
    let binary = match op {
        BinOp::Add => BinaryOp::Add,
        BinOp::Sub => BinaryOp::Sub,
        BinOp::Mul => BinaryOp::Mul,
        BinOp::Div => BinaryOp::Div,
        _ => return None,
    };
    match target {
        Value::Tensor(t) => Some(match rhs {
            Value::Tensor(r) => t.binary_(binary, r).map_err(PyError::from),
            scalar => match scalar.as_f64() {
                Some(n) => t.binary_(binary, n).map_err(PyError::from),
                None => Err(PyError::type_error(format!("cannot {}= a {}", op.symbol(), scalar.type_name()))),
            },
        }),
        Value::Pointer(p) => Some(match tensor_ops::operand(rhs) {
            Ok(operand) => p.in_place(binary, operand).await.map_err(PyError::from),
            Err(error) => Err(error),
        }),
        _ => None,
    }
}

/// Calls anything that is not a `def` function: builtins, module functions, methods, models.
pub async fn call(context: &mut Context, callee: Value, args: Vec<Value>, keywords: Vec<(String, Value)>) -> Evaluated {
    match callee {
        Value::Builtin(name) => super::builtins::call_builtin(context, name, args, keywords).await,
        Value::Method(bound) => {
            let (object, name) = (&bound.0, bound.1.as_str());
            // A copy is a model of its own: known to the optimizers made from its parameters.
            if let (Value::Model(model), "copy") = (object, name) {
                return Ok(context.register(super::methods::copy_model(model)?));
            }
            super::methods::call_method(object, name, args, keywords).await
        }
        Value::Model(model) => {
            let input = args
                .first()
                .ok_or_else(|| PyError::type_error("forward() missing 1 required positional argument: 'input'"))?;
            super::methods::forward(&model, input)
        }
        other => Err(PyError::type_error(format!("'{}' object is not callable", other.type_name()))),
    }
}
