//! The federated playground on the page: 2–64 clients, each a real Web Worker holding its shard of
//! a generated data set, training an MLP through a plan; the decision boundary, losses and who took
//! part, every round. Settings live in the address (`settings.rs`).

mod heatmap;
mod round_charts;
pub(crate) mod settings;
mod stores;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use crate::ui::field::Field;

use super::chart::{LossChart, Series};
use super::engine::{Busy, WORKER_SCRIPT, WORKER_WASM};
use super::url;
use crate::nn::{Mlp, Task};
use crate::playground::data::DataSet;
use crate::playground::federation::{client_workers, PlaygroundFederation, PlaygroundRound, Strategy};
use crate::playground::partition::partition;
use crate::rng::Rng;
use crate::runtime::web::WebWorkers;
use crate::tensor::Tensor;
use crate::{Result, Syft};
use heatmap::{grid_points, Heatmap, GRID, REGRESSION_SPAN};
use round_charts::{Column, RoundChart, Unit};
pub use settings::PlaygroundSettings;
use stores::{summarise, PlaygroundStores, StoreSummary};

/// The playground's client and its run, apart from the lessons' and the toy training's.
struct Lab {
    syft: Syft,
    federation: RefCell<Option<PlaygroundFederation>>,
    /// Training points, the client each belongs to, and its target on the map's colour scale.
    points: RefCell<Vec<([f32; 2], usize, f32)>>,
    busy: Busy,
}

/// A regression's value on the map's colour scale: −span … +span to 0 … 1.
fn colour_of_prediction(value: f32) -> f32 {
    (value / (2.0 * REGRESSION_SPAN) + 0.5).clamp(0.0, 1.0)
}

fn start_run(lab: &Lab, settings: &PlaygroundSettings) -> Result<PlaygroundFederation> {
    let seed = settings.run.seed;
    let data = DataSet::generate(settings.data, settings.points, settings.noise, seed)?;
    let (train, test) = data.split(0.25, seed);
    let shards = partition(&train.labels(), settings.clients, settings.partition, seed)?;
    let workers = client_workers(&lab.syft, settings.clients)?;
    let mut points = Vec::new();
    for (client, shard) in shards.iter().enumerate() {
        points.extend(shard.iter().filter_map(|&i| {
            let target = *train.targets.get(i)?;
            let colour = if settings.data.is_classification() { target } else { colour_of_prediction(target) };
            train.points.get(i).map(|p| (*p, client, colour))
        }));
    }
    *lab.points.borrow_mut() = points;
    // The plane is a regression: the same network without the sigmoid, with squared error (with
    // no hidden layer, the seed's Linear(2,1)).
    let rng = &mut Rng::seeded(seed);
    let model = if settings.data.is_classification() {
        Mlp::new(2, &settings.hidden, settings.activation, rng)?
    } else {
        Mlp::regression(2, &settings.hidden, settings.activation, rng)?
    };
    // As many clients train at once as the machine has cores, and no fewer than two.
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency() as usize).unwrap_or(2);
    let federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, settings.run.clone())?
        .with_concurrency(cores.max(2));
    if !settings.run.aggregation.needs_server() {
        return Ok(federation);
    }
    let server = match lab.syft.worker(SERVER) {
        Some(server) => server,
        None => lab.syft.create_worker(SERVER)?,
    };
    federation.with_server(server)
}

/// The worker that aggregates in the untrusted, secure and DP modes.
const SERVER: &str = "server";

async fn one_round(lab: &Lab, settings: &PlaygroundSettings) -> Result<PlaygroundRound> {
    let existing = lab.federation.borrow_mut().take();
    let mut federation = match existing {
        Some(federation) => federation,
        None => {
            // Starting dozens of Web Workers at once blocks the page: four at a time, with a turn
            // of the event loop between.
            for first in (0..settings.clients).step_by(4) {
                client_workers(&lab.syft, (first + 4).min(settings.clients))?;
                yew::platform::time::sleep(Duration::from_millis(0)).await;
            }
            let federation = start_run(lab, settings)?;
            // The shards are on their way: a turn for the page before the first round's models go.
            yew::platform::time::sleep(Duration::from_millis(0)).await;
            federation
        }
    };
    let report = federation.round().await;
    *lab.federation.borrow_mut() = Some(federation);
    report
}

/// The global model's probabilities on the grid (none before the first round).
fn probabilities(lab: &Lab) -> Vec<f32> {
    let federation = lab.federation.borrow();
    let Some(federation) = federation.as_ref() else { return Vec::new() };
    let predictions = Tensor::from_f32(&[GRID * GRID, 2], grid_points())
        .and_then(|grid| federation.setup.model.forward(&grid))
        .map(|p| p.to_f32_vec())
        .unwrap_or_default();
    match federation.setup.model.task {
        Task::Classification => predictions,
        Task::Regression => predictions.into_iter().map(colour_of_prediction).collect(),
    }
}

/// The clients' last local losses in a round: min, mean, max (none where the mode keeps them).
fn spread(report: &PlaygroundRound) -> Option<(f64, f64, f64)> {
    let values: Vec<f64> = report.client_losses.iter().map(|(_, l)| *l).filter(|l| l.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    Some((min, values.iter().sum::<f64>() / values.len() as f64, max))
}

fn client_series(reports: &[PlaygroundRound], pick: fn((f64, f64, f64)) -> f64) -> Vec<(usize, f64)> {
    reports.iter().filter_map(|r| spread(r).map(|s| (r.round, pick(s)))).collect()
}

/// The first few names, and how many more.
fn names_in_short(names: &[crate::ids::WorkerId]) -> String {
    const SHOWN: usize = 6;
    let first = names.iter().take(SHOWN).map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => first,
        more => format!("{first} and {more} more"),
    }
}

fn alpha_of(settings: &PlaygroundSettings) -> f64 {
    match settings.partition {
        crate::playground::partition::Partition::LabelSkew { alpha }
        | crate::playground::partition::Partition::QuantitySkew { alpha } => alpha,
        crate::playground::partition::Partition::Iid => 0.5,
    }
}

fn mu_of(settings: &PlaygroundSettings) -> f64 {
    match settings.run.strategy {
        Strategy::FedProx { mu } => mu,
        Strategy::FedAvg => 0.1,
    }
}

#[function_component(PlaygroundPanel)]
pub fn playground_panel() -> Html {
    let initial = use_memo((), |_| PlaygroundSettings::from_query(&url::current_query()));
    let settings = use_state(|| initial.0.clone());
    let refused = use_state(|| initial.1.iter().map(ToString::to_string).collect::<Vec<_>>());
    let lab = use_memo((), |_| Lab {
        syft: Syft::new(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM), 7),
        federation: RefCell::new(None),
        points: RefCell::new(Vec::new()),
        busy: Busy::default(),
    });
    let reports = use_mut_ref(Vec::<PlaygroundRound>::new);
    let error = use_state(|| None::<String>);
    let stores = use_state(Vec::<StoreSummary>::new);
    let redraw = use_force_update();

    let step_once = {
        let (lab, settings, reports, error, stores, redraw) =
            (lab.clone(), settings.clone(), reports.clone(), error.clone(), stores.clone(), redraw.clone());
        Rc::new(move || {
            let (lab, settings, reports, error, stores, redraw) =
                (lab.clone(), (*settings).clone(), reports.clone(), error.clone(), stores.clone(), redraw.clone());
            Box::pin(async move {
                if reports.borrow().len() >= settings.rounds || !lab.busy.begin() {
                    return false;
                }
                let result = one_round(&lab, &settings).await;
                // The round's last reply and the redraw in tasks of their own.
                yew::platform::time::sleep(Duration::from_millis(0)).await;
                if lab.busy.end() {
                    // Reset mid-round (a setting changed): this round belonged to the old run.
                    lab.federation.borrow_mut().take();
                    stores.set(summarise(&lab.syft).await);
                    return false;
                }
                let ok = match result {
                    Ok(report) => {
                        reports.borrow_mut().push(report);
                        true
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        false
                    }
                };
                redraw.force_update();
                stores.set(summarise(&lab.syft).await);
                ok
            }) as std::pin::Pin<Box<dyn std::future::Future<Output = bool>>>
        }) as super::player::Step
    };
    let player = super::player::use_player(step_once, Duration::from_millis(settings.pace_ms));
    let reset = {
        let (lab, reports, playing, error, stores, redraw) =
            (lab.clone(), reports.clone(), player.playing.clone(), error.clone(), stores.clone(), redraw.clone());
        Rc::new(move || {
            playing.set(false);
            lab.points.borrow_mut().clear();
            reports.borrow_mut().clear();
            error.set(None);
            redraw.force_update();
            if lab.busy.is_busy() {
                // The round in flight drops the run when it ends.
                lab.busy.request_reset();
                return;
            }
            // Dropping the federation drops its pointers: the shards and plans leave the workers.
            lab.federation.borrow_mut().take();
            let (lab, stores) = (lab.clone(), stores.clone());
            wasm_bindgen_futures::spawn_local(async move { stores.set(summarise(&lab.syft).await) });
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
            let (next, errors) = PlaygroundSettings::from_query(&url::current_query());
            if next.to_query() != *in_use.borrow() {
                refused.set(errors.iter().map(ToString::to_string).collect());
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
                    url::write_part(true, &next.to_query());
                    settings.set(next);
                    reset();
                }
                Err(error) => refused.set(vec![error.to_string()]),
            }
        })
    };

    let reports_now = reports.borrow();
    let latest = reports_now.last();
    let is_playing = player.playing.get();
    let losses = vec![
        Series {
            name: "train".into(),
            points: reports_now.iter().map(|r| (r.round, r.train_loss)).collect(),
            ghost: false,
        },
        Series {
            name: "test".into(),
            points: reports_now.iter().map(|r| (r.round, r.test_loss)).collect(),
            ghost: false,
        },
        Series { name: "clients' mean".into(), points: client_series(&reports_now, |(_, mean, _)| mean), ghost: false },
        Series { name: "clients' min".into(), points: client_series(&reports_now, |(min, _, _)| min), ghost: true },
        Series { name: "clients' max".into(), points: client_series(&reports_now, |(_, _, max)| max), ghost: true },
    ];
    let per_round = |f: fn(&PlaygroundRound) -> f64| reports_now.iter().map(f).collect::<Vec<f64>>();
    let accuracy = vec![
        Column { name: "train accuracy", values: per_round(|r| r.train_accuracy) },
        Column { name: "test accuracy", values: per_round(|r| r.test_accuracy) },
    ];
    let participation = vec![
        Column { name: "trained", values: per_round(|r| r.participants.len() as f64) },
        Column { name: "dropped out", values: per_round(|r| r.dropped.len() as f64) },
        Column { name: "failed", values: per_round(|r| r.failed.len() as f64) },
    ];
    let traffic = vec![Column { name: "tensor bytes on the wire", values: per_round(|r| r.traffic.bytes as f64) }];
    let client_spread = latest.and_then(spread);
    let partition_name = match settings.partition {
        crate::playground::partition::Partition::Iid => "iid",
        crate::playground::partition::Partition::LabelSkew { .. } => "label",
        crate::playground::partition::Partition::QuantitySkew { .. } => "quantity",
    };
    html! {
        <div class="playground">
            <div class="controls" role="group" aria-label="playground settings">
                <label>{ "clients" }<Field name="pg_clients" kind="number" min="2" max="64" value={settings.clients.to_string()} onchange={on_input("clients")} /></label>
                <label>{ "data" }
                    <select name="pg_data" onchange={on_input("data")}>
                        { for [("gauss", "gauss"), ("xor", "xor"), ("circle", "circle"), ("spiral", "spiral"), ("plane", "plane (regression)")].iter().map(|(d, l)| html! { <option value={*d} selected={settings.data.name() == *d}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "partition" }
                    <select name="pg_partition" onchange={on_input("partition")}>
                        { for [("iid", "IID"), ("label", "label skew (Dirichlet α)"), ("quantity", "quantity skew")].iter().map(|(v, l)| html! { <option value={*v} selected={partition_name == *v}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "hidden layers" }<Field name="pg_hidden" value={settings.hidden.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")} onchange={on_input("hidden")} /></label>
                <label>{ "client fraction" }<Field name="pg_fraction" kind="number" step="any" value={settings.run.fraction.to_string()} onchange={on_input("fraction")} /></label>
                <label>{ "dropout" }<Field name="pg_dropout" kind="number" step="any" value={settings.run.dropout.to_string()} onchange={on_input("dropout")} /></label>
                <label>{ "privacy" }
                    <select name="pg_mode" onchange={on_input("mode")}>
                        { for [("plain", "none: models to me"), ("untrusted", "untrusted server"), ("secagg", "secure aggregation"), ("dp", "differential privacy")].iter().map(|(v, l)| html! { <option value={*v} selected={settings.run.aggregation.name() == *v}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "rounds" }<Field name="pg_rounds" kind="number" min="1" max="500" value={settings.rounds.to_string()} onchange={on_input("rounds")} /></label>
                <details class="more-settings">
                    <summary>{ "more settings" }</summary>
                    <label>{ "points" }<Field name="pg_points" kind="number" min="40" max="2000" value={settings.points.to_string()} onchange={on_input("points")} /></label>
                    <label>{ "noise" }<Field name="pg_noise" kind="number" step="any" min="0" max="1" value={settings.noise.to_string()} onchange={on_input("noise")} /></label>
                    <label>{ "Dirichlet α" }<Field name="pg_alpha" kind="number" step="any" min="0.01" max="1000" value={alpha_of(&settings).to_string()} onchange={on_input("alpha")} /></label>
                    <label>{ "activation" }
                        <select name="pg_activation" onchange={on_input("activation")}>
                            <option value="tanh" selected={settings.activation != crate::tensor::Elementwise::Relu}>{ "tanh" }</option>
                            <option value="relu" selected={settings.activation == crate::tensor::Elementwise::Relu}>{ "relu" }</option>
                        </select>
                    </label>
                    <label>{ "local epochs" }<Field name="pg_epochs" kind="number" min="1" max="20" value={settings.run.local_epochs.to_string()} onchange={on_input("epochs")} /></label>
                    <label>{ "batch size" }<Field name="pg_batch" kind="number" min="1" max="1000" value={settings.run.batch_size.to_string()} onchange={on_input("batch")} /></label>
                    <label>{ "learning rate" }<Field name="pg_lr" kind="number" step="any" min="0.001" max="5" value={settings.run.lr.to_string()} onchange={on_input("lr")} /></label>
                    <label>{ "strategy" }
                        <select name="pg_strategy" onchange={on_input("strategy")}>
                            <option value="fedavg" selected={matches!(settings.run.strategy, Strategy::FedAvg)}>{ "FedAvg" }</option>
                            <option value="fedprox" selected={matches!(settings.run.strategy, Strategy::FedProx { .. })}>{ "FedProx" }</option>
                        </select>
                    </label>
                    <label>{ "FedProx μ" }<Field name="pg_mu" kind="number" step="any" min="0" max="10" value={mu_of(&settings).to_string()} onchange={on_input("mu")} /></label>
                    <label>{ "DP clip S" }<Field name="pg_clip" kind="number" step="any" min="0.001" max="100" value={settings.clip.to_string()} onchange={on_input("clip")} /></label>
                    <label>{ "DP noise z" }<Field name="pg_z" kind="number" step="any" min="0" max="100" value={settings.noise_multiplier.to_string()} onchange={on_input("z")} /></label>
                    <label>{ "pace (ms per round)" }<Field name="pg_pace" kind="number" min="0" max="2000" value={settings.pace_ms.to_string()} onchange={on_input("pace")} /></label>
                    <label>{ "seed" }<Field name="pg_seed" kind="number" min="0" value={settings.run.seed.to_string()} onchange={on_input("seed")} /></label>
                </details>
                <div class="buttons">
                    if is_playing { <button class="pause" onclick={player.on_pause.clone()}>{ "Pause ❚❚" }</button> }
                    else { <button class="play" onclick={player.on_play.clone()}>{ "Play ▶" }</button> }
                    <button class="step" onclick={player.on_step.clone()} disabled={is_playing}>{ "Step" }</button>
                    <button class="reset" onclick={on_reset}>{ "Reset" }</button>
                </div>
            </div>
            <p class="note">{ "Every setting is in the address, so a run can be shared and repeated exactly. Each client trains through a plan stored on its worker: two round trips a round." }</p>
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            if let Some(error) = &*error { <p class="error" role="alert">{ error }</p> }
            <p class="pg-progress" aria-live="polite">{ super::player::progress(reports_now.len(), settings.rounds, error.is_some()) }</p>
            <div class="pg-pictures">
                <Heatmap probabilities={probabilities(&lab)} points={lab.points.borrow().clone()} clients={settings.clients}
                         classification={settings.data.is_classification()} />
                <div class="pg-charts">
                    <LossChart series={losses} rounds={settings.rounds} />
                    <div class="legend"><span class="series-0">{ "train loss" }</span><span class="series-1">{ "test loss (held out, never on a client)" }</span>if settings.run.aggregation.reveals_client_losses() { <span class="series-2">{ "clients' last local loss: mean (min, max faint)" }</span> }</div>
                    <RoundChart label={if settings.data.is_classification() { "accuracy" } else { "R²" }} columns={accuracy} rounds={settings.rounds} lines={true} top={Some(1.0)} unit={Unit::Percent} />
                    <div class="legend"><span class="series-0">{ if settings.data.is_classification() { "train accuracy" } else { "train R²" } }</span><span class="series-1">{ if settings.data.is_classification() { "test accuracy" } else { "test R²" } }</span></div>
                    <RoundChart label="clients" columns={participation} rounds={settings.rounds} unit={Unit::Count} />
                    <div class="legend"><span class="bar-0">{ "trained" }</span><span class="bar-1">{ "dropped out" }</span><span class="bar-2">{ "failed" }</span></div>
                    <RoundChart label="bytes" columns={traffic} rounds={settings.rounds} unit={Unit::Bytes} />
                    <div class="legend"><span class="bar-0">{ "tensor bytes on the wire per round" }</span></div>
                    if let Some(report) = latest {
                        if settings.data.is_classification() {
                            <p class="pg-accuracy" data-test-accuracy={report.test_accuracy.to_string()}>{ format!(
                                "train accuracy {:.1}%, test accuracy {:.1}%", report.train_accuracy * 100.0, report.test_accuracy * 100.0) }</p>
                        } else {
                            <p class="pg-accuracy" data-test-accuracy={report.test_accuracy.to_string()}>{ format!(
                                "squared error: train {:.4}, test {:.4}; R²: train {:.3}, test {:.3}",
                                report.train_loss, report.test_loss, report.train_accuracy, report.test_accuracy) }</p>
                        }
                        <p class="pg-participation" data-participants={report.participants.len().to_string()} data-dropped={report.dropped.len().to_string()}>{ format!(
                            "round {}: {} client{} trained{}", report.round, report.participants.len(), if report.participants.len() == 1 { "" } else { "s" },
                            if report.dropped.is_empty() { String::new() } else { format!("; dropped out: {}", report.dropped.join(", ")) }) }</p>
                        if !report.without_data.is_empty() {
                            <p class="pg-without-data" data-without-data={report.without_data.len().to_string()}>{ format!(
                                "{} of {} clients hold no data (the partition gave them none) and never train: {}",
                                report.without_data.len(), settings.clients, names_in_short(&report.without_data)) }</p>
                        }
                        if !report.failed.is_empty() {
                            <p class="pg-failed error" data-failed={report.failed.len().to_string()}>{ format!("failed mid-round and left out: {}",
                                report.failed.iter().map(|(w, why)| format!("{w} ({why})")).collect::<Vec<_>>().join(", ")) }</p>
                        }
                        <p class="pg-received" data-mode={settings.run.aggregation.name()}>{ format!("me received: {}; {} messages, {} on the wire",
                            report.received, report.traffic.messages, round_charts::bytes(report.traffic.bytes as f64)) }</p>
                        if let Some((min, mean, max)) = client_spread {
                            <p class="pg-clients">{ format!("clients' last local loss: min {min:.4}, mean {mean:.4}, max {max:.4}") }</p>
                        }
                    } else if error.is_none() { <p>{ "Press Play or Step: the clients start as Web Workers and get their shards." }</p> }
                </div>
            </div>
            <PlaygroundStores stores={(*stores).clone()} />
        </div>
    }
}
