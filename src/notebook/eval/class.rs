//! `class Name(bases):` and calling what it made: a class's body is its `def`s and plain
//! assignments; calling the class makes an instance and runs `__init__`; calling an nn.Module's
//! instance runs `forward`, as PyTorch's `__call__` does.

use std::rc::Rc;

use super::Interpreter;
use crate::notebook::ast::{ExprKind, Stmt, StmtKind};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::value::{Class, Instance, Value};

impl Interpreter {
    pub(super) async fn define_class(
        &mut self,
        name: &str,
        bases: &[crate::notebook::ast::Expr],
        body: &[Stmt],
    ) -> Result<Value, PyError> {
        let mut module = false;
        for base in bases {
            match self.eval(base).await? {
                Value::Builtin("nn.Module") => module = true,
                Value::Class(class) => module |= class.module,
                other => {
                    return Err(PyError::type_error(format!(
                        "class {name}: a base must be nn.Module or a class defined here, not {}",
                        other.type_name()
                    )))
                }
            }
        }
        let mut attributes: Vec<(String, Value)> = Vec::new();
        for stmt in body {
            let (key, value) = match &stmt.kind {
                StmtKind::Def(def) => (def.name.clone(), self.define(def).await?),
                StmtKind::Assign { targets, value } => match targets.as_slice() {
                    [crate::notebook::ast::Expr { kind: ExprKind::Name(key), .. }] => {
                        (key.clone(), self.eval(value).await?)
                    }
                    _ => return Err(unsupported_in_class(stmt)),
                },
                // A docstring, or `pass`.
                StmtKind::Expr(crate::notebook::ast::Expr { kind: ExprKind::Str(_), .. }) | StmtKind::Pass => continue,
                _ => return Err(unsupported_in_class(stmt)),
            };
            attributes.retain(|(k, _)| *k != key);
            attributes.push((key, value));
        }
        Ok(Value::Class(Rc::new(Class { name: name.to_owned(), module, attributes })))
    }

    /// `Net(args)`: a new instance, with `__init__(self, args)` run on it.
    pub(super) async fn instantiate(
        &mut self,
        class: Rc<Class>,
        args: Vec<Value>,
        keywords: Vec<(String, Value)>,
    ) -> Result<Value, PyError> {
        let instance = Value::Instance(Rc::new(Instance::new(&class)));
        match class.function("__init__") {
            Some(init) => {
                let mut with_self = vec![instance.clone()];
                with_self.extend(args);
                self.call(Value::Function(init), with_self, keywords).await?;
            }
            None if !args.is_empty() || !keywords.is_empty() => {
                return Err(PyError::type_error(format!("{}() takes no arguments", class.name)))
            }
            None => {}
        }
        Ok(instance)
    }

    /// `net(x)`: `forward` for an nn.Module, `__call__` for another class.
    pub(super) async fn call_instance(
        &mut self,
        instance: Rc<Instance>,
        args: Vec<Value>,
        keywords: Vec<(String, Value)>,
    ) -> Result<Value, PyError> {
        let method = if instance.class.module { "forward" } else { "__call__" };
        let Some(function) = instance.class.function(method) else {
            return Err(PyError::type_error(format!(
                "'{}' object is not callable (it has no {method})",
                instance.class.name
            )));
        };
        let mut with_self = vec![Value::Instance(instance)];
        with_self.extend(args);
        self.call(Value::Function(function), with_self, keywords).await
    }
}

fn unsupported_in_class(stmt: &Stmt) -> PyError {
    PyError::at(
        PyErrorKind::Syft("NotImplementedError"),
        "a class body here holds its defs and plain assignments (name = value)",
        stmt.line,
        stmt.column,
    )
}
