//! The page's one client and what it runs: the lesson session and the federated training. Actions
//! take their state out while they await, so two clicks can never borrow it twice.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::federated::Federation;
use crate::lessons::Session;
use crate::runtime::web::WebWorkers;
use crate::{Result, Syft};

/// Where trunk puts the worker's loader script next to the page.
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

pub struct Engine {
    pub syft: Syft,
    pub session: RefCell<Option<Session>>,
    pub federation: RefCell<Option<Federation>>,
    busy: Cell<bool>,
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
    /// A fresh client with bob and alice started, each in its own Web Worker.
    pub fn start(seed: u64) -> Result<EngineHandle> {
        let syft = Syft::new(WebWorkers::new(WORKER_SCRIPT), seed);
        syft.create_worker("bob")?;
        syft.create_worker("alice")?;
        let session = Session::new(syft.clone());
        Ok(EngineHandle(Rc::new(Engine {
            syft,
            session: RefCell::new(Some(session)),
            federation: RefCell::new(None),
            busy: Cell::new(false),
        })))
    }

    /// Marks the engine busy; false if it already was (the caller then does nothing).
    pub fn begin(&self) -> bool {
        !self.busy.replace(true)
    }

    pub fn end(&self) {
        self.busy.set(false);
    }

    pub fn is_busy(&self) -> bool {
        self.busy.get()
    }
}
