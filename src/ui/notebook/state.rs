//! The notebook's cells as the page holds them: the seed's cells (and a learner's scratch cells)
//! with their text and last output, changed only through `CellAction`s.

use std::rc::Rc;

use yew::prelude::*;

use crate::lessons::{rust_cells, RustCell};
use crate::notebook::link::LinkCell;
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

impl Cells {
    fn insert_scratch(&mut self, at: usize, source: String) {
        let cell = NotebookCell {
            id: self.next_id,
            number: None,
            source,
            prose: String::new(),
            seed_output: String::new(),
            rust: None,
            output: None,
        };
        self.next_id += 1;
        self.cells.insert(at.min(self.cells.len()), cell);
    }

    /// The seed's notebook with a link's changes made (`crate::notebook::link`).
    pub fn with_link(link: &[LinkCell]) -> Cells {
        let mut cells = Cells::default();
        for change in link {
            match change {
                LinkCell::Edited { number, source } => {
                    if let Some(cell) = cells.cells.iter_mut().find(|c| c.number == Some(*number)) {
                        cell.source = source.clone();
                    }
                }
                LinkCell::Added { after, source } => {
                    // After the seed's cell and the learner's cells already after it.
                    let Some(seed) = cells.cells.iter().position(|c| c.number == Some(*after)) else { continue };
                    let mut at = seed + 1;
                    while cells.cells.get(at).is_some_and(|c| c.number.is_none()) {
                        at += 1;
                    }
                    cells.insert_scratch(at, source.clone());
                }
            }
        }
        cells
    }

    /// What differs from the seed, for a link: edited seed cells and the learner's own (empty
    /// ones left out), in order.
    pub fn link(&self) -> Vec<LinkCell> {
        let seed: Vec<String> = cells().into_iter().map(|c| c.code).collect();
        let mut changes = Vec::new();
        let mut last_seed_cell = None;
        for cell in &self.cells {
            match cell.number {
                Some(number) => {
                    last_seed_cell = Some(number);
                    let index = self.cells.iter().filter(|c| c.number.is_some()).position(|c| c.id == cell.id);
                    if index.and_then(|i| seed.get(i)) != Some(&cell.source) {
                        changes.push(LinkCell::Edited { number, source: cell.source.clone() });
                    }
                }
                None if cell.source.trim().is_empty() => {}
                None => {
                    if let Some(after) = last_seed_cell {
                        changes.push(LinkCell::Added { after, source: cell.source.clone() });
                    }
                }
            }
        }
        changes
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
                next.insert_scratch(at, String::new());
            }
            CellAction::ClearOutputs => next.cells.iter_mut().for_each(|c| c.output = None),
        }
        Rc::new(next)
    }
}
