//! The main-thread side of the Web Worker transport.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageChannel, MessageEvent, Worker};

use super::wire::{self, to_js, ToWorker};
use crate::error::{Error, Result};
use crate::protocol::{Envelope, RequestId, WorkerId};
use crate::runtime::{Event, MessageEvent as Trace, Sink, Transport};

mod flush;
mod incoming;
mod shared_module;
mod watchdog;

/// Spawns workers from a script URL (trunk's `./worker_loader.js` on the page).
#[derive(Clone)]
pub struct WebWorkers {
    state: Rc<RefCell<State>>,
}

/// How long a worker that owes an answer may stay silent before it counts as gone. After half of it
/// the page pings; a worker that is only waiting on a peer answers the ping at once, one stuck in a
/// loop cannot. (A worker that panics or is terminated is reported at once, without waiting.)
pub const DEFAULT_TIMEOUT_MS: f64 = 1500.0;

/// How long one flush may post messages before the rest waits for a task of its own.
pub const FLUSH_SLICE_MS: f64 = 8.0;

type PortHandler = Closure<dyn FnMut(MessageEvent)>;

struct State {
    script_url: String,
    /// With a shared module: the worker wasm's URL, and its compile once started.
    module_url: Option<String>,
    module: Option<js_sys::Promise>,
    sink: Option<Sink>,
    workers: BTreeMap<WorkerId, Handle>,
    timeout_ms: f64,
    watchdog: Option<(i32, Closure<dyn FnMut()>)>,
    /// Envelopes posted in this turn of the event loop, in order, sent together by `flush`.
    batch: std::collections::VecDeque<Envelope>,
    /// A port that runs `flush` again in a task of its own, and whether that is already asked.
    flusher: Option<(MessageChannel, PortHandler)>,
    flush_scheduled: bool,
}

struct Handle {
    worker: Worker,
    ready: bool,
    /// postMessage calls made to the worker, and messages heard from it.
    posted: u64,
    heard: u64,
    spawned_at: f64,
    /// The worker's wasm memory as of its last answer to a ping.
    memory_bytes: Option<u64>,
    /// Messages (with their transfer lists) waiting for the worker's `Ready`.
    queue: Vec<(JsValue, Array)>,
    /// Requests sent and not yet answered, and when the worker was last heard from while some were.
    unanswered: usize,
    waiting_since: Option<f64>,
    ping_sent: Option<f64>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Drop for State {
    fn drop(&mut self) {
        if let (Some((id, _)), Some(window)) = (&self.watchdog, web_sys::window()) {
            window.clear_interval_with_handle(*id);
        }
        // A flush still asked for must not call the handler dropped with this state.
        if let Some((channel, _)) = &self.flusher {
            channel.port1().set_onmessage(None);
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

impl WebWorkers {
    pub fn new(script_url: &str) -> WebWorkers {
        WebWorkers {
            state: Rc::new(RefCell::new(State {
                script_url: script_url.to_owned(),
                module_url: None,
                module: None,
                sink: None,
                workers: BTreeMap::new(),
                timeout_ms: DEFAULT_TIMEOUT_MS,
                watchdog: None,
                batch: std::collections::VecDeque::new(),
                flusher: None,
                flush_scheduled: false,
            })),
        }
    }

    /// Workers from `script_url` (`www/worker_loader.js`) that all run the wasm at `wasm_url`,
    /// compiled once on the page and handed to each (see `shared_module.rs`).
    pub fn with_shared_module(script_url: &str, wasm_url: &str) -> WebWorkers {
        let workers = WebWorkers::new(script_url);
        workers.state.borrow_mut().module_url = Some(wasm_url.to_owned());
        workers
    }

    /// Starts fetching and compiling the shared module now, before any worker asks for it (a page
    /// that is idle and will soon need workers); nothing for workers without a shared module.
    pub fn warm_up(&self) {
        let _ = self.shared_module();
    }

    /// Sets how long a worker may leave a request unanswered before it counts as gone.
    pub fn with_timeout_ms(self, timeout_ms: f64) -> WebWorkers {
        self.state.borrow_mut().timeout_ms = timeout_ms;
        self
    }

    /// Makes a worker stop answering for `millis` (a test hook for the timeout).
    pub fn hang(&self, worker: &str, millis: f64) {
        self.send(worker, ToWorker::Hang { millis });
    }

    /// Makes `worker` send `envelope` as a compromised worker would, whatever it claims: over its
    /// port to `envelope.to`, or to the page when `to_page` (a test hook for the trust model).
    pub fn misbehave(&self, worker: &str, envelope: Envelope, to_page: bool) {
        self.send(worker, ToWorker::Misbehave { envelope, to_page });
    }

    /// Workers from a built `dist/` at `base_url` (absolute), through a blob script, for pages
    /// whose own location is elsewhere (wasm-bindgen-test's runner serves the crate root).
    pub fn from_dist(base_url: &str) -> Result<WebWorkers> {
        let base = base_url.trim_end_matches('/');
        WebWorkers::from_parts(&format!("{base}/worker.js"), &format!("{base}/worker_bg.wasm"))
    }

    /// Workers that load wasm-bindgen's glue from `glue_url` and the module from `wasm_url`
    /// (absolute), with the same start-up failure report as `www/worker_loader.js`.
    pub fn from_parts(glue_url: &str, wasm_url: &str) -> Result<WebWorkers> {
        let script = format!(
            "importScripts(\"{glue_url}\");wasm_bindgen({{module_or_path:\"{wasm_url}\"}})\
             .catch((e) => postMessage({{minisyftFailed: String(e)}}));"
        );
        WebWorkers::from_script(&script)
    }

    /// Workers that run `script` (a test hook: a script that never starts a worker, say).
    pub fn from_script(script: &str) -> Result<WebWorkers> {
        let parts = Array::of1(&JsValue::from_str(script));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|e| Error::browser("make the worker script", e))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)
            .map_err(|e| Error::browser("make the worker script's address", e))?;
        Ok(WebWorkers::new(&url))
    }

    /// [`WebWorkers::from_dist`] with `path` on this page's (or worker's) own origin.
    pub fn from_dist_on_this_origin(path: &str) -> Result<WebWorkers> {
        let origin = js_sys::Reflect::get(&js_sys::global(), &"location".into())
            .and_then(|location| js_sys::Reflect::get(&location, &"origin".into()))
            .ok()
            .and_then(|origin| origin.as_string())
            .ok_or_else(|| Error::browser("find this page's origin", "no location.origin"))?;
        WebWorkers::from_dist(&format!("{origin}/{}", path.trim_start_matches('/')))
    }

    fn weak(&self) -> Weak<RefCell<State>> {
        Rc::downgrade(&self.state)
    }

    fn upgrade(state: &Weak<RefCell<State>>) -> Option<WebWorkers> {
        state.upgrade().map(|state| WebWorkers { state })
    }

    /// Terminates a worker as a crash would; every pending and later call on it fails at once.
    pub fn terminate(&self, worker: &str) {
        self.gone(worker, "the worker was terminated".into());
    }

    /// Makes a worker panic (a test hook for failure handling).
    pub fn crash(&self, worker: &str) {
        self.send(worker, ToWorker::Panic);
    }

    /// `worker` is gone: terminated, its peers and the client told, once (a dead worker's late
    /// events find it gone already and change nothing).
    fn gone(&self, worker: &str, reason: String) {
        let sink = {
            let mut state = self.state.borrow_mut();
            let Some(handle) = state.workers.remove(worker) else { return };
            handle.worker.terminate();
            state.sink.clone()
        };
        let others: Vec<WorkerId> = self.state.borrow().workers.keys().cloned().collect();
        for other in others {
            self.send(&other, ToWorker::PeerGone { peer: worker.into(), reason: reason.clone() });
        }
        if let Some(sink) = sink {
            sink(Event::WorkerGone { worker: worker.into(), reason });
        }
    }

    fn emit(&self, event: Event) {
        let sink = self.state.borrow().sink.clone();
        if let Some(sink) = sink {
            sink(event);
        }
    }

    fn send(&self, worker: &str, message: ToWorker) {
        let mut state = self.state.borrow_mut();
        let Some(handle) = state.workers.get_mut(worker) else { return };
        let sent = if handle.ready {
            wire::post(&handle.worker, message)
        } else {
            to_js(message).map(|queued| handle.queue.push(queued))
        };
        match sent {
            Ok(()) => handle.posted += 1,
            Err(error) => {
                web_sys::console::error_1(&format!("minisyft: cannot send a message to {worker}: {error}").into())
            }
        }
    }

    /// A message already in its buffer, with a transfer list of its own (a `Connect`'s port).
    fn send_js(&self, worker: &str, js: JsValue, transfer: Array) {
        let mut state = self.state.borrow_mut();
        let Some(handle) = state.workers.get_mut(worker) else { return };
        handle.posted += 1;
        if handle.ready {
            let _ = handle.worker.post_message_with_transfer(&js, &transfer);
        } else {
            handle.queue.push((js, transfer));
        }
    }

    /// Asks every worker for its wasm memory; [`WebWorkers::memory_bytes`] has the answers once
    /// they are in (a ping: a worker busy training answers after its current message).
    pub fn measure_memory(&self) {
        let names: Vec<WorkerId> = self.state.borrow().workers.keys().cloned().collect();
        for name in names {
            self.send(&name, ToWorker::Ping);
        }
    }

    /// `worker`'s wasm memory in bytes, as of its last answer to a ping.
    pub fn memory_bytes(&self, worker: &str) -> Option<u64> {
        self.state.borrow().workers.get(worker).and_then(|h| h.memory_bytes)
    }

    /// How many postMessage calls the page made to `worker`, and how many messages it heard from
    /// it (what a round costs on the wire).
    pub fn message_counts(&self, worker: &str) -> Option<(u64, u64)> {
        self.state.borrow().workers.get(worker).map(|h| (h.posted, h.heard))
    }
}

impl WebWorkers {
    /// The shared module's compile, started by the first worker that needs it.
    fn shared_module(&self) -> Option<js_sys::Promise> {
        let mut state = self.state.borrow_mut();
        if state.module.is_none() {
            let url = state.module_url.clone()?;
            state.module = shared_module::compile(&url);
        }
        state.module.clone()
    }
}

impl Transport for WebWorkers {
    fn attach(&self, sink: Sink) {
        self.state.borrow_mut().sink = Some(sink);
    }

    fn spawn(&self, name: &str) -> Result<()> {
        let script = self.state.borrow().script_url.clone();
        let worker = Worker::new(&script)
            .map_err(|e| Error::WorkerGone { worker: name.into(), reason: format!("could not start: {e:?}") })?;
        // The handlers hold the transport weakly: dropping the client terminates its workers.
        let on_message = {
            let weak = self.weak();
            let name = name.to_owned();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event| {
                if let Some(this) = WebWorkers::upgrade(&weak) {
                    this.on_message(&name, event);
                }
            })
        };
        let on_error = {
            let weak = self.weak();
            let name = name.to_owned();
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                event.prevent_default();
                if let Some(this) = WebWorkers::upgrade(&weak) {
                    this.gone(&name, format!("it failed: {}", event.message()));
                }
            })
        };
        // Owned by the JS side, not by the handle: a terminated worker still delivers the error
        // events it raised (a panic's trap after its `Panicked`), and a handler dropped with its
        // handle would then throw on the page. These outlive the handle and do nothing once the
        // worker is gone from the transport (or the transport is dropped).
        worker.set_onmessage(Some(on_message.into_js_value().unchecked_ref()));
        worker.set_onerror(Some(on_error.into_js_value().unchecked_ref()));
        if let Some(module) = self.shared_module() {
            shared_module::hand_over(&module, &worker);
        }
        let handle = Handle {
            worker,
            ready: false,
            posted: 0,
            heard: 0,
            spawned_at: now_ms(),
            memory_bytes: None,
            queue: Vec::new(),
            unanswered: 0,
            waiting_since: None,
            ping_sent: None,
        };
        self.state.borrow_mut().workers.insert(name.into(), handle);
        Ok(())
    }

    fn inspect(&self, worker: &str, token: RequestId) {
        if !self.state.borrow().workers.contains_key(worker) {
            let reason = "no such worker".to_owned();
            let entries = Err(Error::WorkerGone { worker: worker.into(), reason });
            self.emit(Event::Inspection { worker: worker.into(), token, entries });
            return;
        }
        if let Some(handle) = self.state.borrow_mut().workers.get_mut(worker) {
            // Watched like a request: a worker that never answers it is found gone.
            handle.unanswered += 1;
            handle.waiting_since.get_or_insert_with(now_ms);
        }
        self.start_watchdog();
        self.send(worker, ToWorker::Inspect { token });
    }

    fn connect(&self, a: &str, b: &str) -> Result<()> {
        let channel = MessageChannel::new().map_err(|e| Error::browser("make a MessageChannel", e))?;
        for (worker, peer, port) in [(a, b, channel.port1()), (b, a, channel.port2())] {
            let (js, transfer) = to_js(ToWorker::Connect { peer: peer.into() })?;
            transfer.push(&port);
            self.send_js(worker, js, transfer);
        }
        Ok(())
    }

    fn post(&self, envelope: Envelope) {
        self.emit(Event::Message(Trace::of(&envelope)));
        let to = envelope.to.clone();
        let is_request = matches!(envelope.body, crate::protocol::Body::Request { .. });
        let first_in_batch = {
            let mut state = self.state.borrow_mut();
            let Some(handle) = state.workers.get_mut(&to) else { return };
            if is_request {
                handle.unanswered += 1;
                handle.waiting_since.get_or_insert_with(now_ms);
            }
            state.batch.push_back(envelope);
            state.batch.len() == 1 && !state.flush_scheduled
        };
        if is_request {
            // A request goes now, after everything posted before it: its caller is waiting.
            self.start_watchdog();
            self.flush();
        } else if first_in_batch {
            // Commands (send, ops, deletes) pipeline: everything posted in this turn of the event
            // loop travels together.
            let weak = self.weak();
            wasm_bindgen_futures::spawn_local(async move {
                if let Some(this) = WebWorkers::upgrade(&weak) {
                    this.flush();
                }
            });
        }
    }
}
