//! The page (Yew): what a learner cannot see in a notebook — every object store, every pointer
//! chain, every message, and the loss of each training round — on real Web Workers.
//!
//! Two bins mount it into the skeleton of index.html: the `app` bin the first screen ([`start`]:
//! the notebook, and what the address refused), the `panels` bin everything below it
//! ([`start_panels`]: training, playground, Flower), loaded only when first needed
//! (www/panels_loader.js). Each is its own Yew app in its own section, never one inside another's
//! DOM: two wasm modules' Yew instances would each read the other's event marks.
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

/// The first screen: the notebook, and the address's refused settings above it.
pub fn start() {
    mount::<RefusedAddress>("refused-address-host");
    mount::<notebook::NotebookPanel>("notebook-host");
}

/// The panels below the notebook, each into its section.
pub fn start_panels() {
    mount::<TrainingRoot>("training-host");
    mount::<PlaygroundPanel>("playground-host");
    mount::<FlowerPanel>("flower-host");
}

/// Renders `C` into the element `host_id` of index.html, in place of its "loading" note.
fn mount<C: BaseComponent<Properties = ()>>(host_id: &str) {
    let host =
        web_sys::window().and_then(|window| window.document()).and_then(|document| document.get_element_by_id(host_id));
    let Some(host) = host else {
        web_sys::console::error_1(&format!("minisyft: the page has no #{host_id} to mount into").into());
        return;
    };
    host.set_inner_html("");
    yew::Renderer::<C>::with_root(host).render();
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

/// The training panel with its client, started with the panel.
#[function_component(TrainingRoot)]
fn training_root() -> Html {
    let engine = use_state(|| Engine::start(0));
    html! { <TrainingPanel engine={(*engine).clone()} /> }
}
