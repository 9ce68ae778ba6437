//! What a name in a cell can hold: Python's own values, and minisyft's (tensors, pointers, workers,
//! models) wrapped so that they alias as Python objects do.

use std::cell::RefCell;
use std::rc::Rc;

use super::ast::FunctionDef;
use super::error::PyError;
use crate::client::{MultiPointer, Pointer, RemoteLinear, StoreEntry, WorkerHandle};
use crate::nn::{Adam, Linear, Sgd};
use crate::privacy::sharing::{FixedPrecision, SharedTensor};
use crate::tensor::Tensor;

/// The modules a cell can import, and the objects that are only namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    Torch,
    Nn,
    NnFunctional,
    Optim,
    Syft,
    /// Python's `copy` (`copy.deepcopy(model)`), which PySyft's tutorials import.
    Copy,
}

impl Module {
    pub fn name(self) -> &'static str {
        match self {
            Module::Torch => "torch",
            Module::Nn => "torch.nn",
            Module::NnFunctional => "torch.nn.functional",
            Module::Optim => "torch.optim",
            Module::Syft => "syft",
            Module::Copy => "copy",
        }
    }

    pub fn from_path(path: &[String]) -> Option<Module> {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        match path.as_slice() {
            ["torch"] => Some(Module::Torch),
            ["torch", "nn"] => Some(Module::Nn),
            ["torch", "nn", "functional"] => Some(Module::NnFunctional),
            ["torch", "optim"] => Some(Module::Optim),
            ["syft"] => Some(Module::Syft),
            ["copy"] => Some(Module::Copy),
            _ => None,
        }
    }
}

/// A function's local names, shared with the closures defined in it.
pub type Scope = Rc<RefCell<std::collections::HashMap<String, Value>>>;

/// A `def` or a `lambda` as a value: its definition, its defaults' values (computed where it was
/// defined), and the scopes it closes over.
pub struct Function {
    pub def: Rc<FunctionDef>,
    pub defaults: Vec<Option<Value>>,
    pub enclosing: Vec<Scope>,
}

/// A class a cell defined: its name, whether it is an `nn.Module`, and what its body defined.
pub struct Class {
    pub name: String,
    pub module: bool,
    pub attributes: Vec<(String, Value)>,
}

impl Class {
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn function(&self, name: &str) -> Option<Rc<Function>> {
        match self.attribute(name) {
            Some(Value::Function(function)) => Some(Rc::clone(function)),
            _ => None,
        }
    }
}

/// An object of such a class: its attributes, in the order they were set.
pub struct Instance {
    pub class: Rc<Class>,
    pub attributes: RefCell<Vec<(String, Value)>>,
}

impl Instance {
    pub fn new(class: &Rc<Class>) -> Instance {
        Instance { class: Rc::clone(class), attributes: RefCell::new(Vec::new()) }
    }

    pub fn set(&self, name: &str, value: Value) {
        let mut attributes = self.attributes.borrow_mut();
        match attributes.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => attributes.push((name.to_owned(), value)),
        }
    }
}

/// A model the lessons build: the seed's `nn.Linear`, here or sent to a worker.
pub struct Model {
    pub local: Linear,
    /// Where `model.send(worker)` put its parameters.
    pub remote: RefCell<Option<RemoteLinear>>,
}

/// `optim.SGD(model.parameters(), lr)`, and the models those parameters belong to: while a model
/// is sent, `zero_grad` clears its gradients where it is (PySyft's optimizer holds the very
/// parameters that travelled).
pub struct Optimizer {
    pub rule: Rule,
    pub models: Vec<Rc<Model>>,
    /// Sent models whose parameters (pointers) it was given: it steps them where they are, as
    /// PySyft's optimizer over `bobs_model.parameters()` does.
    pub remote_models: Vec<Rc<Model>>,
}

/// How an optimizer steps: `optim.SGD` or `optim.Adam`.
pub enum Rule {
    Sgd(Sgd),
    Adam(Adam),
}

impl Rule {
    pub fn zero_grad(&self) {
        match self {
            Rule::Sgd(sgd) => sgd.zero_grad(),
            Rule::Adam(adam) => adam.zero_grad(),
        }
    }

    pub fn step(&self) -> crate::error::Result<()> {
        match self {
            Rule::Sgd(sgd) => sgd.step(),
            Rule::Adam(adam) => adam.step(),
        }
    }

    /// As PyTorch prints an optimizer: its one parameter group's settings.
    pub fn describe(&self) -> String {
        let number = Value::float_repr;
        let settings = match self {
            Rule::Sgd(sgd) => {
                format!(
                    "dampening: 0\n    lr: {}\n    momentum: 0\n    nesterov: False\n    weight_decay: 0",
                    number(sgd.lr)
                )
            }
            Rule::Adam(adam) => format!(
                "amsgrad: False\n    betas: ({}, {})\n    eps: {}\n    lr: {}\n    weight_decay: 0",
                number(adam.betas.0),
                number(adam.betas.1),
                number(adam.eps),
                number(adam.lr)
            ),
        };
        let name = match self {
            Rule::Sgd(_) => "SGD",
            Rule::Adam(_) => "Adam",
        };
        format!("{name} (\nParameter Group 0\n    {settings}\n)")
    }
}

/// The value of keyword argument `name` in a call, if given.
pub fn keyword<'a>(keywords: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    keywords.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[derive(Clone)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<Vec<(Value, Value)>>>),
    Range {
        start: i64,
        stop: i64,
        step: i64,
    },
    /// `start:stop:step` inside brackets.
    Slice(Rc<(Value, Value, Value)>),
    Tensor(Tensor),
    Pointer(Rc<Pointer>),
    Multi(Rc<MultiPointer>),
    /// `x.fix_prec()`: integers standing for `value / scale`.
    Fixed(Rc<FixedPrecision>),
    /// `x.share(bob, alice, ...)`: one value spread over its holders.
    Shared(Rc<SharedTensor>),
    Worker(WorkerHandle),
    /// An entry of `worker._objects`, printed as the seed prints it.
    StoreEntry(Rc<(String, StoreEntry)>),
    Module(Module),
    /// A function of a module or a builtin, by its dotted name (`torch.tensor`, `print`).
    Builtin(&'static str),
    /// `value.name`, waiting for its call.
    Method(Rc<(Value, String)>),
    Function(Rc<Function>),
    Model(Rc<Model>),
    Optimizer(Rc<Optimizer>),
    /// The `hook` object `sy.TorchHook(torch)` returns.
    Hook,
    /// A class a cell defined, and an object of one.
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    /// `net.forward`: a function of a class with its `self`.
    BoundFunction(Rc<(Value, Rc<Function>)>),
    /// What `super()` returns (its `__init__` is nn.Module's, which needs nothing here).
    Super,
    /// An exception class (`ValueError`), to catch or to raise.
    ExceptionType(&'static str),
    /// A raised error as `except … as e` binds it.
    Exception(Rc<PyError>),
    /// `torch.no_grad()`, for `with`.
    NoGrad,
}

impl Value {
    pub fn str(text: impl Into<Rc<str>>) -> Value {
        Value::Str(text.into())
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(items))
    }

    /// The type's name as Python's errors say it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Range { .. } => "range",
            Value::Slice(_) => "slice",
            Value::Tensor(_) => "Tensor",
            Value::Pointer(_) => "PointerTensor",
            Value::Multi(_) => "MultiPointerTensor",
            Value::Fixed(_) => "FixedPrecisionTensor",
            Value::Shared(_) => "AdditiveSharingTensor",
            Value::Worker(_) => "VirtualWorker",
            Value::StoreEntry(_) => "Tensor",
            Value::Module(_) => "module",
            Value::Builtin(_) | Value::Function(_) => "function",
            Value::Method(_) => "method",
            Value::Model(_) => "Linear",
            Value::Optimizer(_) => "SGD",
            Value::Hook => "TorchHook",
            Value::NoGrad => "no_grad",
            Value::ExceptionType(_) | Value::Class(_) => "type",
            Value::Instance(_) => "object",
            Value::BoundFunction(_) => "method",
            Value::Super => "super",
            Value::Exception(error) => error.kind.name(),
        }
    }

    pub fn truthy(&self) -> Result<bool, PyError> {
        Ok(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(items) => !items.borrow().is_empty(),
            Value::Tuple(items) => !items.is_empty(),
            Value::Dict(items) => !items.borrow().is_empty(),
            Value::Range { start, stop, step } => (*step > 0 && start < stop) || (*step < 0 && start > stop),
            Value::Tensor(t) => {
                if t.numel() != 1 {
                    return Err(PyError::new(
                        super::error::PyErrorKind::Syft("RuntimeError"),
                        "Boolean value of Tensor with more than one value is ambiguous",
                    ));
                }
                t.item()? != 0.0
            }
            _ => true,
        })
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Bool(b) => Some(i64::from(*b)),
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Python's `repr` of a number: `1.0`, `0.1`, `1e-05`.
    pub fn float_repr(value: f64) -> String {
        if value.is_nan() {
            return "nan".into();
        }
        if value.is_infinite() {
            return if value > 0.0 { "inf".into() } else { "-inf".into() };
        }
        if value == value.trunc() && value.abs() < 1e16 {
            return format!("{value:.1}");
        }
        let short = format!("{value}");
        if value.abs() < 1e-4 || value.abs() >= 1e16 {
            let e = format!("{value:e}");
            // Rust writes 1e-5 where Python writes 1e-05.
            if let Some((mantissa, exponent)) = e.split_once('e') {
                let (sign, digits) = exponent.strip_prefix('-').map_or(("+", exponent), |d| ("-", d));
                return format!("{mantissa}e{sign}{digits:0>2}");
            }
        }
        short
    }
}
