//! Federated training of the toy model, live: a loss point per round per worker and in total,
//! the trained weights, predictions against targets, and what the central server received.

use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::ui::field::Field;

use super::attack::AttackView;
use super::chart::{LossChart, Series};
use super::engine::EngineHandle;
use super::snapshot::Snapshot;
use super::url::{self, mode_name, RunSettings, MAX_CLIP_NORM, MAX_NOISE_MULTIPLIER, MAX_PACE_MS, MAX_ROUNDS, MODES};
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

/// What the noise costs, in this run's numbers: the model has three numbers (the seed's
/// `Linear(2, 1)`) and two workers' clipped updates are summed before the noise is added.
fn dp_tradeoff(z: f64, clip: f64, reports: &[RoundReport]) -> String {
    let mut text = format!(
        "Noise against signal: each round secure_worker adds noise of standard deviation z·S = {} to each of the model's 3 numbers, \
         while the two clipped updates it sums have a norm of at most 2·S = {} together. From z ≈ 1 the noise is as large as \
         what the workers learned, and the model can end worse than it started: that is the price of a small ε. A smaller z (say 0.1) learns again, at a larger ε.",
        z * clip,
        2.0 * clip
    );
    if let (Some(first), Some(last)) = (reports.first(), reports.last().filter(|_| reports.len() > 1)) {
        if last.global_loss > first.global_loss {
            text.push_str(&format!(
                " In this run the total loss has risen from {:.3} after round 1 to {:.3}.",
                first.global_loss, last.global_loss
            ));
        }
    }
    text
}

fn series(reports: &[RoundReport]) -> Vec<Series> {
    // bob, alice, total, always in this order (their colours), even when a mode sends no worker's loss.
    let mut all: Vec<Series> =
        ["bob", "alice"].iter().map(|w| Series { name: (*w).to_owned(), points: Vec::new(), ghost: false }).collect();
    for report in reports {
        for (worker, loss) in &report.worker_losses {
            match all.iter_mut().find(|s| *worker == s.name) {
                Some(s) => s.points.push((report.round, *loss)),
                None => {
                    all.push(Series { name: worker.to_string(), points: vec![(report.round, *loss)], ghost: false })
                }
            }
        }
    }
    let total = reports.iter().map(|r| (r.round, r.global_loss)).collect();
    all.push(Series { name: "total".into(), points: total, ghost: false });
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

/// `dp (z = 1, S = 1), lr 0.1`: what a finished run's curve is called on the chart.
fn run_name(settings: &RunSettings) -> String {
    let config = &settings.config;
    match config.aggregation {
        Aggregation::DifferentialPrivacy => {
            format!("dp (z = {}, S = {}), lr {}", config.noise_multiplier, config.clip_norm, config.lr)
        }
        mode => format!("{}, lr {}", mode_name(mode), config.lr),
    }
}

fn mode_label(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "model.send / model.get (seed In[57])",
        Aggregation::UntrustedServer => "untrusted server: average on secure_worker",
        Aggregation::SecureAggregation => "secure aggregation: add secret shares, open only the sum",
        Aggregation::DifferentialPrivacy => "differential privacy: clip, add Gaussian noise",
    }
}

fn mode_explained(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "Plain mode: the model goes to each worker and comes back with its gradients, so the server sees every worker's model — and, below, restores their data from it.",
        Aggregation::UntrustedServer => "Untrusted-server mode: each worker trains its own copy; the copies move worker to worker to secure_worker, are averaged there, and only the average (and each worker's loss) comes back. secure_worker sees every model.",
        Aggregation::SecureAggregation => "Secure aggregation: each worker puts its trained copy in fixed precision and splits it into random shares for bob, alice and secure_worker; the shares are added where they lie and only the sum is opened. Nobody — secure_worker included — sees one worker's model, and no worker's loss is sent.",
        Aggregation::DifferentialPrivacy => "Differential privacy: each worker clips its update (trained copy minus the model it got) to norm S; secure_worker adds them up with Gaussian noise of standard deviation z·S from its cryptographic generator, and the server receives only the noisy average. (Central DP: secure_worker sees the clipped updates.)",
    }
}

#[function_component(TrainingPanel)]
pub fn training_panel(props: &TrainingProps) -> Html {
    let initial = use_memo((), |_| url::read());
    let settings = use_state(|| initial.0.clone());
    // Settings the URL or the form gave that were refused, with what is allowed.
    let refused = use_state(|| initial.1.iter().map(Error::to_string).collect::<Vec<_>>());
    let reports = use_mut_ref(Vec::<RoundReport>::new);
    let error = use_state(|| None::<String>);
    let stores = use_state(Snapshot::default);
    // Finished runs' total-loss curves, kept on the chart to compare modes (the cost of privacy).
    let earlier_runs = use_mut_ref(Vec::<Series>::new);
    // What the current run is, for its curve's name once it is finished.
    let run_label = use_mut_ref(String::new);
    let redraw = use_force_update();

    let step_once = {
        let (engine, settings, reports, error, redraw, stores, run_label) = (
            props.engine.clone(),
            settings.clone(),
            reports.clone(),
            error.clone(),
            redraw.clone(),
            stores.clone(),
            run_label.clone(),
        );
        Rc::new(move || {
            let (engine, settings, reports, error, redraw, stores, run_label) = (
                engine.clone(),
                (*settings).clone(),
                reports.clone(),
                error.clone(),
                redraw.clone(),
                stores.clone(),
                run_label.clone(),
            );
            Box::pin(async move {
                if reports.borrow().len() >= settings.rounds || !engine.0.training_busy.begin() {
                    return false;
                }
                *run_label.borrow_mut() = run_name(&settings);
                let result = one_round(&engine, &settings).await;
                stores.set(Snapshot::take(&engine.0.training).await);
                // Nothing may wait between `end` and keeping the report: a reset in that gap would
                // clear the reports and then see this round's report land in the new run.
                if engine.0.training_busy.end() {
                    // Reset mid-round (a setting changed): this round belonged to the old run.
                    engine.0.federation.borrow_mut().take();
                    stores.set(Snapshot::take(&engine.0.training).await);
                    return false;
                }
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
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = bool>>>
        }) as super::player::Step
    };

    let player = super::player::use_player(step_once, Duration::from_millis(settings.pace_ms));
    let reset = {
        let (engine, reports, playing, error, redraw, stores, earlier_runs, run_label) = (
            props.engine.clone(),
            reports.clone(),
            player.playing.clone(),
            error.clone(),
            redraw.clone(),
            stores.clone(),
            earlier_runs.clone(),
            run_label.clone(),
        );
        Rc::new(move || {
            playing.set(false);
            if !reports.borrow().is_empty() {
                let points = reports.borrow().iter().map(|r| (r.round, r.global_loss)).collect();
                let mut earlier = earlier_runs.borrow_mut();
                earlier.push(Series { name: run_label.borrow().clone(), points, ghost: true });
                // The last four runs are enough to compare.
                let excess = earlier.len().saturating_sub(4);
                earlier.drain(..excess);
            }
            reports.borrow_mut().clear();
            error.set(None);
            redraw.force_update();
            if engine.0.training_busy.is_busy() {
                // The round in flight drops the run when it ends.
                engine.0.training_busy.request_reset();
                return;
            }
            // Dropping the federation drops its pointers, which deletes the data and models on the workers.
            engine.0.federation.borrow_mut().take();
            let (engine, stores) = (engine.clone(), stores.clone());
            wasm_bindgen_futures::spawn_local(async move { stores.set(Snapshot::take(&engine.0.training).await) });
        })
    };
    let on_reset = {
        let reset = reset.clone();
        Callback::from(move |_| reset())
    };
    // Back and Forward: the settings the address now has, if they are not the ones in use.
    let in_use = use_mut_ref(|| initial.0.to_query());
    *in_use.borrow_mut() = settings.to_query();
    {
        let (settings, refused, reset, in_use) = (settings.clone(), refused.clone(), reset.clone(), in_use.clone());
        url::use_address_moves(Rc::new(move || {
            let (next, errors) = url::read();
            if next.to_query() != *in_use.borrow() {
                refused.set(errors.iter().map(Error::to_string).collect());
                settings.set(next);
                reset();
            }
        }));
    }
    let on_input = |key: &'static str| {
        let (settings, refused, reset) = (settings.clone(), refused.clone(), reset.clone());
        Callback::from(move |event: Event| {
            let value = url::form_value(&event);
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
    let is_playing = player.playing.get();
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
    let epsilon = crate::privacy::accountant::epsilon(
        reports_now.len(),
        settings.config.noise_multiplier,
        1e-5,
        crate::privacy::accountant::Conversion::Balle2020,
    );
    let messages = props.engine.0.training.event_count();
    let memory = wasm_memory_bytes();
    html! {
        <div class="training">
            <div class="controls" role="group" aria-label="training settings">
                <label>{ "rounds" }<Field name="rounds" kind="number" min="1" max={MAX_ROUNDS.to_string()} value={settings.rounds.to_string()} onchange={on_input("rounds")} /></label>
                <label>{ "learning rate" }<Field name="lr" kind="number" step="any" min="0.001" max="1" value={settings.config.lr.to_string()} onchange={on_input("lr")} /></label>
                <label>{ "RNG seed" }<Field name="seed" kind="number" min="0" value={settings.config.seed.to_string()} onchange={on_input("seed")} /></label>
                <label>{ "pace (ms)" }<Field name="pace" kind="number" min="0" max={MAX_PACE_MS.to_string()} value={settings.pace_ms.to_string()} onchange={on_input("pace")} /></label>
                <label>{ "aggregation" }
                    <select id="mode" onchange={on_input("mode")}>
                        { for MODES.iter().map(|&m| html! { <option value={mode_name(m)} selected={mode == m}>{ mode_label(m) }</option> }) }
                    </select>
                </label>
                if mode == Aggregation::DifferentialPrivacy {
                    <label>{ "noise z" }<Field name="z" kind="number" step="any" min="0" max={MAX_NOISE_MULTIPLIER.to_string()} value={settings.config.noise_multiplier.to_string()} onchange={on_input("z")} /></label>
                    <label>{ "clip S" }<Field name="clip" kind="number" step="any" min="0" max={MAX_CLIP_NORM.to_string()} value={settings.config.clip_norm.to_string()} onchange={on_input("clip")} /></label>
                }
                <div class="buttons">
                    if is_playing { <button class="pause" onclick={player.on_pause.clone()}>{ "Pause ❚❚" }</button> }
                    else { <button class="play" onclick={player.on_play.clone()}>{ "Play ▶" }</button> }
                    <button class="step" onclick={player.on_step.clone()} disabled={is_playing}>{ "Step" }</button>
                    <button class="reset" onclick={on_reset}>{ "Reset" }</button>
                </div>
            </div>
            <p class="progress" aria-live="polite" data-mode={mode_name(mode)}>{ super::player::progress(reports_now.len(), settings.rounds, error.is_some()) }</p>
            <p class="training-stats" data-messages={messages.to_string()} data-memory={memory.to_string()}>
                { format!("{messages} messages so far (the log keeps the newest {}); page memory {:.1} MB", crate::client::EVENT_LOG_LIMIT, memory as f64 / 1e6) }
            </p>
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            if let Some(error) = &*error { <p class="error" role="alert">{ error }</p> }
            if mode == Aggregation::DifferentialPrivacy {
                <p class="epsilon" data-epsilon={epsilon.to_string()}>{ format!(
                    "privacy spent: ε = {} for δ = 10⁻⁵ after {} round{} (Rényi-DP accountant of the Gaussian mechanism, z = {}, converted to (ε, δ) by Balle et al. 2020)",
                    if epsilon.is_finite() { format!("{epsilon:.2}") } else { "∞ (no noise: no privacy)".to_owned() },
                    reports_now.len(), if reports_now.len() == 1 { "" } else { "s" }, settings.config.noise_multiplier) }</p>
                <p class="note dp-tradeoff">{ dp_tradeoff(settings.config.noise_multiplier, settings.config.clip_norm, &reports_now) }</p>
            }
            <LossChart series={[series(&reports_now), earlier_runs.borrow().clone()].concat()} rounds={settings.rounds} />
            <div class="legend">
                // secagg and dp send no worker's loss: their legend has no line for one.
                if matches!(mode, Aggregation::SendGet | Aggregation::UntrustedServer) {
                    <span class="series-0">{ "bob" }</span><span class="series-1">{ "alice" }</span>
                }
                <span class="series-2">{ "total (whole data set)" }</span>
                { for earlier_runs.borrow().iter().enumerate().map(|(n, s)| html! { <span class="ghost-run">{ super::chart::ghost_sample(n) }{ format!("earlier run: {}", s.name) }</span> }) }
            </div>
            <p class="series-note">{ if matches!(mode, Aggregation::SendGet | Aggregation::UntrustedServer) {
                "bob, alice: each worker's training loss on its own half of the data this round; total: the model the server holds after the round, on all four points."
            } else {
                "total: the model the server holds after the round, on all four points (no worker's own loss is sent in this mode)."
            } }</p>
            <AttackView workers={observed} aggregating={mode != Aggregation::SendGet} />
            <details class="training-stores" open=true>
                <summary>{ "The training's own workers and their stores (separate from the lessons' bob and alice, so neither can break the other)" }</summary>
                <WorkersPanel workers={stores.workers.clone()} />
            </details>
            <div class="facts">
                <section class="privacy">
                    <h3>{ "What the central server (me) received" }</h3>
                    <p>{ mode_explained(mode) }</p>
                    if let Some(report) = latest {
                        <ul class="received">{ for report.server_received.iter().map(|r| html! { <li data-from={r.from.to_string()} data-name={r.name.clone()}>{ r.to_string() }</li> }) }</ul>
                    }
                </section>
                <section class="model">
                    <h3>{ "Trained model" }</h3>
                    if let Some(report) = latest {
                        <p class="weights">{ format!("weight = [{:.4}, {:.4}], bias = {:.4}", report.weight.first().copied().unwrap_or_default(), report.weight.get(1).copied().unwrap_or_default(), report.bias.first().copied().unwrap_or_default()) }</p>
                        <p>{ format!("loss on the whole data set: {:.6}", report.global_loss) }</p>
                    } else if error.is_none() { <p>{ "Press Play or Step to train." }</p> }
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
