//! The page (Yew): what a learner cannot see in a notebook — every object store, every pointer
//! chain, every message, and the loss of each training round — on real Web Workers.
//!
//! `engine.rs` holds the client; `snapshot.rs` reads the stores after each action; one file per
//! panel (`lessons_panel`, `workers`, `graph`, `messages`, `training` with `chart`); `url.rs` keeps
//! the training settings in the address.

mod attack;
mod chart;
mod engine;
mod field;
mod flower;
mod graph;
mod lessons_panel;
mod messages;
mod notebook;
mod player;
mod playground;
mod snapshot;
mod training;
mod url;
mod workers;

use std::collections::BTreeMap;

use yew::prelude::*;

use engine::{Engine, EngineHandle};
use flower::FlowerPanel;
use graph::PointerGraph;
use lessons_panel::{lessons, LessonsPanel, StepOutput};
use messages::MessagesPanel;
use playground::PlaygroundPanel;
use snapshot::Snapshot;
use training::TrainingPanel;
use workers::WorkersPanel;

pub fn start() {
    yew::Renderer::<App>::new().render();
}

/// Reads every store and the message log into `target` once everything under way has landed.
fn refresh(engine: &EngineHandle, target: &UseStateHandle<Snapshot>) {
    let (syft, target) = (engine.0.syft.clone(), target.clone());
    wasm_bindgen_futures::spawn_local(async move {
        target.set(Snapshot::take(&syft).await);
    });
}

/// Runs steps of one lesson in order, recording each output; stops at the first error.
async fn run_steps(engine: &EngineHandle, lesson: usize, steps: Vec<usize>) -> Vec<((usize, usize), StepOutput)> {
    let mut outputs = Vec::new();
    let Some(mut session) = engine.0.session.borrow_mut().take() else { return outputs };
    for step in steps {
        let Some(definition) = lessons().get(lesson).and_then(|l| l.steps.get(step)) else { break };
        let output = match (definition.run)(&mut session).await {
            Ok(text) => StepOutput { ok: true, text: if text.is_empty() { "✓".into() } else { text } },
            Err(error) => StepOutput { ok: false, text: format!("Error: {error}") },
        };
        let failed = !output.ok;
        outputs.push(((lesson, step), output));
        if failed {
            break;
        }
    }
    *engine.0.session.borrow_mut() = Some(session);
    outputs
}

/// Settings of the page's address that were refused, said on the first screen (each panel says
/// its own again beside its form, far below): a shared link that did not reproduce must not look
/// as if it did.
#[function_component(RefusedAddress)]
fn refused_address() -> Html {
    let refused = use_memo((), |_| {
        let query = url::current_query();
        let mut refused: Vec<(&'static str, String)> = Vec::new();
        refused.extend(url::RunSettings::from_query(&query).1.iter().map(|e| ("#training", e.to_string())));
        refused.extend(
            playground::settings::PlaygroundSettings::from_query(&query)
                .1
                .iter()
                .map(|e| ("#playground", e.to_string())),
        );
        refused
            .extend(flower::settings::FlowerSettings::from_query(&query).1.iter().map(|e| ("#flower", e.to_string())));
        refused
    });
    if refused.is_empty() {
        return Html::default();
    }
    html! {
        <aside class="address-refused" role="alert">
            <p>{ "Some settings in this page's address were refused; their defaults are used instead:" }</p>
            <ul>{ for refused.iter().map(|(panel, reason)| html! { <li><a href={*panel}>{ reason.clone() }</a></li> }) }</ul>
        </aside>
    }
}

/// Links past the long lesson area, for keyboards and screen readers (the first Tab stop).
#[function_component(SkipLinks)]
fn skip_links() -> Html {
    html! {
    <nav class="skip-links" aria-label="skip to">
        <a href="#lessons">{ "Skip to the lessons" }</a>
        <a href="#training">{ "Skip to training" }</a>
        <a href="#playground">{ "Skip to the playground" }</a>
        <a href="#flower">{ "Skip to Flower" }</a>
    </nav>
    }
}

#[derive(Properties, PartialEq)]
struct StorePanelsProps {
    snapshot: Snapshot,
}

/// Beside the lessons: every store, the pointer chains between them, and the latest messages.
#[function_component(StorePanels)]
fn store_panels(props: &StorePanelsProps) -> Html {
    html! {
        <div class="side">
            <section class="panel" aria-label="workers">
                <h2>{ "Workers and their object stores" }</h2>
                <p class="note inspector-note">{ "The simulation's view inside every worker, with who may use each object. In a real deployment me could not look inside a worker: it sees only what workers send back." }</p>
                <WorkersPanel workers={props.snapshot.workers.clone()} />
            </section>
            <section class="panel" aria-label="pointer chains">
                <h2>{ "Pointer chains" }</h2>
                <PointerGraph workers={props.snapshot.workers.clone()} />
                <p class="note">{ "An arrow goes from every pointer to the object it points at. A red dashed arrow points at an object that no longer exists — as happens to pointers still held when a lesson clears a worker's store (bob.clear_objects())." }</p>
            </section>
            <section class="panel" aria-label="messages">
                <h2>{ "Messages" }</h2>
                <MessagesPanel messages={props.snapshot.messages.clone()} total={props.snapshot.total_messages} />
            </section>
        </div>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let engine = use_state(|| Engine::start(0));
    let snapshot = use_state(|| engine.as_ref().map(|e| Snapshot::just_started(&e.0.syft)).unwrap_or_default());
    let selected = use_state(|| 0usize);
    let outputs = use_state(BTreeMap::<(usize, usize), StepOutput>::new);
    let busy = use_state(|| false);

    {
        let snapshot = snapshot.clone();
        use_effect_with(engine.as_ref().ok().cloned(), move |handle| {
            if let Some(handle) = handle {
                refresh(handle, &snapshot);
            }
        });
    }

    let handle = match &*engine {
        Ok(handle) => handle.clone(),
        Err(error) => {
            return html! { <main><p class="error">{ format!("could not start the workers: {error}") }</p></main> }
        }
    };

    let run = {
        let (handle, snapshot, outputs, busy) = (handle.clone(), snapshot.clone(), outputs.clone(), busy.clone());
        move |lesson: usize, steps: Vec<usize>| {
            if !handle.0.lessons_busy.begin() {
                return;
            }
            busy.set(true);
            let (handle, snapshot, outputs, busy) = (handle.clone(), snapshot.clone(), outputs.clone(), busy.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let results = run_steps(&handle, lesson, steps).await;
                // Nothing resets the lessons while they run (their buttons are disabled).
                let _ = handle.0.lessons_busy.end();
                let mut all = (*outputs).clone();
                all.extend(results);
                outputs.set(all);
                busy.set(false);
                snapshot.set(Snapshot::take(&handle.0.syft).await);
            });
        }
    };
    let on_run = {
        let run = run.clone();
        Callback::from(move |(lesson, step): (usize, usize)| run(lesson, vec![step]))
    };
    let on_run_lesson = Callback::from(move |lesson: usize| {
        let count = lessons().get(lesson).map_or(0, |l| l.steps.len());
        run(lesson, (0..count).collect())
    });
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |i: usize| selected.set(i))
    };
    let on_reset = {
        let (engine, outputs, snapshot) = (engine.clone(), outputs.clone(), snapshot.clone());
        Callback::from(move |_| {
            // A new client: the old one's workers are terminated with it, so every store is empty.
            outputs.set(BTreeMap::new());
            let fresh = Engine::start(0);
            snapshot.set(fresh.as_ref().map(|e| Snapshot::just_started(&e.0.syft)).unwrap_or_default());
            engine.set(fresh);
        })
    };

    html! {
        <>
        <SkipLinks />
        <header class="top">
            <h1>{ "minisyft" }</h1>
            <p class="tagline">{ "PySyft's federated-learning lesson, live: every worker below is a real Web Worker with its own object store." }</p>
            <button class="reset-all" onclick={on_reset} disabled={*busy}>{ "Reset every worker" }</button>
        </header>
        <RefusedAddress />
        <main class="layout">
            <section class="panel notebook-panel" id="notebook" aria-label="notebook">
                <h2>{ "The lesson as a notebook: PySyft 0.2's Python, run in this page" }</h2>
                <notebook::NotebookPanel />
            </section>
            <div class="lesson-area">
            <section class="panel lessons-panel" id="lessons" aria-label="lessons">
                <LessonsPanel selected={*selected} outputs={(*outputs).clone()} busy={*busy}
                              on_select={on_select} on_run={on_run} on_run_lesson={on_run_lesson} />
            </section>
            <StorePanels snapshot={(*snapshot).clone()} />
            </div>
            <section class="panel training-panel" id="training" aria-label="federated training">
                <h2>{ "Federated training of the toy model" }</h2>
                <TrainingPanel engine={handle} />
            </section>
            <section class="panel playground-panel" id="playground" aria-label="federated playground">
                <h2>{ "Federated playground: many clients, real data, any model" }</h2>
                <PlaygroundPanel />
            </section>
            <section class="panel flower-panel" id="flower" aria-label="Flower federation">
                <h2>{ "Beyond this page: this tab as a client of a real Flower federation" }</h2>
                <FlowerPanel />
            </section>
        </main>
        </>
    }
}
