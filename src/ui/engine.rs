//! The training panel's client and its run: the federated training on workers of its own (the
//! notebook has its own too, so a cell's `bob.clear_objects()` cannot wipe the training data, and
//! the training's shards never show up in a cell's `bob._objects`). Actions take their state out
//! while they await, so two clicks can never borrow it twice.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::federated::Federation;
use crate::runtime::web::WebWorkers;
use crate::Syft;

/// Where trunk puts the worker's loader script next to the page.
pub const WORKER_SCRIPT: &str = "./worker_loader.js";
/// The worker bin's wasm, compiled once on the page for every worker.
pub const WORKER_WASM: &str = "./worker_bg.wasm";

pub struct Engine {
    /// The training's client: its own bob, alice and secure_worker, started on the first round.
    pub training: Syft,
    pub federation: RefCell<Option<Federation>>,
    pub training_busy: Busy,
}

/// A guard flag: an action that finds it set does nothing. A reset that comes while it is set
/// is remembered: the action in flight discards its result and drops its run when it ends, so a
/// setting changed mid-round is never lost (the round would otherwise put the old run back).
#[derive(Default)]
pub struct Busy {
    busy: Cell<bool>,
    reset_requested: Cell<bool>,
}

impl Busy {
    /// Marks it busy; false if it already was (the caller then does nothing).
    pub fn begin(&self) -> bool {
        !self.busy.replace(true)
    }

    /// Ends the action; true if a reset came meanwhile (the caller drops what it made).
    #[must_use]
    pub fn end(&self) -> bool {
        self.busy.set(false);
        self.reset_requested.replace(false)
    }

    pub fn is_busy(&self) -> bool {
        self.busy.get()
    }

    /// A reset while busy: done by the action in flight when it ends.
    pub fn request_reset(&self) {
        self.reset_requested.set(self.busy.get());
    }
}

/// A handle the components compare by identity.
#[derive(Clone)]
pub struct EngineHandle(pub Rc<Engine>);

impl PartialEq for EngineHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Engine {
    /// A fresh client; its workers start with the first round, each in its own Web Worker.
    pub fn start(seed: u64) -> EngineHandle {
        EngineHandle(Rc::new(Engine {
            training: Syft::new(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM), seed),
            federation: RefCell::new(None),
            training_busy: Busy::default(),
        }))
    }
}
