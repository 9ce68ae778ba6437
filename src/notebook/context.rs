//! What the library's functions may touch besides their arguments: the client and its workers,
//! the cell's printed output, the generator `nn.Linear` draws from, and the models made so far.
//! (The namespace and the budget belong to the evaluator, which no library function sees.)

use std::rc::Weak;

use super::value::Model;
use crate::client::Syft;
use crate::rng::Rng;

pub struct Context {
    pub syft: Syft,
    pub stdout: String,
    pub rng: Rng,
    /// Every `nn.Linear` made, for the optimizers built on their parameters.
    pub models: Vec<Weak<Model>>,
}
