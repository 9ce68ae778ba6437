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
    // Shared text: the page's every render passes each cell its props, and 89 cells' strings
    // copied each time were most of what a keystroke cost on a phone.
    pub source: Rc<str>,
    /// The prose the seed has before this cell.
    pub prose: Rc<str>,
    /// What the seed printed under it.
    pub seed_output: Rc<str>,
    /// The Rust that does the same, from the lesson's example (`crate::lessons`).
    pub rust: Option<Rc<RustCell>>,
    pub output: Option<CellOutput>,
    pub run: CellRun,
}

/// Where a cell is in the kernel's queue (Jupyter's `In [*]`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CellRun {
    Idle,
    /// Asked to run while another cell runs: it runs after the ones before it.
    Queued,
    Running,
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
    Queued {
        ids: Vec<usize>,
    },
    Running {
        id: usize,
    },
    /// Every queued cell taken off the queue (Stop, or an error in the cell before them).
    Unqueue,
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
                source: cell.code.into(),
                prose: cell.prose.into(),
                seed_output: cell.output.into(),
                rust: rust.remove(&cell.number).map(Rc::new),
                output: None,
                run: CellRun::Idle,
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
            source: source.into(),
            prose: "".into(),
            seed_output: "".into(),
            rust: None,
            output: None,
            run: CellRun::Idle,
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
                        cell.source = source.as_str().into();
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
                    if index.and_then(|i| seed.get(i)).map(String::as_str) != Some(&*cell.source) {
                        changes.push(LinkCell::Edited { number, source: cell.source.to_string() });
                    }
                }
                None if cell.source.trim().is_empty() => {}
                None => {
                    if let Some(after) = last_seed_cell {
                        changes.push(LinkCell::Added { after, source: cell.source.to_string() });
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
                    cell.source = source.into();
                }
            }
            CellAction::Output { id, output } => {
                if let Some(cell) = next.cells.iter_mut().find(|c| c.id == id) {
                    cell.output = Some(output);
                    cell.run = CellRun::Idle;
                }
            }
            CellAction::Queued { ids } => {
                // A running cell run again shows as running; it is queued again once it is done.
                for cell in next.cells.iter_mut().filter(|c| ids.contains(&c.id) && c.run != CellRun::Running) {
                    cell.run = CellRun::Queued;
                }
            }
            CellAction::Running { id } => {
                if let Some(cell) = next.cells.iter_mut().find(|c| c.id == id) {
                    cell.run = CellRun::Running;
                }
            }
            CellAction::Unqueue => {
                for cell in next.cells.iter_mut().filter(|c| c.run == CellRun::Queued) {
                    cell.run = CellRun::Idle;
                }
            }
            CellAction::Add { after } => {
                let at =
                    after.and_then(|id| next.cells.iter().position(|c| c.id == id)).map_or(next.cells.len(), |i| i + 1);
                next.insert_scratch(at, String::new());
            }
            CellAction::ClearOutputs => next.cells.iter_mut().for_each(|c| {
                c.output = None;
                c.run = CellRun::Idle;
            }),
        }
        Rc::new(next)
    }
}
