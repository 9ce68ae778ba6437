//! Functions a cell defines (`def`, `lambda`): their defaults, evaluated once where they are
//! defined, as Python's are; the scopes they close over, shared rather than copied (a closure
//! sees later changes, as in Python); and calling them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::{Evaluating, Flow, Interpreter};
use crate::notebook::ast::FunctionDef;
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::limits::MAX_CALL_DEPTH;
use crate::notebook::value::{Function, Scope, Value};

/// A running call: its own names, then those of the functions it was defined in (innermost last).
pub struct Frame {
    pub locals: Scope,
    pub enclosing: Vec<Scope>,
}

impl Interpreter {
    /// `def name(...)` or `lambda ...:` here: the defaults evaluated now, the scopes around kept.
    pub async fn define(&mut self, def: &Rc<FunctionDef>) -> Result<Value, PyError> {
        let mut defaults = Vec::with_capacity(def.params.len());
        for (_, default) in &def.params {
            defaults.push(match default {
                Some(expr) => Some(self.eval(expr).await?),
                None => None,
            });
        }
        let enclosing = match self.frames.last() {
            Some(frame) => {
                let mut scopes = frame.enclosing.clone();
                scopes.push(Rc::clone(&frame.locals));
                scopes
            }
            None => Vec::new(),
        };
        Ok(Value::Function(Rc::new(Function { def: Rc::clone(def), defaults, enclosing })))
    }

    pub fn call<'a>(
        &'a mut self,
        function: Value,
        args: Vec<Value>,
        keywords: Vec<(String, Value)>,
    ) -> Evaluating<'a, Value> {
        Box::pin(async move {
            match function {
                Value::Function(function) => {
                    if self.frames.len() >= MAX_CALL_DEPTH {
                        return Err(PyError::new(
                            PyErrorKind::RecursionError,
                            format!("maximum recursion depth exceeded ({MAX_CALL_DEPTH} nested calls)"),
                        ));
                    }
                    let locals = bind_arguments(&function, args, keywords)?;
                    self.frames
                        .push(Frame { locals: Rc::new(RefCell::new(locals)), enclosing: function.enclosing.clone() });
                    let flow = self.exec_block(&function.def.body).await;
                    self.frames.pop();
                    Ok(match flow? {
                        Flow::Return(value) => value,
                        _ => Value::None,
                    })
                }
                Value::Class(class) => self.instantiate(class, args, keywords).await,
                Value::Instance(instance) => self.call_instance(instance, args, keywords).await,
                Value::BoundFunction(bound) => {
                    let mut with_self = vec![bound.0.clone()];
                    with_self.extend(args);
                    self.call(Value::Function(Rc::clone(&bound.1)), with_self, keywords).await
                }
                Value::ExceptionType(name) => {
                    let message = match args.first() {
                        Some(value) => crate::notebook::repr::str(value).await?,
                        None => String::new(),
                    };
                    Ok(Value::Exception(Rc::new(super::exceptions::instance(name, message))))
                }
                other => crate::notebook::library::call(&mut self.context, other, args, keywords).await,
            }
        })
    }
}

/// The parameters' values for one call: positional arguments in order, then keywords, then the
/// defaults; Python's TypeErrors for the rest.
fn bind_arguments(
    function: &Function,
    args: Vec<Value>,
    keywords: Vec<(String, Value)>,
) -> Result<HashMap<String, Value>, PyError> {
    let def = &function.def;
    if args.len() > def.params.len() {
        return Err(PyError::type_error(format!(
            "{}() takes {} positional arguments but {} were given",
            def.name,
            def.params.len(),
            args.len()
        )));
    }
    if let Some((unknown, _)) = keywords.iter().find(|(k, _)| !def.params.iter().any(|(p, _)| p == k)) {
        return Err(PyError::type_error(format!("{}() got an unexpected keyword argument '{unknown}'", def.name)));
    }
    let mut locals = HashMap::new();
    let mut args = args.into_iter();
    for (index, (name, _)) in def.params.iter().enumerate() {
        let keyword = keywords.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let value = match (args.next(), keyword) {
            (Some(_), Some(_)) => {
                return Err(PyError::type_error(format!("{}() got multiple values for argument '{name}'", def.name)))
            }
            (Some(value), None) | (None, Some(value)) => value,
            (None, None) => match function.defaults.get(index).cloned().flatten() {
                Some(default) => default,
                None => {
                    return Err(PyError::type_error(format!(
                        "{}() missing 1 required positional argument: '{name}'",
                        def.name
                    )))
                }
            },
        };
        locals.insert(name.clone(), value);
    }
    Ok(locals)
}
