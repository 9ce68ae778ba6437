//! The main-thread side of the Web Worker transport.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageChannel, MessageEvent, Worker};

use super::wire::{from_js, to_js, FromWorker, ToWorker};
use crate::error::{Error, Result};
use crate::protocol::Envelope;
use crate::runtime::{Event, MessageEvent as Trace, Sink, Transport};

/// Spawns workers from a script URL (trunk's `./worker_loader.js` on the page).
#[derive(Clone)]
pub struct WebWorkers {
    state: Rc<RefCell<State>>,
}

struct State {
    script_url: String,
    sink: Option<Sink>,
    workers: BTreeMap<String, Handle>,
}

struct Handle {
    worker: Worker,
    ready: bool,
    /// Messages (with their transfer lists) waiting for the worker's `Ready`.
    queue: Vec<(JsValue, Array)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
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
                sink: None,
                workers: BTreeMap::new(),
            })),
        }
    }

    /// Workers from a built `dist/` at `base_url` (absolute), through a blob script, for pages
    /// whose own location is elsewhere (wasm-bindgen-test's runner serves the crate root).
    pub fn from_dist(base_url: &str) -> Result<WebWorkers> {
        let base = base_url.trim_end_matches('/');
        let script =
            format!("importScripts(\"{base}/worker.js\");wasm_bindgen({{module_or_path:\"{base}/worker_bg.wasm\"}});");
        let parts = Array::of1(&JsValue::from_str(&script));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|e| Error::malformed(format!("{e:?}")))?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| Error::malformed(format!("{e:?}")))?;
        Ok(WebWorkers::new(&url))
    }

    /// [`WebWorkers::from_dist`] with `path` on this page's (or worker's) own origin.
    pub fn from_dist_on_this_origin(path: &str) -> Result<WebWorkers> {
        let origin = js_sys::Reflect::get(&js_sys::global(), &"location".into())
            .and_then(|location| js_sys::Reflect::get(&location, &"origin".into()))
            .ok()
            .and_then(|origin| origin.as_string())
            .ok_or_else(|| Error::malformed("this global has no location.origin"))?;
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
        if let Some(handle) = self.state.borrow_mut().workers.remove(worker) {
            handle.worker.terminate();
        }
        self.gone(worker, "the worker was terminated".into());
    }

    /// Makes a worker panic (a test hook for failure handling).
    pub fn crash(&self, worker: &str) {
        self.send(worker, &ToWorker::Panic);
    }

    fn gone(&self, worker: &str, reason: String) {
        let sink = {
            let mut state = self.state.borrow_mut();
            if let Some(handle) = state.workers.remove(worker) {
                handle.worker.terminate();
            }
            state.sink.clone()
        };
        if let Some(sink) = sink {
            sink(Event::WorkerGone { worker: worker.to_owned(), reason });
        }
    }

    fn emit(&self, event: Event) {
        let sink = self.state.borrow().sink.clone();
        if let Some(sink) = sink {
            sink(event);
        }
    }

    fn send(&self, worker: &str, message: &ToWorker) {
        let Ok((js, transfer)) = to_js(message) else { return };
        self.send_js(worker, js, transfer);
    }

    fn send_js(&self, worker: &str, js: JsValue, transfer: Array) {
        let mut state = self.state.borrow_mut();
        let Some(handle) = state.workers.get_mut(worker) else { return };
        if handle.ready {
            let _ = handle.worker.post_message_with_transfer(&js, &transfer);
        } else {
            handle.queue.push((js, transfer));
        }
    }

    fn on_message(&self, name: &str, event: MessageEvent) {
        let message = match from_js::<FromWorker>(event.data()) {
            Ok(message) => message,
            Err(error) => {
                web_sys::console::error_1(&format!("minisyft: undecodable message from {name}: {error}").into());
                return;
            }
        };
        match message {
            FromWorker::Ready => self.on_ready(name),
            FromWorker::Envelope(envelope) => {
                self.emit(Event::Message(Trace::of(&envelope)));
                self.emit(Event::Deliver(envelope));
            }
            FromWorker::Trace(trace) => self.emit(Event::Message(trace)),
            FromWorker::Panicked { message } => self.gone(name, format!("it panicked: {message}")),
            FromWorker::Rejected { reason } => {
                web_sys::console::warn_1(&format!("minisyft: {name} rejected a message: {reason}").into());
            }
        }
    }

    fn on_ready(&self, name: &str) {
        let Ok((init, none)) = to_js(&ToWorker::Init { name: name.to_owned() }) else { return };
        let mut state = self.state.borrow_mut();
        let Some(handle) = state.workers.get_mut(name) else { return };
        let _ = handle.worker.post_message_with_transfer(&init, &none);
        for (js, transfer) in handle.queue.drain(..) {
            let _ = handle.worker.post_message_with_transfer(&js, &transfer);
        }
        handle.ready = true;
    }
}

impl Transport for WebWorkers {
    fn attach(&self, sink: Sink) {
        self.state.borrow_mut().sink = Some(sink);
    }

    fn spawn(&self, name: &str) -> Result<()> {
        let script = self.state.borrow().script_url.clone();
        let worker = Worker::new(&script)
            .map_err(|e| Error::WorkerGone { worker: name.to_owned(), reason: format!("could not start: {e:?}") })?;
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
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let handle = Handle { worker, ready: false, queue: Vec::new(), _on_message: on_message, _on_error: on_error };
        self.state.borrow_mut().workers.insert(name.to_owned(), handle);
        Ok(())
    }

    fn connect(&self, a: &str, b: &str) -> Result<()> {
        let channel = MessageChannel::new().map_err(|e| Error::malformed(format!("{e:?}")))?;
        for (worker, peer, port) in [(a, b, channel.port1()), (b, a, channel.port2())] {
            let (js, transfer) = to_js(&ToWorker::Connect { peer: peer.to_owned() })?;
            transfer.push(&port);
            self.send_js(worker, js, transfer);
        }
        Ok(())
    }

    fn post(&self, envelope: Envelope) {
        let trace = Trace::of(&envelope);
        let to = envelope.to.clone();
        match to_js(&ToWorker::Envelope(envelope)) {
            Ok((js, transfer)) => {
                self.emit(Event::Message(trace));
                self.send_js(&to, js, transfer);
            }
            Err(error) => web_sys::console::error_1(&format!("minisyft: cannot encode a message: {error}").into()),
        }
    }
}
