//! Values as Python and PySyft 0.2 print them: `tensor([1, 2, 3])`,
//! `(Wrapper)>[PointerTensor | me:… -> bob:…]`, `<VirtualWorker id:bob #tensors:2>`, and a dict
//! on one line when it fits in 80 columns, one entry per line when not (as Jupyter's pprint).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use super::error::{PyError, PyErrorKind};
use super::value::Value;
use crate::client::StoreObject;

/// Containers nested deeper than this print as `[...]` (as Python prints a list that holds
/// itself), so a value built in a loop cannot overflow the stack when shown.
const MAX_DEPTH: usize = 32;
/// A value's text stops (with `...`) past this many bytes: a list of a million long strings is
/// shown in part, not built in full.
pub const MAX_SHOWN_BYTES: usize = 1 << 20;

/// The text Jupyter shows for a cell's last value.
pub async fn repr(value: &Value) -> Result<String, PyError> {
    let room = Cell::new(MAX_SHOWN_BYTES);
    repr_within(value, 0, &room).await
}

type Printing<'a> = Pin<Box<dyn Future<Output = Result<String, PyError>> + 'a>>;

/// `value`'s text, `depth` containers deep, in what is left of the `room` for the whole text.
fn repr_within<'a>(value: &'a Value, depth: usize, room: &'a Cell<usize>) -> Printing<'a> {
    Box::pin(async move {
        let text = repr_value(value, depth, room).await?;
        room.set(room.get().saturating_sub(text.len()));
        Ok(text)
    })
}

async fn repr_value(value: &Value, depth: usize, room: &Cell<usize>) -> Result<String, PyError> {
    let container = matches!(value, Value::List(_) | Value::Tuple(_) | Value::Dict(_));
    if container && depth >= MAX_DEPTH {
        return Ok(match value {
            Value::Dict(_) => "{...}",
            Value::Tuple(_) => "(...)",
            _ => "[...]",
        }
        .into());
    }
    Ok(match value {
        Value::None => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => Value::float_repr(*f),
        Value::Str(s) => quote(s),
        Value::List(items) => {
            // Item by item under short borrows: no copy of the list, whatever it holds.
            let mut parts = Vec::new();
            for at in 0.. {
                let item = items.borrow().get(at).cloned();
                let Some(item) = item else { break };
                if room.get() == 0 {
                    parts.push("...".to_owned());
                    break;
                }
                parts.push(repr_within(&item, depth + 1, room).await?);
            }
            format!("[{}]", parts.join(", "))
        }
        Value::Tuple(items) => match items.len() {
            1 => format!("({},)", repr_within(&items[0], depth + 1, room).await?),
            _ => format!("({})", join(items, depth + 1, room).await?),
        },
        Value::Dict(entries) => {
            let mut parts = Vec::new();
            for at in 0.. {
                let entry = entries.borrow().get(at).cloned();
                let Some((key, value)) = entry else { break };
                if room.get() == 0 {
                    parts.push("...".to_owned());
                    break;
                }
                let key = repr_within(&key, depth + 1, room).await?;
                parts.push(format!("{key}: {}", repr_within(&value, depth + 1, room).await?));
            }
            let one_line = format!("{{{}}}", parts.join(", "));
            if one_line.chars().count() <= 80 || parts.len() < 2 {
                one_line
            } else {
                format!("{{{}}}", parts.join(",\n "))
            }
        }
        Value::Range { start, stop, step } => match step {
            1 => format!("range({start}, {stop})"),
            _ => format!("range({start}, {stop}, {step})"),
        },
        Value::Slice(parts) => format!(
            "slice({}, {}, {})",
            repr_within(&parts.0, depth + 1, room).await?,
            repr_within(&parts.1, depth + 1, room).await?,
            repr_within(&parts.2, depth + 1, room).await?
        ),
        // PyTorch summarises past 1000 elements; a summary of the shape is what is shown here.
        Value::Tensor(t) if t.numel() > 1000 => {
            format!("tensor(<{} values of shape {:?}, too many to show>)", t.numel(), t.shape())
        }
        Value::Tensor(t) => t.to_string(),
        Value::Pointer(p) => format!("(Wrapper)>{p}"),
        Value::Multi(m) => {
            let pointers: Vec<String> = m.pointers().iter().map(|p| format!("(Wrapper)>{p}")).collect();
            format!("[{}]", pointers.join(", "))
        }
        Value::Fixed(fixed) => format!("(Wrapper)>{fixed}"),
        Value::Shared(shared) => {
            let mut text = String::from("(Wrapper)>[AdditiveSharingTensor]");
            for share in shared.shares() {
                text.push_str(&format!("\n\t-> (Wrapper)>{share}"));
            }
            if let Some(provider) = shared.provider() {
                text.push_str(&format!("\n\t*crypto provider: {provider}*"));
            }
            text
        }
        Value::Worker(worker) => {
            let count = if worker.is_me() { 0 } else { worker.objects().await?.len() };
            format!("<VirtualWorker id:{} #tensors:{count}>", worker.id())
        }
        Value::StoreEntry(entry) => {
            let (worker, entry) = (&entry.0, &entry.1);
            match &entry.object {
                StoreObject::Pointer { location, id_at_location } => {
                    format!("(Wrapper)>[PointerTensor | {worker}:{} -> {location}:{id_at_location}]", entry.id)
                }
                _ => entry.describe(worker),
            }
        }
        Value::Module(module) => format!("<module '{}'>", module.name()),
        Value::Builtin(name) => format!("<built-in function {name}>"),
        Value::Method(bound) => format!("<bound method {}.{}>", bound.0.type_name(), bound.1),
        Value::Function(function) => format!("<function {}>", function.def.name),
        Value::Model(model) => linear(model),
        Value::Optimizer(optimizer) => optimizer.rule.describe(),
        Value::Hook => "<syft.frameworks.torch.hook.hook.TorchHook object>".into(),
        Value::NoGrad => "<torch.autograd.grad_mode.no_grad object>".into(),
        Value::ExceptionType(name) => format!("<class '{name}'>"),
        Value::Class(class) => format!("<class '__main__.{}'>", class.name),
        Value::Instance(instance) => super::classes::describe(instance, |value| match value {
            Value::Model(model) => Some(linear(model)),
            Value::Instance(inner) if inner.class.module => Some(format!("{}(…)", inner.class.name)),
            _ => None,
        }),
        Value::BoundFunction(bound) => format!("<bound method {}>", bound.1.def.name),
        Value::Super => "<super>".into(),
        Value::Exception(error) => format!("{}({})", error.kind.name(), quote(&error.message)),
    })
}

/// The text `print` and `str()` give: a string as itself, anything else as its repr.
pub async fn str(value: &Value) -> Result<String, PyError> {
    match value {
        Value::Str(s) => Ok(s.to_string()),
        Value::Exception(error) => Ok(error.message.clone()),
        // `print` writes a dict on one line however wide; only Jupyter's display wraps it (the
        // wrap's ",\n " never occurs inside a repr, whose strings escape their newlines).
        Value::Dict(_) | Value::List(_) | Value::Tuple(_) => Ok(repr(value).await?.replace(",\n ", ", ")),
        other => repr(other).await,
    }
}

async fn join(items: &[Value], depth: usize, room: &Cell<usize>) -> Result<String, PyError> {
    let mut parts = Vec::new();
    for item in items {
        if room.get() == 0 {
            parts.push("...".to_owned());
            break;
        }
        parts.push(repr_within(item, depth, room).await?);
    }
    Ok(parts.join(", "))
}

fn quote(s: &str) -> String {
    let escaped = s.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t");
    if s.contains('\'') && !s.contains('"') {
        format!("\"{escaped}\"")
    } else {
        format!("'{}'", escaped.replace('\'', "\\'"))
    }
}

/// `format(value, spec)` for the specs lessons use: `.4f`, `.2e`, `d`, `5`, `>8`, `<8`.
pub async fn format_spec(value: &Value, spec: &str) -> Result<String, PyError> {
    if spec.is_empty() {
        return str(value).await;
    }
    let (align, rest) = match spec.chars().next() {
        Some(c @ ('<' | '>' | '^')) => (Some(c), &spec[1..]),
        _ => (None, spec),
    };
    let width_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let width: usize = rest[..width_end].parse().unwrap_or(0).min(1000);
    let kind = &rest[width_end..];
    let number = || {
        value.as_f64().or_else(|| match value {
            Value::Tensor(t) => t.item().ok(),
            _ => None,
        })
    };
    let precision = |kind: &str| kind.get(1..kind.len() - 1).and_then(|p| p.parse::<usize>().ok()).unwrap_or(6).min(50);
    let text = if kind.ends_with('f') && kind.starts_with('.') {
        let n = number().ok_or_else(|| bad_spec(spec, value))?;
        format!("{n:.*}", precision(kind))
    } else if kind.ends_with('e') && kind.starts_with('.') {
        let n = number().ok_or_else(|| bad_spec(spec, value))?;
        let e = format!("{n:.*e}", precision(kind));
        match e.split_once('e') {
            Some((mantissa, exponent)) => {
                let (sign, digits) = exponent.strip_prefix('-').map_or(("+", exponent), |d| ("-", d));
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => e,
        }
    } else if kind == "d" {
        value.as_i64().ok_or_else(|| bad_spec(spec, value))?.to_string()
    } else if kind.is_empty() {
        str(value).await?
    } else {
        return Err(bad_spec(spec, value));
    };
    let numeric = value.as_f64().is_some();
    Ok(match align.unwrap_or(if numeric { '>' } else { '<' }) {
        '>' => format!("{text:>width$}"),
        '^' => format!("{text:^width$}"),
        _ => format!("{text:<width$}"),
    })
}

fn bad_spec(spec: &str, value: &Value) -> PyError {
    PyError::new(
        PyErrorKind::ValueError,
        format!("Unknown format code '{spec}' for object of type '{}'", value.type_name()),
    )
}

/// `"{} {:.2f}".format(a, b)`: positional `{}`/`{0}` fields with optional specs.
pub async fn format_method(template: &str, args: &[Value]) -> Result<Value, PyError> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err(PyError::new(PyErrorKind::ValueError, "Single '}' encountered in format string"));
        }
        let close = tail
            .find('}')
            .ok_or_else(|| PyError::new(PyErrorKind::ValueError, "Single '{' encountered in format string"))?;
        let field = &tail[1..close];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let index = if name.is_empty() {
            next += 1;
            next - 1
        } else {
            name.parse::<usize>().map_err(|_| PyError::new(PyErrorKind::KeyError, format!("'{name}'")))?
        };
        let value = args.get(index).ok_or_else(|| {
            PyError::new(
                PyErrorKind::IndexError,
                format!("Replacement index {index} out of range for positional args tuple"),
            )
        })?;
        out.push_str(&format_spec(value, spec).await?);
        if out.len() > super::limits::MAX_SEQUENCE {
            return Err(super::limits::too_long("string"));
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    Ok(Value::str(out))
}

/// `Linear(in_features=2, out_features=1, bias=True)`.
fn linear(model: &super::value::Model) -> String {
    let shape = model.local.weight.shape();
    let (out, input) = (shape.first().copied().unwrap_or(0), shape.get(1).copied().unwrap_or(0));
    format!("Linear(in_features={input}, out_features={out}, bias=True)")
}
