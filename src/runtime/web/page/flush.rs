//! Sending what `me` posted: every envelope batched in a turn of the event loop goes in posting
//! order, a run of envelopes to one worker per postMessage, and a burst is cut into tasks of at
//! most [`FLUSH_SLICE_MS`] so that the page keeps drawing.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageChannel, MessageEvent};

use super::{now_ms, WebWorkers, FLUSH_SLICE_MS};
use crate::limits::MAX_BATCH;
use crate::runtime::web::wire::ToWorker;

impl WebWorkers {
    /// Sends everything batched in the order it was posted, each run of envelopes to one worker
    /// as one message: what `me` posted to bob before it posted to alice leaves before alice's
    /// does, so alice cannot forward an op (or use a delegation) to bob that overtakes the data
    /// or the delegation it needs.
    ///
    /// A flush posts for at most [`FLUSH_SLICE_MS`]; what is left goes in a task of its own, so
    /// that a burst (64 clients' models at the start of a round) never holds the page for long.
    pub(super) fn flush(&self) {
        let started = now_ms();
        loop {
            let run = {
                let mut state = self.state.borrow_mut();
                let Some(first) = state.batch.pop_front() else { return };
                let worker = first.to.clone();
                let mut envelopes = vec![first];
                while envelopes.len() < MAX_BATCH && state.batch.front().is_some_and(|e| e.to == worker) {
                    envelopes.extend(state.batch.pop_front());
                }
                (worker, envelopes)
            };
            self.send(&run.0, ToWorker::Envelopes(run.1));
            if !self.state.borrow().batch.is_empty() && now_ms() - started >= FLUSH_SLICE_MS {
                self.flush_later();
                return;
            }
        }
    }

    /// Runs `flush` in a new task (a message to ourselves: not clamped as nested timers are).
    fn flush_later(&self) {
        let mut state = self.state.borrow_mut();
        if state.flush_scheduled {
            return;
        }
        if state.flusher.is_none() {
            if let Ok(channel) = MessageChannel::new() {
                let weak = self.weak();
                let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |_| {
                    if let Some(this) = WebWorkers::upgrade(&weak) {
                        this.state.borrow_mut().flush_scheduled = false;
                        this.flush();
                    }
                });
                channel.port1().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                state.flusher = Some((channel, on_message));
            }
        }
        match &state.flusher {
            Some((channel, _)) if channel.port2().post_message(&JsValue::NULL).is_ok() => state.flush_scheduled = true,
            _ => {
                // No port: the next turn of the event loop, as commands are flushed.
                drop(state);
                let weak = self.weak();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(this) = WebWorkers::upgrade(&weak) {
                        this.flush();
                    }
                });
            }
        }
    }
}
