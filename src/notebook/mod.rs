//! The notebook: PySyft 0.2 / PyTorch Python, as the seed's cells are written, run by minisyft on
//! the same workers the rest of the crate uses (in this thread natively, Web Workers in a page).
//! No Python runtime: a scanner, a recursive-descent parser into a small syntax tree, and an async
//! tree-walking evaluator (Crafting Interpreters' shape). All cells share one namespace, as a
//! kernel's do.
//!
//! ```
//! # #[cfg(not(target_arch = "wasm32"))]
//! # fn main() -> Result<(), minisyft::Error> {
//! use minisyft::notebook::Notebook;
//! use minisyft::runtime::block_on;
//!
//! let (mut notebook, _workers) = Notebook::in_process(0);
//! block_on(notebook.run_cell("import torch as th\nimport syft as sy\nhook = sy.TorchHook(th)"));
//! block_on(notebook.run_cell("bob = sy.VirtualWorker(hook, id=\"bob\")\nx = th.tensor([1,2,3]).send(bob)"));
//! let output = block_on(notebook.run_cell("(x + x).get()"));
//! assert_eq!(output.value.as_deref(), Some("tensor([2, 4, 6])"));
//! # Ok(())
//! # }
//! # #[cfg(target_arch = "wasm32")]
//! # fn main() {}
//! ```

mod ast;
mod builtins;
mod classes;
mod context;
mod error;
mod eval;
mod library;
pub mod limits;
pub mod link;
mod methods;
mod operators;
mod parser;
mod repr;
mod scanner;
pub mod seed;
mod sequences;
mod sharing;
mod tensor_ops;
mod torch_calls;
mod unsupported;
mod value;

use std::cell::Cell;
use std::rc::Rc;

pub use error::{PyError, PyErrorKind};
pub use eval::Yielder;
pub use limits::{MAX_CALL_DEPTH, MAX_CELL_BYTES, MAX_EVAL_DEPTH, MAX_NESTING, MAX_SEQUENCE, MAX_STEPS};

use crate::client::Syft;
use ast::StmtKind;
use eval::Interpreter;

/// What running a cell gave: what it printed, the value of its last expression as Jupyter shows
/// it (none for a statement or `None`), and the error that stopped it, if any (what ran before
/// the error stays done, as in a kernel).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellOutput {
    pub stdout: String,
    pub value: Option<String>,
    pub error: Option<PyError>,
    /// The error as the traceback's last lines: the cell's line, a caret, `Kind: message`.
    pub traceback: Option<String>,
}

/// A namespace over one [`Syft`] client: run cells in it, in any order.
pub struct Notebook {
    interpreter: Interpreter,
}

impl Notebook {
    /// A notebook over `syft`'s workers; `seed` makes `nn.Linear`'s initial weights reproducible.
    pub fn new(syft: Syft, seed: u64) -> Notebook {
        Notebook { interpreter: Interpreter::new(syft, seed) }
    }

    /// A notebook whose workers live in this thread.
    pub fn in_process(seed: u64) -> (Notebook, crate::runtime::InProcess) {
        let (syft, runtime) = Syft::in_process(seed);
        (Notebook::new(syft, seed), runtime)
    }

    /// The client the cells run on (its workers, its message log).
    pub fn syft(&self) -> &Syft {
        &self.interpreter.context.syft
    }

    /// Lets the page draw between statements (a future that resolves on a later turn of its
    /// event loop). Without one the cell runs to its end in one go.
    pub fn set_yielder(&mut self, yielder: Yielder) {
        self.interpreter.yielder = Some(yielder);
    }

    /// How many steps (statements, expressions, loop turns) a cell may take before it is
    /// stopped; at most [`MAX_STEPS`], the default.
    pub fn set_step_budget(&mut self, steps: u64) {
        self.interpreter.budget = steps.min(MAX_STEPS);
    }

    /// Set to stop the running cell at its next step (the page's Stop button).
    pub fn stop_flag(&self) -> Rc<Cell<bool>> {
        Rc::clone(&self.interpreter.stop)
    }

    /// The names the cells have defined so far.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.interpreter.globals.keys().cloned().collect();
        names.sort();
        names
    }

    /// Runs one cell. A syntax error runs nothing; any other error stops the cell where it
    /// happened.
    pub async fn run_cell(&mut self, source: &str) -> CellOutput {
        self.interpreter.reset_budget();
        self.interpreter.context.stdout.clear();
        let mut output = CellOutput::default();
        let statements = match parser::parse(source) {
            Ok(statements) => statements,
            Err(error) => {
                output.traceback = Some(error.render(source));
                output.error = Some(error);
                return output;
            }
        };
        let last_is_expression = matches!(statements.last(), Some(s) if matches!(s.kind, StmtKind::Expr(_)));
        let (body, last) = match (last_is_expression, statements.split_last()) {
            (true, Some((last, body))) => (body, Some(last)),
            _ => (statements.as_slice(), None),
        };
        let mut result = match self.interpreter.exec_block(body).await {
            Ok(eval::Flow::Next) => Ok(()),
            Ok(eval::Flow::Return(_)) => Err(PyError::new(PyErrorKind::SyntaxError, "'return' outside function")),
            Ok(eval::Flow::Break | eval::Flow::Continue) => {
                Err(PyError::new(PyErrorKind::SyntaxError, "'break' or 'continue' outside loop"))
            }
            Err(error) => Err(error),
        };
        if let (Ok(()), Some(last)) = (&result, last) {
            if let StmtKind::Expr(expr) = &last.kind {
                match self.interpreter.eval(expr).await {
                    Ok(Value::None) => {}
                    Ok(value) => match repr::repr(&value).await {
                        Ok(text) => output.value = Some(text),
                        Err(error) => result = Err(error),
                    },
                    Err(error) => result = Err(error.located(last.line, last.column)),
                }
            }
        }
        output.stdout = std::mem::take(&mut self.interpreter.context.stdout);
        if let Err(error) = result {
            output.traceback = Some(error.render(source));
            output.error = Some(error);
        }
        output
    }
}

use value::Value;
