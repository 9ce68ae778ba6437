//! Every worker in this thread: `post` runs the workers until no message is left, so every reply
//! has arrived when `post` returns and every future the client awaits is ready at once.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use super::{Event, MessageEvent, Sink, Transport};
use crate::error::{Error, Result};
use crate::protocol::{Body, Command, Envelope, WorkerId, ME};
use crate::worker::Worker;

#[derive(Clone, Default)]
pub struct InProcess {
    state: Rc<RefCell<State>>,
}

#[derive(Default)]
struct State {
    workers: BTreeMap<WorkerId, Worker>,
    queue: VecDeque<Envelope>,
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

    /// Stops a worker as a crash would: its store is lost and every later message to it fails.
    pub fn kill(&self, worker: &str) {
        let reason = "the worker was killed";
        let sink = {
            let mut state = self.state.borrow_mut();
            state.workers.remove(worker);
            let mut told = Vec::new();
            for other in state.workers.values_mut() {
                told.extend(other.peer_gone(worker, reason));
            }
            state.queue.extend(told);
            state.sink.clone()
        };
        if let Some(sink) = sink {
            sink(Event::WorkerGone { worker: worker.to_owned(), reason: reason.into() });
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
            let (envelope, sink) = {
                let mut state = self.state.borrow_mut();
                match state.queue.pop_front() {
                    Some(envelope) => (envelope, state.sink.clone()),
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
                    sink(Event::Deliver(envelope));
                }
                continue;
            }
            let mut state = self.state.borrow_mut();
            let outgoing = match state.workers.get_mut(&envelope.to) {
                Some(worker) => worker.handle(envelope),
                None => undeliverable(envelope),
            };
            state.queue.extend(outgoing);
        }
    }
}

/// A request to a worker that does not exist is answered with an error, so nobody waits forever.
fn undeliverable(envelope: Envelope) -> Vec<Envelope> {
    match envelope.body {
        Body::Request { request, .. } => vec![Envelope {
            from: envelope.to.clone(),
            to: envelope.from,
            body: Body::Reply {
                request,
                answer: Err(Error::WorkerGone { worker: envelope.to, reason: "no such worker".into() }),
            },
        }],
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
            return Err(Error::WorkerExists { worker: worker.to_owned() });
        }
        state.workers.insert(worker.to_owned(), Worker::new(worker));
        Ok(())
    }

    fn connect(&self, a: &str, b: &str) -> Result<()> {
        for (from, to) in [(a, b), (b, a)] {
            let command = Body::Command(Command::AddWorker { worker: to.to_owned() });
            self.post(Envelope { from: ME.to_owned(), to: from.to_owned(), body: command });
        }
        Ok(())
    }

    fn post(&self, envelope: Envelope) {
        self.state.borrow_mut().queue.push_back(envelope);
        self.pump_if_idle();
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
