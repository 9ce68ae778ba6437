//! One code cell: its text (editable: Tab indents, Shift+Enter runs), Run, "+ cell", the Rust that
//! does the same (one click away) and its output, with the line of an error marked and, where the
//! seed's numbers were random, the seed's own output beside ours. Run is never disabled: a cell
//! run while another runs waits its turn, marked "queued".

use std::rc::Rc;
use wasm_bindgen::JsCast;

use web_sys::{HtmlDetailsElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::state::{CellRun, NotebookCell, RANDOM_INITIALISATION};
use crate::lessons::RustCell;

#[derive(Properties, PartialEq)]
pub struct CellProps {
    pub cell: NotebookCell,
    pub on_edit: Callback<(usize, String)>,
    pub on_run: Callback<usize>,
    /// A scratch cell after the one given.
    pub on_add: Callback<Option<usize>>,
}

#[function_component(CodeCell)]
pub fn code_cell(props: &CellProps) -> Html {
    let cell = &props.cell;
    let id = cell.id;
    let on_input = props.on_edit.reform(move |event: InputEvent| (id, textarea_value(&event)));
    let on_keydown = {
        let (on_run, on_edit) = (props.on_run.clone(), props.on_edit.clone());
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Enter" && event.shift_key() {
                event.prevent_default();
                on_run.emit(id);
            } else if event.key() == "Tab" && !event.shift_key() {
                event.prevent_default();
                if let Some(area) = event.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()) {
                    let _ = area.set_range_text_with_start_and_end_and_mode(
                        "    ",
                        area.selection_start().ok().flatten().unwrap_or(0),
                        area.selection_end().ok().flatten().unwrap_or(0),
                        "end",
                    );
                    on_edit.emit((id, area.value()));
                }
            }
        })
    };
    let label = cell.number.map_or_else(|| "In [ ]".to_owned(), |n| format!("In [{n}]"));
    let rows = cell.source.lines().count().clamp(1, 40).to_string();
    let failed = cell.output.as_ref().is_some_and(|o| o.error.is_some());
    let random = cell.number.is_some_and(|n| RANDOM_INITIALISATION.contains(&n));
    let (run_class, run_text) = match cell.run {
        CellRun::Idle => (None, None),
        CellRun::Queued => (Some("queued"), Some("queued")),
        CellRun::Running => (Some("running"), Some("running…")),
    };
    html! {
        <div class={classes!("cell", cell.number.is_none().then_some("scratch"), run_class)} data-cell={id.to_string()}>
            <div class="cell-head">
                <span class="prompt">{ label }</span>
                <button class="run" onclick={props.on_run.reform(move |_| id)} title="Run (Shift+Enter)">{ "Run ▶" }</button>
                <button class="add-after" onclick={props.on_add.reform(move |_| Some(id))} title="A new cell below this one">{ "+ cell" }</button>
                if let Some(text) = run_text {
                    <span class="run-state" role="status">{ text }</span>
                }
            </div>
            <textarea class="code" spellcheck="false" rows={rows} value={AttrValue::from(cell.source.clone())} oninput={on_input} onkeydown={on_keydown}
                      aria-label={format!("{} code", cell.number.map_or("scratch cell".to_owned(), |n| format!("cell {n}")))} />
            if let Some(rust) = &cell.rust {
                <RustOfCell rust={rust.clone()} />
            }
            if let Some(output) = &cell.output {
                <pre class={classes!("output", failed.then_some("failed"))}
                     data-error-line={output.error.as_ref().map(|e| e.line.to_string())}>{ shown(output) }</pre>
                if random && !cell.seed_output.is_empty() {
                    <details class="seed-output">
                        <summary>{ "Different numbers from the seed's? The model starts from random weights (nn.Linear), so each run prints its own losses. The seed printed:" }</summary>
                        <pre>{ &*cell.seed_output }</pre>
                    </details>
                }
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RustProps {
    rust: Rc<RustCell>,
}

/// "Rust" under a cell: its text is put into the page only when opened. Closed, 80-odd cells' Rust
/// would be ~20 KB of text and a `<pre>` each for the phone to build and style on first load.
#[function_component(RustOfCell)]
fn rust_of_cell(props: &RustProps) -> Html {
    let open = use_state(|| false);
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |event: Event| {
            if let Some(details) = event.target_dyn_into::<HtmlDetailsElement>() {
                open.set(details.open());
            }
        })
    };
    let rust = &props.rust;
    html! {
        <details class="rust" {ontoggle}>
            <summary>{ "Rust" }</summary>
            if *open {
                <pre><code>{ rust.code.clone() }</code></pre>
                <p class="note">{ format!("From examples/{}.rs: cargo run --example {}", rust.slug, rust.slug) }</p>
            }
        </details>
    }
}

fn textarea_value(event: &InputEvent) -> String {
    event.target().and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok()).map(|a| a.value()).unwrap_or_default()
}

/// What the cell printed, its value, then its error as a traceback's last lines.
fn shown(output: &crate::notebook::CellOutput) -> String {
    let mut parts = Vec::new();
    if !output.stdout.is_empty() {
        parts.push(output.stdout.trim_end().to_owned());
    }
    if let Some(value) = &output.value {
        parts.push(value.clone());
    }
    if let Some(traceback) = &output.traceback {
        parts.push(traceback.clone());
    }
    if parts.is_empty() {
        return "✓".into();
    }
    parts.join("\n")
}
