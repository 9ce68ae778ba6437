//! Every worker in this thread: `post` runs the workers until no message is left, so every reply
//! has arrived when `post` returns and every future the client awaits is ready at once.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use super::{Event, MessageEvent, Sink, Transport};
use crate::error::{Error, Result};
use crate::protocol::{Body, Command, Envelope, RequestId, WorkerId, ME};
use crate::worker::Worker;

#[derive(Clone, Default)]
pub struct InProcess {
    state: Rc<RefCell<State>>,
}

#[derive(Default)]
struct State {
    workers: BTreeMap<WorkerId, Worker>,
    /// Each envelope with the channel it travels on: its real sender, whatever it claims.
    queue: VecDeque<(WorkerId, Envelope)>,
    pumping: bool,
    sink: Option<Sink>,
}

impl InProcess {
    pub fn new() -> InProcess {
        InProcess::default()
    }

    /// Looks at a worker's state (for tests and inspection; a real worker is out of reach).
    pub fn with_worker<R>(&self, worker: &str, f: impl FnOnce(&Worker) -> R) -> Option<R> {
        self.state.borrow().workers.get(worker).map(f)
    }

    /// Delivers `envelope` as if it came on `channel`'s channel, whatever it claims: a test hook for
    /// what a compromised worker could send.
    pub fn inject(&self, channel: &str, envelope: Envelope) {
        self.state.borrow_mut().queue.push_back((channel.into(), envelope));
        self.pump_if_idle();
    }

    /// Stops a worker as a crash would: its store is lost and every later message to it fails.
    pub fn kill(&self, worker: &str) {
        let reason = "the worker was killed";
        let sink = {
            let mut state = self.state.borrow_mut();
            state.workers.remove(worker);
            let mut told = Vec::new();
            for (name, other) in state.workers.iter_mut() {
                told.extend(other.peer_gone(worker, reason).into_iter().map(|e| (name.clone(), e)));
            }
            state.queue.extend(told);
            state.sink.clone()
        };
        if let Some(sink) = sink {
            sink(Event::WorkerGone { worker: worker.into(), reason: reason.into() });
        }
        self.pump_if_idle();
    }

    fn pump_if_idle(&self) {
        let start = !std::mem::replace(&mut self.state.borrow_mut().pumping, true);
        if start {
            self.pump();
        }
    }

    fn pump(&self) {
        loop {
            let ((channel, envelope), sink) = {
                let mut state = self.state.borrow_mut();
                match state.queue.pop_front() {
                    Some(queued) => (queued, state.sink.clone()),
                    None => {
                        state.pumping = false;
                        return;
                    }
                }
            };
            if let Some(sink) = &sink {
                sink(Event::Message(MessageEvent::of(&envelope)));
            }
            if envelope.to == ME {
                if let Some(sink) = &sink {
                    sink(Event::Deliver { channel, envelope });
                }
                continue;
            }
            let mut state = self.state.borrow_mut();
            let to = envelope.to.clone();
            let outgoing = match state.workers.get_mut(&to) {
                Some(worker) => worker.handle(&channel, envelope),
                None => undeliverable(&channel, envelope),
            };
            state.queue.extend(outgoing.into_iter().map(|e| (to.clone(), e)));
        }
    }
}

/// A request to a worker that does not exist is answered with an error, so nobody waits forever.
/// (The answer comes on the dead worker's channel, as the transport's own word.)
fn undeliverable(channel: &str, envelope: Envelope) -> Vec<Envelope> {
    match envelope.body {
        Body::Request { request, .. } => {
            let error = Error::WorkerGone { worker: envelope.to.clone(), reason: "no such worker".into() };
            vec![Envelope::new(&envelope.to, channel, Body::Reply { request, answer: Err(error) })]
        }
        _ => vec![],
    }
}

impl Transport for InProcess {
    fn attach(&self, sink: Sink) {
        self.state.borrow_mut().sink = Some(sink);
    }

    fn spawn(&self, worker: &str) -> Result<()> {
        let mut state = self.state.borrow_mut();
        if worker == ME || state.workers.contains_key(worker) {
            return Err(Error::WorkerExists { worker: worker.into() });
        }
        state.workers.insert(worker.into(), Worker::new(worker));
        Ok(())
    }

    fn connect(&self, a: &str, b: &str) -> Result<()> {
        for (from, to) in [(a, b), (b, a)] {
            let command = Body::Command(Command::AddWorker { worker: to.into() });
            self.post(Envelope::new(ME, from, command));
        }
        Ok(())
    }

    fn post(&self, envelope: Envelope) {
        self.inject(ME, envelope);
    }

    fn inspect(&self, worker: &str, token: RequestId) {
        let (entries, sink) = {
            let state = self.state.borrow();
            let entries = state
                .workers
                .get(worker)
                .map(Worker::inspect)
                .ok_or_else(|| Error::WorkerGone { worker: worker.into(), reason: "no such worker".into() });
            (entries, state.sink.clone())
        };
        if let Some(sink) = sink {
            sink(Event::Inspection { worker: worker.into(), token, entries });
        }
    }
}

/// Runs a future to completion on this thread (for native programs and tests; the browser has its
/// own executor).
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct ThreadWaker(std::thread::Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
