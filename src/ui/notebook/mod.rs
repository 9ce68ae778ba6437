//! The notebook on the page: the seed's prose and its cells, each editable and run by minisyft's
//! interpreter on Web Workers of the notebook's own; every store, pointer chain and message beside
//! them, and under each of the seed's cells the Rust that does the same (`crate::lessons`).

mod cell;
mod prose;
mod run;
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
    let Kernel { cells, busy, snapshot, on_run, on_run_all, on_stop, on_restart, on_edit, on_add } = use_kernel();
    let add_after = on_add.reform(Some);
    html! {
        <div class="notebook-area">
            <div class="notebook">
                <div class="notebook-bar" role="toolbar" aria-label="notebook">
                    <button class="run-all" onclick={on_run_all} disabled={busy}>{ "Run all" }</button>
                    <button class="stop" onclick={on_stop} disabled={!busy}>{ "Stop ■" }</button>
                    <button class="restart" onclick={on_restart} disabled={busy}>{ "Restart" }</button>
                    <span class="note">{ "PySyft 0.2's lesson as written: edit any cell and run it (Shift+Enter). All cells share one namespace, as a kernel's do." }</span>
                </div>
                { for cells.cells.iter().map(|cell| html! { <>
                    <Prose text={cell.prose.clone()} />
                    <CodeCell cell={cell.clone()} busy={busy} on_edit={on_edit.clone()} on_run={on_run.clone()} on_add={add_after.clone()} />
                </> }) }
                <button class="add-cell" onclick={on_add.reform(|_| None)}>{ "+ cell" }</button>
            </div>
            <div class="notebook-side">
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
