//! The worker side: decode, hand to the state machine, route what it returns — to the page, or
//! straight to a peer over that peer's MessagePort.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, MessagePort};

use super::wire::{self, from_js, FromWorker, PeerMessage, ToWorker};
use crate::limits::MAX_BATCH;
use crate::protocol::{Body, Command, Envelope, WorkerId, ME};
use crate::runtime::MessageEvent as Trace;
use crate::worker::Worker;

struct State {
    scope: DedicatedWorkerGlobalScope,
    worker: Option<Worker>,
    peers: BTreeMap<WorkerId, MessagePort>,
    /// Handlers of the peer ports, kept alive as long as the worker runs.
    port_handlers: Vec<Closure<dyn FnMut(MessageEvent)>>,
}

fn post_to_page(scope: &DedicatedWorkerGlobalScope, message: FromWorker) {
    let _ = wire::post(scope, message);
}

impl State {
    /// An envelope that came on `channel`'s channel: `me` for the page, a peer for its port.
    fn handle(&mut self, channel: &str, envelope: Envelope) {
        let Some(worker) = self.worker.as_mut() else {
            post_to_page(&self.scope, FromWorker::Rejected { reason: "a message before Init".into() });
            return;
        };
        let outgoing = worker.handle(channel, envelope);
        self.route_all(outgoing);
    }

    fn route_all(&mut self, envelopes: Vec<Envelope>) {
        let mut pending = std::collections::VecDeque::from(envelopes);
        while let Some(envelope) = pending.pop_front() {
            if let Err(envelope) = self.route(envelope) {
                // No channel to that peer: whatever waited on it is answered now, not never.
                let reason = format!("{} has no channel to it", self.name());
                if let Some(worker) = self.worker.as_mut() {
                    pending.extend(worker.undeliverable(envelope, &reason));
                }
            }
        }
    }

    fn name(&self) -> String {
        self.worker.as_ref().map(|w| w.id().to_owned()).unwrap_or_default()
    }

    /// Sends `envelope` on its way; gives it back if its peer has no port.
    fn route(&self, envelope: Envelope) -> Result<(), Envelope> {
        if envelope.to == ME {
            post_to_page(&self.scope, FromWorker::Envelope(envelope));
            return Ok(());
        }
        let trace = Trace::of(&envelope);
        let Some(port) = self.peers.get(&envelope.to) else { return Err(envelope) };
        match wire::post::<PeerMessage>(port, envelope) {
            Ok(()) => post_to_page(&self.scope, FromWorker::Trace(trace)),
            Err(error) => post_to_page(&self.scope, FromWorker::Rejected { reason: error.to_string() }),
        }
        Ok(())
    }
}

/// The `worker` bin's main: installs the message handler and announces that it is ready.
pub fn run_worker() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let panic_scope = scope.clone();
    std::panic::set_hook(Box::new(move |info| {
        post_to_page(&panic_scope, FromWorker::Panicked { message: info.to_string() });
    }));
    let state = Rc::new(RefCell::new(State {
        scope: scope.clone(),
        worker: None,
        peers: BTreeMap::new(),
        port_handlers: Vec::new(),
    }));
    let on_message = {
        let state = Rc::clone(&state);
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let message = match from_js::<ToWorker>(&event.data()) {
                Ok(message) => message,
                Err(error) => {
                    post_to_page(&state.borrow().scope, FromWorker::Rejected { reason: error.to_string() });
                    return;
                }
            };
            match message {
                ToWorker::Init { name } => state.borrow_mut().worker = Some(Worker::new(name)),
                ToWorker::Envelopes(envelopes) => {
                    let mut state = state.borrow_mut();
                    if envelopes.len() > MAX_BATCH {
                        let reason = format!("a batch of {} envelopes (the limit is {MAX_BATCH})", envelopes.len());
                        post_to_page(&state.scope, FromWorker::Rejected { reason });
                        return;
                    }
                    for envelope in envelopes {
                        state.handle(ME, envelope);
                    }
                }
                ToWorker::Inspect { token } => {
                    let state = state.borrow();
                    let entries = state.worker.as_ref().map(Worker::inspect).unwrap_or_default();
                    post_to_page(&state.scope, FromWorker::Inspection { token, entries });
                }
                ToWorker::Misbehave { envelope, to_page } => {
                    let state = state.borrow();
                    if to_page {
                        post_to_page(&state.scope, FromWorker::Envelope(envelope));
                    } else if let Some(port) = state.peers.get(&envelope.to) {
                        let _ = wire::post::<PeerMessage>(port, envelope);
                    }
                }
                ToWorker::Connect { peer } => connect(&state, &peer, event.ports().get(0)),
                ToWorker::PeerGone { peer, reason } => {
                    let mut state = state.borrow_mut();
                    state.peers.remove(&peer);
                    let outgoing = state.worker.as_mut().map(|w| w.peer_gone(&peer, &reason)).unwrap_or_default();
                    state.route_all(outgoing);
                }
                ToWorker::Ping => {
                    let memory_bytes = wasm_bindgen::memory()
                        .dyn_into::<js_sys::WebAssembly::Memory>()
                        .map(|m| m.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64)
                        .unwrap_or(0);
                    post_to_page(&state.borrow().scope, FromWorker::Pong { memory_bytes })
                }
                ToWorker::Panic => panic!("panic requested by the page"),
                ToWorker::Hang { millis } => {
                    let until = js_sys::Date::now() + millis;
                    while js_sys::Date::now() < until {}
                }
            }
        })
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post_to_page(&scope, FromWorker::Ready);
}

fn connect(state: &Rc<RefCell<State>>, peer: &str, port: JsValue) {
    let Ok(port) = port.dyn_into::<MessagePort>() else {
        post_to_page(
            &state.borrow().scope,
            FromWorker::Rejected { reason: format!("Connect to {peer} without a port") },
        );
        return;
    };
    let handler = {
        let state = Rc::clone(state);
        // Whatever arrives on this port comes from `peer`: that is the sender the worker trusts.
        let peer = peer.to_owned();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            match from_js::<PeerMessage>(&event.data()) {
                Ok(envelope) => state.borrow_mut().handle(&peer, envelope),
                Err(error) => post_to_page(&state.borrow().scope, FromWorker::Rejected { reason: error.to_string() }),
            }
        })
    };
    port.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    let mut state = state.borrow_mut();
    state.port_handlers.push(handler);
    state.peers.insert(peer.into(), port);
    let name = state.name();
    state.handle(ME, Envelope::new(ME, &name, Body::Command(Command::AddWorker { worker: peer.into() })));
}
