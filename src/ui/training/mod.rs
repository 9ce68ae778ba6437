//! Federated training of the toy model, live: a loss point per round per worker and in total,
//! the trained weights, predictions against targets, and what the central server received.

mod run;
mod text;
mod view;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::attack::AttackView;
use super::chart::LossChart;
use super::engine::EngineHandle;
use super::player::progress;
use super::url::mode_name;
use super::workers::WorkersPanel;
use crate::federated::{toy_data, Aggregation};
use run::{series, use_training_run, TrainingRun};
use view::{DpNotes, TrainingControls, TrainingFacts, TrainingLegend};

#[derive(Properties, PartialEq)]
pub struct TrainingProps {
    pub engine: EngineHandle,
}

/// The size of this page's wasm memory (it only grows; a soak run watches that it stops growing).
fn wasm_memory_bytes() -> u32 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|memory| memory.buffer().dyn_into::<js_sys::ArrayBuffer>().ok())
        .map_or(0, |buffer| buffer.byte_length())
}

#[function_component(TrainingPanel)]
pub fn training_panel(props: &TrainingProps) -> Html {
    let TrainingRun { settings, refused, reports, error, stores, earlier_runs, player, on_reset, on_input } =
        use_training_run(&props.engine);
    let reports = reports.borrow();
    let mode = settings.config.aggregation;
    let predictions = props
        .engine
        .0
        .federation
        .try_borrow()
        .ok()
        .and_then(|f| f.as_ref().and_then(|f| f.model.forward(&toy_data().0).ok()))
        .map(|p| p.to_f32_vec());
    let observed: Vec<_> = [("bob", 0), ("alice", 2)]
        .iter()
        .map(|(name, first)| {
            let seen: Vec<_> = reports.iter().filter_map(|r| r.observation_of(name)).collect();
            ((*name).to_owned(), *first, seen)
        })
        .collect();
    let (messages, memory) = (props.engine.0.training.event_count(), wasm_memory_bytes());
    let earlier = earlier_runs.borrow();
    html! {
        <div class="training">
            <TrainingControls settings={(*settings).clone()} on_input={on_input} playing={player.playing.get()}
                on_play={player.on_play.clone()} on_pause={player.on_pause.clone()} on_step={player.on_step.clone()} on_reset={on_reset} />
            <p class="progress" aria-live="polite" data-mode={mode_name(mode)}>{ progress(reports.len(), settings.rounds, error.is_some()) }</p>
            <p class="training-stats" data-messages={messages.to_string()} data-memory={memory.to_string()}>
                { format!("{messages} messages so far (the log keeps the newest {}); page memory {:.1} MB", crate::client::EVENT_LOG_LIMIT, memory as f64 / 1e6) }
            </p>
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            if let Some(error) = &*error { <p class="error" role="alert">{ error }</p> }
            if mode == Aggregation::DifferentialPrivacy {
                <DpNotes noise_multiplier={settings.config.noise_multiplier} clip_norm={settings.config.clip_norm} reports={reports.clone()} />
            }
            <LossChart series={[series(&reports), earlier.clone()].concat()} rounds={settings.rounds} />
            <TrainingLegend mode={mode} earlier_runs={earlier.iter().map(|s| s.name.clone()).collect::<Vec<_>>()} />
            <AttackView workers={observed} aggregating={mode != Aggregation::SendGet} />
            <details class="training-stores" open=true>
                <summary>{ "The training's own workers and their stores (separate from the lessons' bob and alice, so neither can break the other)" }</summary>
                <WorkersPanel workers={stores.workers.clone()} />
            </details>
            <TrainingFacts mode={mode} latest={reports.last().cloned()} failed={error.is_some()} predictions={predictions} />
        </div>
    }
}
