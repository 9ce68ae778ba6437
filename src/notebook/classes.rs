//! `class Net(nn.Module):` — the classes a cell defines and their instances: `__init__` runs when
//! the class is called, `self.fc1 = nn.Linear(2, 1)` sets an attribute, `net(x)` calls `forward`
//! (nn.Module's `__call__`), and `net.parameters()` gathers every layer's parameters in the order
//! they were set, as PyTorch's do. Models of one's own train where they are: sending one to a
//! worker is refused with what to do instead.

use std::rc::Rc;

use super::error::{PyError, PyErrorKind};
use super::value::{Instance, Value};

/// The most attributes one object may hold (each a value the cell made, within its budget).
pub const MAX_ATTRIBUTES: usize = 1024;

/// `instance.name`: its own attribute, else its class's (a function bound to it), else one of
/// nn.Module's methods.
pub fn attribute(instance: &Rc<Instance>, name: &str) -> Result<Value, PyError> {
    if let Some((_, value)) = instance.attributes.borrow().iter().find(|(n, _)| n == name) {
        return Ok(value.clone());
    }
    match instance.class.attribute(name) {
        Some(Value::Function(function)) => {
            Ok(Value::BoundFunction(Rc::new((Value::Instance(Rc::clone(instance)), Rc::clone(function)))))
        }
        Some(value) => Ok(value.clone()),
        None if instance.class.module && MODULE_METHODS.contains(&name) => {
            Ok(Value::Method(Rc::new((Value::Instance(Rc::clone(instance)), name.to_owned()))))
        }
        None => Err(PyError::attribute(&instance.class.name, name)),
    }
}

pub fn set_attribute(instance: &Instance, name: &str, value: Value) -> Result<(), PyError> {
    if instance.attributes.borrow().len() >= MAX_ATTRIBUTES
        && !instance.attributes.borrow().iter().any(|(n, _)| n == name)
    {
        return Err(PyError::new(
            PyErrorKind::Syft("MemoryError"),
            format!("an object holds at most {MAX_ATTRIBUTES} attributes"),
        ));
    }
    instance.set(name, value);
    Ok(())
}

/// What nn.Module gives a subclass here.
const MODULE_METHODS: &[&str] = &["parameters", "zero_grad", "train", "eval", "send", "get", "copy"];

/// `net.parameters()` and the other methods nn.Module gives.
pub fn module_method(instance: &Rc<Instance>, name: &str) -> Result<Value, PyError> {
    match name {
        "parameters" => Ok(Value::list(parameters(instance, 0)?.into_iter().map(Value::Tensor).collect())),
        "zero_grad" => {
            for parameter in parameters(instance, 0)? {
                parameter.set_grad(None);
            }
            Ok(Value::None)
        }
        "train" | "eval" => Ok(Value::Instance(Rc::clone(instance))),
        _ => Err(PyError::new(
            PyErrorKind::Syft("NotImplementedError"),
            format!(
                "{name}(): a model of your own class trains where it is here; send its layers (nn.Linear) to a worker instead"
            ),
        )),
    }
}

/// Every layer's parameters, in the order the layers were set (nested modules too).
fn parameters(instance: &Instance, depth: usize) -> Result<Vec<crate::tensor::Tensor>, PyError> {
    if depth > 32 {
        return Err(PyError::new(PyErrorKind::RecursionError, "modules nested more than 32 deep"));
    }
    let mut found = Vec::new();
    for (_, value) in instance.attributes.borrow().iter() {
        match value {
            Value::Model(model) => found.extend(model.local.parameters()),
            Value::Instance(inner) if inner.class.module => found.extend(parameters(inner, depth + 1)?),
            _ => {}
        }
    }
    Ok(found)
}

/// `Net(\n  (fc1): Linear(…)\n)` for a module, as PyTorch prints it; `<__main__.C object>` else.
pub fn describe(instance: &Instance, layer: impl Fn(&Value) -> Option<String>) -> String {
    if !instance.class.module {
        return format!("<__main__.{} object>", instance.class.name);
    }
    let layers: Vec<String> = instance
        .attributes
        .borrow()
        .iter()
        .filter_map(|(name, value)| layer(value).map(|text| format!("  ({name}): {text}")))
        .collect();
    if layers.is_empty() {
        format!("{}()", instance.class.name)
    } else {
        format!("{}(\n{}\n)", instance.class.name, layers.join("\n"))
    }
}
