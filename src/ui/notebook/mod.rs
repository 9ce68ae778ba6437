//! The notebook on the page: the seed's prose and its cells, each editable and run by minisyft's
//! interpreter on Web Workers of the notebook's own; every store, pointer chain and message beside
//! them, and under each of the seed's cells the Rust that does the same (`crate::lessons`).

mod cell;
mod prose;
mod run;
mod share;
mod state;

use yew::prelude::*;

use super::graph::PointerGraph;
use super::messages::MessagesPanel;
use super::workers::WorkersPanel;
use cell::CodeCell;
use prose::Prose;
use run::{use_kernel, Kernel};

#[function_component(NotebookPanel)]
pub fn notebook_panel() -> Html {
    let address = use_memo((), |_| {
        let (link, refused) = share::read_address();
        (std::rc::Rc::new(link), std::rc::Rc::new(refused))
    });
    let Kernel { cells, busy, snapshot, on_run, on_run_all, on_stop, on_restart, on_edit, on_add } =
        use_kernel(address.0.clone());
    // On a phone the side is a drawer at the bottom of the screen (closed, one line of summary).
    let drawer_open = use_state(|| false);
    let on_drawer = {
        let drawer_open = drawer_open.clone();
        Callback::from(move |_| drawer_open.set(!*drawer_open))
    };
    html! {
        <div class="notebook-area">
            <div class="notebook">
                <p class="note notebook-intro">{ "PySyft 0.2's lesson as written: edit any cell and run it (Shift+Enter). All cells share one namespace, as a kernel's do. \"Rust\" under a cell shows the minisyft Rust that does the same; \"Link to this notebook\" puts your changes into the page's address." }</p>
                <div class="notebook-bar" role="toolbar" aria-label="notebook">
                    <button class="run-all" onclick={on_run_all} disabled={busy}>{ "Run all" }</button>
                    <button class="stop" onclick={on_stop} disabled={!busy}>{ "Stop ■" }</button>
                    <button class="restart" onclick={on_restart} disabled={busy}>{ "Restart" }</button>
                    <share::ShareLink cells={cells.clone()} refused={address.1.clone()} />
                </div>
                // A list of its own, every child keyed: among unkeyed siblings Yew matches the cells
                // from the end, and a cell added mid-notebook would hand each later cell's DOM (and
                // the focus in its textarea) to another.
                <div class="cells">
                    { for cells.cells.iter().map(|cell| html! { <key={cell.id}>
                        <Prose text={cell.prose.clone()} />
                        <CodeCell cell={cell.clone()} on_edit={on_edit.clone()} on_run={on_run.clone()} on_add={on_add.clone()} />
                    </> }) }
                </div>
                <button class="add-cell" onclick={on_add.reform(|_| None)}>{ "+ cell" }</button>
            </div>
            <div class={classes!("notebook-side", (*drawer_open).then_some("open"))}>
                <button class="side-toggle" aria-expanded={drawer_open.to_string()} onclick={on_drawer}>
                    { format!("{} Workers and stores: {}", if *drawer_open { "▼" } else { "▲" }, stores_in_brief(&snapshot)) }
                </button>
                <section class="panel" aria-label="notebook workers">
                    <h2>{ "The notebook's workers" }</h2>
                    <p class="note inspector-note">{ "The simulation's view inside every worker, with who may use each object. In a real deployment me could not look inside a worker: it sees only what workers send back." }</p>
                    <WorkersPanel workers={snapshot.workers.clone()} />
                </section>
                <section class="panel" aria-label="notebook pointer chains">
                    <h2>{ "Pointer chains" }</h2>
                    <PointerGraph workers={snapshot.workers.clone()} />
                    <p class="note">{ "An arrow goes from every pointer to the object it points at. A red dashed arrow points at an object that no longer exists, as happens to pointers still held when a cell empties a worker's store (bob.clear_objects())." }</p>
                </section>
                <section class="panel" aria-label="notebook messages">
                    <h2>{ "Messages" }</h2>
                    <MessagesPanel messages={snapshot.messages.clone()} total={snapshot.total_messages} />
                </section>
            </div>
        </div>
    }
}

/// One line for the closed drawer: each worker and how many objects it holds.
fn stores_in_brief(snapshot: &super::snapshot::Snapshot) -> String {
    let workers: Vec<String> = snapshot
        .workers
        .iter()
        .filter(|w| w.id.as_str() != crate::ME)
        .map(|w| format!("{} {}", w.id.as_str(), w.objects.len()))
        .collect();
    if workers.is_empty() {
        "none yet".into()
    } else {
        workers.join(", ")
    }
}
