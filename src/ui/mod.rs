//! The page (Yew): what a learner cannot see in a notebook — every object store, every pointer
//! chain, every message, and the loss of each training round — on real Web Workers.
//!
//! `notebook/` is the lesson as a notebook, with its own workers beside it (`workers`, `graph`,
//! `messages`, read by `snapshot.rs` after each cell); `engine.rs` holds the training's client;
//! one folder or file per panel (`training` with `chart`, `playground`, `flower`); `url.rs` keeps
//! the settings in the address.

mod attack;
mod chart;
mod engine;
mod fetch_digits;
mod field;
mod flower;
mod graph;
mod messages;
mod notebook;
mod player;
mod playground;
mod snapshot;
mod training;
mod url;
mod workers;

use yew::prelude::*;

use engine::Engine;
use flower::FlowerPanel;
use playground::PlaygroundPanel;
use training::TrainingPanel;

pub fn start() {
    yew::Renderer::<App>::new().render();
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

/// Links past the long notebook, for keyboards and screen readers (the first Tab stop).
#[function_component(SkipLinks)]
fn skip_links() -> Html {
    html! {
    <nav class="skip-links" aria-label="skip to">
        <a href="#notebook">{ "Skip to the notebook" }</a>
        <a href="#training">{ "Skip to training" }</a>
        <a href="#playground">{ "Skip to the playground" }</a>
        <a href="#flower">{ "Skip to Flower" }</a>
    </nav>
    }
}

#[function_component(App)]
pub fn app() -> Html {
    let engine = use_state(|| Engine::start(0));
    html! {
        <>
        <SkipLinks />
        <header class="top">
            <h1>{ "minisyft" }</h1>
            <p class="tagline">{ "PySyft's federated-learning lesson, live: every worker below is a real Web Worker with its own object store." }</p>
        </header>
        <RefusedAddress />
        <main class="layout">
            <section class="panel notebook-panel" id="notebook" aria-label="notebook">
                <h2>{ "The lesson as a notebook: PySyft 0.2's Python, run in this page" }</h2>
                <notebook::NotebookPanel />
            </section>
            <section class="panel training-panel" id="training" aria-label="federated training">
                <h2>{ "Federated training of the toy model" }</h2>
                <TrainingPanel engine={(*engine).clone()} />
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
