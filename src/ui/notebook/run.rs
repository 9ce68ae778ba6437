//! The notebook's kernel on the page, as one hook: a `Notebook` over Web Workers of its own,
//! run one cell at a time (taken out of its cell while it runs, so two clicks never share it),
//! Stop, Restart, and the stores as the last cell left them.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use super::state::{CellAction, Cells};
use crate::notebook::link::LinkCell;
use crate::notebook::Notebook;
use crate::runtime::web::WebWorkers;
use crate::ui::engine::{WORKER_SCRIPT, WORKER_WASM};
use crate::ui::snapshot::Snapshot;
use crate::Syft;

pub struct Kernel {
    pub cells: UseReducerHandle<Cells>,
    pub busy: bool,
    pub snapshot: Snapshot,
    pub on_run: Callback<usize>,
    pub on_run_all: Callback<MouseEvent>,
    pub on_stop: Callback<MouseEvent>,
    pub on_restart: Callback<MouseEvent>,
    pub on_edit: Callback<(usize, String)>,
    pub on_add: Callback<Option<usize>>,
}

fn fresh_notebook() -> Notebook {
    let mut notebook = Notebook::new(Syft::new(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM), 0), 0);
    // A turn of the page's event loop every so many steps: the page keeps drawing, Stop is seen.
    notebook.set_yielder(Rc::new(|| Box::pin(yew::platform::time::sleep(Duration::ZERO))));
    notebook
}

/// Runs the cells `ids` in order on the notebook, each output as it comes; stops at an error.
async fn run_cells(
    kernel: Rc<RefCell<Option<Notebook>>>,
    cells: UseReducerHandle<Cells>,
    ids: Vec<usize>,
) -> Option<Snapshot> {
    let mut notebook = kernel.borrow_mut().take()?;
    for id in ids {
        let Some(source) = cells.cells.iter().find(|c| c.id == id).map(|c| c.source.clone()) else { continue };
        let output = notebook.run_cell(&source).await;
        let failed = output.error.is_some();
        cells.dispatch(CellAction::Output { id, output });
        if failed {
            break;
        }
    }
    let snapshot = Snapshot::take(notebook.syft()).await;
    *kernel.borrow_mut() = Some(notebook);
    Some(snapshot)
}

#[hook]
pub fn use_kernel(link: Rc<Vec<LinkCell>>) -> Kernel {
    let kernel = use_mut_ref(|| Some(fresh_notebook()));
    let stop = use_mut_ref(|| kernel.borrow().as_ref().map(Notebook::stop_flag));
    let cells = use_reducer(move || Cells::with_link(&link));
    let busy = use_state(|| false);
    // `me` from the start: the workers appear beside it as cells create them.
    let snapshot = {
        let kernel = kernel.clone();
        use_state(move || kernel.borrow().as_ref().map(|n| Snapshot::just_started(n.syft())).unwrap_or_default())
    };

    let run = {
        let (kernel, cells, busy, snapshot) = (kernel.clone(), cells.clone(), busy.clone(), snapshot.clone());
        Rc::new(move |ids: Vec<usize>| {
            if *busy || kernel.borrow().is_none() {
                return;
            }
            busy.set(true);
            let (kernel, cells, busy, snapshot) = (kernel.clone(), cells.clone(), busy.clone(), snapshot.clone());
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(taken) = run_cells(kernel, cells, ids).await {
                    snapshot.set(taken);
                }
                busy.set(false);
            });
        })
    };
    let on_run = {
        let run = run.clone();
        Callback::from(move |id: usize| run(vec![id]))
    };
    let on_run_all = {
        let cells = cells.clone();
        Callback::from(move |_| run(cells.cells.iter().map(|c| c.id).collect()))
    };
    let on_stop = {
        let stop = stop.clone();
        Callback::from(move |_| {
            if let Some(flag) = stop.borrow().as_ref() {
                flag.set(true);
            }
        })
    };
    let on_restart = {
        let (kernel, cells, busy, snapshot, stop) =
            (kernel.clone(), cells.clone(), busy.clone(), snapshot.clone(), stop);
        Callback::from(move |_| {
            if *busy {
                return;
            }
            // The old client goes with its workers; a new one starts with none, as a new kernel.
            let notebook = fresh_notebook();
            *stop.borrow_mut() = Some(notebook.stop_flag());
            snapshot.set(Snapshot::just_started(notebook.syft()));
            *kernel.borrow_mut() = Some(notebook);
            cells.dispatch(CellAction::ClearOutputs);
        })
    };
    let on_edit = {
        let cells = cells.clone();
        Callback::from(move |(id, source): (usize, String)| cells.dispatch(CellAction::Edit { id, source }))
    };
    let on_add = {
        let cells = cells.clone();
        Callback::from(move |after: Option<usize>| cells.dispatch(CellAction::Add { after }))
    };
    Kernel {
        cells,
        busy: *busy,
        snapshot: (*snapshot).clone(),
        on_run,
        on_run_all,
        on_stop,
        on_restart,
        on_edit,
        on_add,
    }
}
