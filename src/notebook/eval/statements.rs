//! Statements: a block, one statement of each kind, and assignment to a name, an unpacked tuple,
//! an attribute or an item. `try` and `raise` are `exceptions.rs`'s, `def` `call.rs`'s, `class`
//! `class.rs`'s; expressions are `mod.rs`'s.

use super::{Evaluating, Flow, Interpreter};
use crate::notebook::ast::{Expr, ExprKind, Stmt, StmtKind};
use crate::notebook::error::{PyError, PyErrorKind};
use crate::notebook::sequences;
use crate::notebook::value::{Module, Value};

impl Interpreter {
    pub fn exec_block<'a>(&'a mut self, body: &'a [Stmt]) -> Evaluating<'a, Flow> {
        Box::pin(async move {
            for stmt in body {
                match self.exec(stmt).await? {
                    Flow::Next => {}
                    other => return Ok(other),
                }
            }
            Ok(Flow::Next)
        })
    }

    pub fn exec<'a>(&'a mut self, stmt: &'a Stmt) -> Evaluating<'a, Flow> {
        Box::pin(async move {
            self.enter().map_err(|e| e.located(stmt.line, stmt.column))?;
            let flow = match self.step().await {
                Ok(()) => self.exec_kind(stmt).await,
                Err(error) => Err(error),
            };
            self.depth -= 1;
            flow.map_err(|e| e.located(stmt.line, stmt.column))
        })
    }

    async fn exec_kind(&mut self, stmt: &Stmt) -> Result<Flow, PyError> {
        match &stmt.kind {
            StmtKind::Expr(expr) => {
                self.eval(expr).await?;
            }
            StmtKind::Assign { targets, value } => {
                let value = self.eval(value).await?;
                for target in targets {
                    self.assign(target, value.clone()).await?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let current = self.eval(target).await?;
                let current = self.changeable(current);
                let rhs = self.eval(value).await?;
                // Tensors and pointers change in place (`weights.grad *= 0`), as PyTorch's do.
                if let Some(done) = crate::notebook::library::in_place(&current, *op, &rhs).await {
                    done?;
                } else {
                    let result = self.binary(*op, &current, &rhs).await?;
                    self.assign(target, result).await?;
                }
            }
            StmtKind::For { target, iter, body } => {
                let iterable = self.eval(iter).await?;
                let items = sequences::iterate(&iterable)?;
                for item in items {
                    self.step().await?;
                    self.assign(target, item).await?;
                    match self.exec_block(body).await? {
                        Flow::Break => break,
                        Flow::Return(value) => return Ok(Flow::Return(value)),
                        Flow::Next | Flow::Continue => {}
                    }
                }
            }
            StmtKind::While { condition, body } => loop {
                self.step().await?;
                if !self.eval(condition).await?.truthy()? {
                    break;
                }
                match self.exec_block(body).await? {
                    Flow::Break => break,
                    Flow::Return(value) => return Ok(Flow::Return(value)),
                    Flow::Next | Flow::Continue => {}
                }
            },
            StmtKind::If { condition, body, orelse } => {
                let branch = if self.eval(condition).await?.truthy()? { body } else { orelse };
                return self.exec_block(branch).await;
            }
            StmtKind::Def(function) => {
                let defined = self.define(function).await?;
                self.bind(&function.name, defined);
            }
            StmtKind::Class { name, bases, body } => {
                let class = self.define_class(name, bases, body).await?;
                self.bind(name, class);
            }
            StmtKind::Return(value) => {
                let value = match value {
                    Some(value) => self.eval(value).await?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            StmtKind::With { context, body } => {
                let context = self.eval(context).await?;
                if !matches!(context, Value::NoGrad) {
                    return Err(PyError::type_error(format!(
                        "'{}' object does not support the context manager protocol",
                        context.type_name()
                    )));
                }
                self.no_grad += 1;
                let flow = self.exec_block(body).await;
                self.no_grad -= 1;
                return flow;
            }
            StmtKind::Import { module, alias } => {
                let found = Module::from_path(module).ok_or_else(|| no_module(module))?;
                match alias {
                    Some(alias) => self.bind(alias, Value::Module(found)),
                    // `import torch.nn` binds `torch`.
                    None => {
                        let top = Module::from_path(&module[..1]).ok_or_else(|| no_module(module))?;
                        self.bind(&module[0], Value::Module(top));
                    }
                }
            }
            StmtKind::FromImport { module, names } => {
                let found = Module::from_path(module).ok_or_else(|| no_module(module))?;
                for (name, alias) in names {
                    let value = crate::notebook::library::module_attribute(&self.context, found, name)?;
                    self.bind(alias.as_ref().unwrap_or(name), value);
                }
            }
            StmtKind::Try { body, handlers, orelse, finally } => {
                return self.exec_try(body, handlers, orelse, finally).await
            }
            StmtKind::Raise(value) => return Err(self.raise(value.as_ref()).await),
            StmtKind::Pass => {}
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
        }
        Ok(Flow::Next)
    }

    pub fn assign<'a>(&'a mut self, target: &'a Expr, value: Value) -> Evaluating<'a, ()> {
        Box::pin(async move {
            match &target.kind {
                ExprKind::Name(name) => self.bind(name, value),
                ExprKind::Tuple(targets) | ExprKind::List(targets) => {
                    let items = sequences::iterate(&value)?;
                    if items.len() != targets.len() {
                        return Err(PyError::new(
                            PyErrorKind::ValueError,
                            format!("expected {} values to unpack, got {}", targets.len(), items.len()),
                        ));
                    }
                    for (target, item) in targets.iter().zip(items) {
                        self.assign(target, item).await?;
                    }
                }
                ExprKind::Attribute { value: object, name } => {
                    let object = self.eval(object).await?;
                    crate::notebook::library::set_attribute(&object, name, value).await?;
                }
                ExprKind::Subscript { value: object, index } => {
                    let object = self.eval(object).await?;
                    let index = self.eval(index).await?;
                    sequences::set_item(&object, &index, value)?;
                }
                _ => return Err(PyError::new(PyErrorKind::SyntaxError, "cannot assign to expression")),
            }
            Ok(())
        })
    }
}

fn no_module(path: &[String]) -> PyError {
    PyError::new(PyErrorKind::Syft("ModuleNotFoundError"), format!("No module named '{}'", path.join(".")))
}
