//! The notebook's cells as the page holds them: the seed's cells (and a learner's scratch cells)
//! with their text and last output, changed only through `CellAction`s.

use std::rc::Rc;

use yew::prelude::*;

use crate::lessons::{rust_cells, RustCell};
use crate::notebook::seed::cells;
use crate::notebook::CellOutput;

/// The cells whose printed numbers follow `nn.Linear`'s random initialisation (In[52]–In[58]).
pub const RANDOM_INITIALISATION: &[u32] = &[53, 58];

#[derive(Clone, PartialEq)]
pub struct NotebookCell {
    /// Stable across edits and insertions (the page's `data-cell`).
    pub id: usize,
    /// `In [n]` of the seed, or none for a learner's own cell.
    pub number: Option<u32>,
    pub source: String,
    /// The prose the seed has before this cell.
    pub prose: String,
    /// What the seed printed under it.
    pub seed_output: String,
    /// The Rust that does the same, from the lesson's example (`crate::lessons`).
    pub rust: Option<Rc<RustCell>>,
    pub output: Option<CellOutput>,
}

#[derive(Clone, PartialEq)]
pub struct Cells {
    pub cells: Vec<NotebookCell>,
    next_id: usize,
}

pub enum CellAction {
    Edit {
        id: usize,
        source: String,
    },
    Output {
        id: usize,
        output: CellOutput,
    },
    /// A scratch cell after `id` (at the end for `None`).
    Add {
        after: Option<usize>,
    },
    /// Forget every output (the namespace and the workers start afresh); the text stays.
    ClearOutputs,
}

impl Default for Cells {
    fn default() -> Cells {
        let mut rust = rust_cells();
        let cells: Vec<NotebookCell> = cells()
            .into_iter()
            .enumerate()
            .map(|(id, cell)| NotebookCell {
                id,
                number: Some(cell.number),
                source: cell.code,
                prose: cell.prose,
                seed_output: cell.output,
                rust: rust.remove(&cell.number).map(Rc::new),
                output: None,
            })
            .collect();
        Cells { next_id: cells.len(), cells }
    }
}

impl Reducible for Cells {
    type Action = CellAction;

    fn reduce(self: Rc<Self>, action: CellAction) -> Rc<Cells> {
        let mut next = (*self).clone();
        match action {
            CellAction::Edit { id, source } => {
                if let Some(cell) = next.cells.iter_mut().find(|c| c.id == id) {
                    cell.source = source;
                }
            }
            CellAction::Output { id, output } => {
                if let Some(cell) = next.cells.iter_mut().find(|c| c.id == id) {
                    cell.output = Some(output);
                }
            }
            CellAction::Add { after } => {
                let at =
                    after.and_then(|id| next.cells.iter().position(|c| c.id == id)).map_or(next.cells.len(), |i| i + 1);
                let cell = NotebookCell {
                    id: next.next_id,
                    number: None,
                    source: String::new(),
                    prose: String::new(),
                    seed_output: String::new(),
                    rust: None,
                    output: None,
                };
                next.next_id += 1;
                next.cells.insert(at, cell);
            }
            CellAction::ClearOutputs => next.cells.iter_mut().for_each(|c| c.output = None),
        }
        Rc::new(next)
    }
}
