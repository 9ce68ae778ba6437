//! What the page hears from its workers: each message decoded from its frame and turned into the
//! client's events, the channel it came on attached; a worker's first word (`Ready`) releases
//! what was queued for it.

use web_sys::MessageEvent;

use super::super::wire::{self, from_js, start_failure, FromWorker, ToWorker};
use super::{now_ms, WebWorkers};
use crate::runtime::{Event, MessageEvent as Trace};

impl WebWorkers {
    /// A message from `name`: it is alive; a reply settles one request.
    pub(super) fn heard_from(&self, name: &str, is_reply: bool) {
        let mut state = self.state.borrow_mut();
        if let Some(handle) = state.workers.get_mut(name) {
            if is_reply {
                handle.unanswered = handle.unanswered.saturating_sub(1);
            }
            handle.waiting_since = (handle.unanswered > 0).then(now_ms);
            handle.ping_sent = None;
        }
    }

    pub(super) fn on_message(&self, name: &str, event: MessageEvent) {
        if let Some(handle) = self.state.borrow_mut().workers.get_mut(name) {
            handle.heard += 1;
        }
        let data = event.data();
        let message = match from_js::<FromWorker>(&data) {
            Ok(message) => message,
            // The loader's report is the one message that is not a frame: looked for only then.
            Err(_) if let Some(reason) = start_failure(&data) => {
                self.gone(name, format!("it failed to start: {reason}"));
                return;
            }
            Err(error) => {
                web_sys::console::error_1(&format!("minisyft: undecodable message from {name}: {error}").into());
                return;
            }
        };
        match message {
            FromWorker::Ready => self.on_ready(name),
            FromWorker::Envelope(envelope) => {
                self.heard_from(name, matches!(envelope.body, crate::protocol::Body::Reply { .. }));
                self.emit(Event::Message(Trace::of(&envelope)));
                // The channel says who sent it: the client checks the envelope's claim against it.
                self.emit(Event::Deliver { channel: name.into(), envelope });
            }
            FromWorker::Inspection { token, entries } => {
                self.heard_from(name, true);
                self.emit(Event::Inspection { worker: name.into(), token, entries: Ok(entries) });
            }
            FromWorker::Trace(trace) => {
                self.heard_from(name, false);
                self.emit(Event::Message(trace));
            }
            FromWorker::Pong { memory_bytes } => {
                if let Some(handle) = self.state.borrow_mut().workers.get_mut(name) {
                    handle.memory_bytes = Some(memory_bytes);
                }
                self.heard_from(name, false)
            }
            FromWorker::Panicked { message } => self.gone(name, format!("it panicked: {message}")),
            FromWorker::Rejected { reason } => {
                web_sys::console::warn_1(&format!("minisyft: {name} rejected a message: {reason}").into());
            }
        }
    }

    fn on_ready(&self, name: &str) {
        let mut state = self.state.borrow_mut();
        let Some(handle) = state.workers.get_mut(name) else { return };
        let _ = wire::post(&handle.worker, ToWorker::Init { name: name.into() });
        for (js, transfer) in handle.queue.drain(..) {
            let _ = handle.worker.post_message_with_transfer(&js, &transfer);
        }
        handle.ready = true;
        handle.waiting_since = (handle.unanswered > 0).then(now_ms);
    }
}
