//! The page's watchdog: a worker that owes an answer and stays silent past the timeout is gone,
//! so that nothing waits forever on a worker stuck in a loop or one that never started.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{now_ms, WebWorkers};
use crate::runtime::web::wire::ToWorker;

impl WebWorkers {
    /// Checks, four times a second, for workers that left a request unanswered too long.
    pub(super) fn start_watchdog(&self) {
        if self.state.borrow().watchdog.is_some() {
            return;
        }
        let Some(window) = web_sys::window() else { return };
        let weak = self.weak();
        let tick = Closure::<dyn FnMut()>::new(move || {
            if let Some(this) = WebWorkers::upgrade(&weak) {
                this.check_timeouts();
            }
        });
        if let Ok(id) =
            window.set_interval_with_callback_and_timeout_and_arguments_0(tick.as_ref().unchecked_ref(), 100)
        {
            self.state.borrow_mut().watchdog = Some((id, tick));
        }
    }

    fn check_timeouts(&self) {
        let now = now_ms();
        let (mut ping, mut dead, mut not_started) = (Vec::new(), Vec::new(), Vec::new());
        let timeout = {
            let mut state = self.state.borrow_mut();
            let half = state.timeout_ms / 2.0;
            // When any answer is late, every worker is pinged: the late one may only be waiting on a
            // peer, and the peer may be the one that is stuck.
            // A worker still loading its wasm is not late: its messages wait in its queue.
            let someone_late =
                state.workers.values().any(|h| h.ready && h.waiting_since.is_some_and(|since| now - since > half));
            // A worker that never started cannot be pinged; it is gone once a request to it has
            // waited the whole timeout (its loader reports a failed start at once; this catches
            // the rest).
            for (name, handle) in state.workers.iter().filter(|(_, h)| !h.ready) {
                let waited = handle.waiting_since.map(|since| now - since.max(handle.spawned_at));
                if waited.is_some_and(|waited| waited > state.timeout_ms) {
                    not_started.push(name.clone());
                }
            }
            for (name, handle) in state.workers.iter_mut().filter(|(_, h)| h.ready) {
                match handle.ping_sent {
                    Some(sent) if now - sent > half => dead.push(name.clone()),
                    None if someone_late => {
                        handle.ping_sent = Some(now);
                        ping.push(name.clone());
                    }
                    _ => {}
                }
            }
            state.timeout_ms
        };
        for name in ping {
            self.send(&name, ToWorker::Ping);
        }
        for name in dead {
            self.gone(&name, format!("it did not answer within {timeout} ms"));
        }
        for name in not_started {
            self.gone(&name, format!("it did not start within {timeout} ms"));
        }
    }
}
