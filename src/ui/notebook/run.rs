//! The notebook's kernel on the page, as one hook: a `Notebook` over Web Workers of its own that
//! runs one cell at a time — a cell asked to run while another runs waits in a queue, as in
//! Jupyter — Stop, Restart, and the stores as the last cell left them.
//!
//! The callbacks are made once and read the kernel's state through shared cells: a callback made
//! anew each render is a new prop for each of the notebook's ~90 cells, and re-rendering them all
//! for every keystroke and every run was most of what either cost on a phone.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
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
    notebook_over(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM))
}

/// The page's first kernel, and what its first cells would otherwise wait for, made ready while
/// the reader reads. V8 compiles each wasm function when it is first called: the interpreter's
/// (scanner, parser, evaluator, PyTorch's printing) were 75-115 ms of the first Shift+Enter on a
/// throttled phone, so the seed's first cell is run once in a notebook of its own, its output
/// dropped. The seed's third cell makes bob, and a worker's first message waits for the workers'
/// wasm (its own file, 130 KB in Brotli: most of a second on a phone): fetched and compiled a
/// second after the kernel starts, when the page has drawn the notebook.
fn first_notebook() -> Notebook {
    let workers = WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM);
    let warming = workers.clone();
    wasm_bindgen_futures::spawn_local(async move {
        yew::platform::time::sleep(COMPILE_THE_INTERPRETER_AFTER).await;
        compile_the_interpreter().await;
        yew::platform::time::sleep(WARM_UP_AFTER - COMPILE_THE_INTERPRETER_AFTER).await;
        warming.warm_up();
    });
    notebook_over(workers)
}

/// After the notebook's first render and paint, and long before a reader's first Shift+Enter.
const COMPILE_THE_INTERPRETER_AFTER: Duration = Duration::from_millis(300);
/// How long after the kernel starts the workers' wasm is fetched (see `first_notebook`).
const WARM_UP_AFTER: Duration = Duration::from_secs(1);

/// Runs the seed's In [1] (local tensors and a print: it makes no worker) in a notebook that is
/// then dropped, so that the functions a cell runs through are compiled before a reader's first.
async fn compile_the_interpreter() {
    let Some(first) = crate::notebook::seed::cells().into_iter().next() else { return };
    fresh_notebook().run_cell(&first.code).await;
}

fn notebook_over(workers: WebWorkers) -> Notebook {
    let mut notebook = Notebook::new(Syft::new(workers, 0), 0);
    // A turn of the page's event loop every so many steps: the page keeps drawing, Stop is seen.
    notebook.set_yielder(Rc::new(|| Box::pin(yew::platform::time::sleep(Duration::ZERO))));
    notebook
}

/// What the callbacks share. `cells` is the handle of the latest render (a handle keeps the
/// value it was rendered with), so a queued cell runs the text it has when its turn comes.
#[derive(Clone)]
struct KernelState {
    notebook: Rc<RefCell<Option<Notebook>>>,
    stop: Rc<RefCell<Option<Rc<Cell<bool>>>>>,
    queue: Rc<RefCell<VecDeque<usize>>>,
    running: Rc<Cell<bool>>,
    cells: Rc<RefCell<UseReducerHandle<Cells>>>,
    busy: UseStateHandle<bool>,
    snapshot: UseStateHandle<Snapshot>,
}

impl KernelState {
    fn dispatch(&self, action: CellAction) {
        self.cells.borrow().dispatch(action);
    }

    /// Queues `ids`, and starts running the queue unless it is running.
    fn run(&self, ids: Vec<usize>) {
        if ids.is_empty() {
            return;
        }
        self.queue.borrow_mut().extend(ids.iter().copied());
        self.dispatch(CellAction::Queued { ids });
        if self.running.replace(true) {
            return;
        }
        self.busy.set(true);
        let state = self.clone();
        wasm_bindgen_futures::spawn_local(async move { state.run_queue().await });
    }

    /// Runs the queued cells in order, each output as it comes; an error empties the queue. The
    /// stores are read once the queue is empty, and a cell queued while they were being read (an
    /// await) is run too: only when the queue is empty after that read does the kernel stop.
    async fn run_queue(self) {
        let taken = self.notebook.borrow_mut().take();
        if let Some(mut notebook) = taken {
            loop {
                while let Some(id) = self.next_queued() {
                    let source = self.cells.borrow().cells.iter().find(|c| c.id == id).map(|c| c.source.clone());
                    let Some(source) = source else { continue };
                    self.dispatch(CellAction::Running { id });
                    let output = notebook.run_cell(&source).await;
                    let failed = output.error.is_some();
                    self.dispatch(CellAction::Output { id, output });
                    if failed {
                        self.unqueue();
                    } else if self.queue.borrow().contains(&id) {
                        // Run again while it ran: it waits its turn again.
                        self.dispatch(CellAction::Queued { ids: vec![id] });
                    }
                }
                self.snapshot.set(Snapshot::take(notebook.syft()).await);
                if self.queue.borrow().is_empty() {
                    break;
                }
            }
            *self.notebook.borrow_mut() = Some(notebook);
        }
        self.running.set(false);
        self.busy.set(false);
    }

    fn next_queued(&self) -> Option<usize> {
        self.queue.borrow_mut().pop_front()
    }

    fn unqueue(&self) {
        self.queue.borrow_mut().clear();
        self.dispatch(CellAction::Unqueue);
    }

    fn stop(&self) {
        self.unqueue();
        if let Some(flag) = self.stop.borrow().as_ref() {
            flag.set(true);
        }
    }

    fn restart(&self) {
        if self.running.get() {
            return;
        }
        // The old client goes with its workers; a new one starts with none, as a new kernel.
        self.unqueue();
        let notebook = fresh_notebook();
        *self.stop.borrow_mut() = Some(notebook.stop_flag());
        self.snapshot.set(Snapshot::just_started(notebook.syft()));
        *self.notebook.borrow_mut() = Some(notebook);
        self.dispatch(CellAction::ClearOutputs);
    }
}

#[hook]
pub fn use_kernel(link: Rc<Vec<LinkCell>>) -> Kernel {
    let notebook = use_mut_ref(|| Some(first_notebook()));
    let stop = use_mut_ref(|| notebook.borrow().as_ref().map(Notebook::stop_flag));
    let queue = use_mut_ref(VecDeque::new);
    let running = use_memo((), |_| Cell::new(false));
    let cells = use_reducer(move || Cells::with_link(&link));
    let latest_cells = use_mut_ref(|| cells.clone());
    *latest_cells.borrow_mut() = cells.clone();
    let busy = use_state(|| false);
    // `me` from the start: the workers appear beside it as cells create them.
    let snapshot = {
        let notebook = notebook.clone();
        use_state(move || notebook.borrow().as_ref().map(|n| Snapshot::just_started(n.syft())).unwrap_or_default())
    };
    // The state and the callbacks over it are made once: the handles of later renders set and
    // dispatch to the same state as the first's.
    let callbacks = {
        let (busy, snapshot) = (busy.clone(), snapshot.clone());
        use_memo((), move |_| {
            callbacks(KernelState { notebook, stop, queue, running, cells: latest_cells, busy, snapshot })
        })
    };
    let (on_run, on_run_all, on_stop, on_restart, on_edit, on_add) = (*callbacks).clone();
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

type Callbacks = (
    Callback<usize>,
    Callback<MouseEvent>,
    Callback<MouseEvent>,
    Callback<MouseEvent>,
    Callback<(usize, String)>,
    Callback<Option<usize>>,
);

/// Run, Run all, Stop, Restart, an edit and "+ cell", over the kernel's shared state.
fn callbacks(state: KernelState) -> Callbacks {
    let on_run = {
        let state = state.clone();
        Callback::from(move |id: usize| state.run(vec![id]))
    };
    let on_run_all = {
        let state = state.clone();
        Callback::from(move |_| {
            let ids = state.cells.borrow().cells.iter().map(|c| c.id).collect();
            state.run(ids)
        })
    };
    let on_stop = {
        let state = state.clone();
        Callback::from(move |_| state.stop())
    };
    let on_restart = {
        let state = state.clone();
        Callback::from(move |_| state.restart())
    };
    let on_edit = {
        let state = state.clone();
        Callback::from(move |(id, source): (usize, String)| state.dispatch(CellAction::Edit { id, source }))
    };
    let on_add = Callback::from(move |after: Option<usize>| state.dispatch(CellAction::Add { after }));
    (on_run, on_run_all, on_stop, on_restart, on_edit, on_add)
}
