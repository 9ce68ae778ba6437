//! Federated training of the toy model, live: a loss point per round per worker and in total,
//! the trained weights, predictions against targets, and what the central server received.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::attack::AttackView;
use super::chart::{LossChart, Series};
use super::engine::EngineHandle;
use super::snapshot::Snapshot;
use super::url::{self, mode_name, RunSettings, MAX_PACE_MS, MAX_ROUNDS};
use super::workers::WorkersPanel;
use crate::federated::{toy_data, Aggregation, Federation, RoundReport};
use crate::{Error, Result};

#[derive(Properties, PartialEq)]
pub struct TrainingProps {
    pub engine: EngineHandle,
}

/// One round on the engine's federation (made on first use from `settings`), on the training's
/// own workers.
async fn one_round(engine: &EngineHandle, settings: &RunSettings) -> Result<RoundReport> {
    let existing = engine.0.federation.borrow_mut().take();
    let mut federation = match existing {
        Some(federation) => federation,
        None => Federation::toy(&engine.0.training, settings.config.clone())?,
    };
    let report = federation.round().await;
    *engine.0.federation.borrow_mut() = Some(federation);
    report
}

fn series(reports: &[RoundReport]) -> Vec<Series> {
    let mut all: Vec<Series> = Vec::new();
    for report in reports {
        for (worker, loss) in &report.worker_losses {
            match all.iter_mut().find(|s| &s.name == worker) {
                Some(s) => s.points.push((report.round, *loss)),
                None => all.push(Series { name: worker.clone(), points: vec![(report.round, *loss)] }),
            }
        }
    }
    all.push(Series { name: "total".into(), points: reports.iter().map(|r| (r.round, r.global_loss)).collect() });
    all
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
    let initial = use_memo((), |_| url::read());
    let settings = use_state(|| initial.0.clone());
    // Settings the URL or the form gave that were refused, with what is allowed.
    let refused = use_state(|| initial.1.iter().map(Error::to_string).collect::<Vec<_>>());
    let reports = use_mut_ref(Vec::<RoundReport>::new);
    let playing = use_mut_ref(|| Rc::new(Cell::new(false)));
    let error = use_state(|| None::<String>);
    let stores = use_state(Snapshot::default);
    let redraw = use_force_update();

    let step_once = {
        let (engine, settings, reports, error, redraw, stores) =
            (props.engine.clone(), settings.clone(), reports.clone(), error.clone(), redraw.clone(), stores.clone());
        Rc::new(move || {
            let (engine, settings, reports, error, redraw, stores) =
                (engine.clone(), (*settings).clone(), reports.clone(), error.clone(), redraw.clone(), stores.clone());
            async move {
                if reports.borrow().len() >= settings.rounds || !engine.0.training_busy.begin() {
                    return false;
                }
                let result = one_round(&engine, &settings).await;
                stores.set(Snapshot::take(&engine.0.training).await);
                engine.0.training_busy.end();
                let ok = match result {
                    Ok(report) => {
                        reports.borrow_mut().push(report);
                        error.set(None);
                        true
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        false
                    }
                };
                redraw.force_update();
                ok
            }
        })
    };

    let on_step = {
        let step_once = step_once.clone();
        Callback::from(move |_| {
            let step = step_once.clone();
            wasm_bindgen_futures::spawn_local(async move {
                step().await;
            });
        })
    };
    let on_play = {
        let (step_once, playing, redraw, settings) =
            (step_once.clone(), playing.borrow().clone(), redraw.clone(), (*settings).clone());
        Callback::from(move |_| {
            if playing.replace(true) {
                return;
            }
            redraw.force_update();
            let (step, playing, redraw, pace) = (step_once.clone(), playing.clone(), redraw.clone(), settings.pace_ms);
            wasm_bindgen_futures::spawn_local(async move {
                while playing.get() && step().await {
                    // Even at pace 0 the page gets a turn of the event loop to draw.
                    yew::platform::time::sleep(Duration::from_millis(pace)).await;
                }
                playing.set(false);
                redraw.force_update();
            });
        })
    };
    let on_pause = {
        let (playing, redraw) = (playing.borrow().clone(), redraw.clone());
        Callback::from(move |_| {
            playing.set(false);
            redraw.force_update();
        })
    };
    let reset = {
        let (engine, reports, playing, error, redraw, stores) = (
            props.engine.clone(),
            reports.clone(),
            playing.borrow().clone(),
            error.clone(),
            redraw.clone(),
            stores.clone(),
        );
        Rc::new(move || {
            playing.set(false);
            if engine.0.training_busy.is_busy() {
                return;
            }
            // Dropping the federation drops its pointers, which deletes the data and models on the workers.
            engine.0.federation.borrow_mut().take();
            reports.borrow_mut().clear();
            error.set(None);
            redraw.force_update();
            let (engine, stores) = (engine.clone(), stores.clone());
            wasm_bindgen_futures::spawn_local(async move { stores.set(Snapshot::take(&engine.0.training).await) });
        })
    };
    let on_reset = {
        let reset = reset.clone();
        Callback::from(move |_| reset())
    };
    let on_input = |key: &'static str| {
        let (settings, refused, reset) = (settings.clone(), refused.clone(), reset.clone());
        Callback::from(move |event: Event| {
            let value = event
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok().map(|i| i.value()))
                .or_else(|| event.target().and_then(|t| t.dyn_into::<HtmlSelectElement>().ok().map(|s| s.value())))
                .unwrap_or_default();
            let mut next = (*settings).clone();
            match next.set(key, &value) {
                Ok(()) => {
                    refused.set(Vec::new());
                    url::write(&next);
                    settings.set(next);
                    reset();
                }
                // The form keeps what the user typed, the run keeps its setting, and the page says why.
                Err(error) => refused.set(vec![error.to_string()]),
            }
        })
    };

    let reports_now = reports.borrow();
    let latest = reports_now.last();
    let is_playing = playing.borrow().get();
    let (data, target) = toy_data();
    let predictions = props
        .engine
        .0
        .federation
        .try_borrow()
        .ok()
        .and_then(|f| f.as_ref().and_then(|f| f.model.forward(&data).ok()))
        .map(|p| p.to_f32_vec());
    let mode = settings.config.aggregation;
    let observed: Vec<_> = [("bob", 0), ("alice", 2)]
        .iter()
        .map(|(name, first)| {
            let seen: Vec<_> = reports_now.iter().filter_map(|r| r.observation_of(name)).collect();
            ((*name).to_owned(), *first, seen)
        })
        .collect();
    let messages = props.engine.0.training.event_count();
    let memory = wasm_memory_bytes();
    html! {
        <div class="training">
            <div class="controls" role="group" aria-label="training settings">
                <label>{ "rounds" }<input name="rounds" type="number" min="1" max={MAX_ROUNDS.to_string()} value={settings.rounds.to_string()} onchange={on_input("rounds")} /></label>
                <label>{ "learning rate" }<input name="lr" type="number" step="any" min="0.001" max="1" value={settings.config.lr.to_string()} onchange={on_input("lr")} /></label>
                <label>{ "RNG seed" }<input name="seed" type="number" min="0" value={settings.config.seed.to_string()} onchange={on_input("seed")} /></label>
                <label>{ "pace (ms)" }<input name="pace" type="number" min="0" max={MAX_PACE_MS.to_string()} value={settings.pace_ms.to_string()} onchange={on_input("pace")} /></label>
                <label>{ "aggregation" }
                    <select id="mode" onchange={on_input("mode")}>
                        <option value="sendget" selected={mode == Aggregation::SendGet}>{ "model.send / model.get (seed In[57])" }</option>
                        <option value="untrusted" selected={mode == Aggregation::UntrustedServer}>{ "untrusted server: average on secure_worker" }</option>
                    </select>
                </label>
                <div class="buttons">
                    if is_playing { <button class="pause" onclick={on_pause}>{ "Pause ❚❚" }</button> }
                    else { <button class="play" onclick={on_play}>{ "Play ▶" }</button> }
                    <button class="step" onclick={on_step} disabled={is_playing}>{ "Step" }</button>
                    <button class="reset" onclick={on_reset}>{ "Reset" }</button>
                </div>
            </div>
            <p class="progress" aria-live="polite" data-mode={mode_name(mode)}>{ format!("round {} of {}", reports_now.len(), settings.rounds) }</p>
            <p class="training-stats" data-messages={messages.to_string()} data-memory={memory.to_string()}>
                { format!("{messages} messages so far (the log keeps the newest {}); page memory {:.1} MB", crate::client::EVENT_LOG_LIMIT, memory as f64 / 1e6) }
            </p>
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            if let Some(error) = &*error { <p class="error" role="alert">{ error }</p> }
            <LossChart series={series(&reports_now)} rounds={settings.rounds} />
            <div class="legend">
                <span class="series-0">{ "bob" }</span><span class="series-1">{ "alice" }</span><span class="series-2">{ "total (whole data set)" }</span>
            </div>
            <p class="series-note">{ "bob, alice: each worker's training loss on its own half of the data this round; total: the model the server holds after the round, on all four points." }</p>
            <AttackView workers={observed} aggregating={mode != Aggregation::SendGet} />
            <details class="training-stores" open=true>
                <summary>{ "The training's own workers and their stores (separate from the lessons' bob and alice, so neither can break the other)" }</summary>
                <WorkersPanel workers={stores.workers.clone()} />
            </details>
            <div class="facts">
                <section class="privacy">
                    <h3>{ "What the central server (me) received" }</h3>
                    <p>{ match mode {
                        Aggregation::SendGet => "Plain mode: the model goes to each worker and comes back with its gradients, so the server sees every worker's model — and can learn a lot about their data.",
                        Aggregation::UntrustedServer => "Untrusted-server mode: each worker trains its own copy; the copies move worker to worker to secure_worker, are averaged there, and only the average comes back.",
                    } }</p>
                    if let Some(report) = latest {
                        <ul class="received">{ for report.server_received.iter().map(|r| html! { <li data-from={r.from.clone()} data-name={r.name.clone()}>{ r.to_string() }</li> }) }</ul>
                    }
                </section>
                <section class="model">
                    <h3>{ "Trained model" }</h3>
                    if let Some(report) = latest {
                        <p class="weights">{ format!("weight = [{:.4}, {:.4}], bias = {:.4}", report.weight.first().copied().unwrap_or_default(), report.weight.get(1).copied().unwrap_or_default(), report.bias.first().copied().unwrap_or_default()) }</p>
                        <p>{ format!("loss on the whole data set: {:.6}", report.global_loss) }</p>
                    } else { <p>{ "Press Play or Step to train." }</p> }
                    <table class="predictions">
                        <thead><tr><th>{ "input" }</th><th>{ "target" }</th><th>{ "prediction" }</th></tr></thead>
                        <tbody>
                            { for (0..4).map(|i| {
                                let input = data.select(i).map(|r| r.to_f32_vec()).unwrap_or_default();
                                let t = target.select(i).map(|r| r.to_f32_vec()).unwrap_or_default();
                                let p = predictions.as_ref().and_then(|p| p.get(i)).map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into());
                                html! { <tr><td>{ format!("{input:?}") }</td><td>{ format!("{:?}", t.first().copied().unwrap_or_default()) }</td><td>{ p }</td></tr> }
                            }) }
                        </tbody>
                    </table>
                </section>
            </div>
        </div>
    }
}
