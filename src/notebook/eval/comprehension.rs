//! `[x * 2 for x in xs if x]`, `{k: v for k, v in pairs}` and generator expressions (built as
//! lists: every use in these lessons consumes them whole). As in Python 3, the names a
//! comprehension's `for`s bind are its own: afterwards they have their values from before.

use std::cell::RefCell;
use std::rc::Rc;

use super::{made, Evaluating, Interpreter, STEPS_PER_ITEM};
use crate::notebook::ast::{Clause, ComprehensionKind, Expr, ExprKind};
use crate::notebook::error::PyError;
use crate::notebook::limits::{too_long, MAX_SEQUENCE};
use crate::notebook::sequences;
use crate::notebook::value::Value;

/// What a comprehension builds: its items, or its dict's entries.
#[derive(Default)]
struct Built {
    items: Vec<Value>,
    entries: Vec<(Value, Value)>,
}

impl Interpreter {
    pub(super) async fn comprehension(
        &mut self,
        kind: ComprehensionKind,
        element: &Expr,
        value: Option<&Expr>,
        clauses: &[Clause],
    ) -> Result<Value, PyError> {
        let mut names = Vec::new();
        for clause in clauses {
            if let Clause::For { target, .. } = clause {
                target_names(target, &mut names);
            }
        }
        let before: Vec<(String, Option<Value>)> = names.iter().map(|n| (n.clone(), self.bound_here(n))).collect();
        let mut built = Built::default();
        let result = self.clauses(clauses, element, value, &mut built).await;
        for (name, value) in before {
            self.restore(&name, value);
        }
        result?;
        Ok(match kind {
            ComprehensionKind::List | ComprehensionKind::Generator => Value::list(built.items),
            ComprehensionKind::Dict => Value::Dict(Rc::new(RefCell::new(built.entries))),
        })
    }

    /// The clauses from the first on, each `for` looping over the rest, then the element.
    fn clauses<'a>(
        &'a mut self,
        clauses: &'a [Clause],
        element: &'a Expr,
        value: Option<&'a Expr>,
        built: &'a mut Built,
    ) -> Evaluating<'a, ()> {
        Box::pin(async move {
            match clauses.split_first() {
                None => {
                    if built.items.len() + built.entries.len() >= MAX_SEQUENCE {
                        return Err(too_long("list"));
                    }
                    let item = self.eval(element).await?;
                    self.charge(STEPS_PER_ITEM)?;
                    match value {
                        Some(value) => {
                            let value = self.eval(value).await?;
                            self.charge(made(&value))?;
                            sequences::dict_insert(&mut built.entries, item, value);
                        }
                        None => built.items.push(item),
                    }
                }
                Some((Clause::If(condition), rest)) => {
                    if self.eval(condition).await?.truthy()? {
                        self.clauses(rest, element, value, built).await?;
                    }
                }
                Some((Clause::For { target, iter }, rest)) => {
                    let iterable = self.eval(iter).await?;
                    for item in sequences::iterate(&iterable)? {
                        self.step().await?;
                        self.assign(target, item).await?;
                        self.clauses(rest, element, value, built).await?;
                    }
                }
            }
            Ok(())
        })
    }

    /// The value `name` has in the scope a binding would change (the running function's, or the
    /// notebook's), if any.
    fn bound_here(&self, name: &str) -> Option<Value> {
        match self.frames.last() {
            Some(frame) => frame.locals.borrow().get(name).cloned(),
            None => self.globals.get(name).cloned(),
        }
    }

    fn restore(&mut self, name: &str, value: Option<Value>) {
        match (self.frames.last(), value) {
            (Some(frame), Some(value)) => {
                frame.locals.borrow_mut().insert(name.to_owned(), value);
            }
            (Some(frame), None) => {
                frame.locals.borrow_mut().remove(name);
            }
            (None, Some(value)) => {
                self.globals.insert(name.to_owned(), value);
            }
            (None, None) => {
                self.globals.remove(name);
            }
        }
    }
}

/// The plain names a `for` target binds (`x`, `(i, (a, b))`).
fn target_names(target: &Expr, names: &mut Vec<String>) {
    match &target.kind {
        ExprKind::Name(name) => names.push(name.clone()),
        ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().for_each(|t| target_names(t, names)),
        _ => {}
    }
}
