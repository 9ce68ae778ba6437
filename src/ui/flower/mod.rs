//! The Flower panel: this tab as a client of a real Flower federation. Its shard of the data sits
//! on a Web Worker of its own; the node (`crate::flower::session`) talks to the SuperLink over
//! `fetch` through the page's origin; the panel shows the node id, where the node is, and every
//! Flower message in and out with its size. Settings come from the form or the address (`fl_…`).

mod goodbye;
pub(crate) mod settings;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use crate::ui::field::Field;

use super::engine::{WORKER_SCRIPT, WORKER_WASM};
use super::url;
use crate::flower::browser::BrowserFleet;
use crate::flower::client::ShardClient;
use crate::flower::session::{self, diagnose, Direction, Event as NodeEvent, LogEntry, Problem, Status, Surroundings};
use crate::playground::data::DataKind;
use crate::runtime::web::WebWorkers;
use crate::Syft;
pub use settings::FlowerSettings;

/// Log lines kept on the page (the totals count them all).
const LOG_LINES: usize = 200;
/// The worker that holds this tab's shard.
const WORKER: &str = "flower_client";

/// What the panel knows of its node, folded from the node's events.
#[derive(Clone, Debug, Default, PartialEq)]
struct NodeView {
    /// Which connection the view follows: events of an earlier one (its last "stopped", say)
    /// are ignored.
    generation: u64,
    status: Option<Status>,
    node_id: Option<u64>,
    log: Vec<LogEntry>,
    trained: usize,
    evaluated: usize,
    bytes_in: usize,
    bytes_out: usize,
    /// The last SecAgg+ message: its stage and round ("share_keys, round 2"), and what left.
    secagg: Option<(String, String)>,
    /// Whether the next reply answers a SecAgg+ message.
    secagg_reply_next: bool,
}

impl Reducible for NodeView {
    /// A connection's event, or `None`: a new connection begins.
    type Action = (u64, Option<NodeEvent>);

    fn reduce(self: Rc<Self>, (generation, event): (u64, Option<NodeEvent>)) -> Rc<Self> {
        if event.is_some() && generation != self.generation {
            return self;
        }
        let mut view = (*self).clone();
        match event {
            None => view = NodeView { generation, ..NodeView::default() },
            Some(NodeEvent::Status(status)) => {
                if let Status::Waiting { node_id } | Status::Working { node_id, .. } = status {
                    view.node_id = Some(node_id);
                }
                view.status = Some(status);
            }
            Some(NodeEvent::Log(entry)) => {
                match entry.direction {
                    Direction::Received => {
                        view.bytes_in = view.bytes_in.saturating_add(entry.bytes);
                        let stage = secagg_stage(&entry.what);
                        view.secagg_reply_next = stage.is_some();
                        if let Some(stage) = stage {
                            view.secagg = Some((stage, String::new()));
                        }
                    }
                    Direction::Sent => {
                        if let Some((_, sent)) = view.secagg.as_mut().filter(|_| view.secagg_reply_next) {
                            sent.clone_from(&entry.what);
                        }
                        view.secagg_reply_next = false;
                        view.bytes_out = view.bytes_out.saturating_add(entry.bytes);
                        view.trained += usize::from(entry.what.starts_with("reply: trained"));
                        view.evaluated += usize::from(entry.what.starts_with("reply: evaluated"));
                    }
                    Direction::Note => {}
                }
                view.log.push(entry);
                let excess = view.log.len().saturating_sub(LOG_LINES);
                view.log.drain(..excess);
            }
        }
        Rc::new(view)
    }
}

fn status_text(status: &Option<Status>) -> (&'static str, String) {
    match status {
        None => ("idle", "not connected".into()),
        Some(Status::Connecting) => ("connecting", "registering with the SuperLink".into()),
        Some(Status::Waiting { .. }) => ("waiting", "waiting for the ServerApp's next message".into()),
        Some(Status::Working { message_type, round, .. }) => {
            let doing = match message_type.as_str() {
                "train" => "training",
                "evaluate" => "evaluating",
                _ => "answering a message",
            };
            ("working", if round.is_empty() { doing.to_owned() } else { format!("{doing}, round {round}") })
        }
        Some(Status::Retrying { attempt, seconds, .. }) => {
            ("retrying", format!("attempt {attempt} failed; trying again in {seconds} s"))
        }
        Some(Status::Stopped) => ("stopped", "disconnected".into()),
        Some(Status::Failed(_)) => ("failed", "stopped: see below".into()),
    }
}

fn bytes(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MiB", n as f64 / 1048576.0)
    } else if n >= 1024 {
        format!("{:.1} KiB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

/// Starts this tab's node; `stop` ends it; every event goes to `view`.
fn connect(settings: &FlowerSettings, generation: u64, stop: Rc<Cell<bool>>, view: UseReducerDispatcher<NodeView>) {
    let settings = settings.clone();
    view.dispatch((generation, None));
    wasm_bindgen_futures::spawn_local(async move {
        let report = |event: NodeEvent| view.dispatch((generation, Some(event)));
        report(NodeEvent::Status(Status::Connecting));
        let prepared = async {
            let spec = settings.shard()?;
            let dp = settings.dp()?;
            let syft = Syft::new(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM), settings.seed);
            let shard = match spec.data {
                DataKind::Digits => spec.shard_of(&crate::ui::fetch_digits::fetch_digits().await?)?,
                _ => spec.shard()?,
            };
            let trainer = ShardClient::holding(syft.create_worker(WORKER)?, shard, dp)?
                .requiring_secure_aggregation(settings.secagg_required);
            let fleet = BrowserFleet::generate(&settings.address).await?;
            crate::Result::Ok((syft, trainer, fleet))
        };
        let (_syft, mut trainer, fleet) = match prepared.await {
            Ok(prepared) => prepared,
            Err(error) => {
                report(NodeEvent::Status(Status::Failed(diagnose(&error))));
                return;
            }
        };
        report(NodeEvent::Log(LogEntry {
            direction: Direction::Note,
            what: format!(
                "{} training {} on Web Worker {WORKER}; a new P-384 key from WebCrypto",
                trainer.examples(),
                if settings.data == DataKind::Digits { "digits" } else { "points" }
            ),
            bytes: 0,
        }));
        let fleet = Rc::new(fleet);
        let goodbye = goodbye::Goodbye::start(fleet.clone());
        let report = |event: NodeEvent| {
            match &event {
                NodeEvent::Status(Status::Waiting { node_id } | Status::Working { node_id, .. }) => {
                    goodbye.node(Some(*node_id))
                }
                NodeEvent::Status(Status::Stopped | Status::Failed(_)) => goodbye.node(None),
                _ => {}
            }
            report(event);
        };
        let now = || js_sys::Date::now() / 1000.0;
        let stopped = || stop.get();
        let around = Surroundings { now: &now, stop: &stopped, report: &report };
        let fleet = fleet.as_ref();
        let call = move |request| fleet.call(request);
        let sleep = |seconds: f64| yew::platform::time::sleep(Duration::from_secs_f64(seconds.max(0.0)));
        // The outcome is in the events (Stopped or Failed).
        let _ = session::run(call, sleep, fleet.public_key_pem(), &mut trainer, &around).await;
    });
}

#[function_component(FlowerPanel)]
pub fn flower_panel() -> Html {
    let initial = use_memo((), |_| FlowerSettings::from_query(&url::current_query()));
    let settings = use_state(|| initial.0.clone());
    let refused = use_state(|| initial.1.iter().map(ToString::to_string).collect::<Vec<_>>());
    let view = use_reducer(NodeView::default);
    let stop = use_state(|| Rc::new(Cell::new(true)));

    // A node that stopped or failed by itself frees the button.
    if !stop.get() && matches!(view.status, Some(Status::Stopped | Status::Failed(_))) {
        Cell::set(&stop, true);
    }
    let running = !stop.get();
    let on_input = |key: &'static str| {
        let (settings, refused) = (settings.clone(), refused.clone());
        Callback::from(move |event: Event| {
            let mut next = (*settings).clone();
            match next.set(key, &url::form_value(&event)) {
                Ok(()) => {
                    settings.set(next);
                    refused.set(Vec::new());
                }
                Err(error) => refused.set(vec![error.to_string()]),
            }
        })
    };
    let on_connect = {
        let (settings, view, stop) = (settings.clone(), view.clone(), stop.clone());
        Callback::from(move |_| {
            if !stop.get() {
                return;
            }
            let flag = Rc::new(Cell::new(false));
            connect(&settings, view.generation + 1, flag.clone(), view.dispatcher());
            stop.set(flag);
        })
    };
    let on_disconnect = {
        let (stop, view) = (stop.clone(), view.clone());
        Callback::from(move |_| {
            Cell::set(&stop, true);
            // Said at once: the node leaves between two calls, which may take a while.
            let what = "disconnecting: leaving the SuperLink after the call under way".to_owned();
            view.dispatch((
                view.generation,
                Some(NodeEvent::Log(LogEntry { direction: Direction::Note, what, bytes: 0 })),
            ));
        })
    };
    let (state, text) = status_text(&view.status);
    let problem: Option<&Problem> = match &view.status {
        Some(Status::Retrying { problem, .. } | Status::Failed(problem)) => Some(problem),
        _ => None,
    };
    let disabled = running;
    html! {
        <div class="flower" data-status={state} data-node={view.node_id.map(|n| n.to_string()).unwrap_or_default()}
             data-trained={view.trained.to_string()} data-evaluated={view.evaluated.to_string()}>
            <div class="controls" role="group" aria-label="Flower settings">
                <label>{ "SuperLink" }<Field name="fl_address" placeholder="this page's server" value={settings.address.clone()} onchange={on_input("address")} disabled={disabled} /></label>
                <label>{ "client" }<Field name="fl_client" kind="number" min="0" max="63" value={settings.client.to_string()} onchange={on_input("client")} disabled={disabled} /></label>
                <label>{ "of clients" }<Field name="fl_clients" kind="number" min="1" max="64" value={settings.clients.to_string()} onchange={on_input("clients")} disabled={disabled} /></label>
                <label>{ "data" }
                    <select name="fl_data" onchange={on_input("data")} disabled={disabled}>
                        <option value="circle" selected={settings.data == DataKind::Circle}>{ "circle" }</option>
                        <option value="digits" selected={settings.data == DataKind::Digits}>{ "digits (real, 10 classes)" }</option>
                    </select>
                </label>
                <label>{ "client-side DP" }
                    <select name="fl_dp" onchange={on_input("dp")} disabled={disabled}>
                        <option value="off" selected={!settings.dp}>{ "off" }</option>
                        <option value="on" selected={settings.dp}>{ "clip and noise my update" }</option>
                    </select>
                </label>
                <label>{ "my update leaves" }
                    <select name="fl_secagg" onchange={on_input("secagg")} disabled={disabled}>
                        <option value="optional" selected={!settings.secagg_required}>{ "as the ServerApp asks" }</option>
                        <option value="required" selected={settings.secagg_required}>{ "only under SecAgg+" }</option>
                    </select>
                </label>
                if settings.dp {
                    <label>{ "clip S" }<Field name="fl_clip" kind="number" step="any" min="0.001" max="100" value={settings.clip.to_string()} onchange={on_input("clip")} disabled={disabled} /></label>
                    <label>{ "noise z" }<Field name="fl_z" kind="number" step="any" min="0" max="100" value={settings.noise_multiplier.to_string()} onchange={on_input("z")} disabled={disabled} /></label>
                }
                <div class="buttons">
                    if running { <button class="disconnect" onclick={on_disconnect}>{ "Disconnect" }</button> }
                    else { <button class="connect" onclick={on_connect}>{ "Connect" }</button> }
                </div>
            </div>
            <p class="note">{ with_code(&format!(
                "This tab is client {} of {}: its shard of {} (seed {}) stays on a Web Worker; only what the ServerApp asks for leaves it — the trained model{} (under SecAgg+, only a masked vector{}), the number of examples and the losses (evaluated on this shard). `make federation` starts a SuperLink and Flower's FedAvg with this page; every tab that connects is one client{}.",
                settings.client, settings.clients,
                if settings.data == DataKind::Digits { "the real digits" } else { "the circle data" },
                settings.seed,
                if settings.dp { format!(" (its update clipped to norm {} and noised with σ = {}·{})", settings.clip, settings.noise_multiplier, settings.clip) } else { String::new() },
                if settings.secagg_required { "; set to leave only so, a ServerApp that asks for it in the clear is refused" } else { "" },
                if settings.data == DataKind::Digits { " (`DATA=digits make federation` sends the digits' model)" } else { "" })) }</p>
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            <p class="fl-status" aria-live="polite">
                <strong>{ format!("{state}: ") }</strong>{ text }
                { view.node_id.map(|n| format!(" · node {n}")).unwrap_or_default() }
                { format!(" · {} trained, {} evaluated · {} in, {} out", view.trained, view.evaluated, bytes(view.bytes_in), bytes(view.bytes_out)) }
            </p>
            if let Some((stage, sent)) = &view.secagg {
                <p class="fl-secagg" data-stage={stage.split(',').next().unwrap_or_default().to_owned()}>
                    <strong>{ format!("SecAgg+ {stage}: ") }</strong>
                    { if sent.is_empty() { "working…".to_owned() } else { format!("{}.", sent.trim_start_matches("reply: ")) } }
                    { " Under secure aggregation this tab's update never leaves it: the server gets public keys, shares encrypted for other tabs, a masked vector and key shares, and can unmask only the sum." }
                </p>
            }
            if let Some(problem) = problem {
                <div class="fl-problem error" role="alert"><p>{ &problem.error }</p><p class="advice">{ with_code(problem.advice) }</p></div>
            }
            <div class="fl-log-box"><table class="fl-log">
                <thead><tr><th>{ "" }</th><th>{ "message" }</th><th>{ "size" }</th></tr></thead>
                <tbody>
                    { for view.log.iter().rev().map(|entry| {
                        let (arrow, class) = match entry.direction {
                            Direction::Received => ("⬇ in", "in"),
                            Direction::Sent => ("⬆ out", "out"),
                            Direction::Note => ("·", "note"),
                        };
                        html! { <tr class={class}><td>{ arrow }</td><td>{ &entry.what }</td>
                            <td>{ if entry.bytes > 0 { bytes(entry.bytes) } else { String::new() } }</td></tr> }
                    }) }
                </tbody>
            </table></div>
        </div>
    }
}

/// "share_keys, round 2" from a log line "train message (SecAgg+ share_keys), round 2".
fn secagg_stage(what: &str) -> Option<String> {
    let (_, rest) = what.split_once("(SecAgg+ ")?;
    let (stage, round) = rest.split_once(')')?;
    Some(format!("{stage}{round}"))
}

/// Advice text with its `commands` set as code.
fn with_code(text: &str) -> Html {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                html! { <code>{ part }</code> }
            } else {
                html! { { part } }
            }
        })
        .collect()
}
