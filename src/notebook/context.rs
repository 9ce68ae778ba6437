//! What the library's functions may touch besides their arguments: the client and its workers,
//! the cell's printed output, the generator `nn.Linear` draws from, and the models made so far.
//! (The namespace and the budget belong to the evaluator, which no library function sees.)

use std::rc::{Rc, Weak};

use super::value::{Model, Value};
use crate::client::Syft;
use crate::rng::Rng;

pub struct Context {
    pub syft: Syft,
    pub stdout: String,
    pub rng: Rng,
    /// Every `nn.Linear` made, for the optimizers built on their parameters.
    pub models: Vec<Weak<Model>>,
}

impl Context {
    /// A new model (`nn.Linear`, a copy), known from now on to the optimizers made from its
    /// parameters; the models no name holds any more are forgotten.
    pub fn register(&mut self, model: Model) -> Value {
        let model = Rc::new(model);
        self.models.retain(|m| m.strong_count() > 0);
        self.models.push(Rc::downgrade(&model));
        Value::Model(model)
    }
}
