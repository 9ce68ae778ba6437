//! The client: `me`, on the page's main thread (or a native program), talking to workers through
//! any [`Transport`]. Results are awaited because a real transport is asynchronous; commands that
//! need no answer (send, remote ops, delete) return at once, so they pipeline.

mod model;
mod pointer;
mod worker_handle;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

pub use model::RemoteLinear;
pub use pointer::{MultiPointer, Operand, Pointer};
pub use worker_handle::WorkerHandle;

use crate::error::{Error, Result};
use crate::protocol::{Answer, Body, Envelope, ObjectId, Query, RequestId, WorkerId, ME};
use crate::rng::Rng;
use crate::runtime::{Event, MessageEvent, Transport};

/// How many message events the client keeps (oldest dropped first).
const EVENT_LOG_LIMIT: usize = 100_000;

/// How many waves of counters [`Syft::settle`] asks for before it gives up.
const SETTLE_WAVES: usize = 1000;

/// The local worker `me` and its connection to every other worker. Cheap to clone.
#[derive(Clone)]
pub struct Syft {
    shared: Rc<Shared>,
}

struct Shared {
    transport: Box<dyn Transport>,
    slots: RefCell<HashMap<RequestId, Slot>>,
    next_request: Cell<RequestId>,
    rng: RefCell<Rng>,
    workers: RefCell<BTreeSet<WorkerId>>,
    links: RefCell<BTreeSet<(WorkerId, WorkerId)>>,
    gone: RefCell<BTreeMap<WorkerId, String>>,
    events: RefCell<VecDeque<MessageEvent>>,
    listeners: RefCell<Vec<Listener>>,
    /// Pointers `me` holds: id → (location, id at location), for inspection.
    pointers: RefCell<BTreeMap<ObjectId, (WorkerId, ObjectId)>>,
    /// Messages `me` sent and received, counter traffic left out (see [`Syft::settle`]).
    sent: Cell<u64>,
    received: Cell<u64>,
}

type Listener = Rc<dyn Fn(&MessageEvent)>;

struct Slot {
    worker: WorkerId,
    answer: Option<Result<Answer>>,
    waker: Option<Waker>,
}

impl Syft {
    /// `seed` fixes the object ids `me` draws, so runs repeat exactly.
    pub fn new(transport: impl Transport + 'static, seed: u64) -> Syft {
        let shared = Rc::new(Shared {
            transport: Box::new(transport),
            slots: RefCell::new(HashMap::new()),
            next_request: Cell::new(1),
            rng: RefCell::new(Rng::seeded(seed)),
            workers: RefCell::new(BTreeSet::new()),
            links: RefCell::new(BTreeSet::new()),
            gone: RefCell::new(BTreeMap::new()),
            events: RefCell::new(VecDeque::new()),
            listeners: RefCell::new(Vec::new()),
            pointers: RefCell::new(BTreeMap::new()),
            sent: Cell::new(0),
            received: Cell::new(0),
        });
        let weak: Weak<Shared> = Rc::downgrade(&shared);
        shared.transport.attach(Rc::new(move |event| {
            if let Some(shared) = weak.upgrade() {
                shared.on_event(event);
            }
        }));
        Syft { shared }
    }

    /// Every worker in this thread (see [`InProcess`](crate::runtime::InProcess)).
    pub fn in_process(seed: u64) -> (Syft, crate::runtime::InProcess) {
        let runtime = crate::runtime::InProcess::new();
        (Syft::new(runtime.clone(), seed), runtime)
    }

    pub fn me(&self) -> WorkerHandle {
        WorkerHandle::new(self.clone(), ME)
    }

    /// `sy.VirtualWorker(hook, id="bob")`: starts a worker with an empty store.
    pub fn create_worker(&self, id: &str) -> Result<WorkerHandle> {
        if self.shared.workers.borrow().contains(id) {
            return Err(Error::WorkerExists { worker: id.to_owned() });
        }
        self.shared.transport.spawn(id)?;
        self.shared.workers.borrow_mut().insert(id.to_owned());
        Ok(WorkerHandle::new(self.clone(), id))
    }

    pub fn worker(&self, id: &str) -> Option<WorkerHandle> {
        self.shared.workers.borrow().contains(id).then(|| WorkerHandle::new(self.clone(), id))
    }

    pub fn worker_ids(&self) -> Vec<WorkerId> {
        self.shared.workers.borrow().iter().cloned().collect()
    }

    /// Every message seen so far, oldest first.
    pub fn events(&self) -> Vec<MessageEvent> {
        self.shared.events.borrow().iter().cloned().collect()
    }

    pub fn clear_events(&self) {
        self.shared.events.borrow_mut().clear();
    }

    /// Calls `listener` for every later message.
    pub fn on_message(&self, listener: impl Fn(&MessageEvent) + 'static) {
        self.shared.listeners.borrow_mut().push(Rc::new(listener));
    }

    /// The pointers `me` holds now: (pointer id, location, id at location).
    pub fn live_pointers(&self) -> Vec<(ObjectId, WorkerId, ObjectId)> {
        self.shared.pointers.borrow().iter().map(|(&id, (loc, at))| (id, loc.clone(), *at)).collect()
    }

    /// Why `worker` stopped, if it did.
    pub fn gone_reason(&self, worker: &str) -> Option<String> {
        self.shared.gone.borrow().get(worker).cloned()
    }

    pub(crate) fn knows(&self, a: &str, b: &str) -> bool {
        a == b || a == ME || b == ME || self.shared.links.borrow().contains(&(a.to_owned(), b.to_owned()))
    }

    pub(crate) fn link(&self, a: &str, b: &str) -> Result<()> {
        for worker in [a, b] {
            self.check_alive(worker)?;
        }
        if self.knows(a, b) {
            return Ok(());
        }
        self.shared.transport.connect(a, b)?;
        let mut links = self.shared.links.borrow_mut();
        links.insert((a.to_owned(), b.to_owned()));
        links.insert((b.to_owned(), a.to_owned()));
        Ok(())
    }

    pub(crate) fn fresh_id(&self) -> ObjectId {
        self.shared.rng.borrow_mut().object_id()
    }

    pub(crate) fn check_alive(&self, worker: &str) -> Result<()> {
        match self.shared.gone.borrow().get(worker) {
            Some(reason) => Err(Error::WorkerGone { worker: worker.to_owned(), reason: reason.clone() }),
            None if worker == ME || self.shared.workers.borrow().contains(worker) => Ok(()),
            None => Err(Error::WorkerGone { worker: worker.to_owned(), reason: "no such worker".into() }),
        }
    }

    /// Sends a message that needs no answer.
    pub(crate) fn post(&self, to: &str, body: Body) {
        if self.check_alive(to).is_ok() {
            self.shared.send(Envelope { from: ME.to_owned(), to: to.to_owned(), body });
        }
    }

    /// Waits until every message sent so far, and every message it caused worker to worker, has
    /// been handled: ops forwarded along chains and deletes passed on have landed. Over the
    /// in-process runtime that is always already so. (Mattern's four-counter method: two
    /// consecutive waves of counters that agree, with as many messages received as sent.)
    pub async fn settle(&self) -> Result<()> {
        let mut previous = None;
        for _ in 0..SETTLE_WAVES {
            let (mut received, mut sent) = (self.shared.received.get(), self.shared.sent.get());
            for worker in self.worker_ids() {
                if self.check_alive(&worker).is_err() {
                    continue;
                }
                match self.request(&worker, Query::Counters).await {
                    Ok(Answer::Counters { received: r, sent: s }) => {
                        received += r;
                        sent += s;
                    }
                    Ok(other) => return Err(Error::malformed(format!("expected counters, got {other:?}"))),
                    Err(Error::WorkerGone { .. }) => continue,
                    Err(error) => return Err(error),
                }
            }
            if received == sent && previous == Some((received, sent)) {
                return Ok(());
            }
            previous = Some((received, sent));
        }
        Err(Error::NotSettled { waves: SETTLE_WAVES })
    }

    /// Sends a query and waits for its answer (or for the worker to be found gone).
    pub(crate) fn request(&self, to: &str, query: Query) -> ReplyFuture {
        let request = self.shared.next_request.get();
        self.shared.next_request.set(request + 1);
        let answer = self.check_alive(to).err().map(Err);
        let sent = answer.is_none();
        self.shared.slots.borrow_mut().insert(request, Slot { worker: to.to_owned(), answer, waker: None });
        if sent {
            self.shared.send(Envelope {
                from: ME.to_owned(),
                to: to.to_owned(),
                body: Body::Request { request, query },
            });
        }
        ReplyFuture { shared: Rc::clone(&self.shared), request }
    }

    pub(crate) fn track_pointer(&self, id: ObjectId, location: &str, id_at_location: ObjectId) {
        self.shared.pointers.borrow_mut().insert(id, (location.to_owned(), id_at_location));
    }

    pub(crate) fn untrack_pointer(&self, id: ObjectId) {
        self.shared.pointers.borrow_mut().remove(&id);
    }
}

impl Shared {
    fn send(&self, envelope: Envelope) {
        if !envelope.is_uncounted() {
            self.sent.set(self.sent.get() + 1);
        }
        self.transport.post(envelope);
    }

    fn on_event(&self, event: Event) {
        match event {
            Event::Deliver(envelope) => {
                if !envelope.is_uncounted() {
                    self.received.set(self.received.get() + 1);
                }
                if let Body::Reply { request, answer } = envelope.body {
                    self.resolve(request, answer);
                }
            }
            Event::Message(message) => {
                let listeners: Vec<_> = self.listeners.borrow().clone();
                for listener in listeners {
                    listener(&message);
                }
                let mut events = self.events.borrow_mut();
                if events.len() == EVENT_LOG_LIMIT {
                    events.pop_front();
                }
                events.push_back(message);
            }
            Event::WorkerGone { worker, reason } => {
                self.gone.borrow_mut().insert(worker.clone(), reason.clone());
                let waiting: Vec<RequestId> = self
                    .slots
                    .borrow()
                    .iter()
                    .filter(|(_, slot)| slot.worker == worker && slot.answer.is_none())
                    .map(|(&id, _)| id)
                    .collect();
                for request in waiting {
                    self.resolve(request, Err(Error::WorkerGone { worker: worker.clone(), reason: reason.clone() }));
                }
            }
        }
    }

    fn resolve(&self, request: RequestId, answer: Result<Answer>) {
        let waker = {
            let mut slots = self.slots.borrow_mut();
            let Some(slot) = slots.get_mut(&request) else {
                return;
            };
            slot.answer = Some(answer);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The answer to one query; ready as soon as the reply (or the news that the worker is gone) arrives.
pub struct ReplyFuture {
    shared: Rc<Shared>,
    request: RequestId,
}

impl Future for ReplyFuture {
    type Output = Result<Answer>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slots = self.shared.slots.borrow_mut();
        let Some(slot) = slots.get_mut(&self.request) else {
            return Poll::Ready(Err(Error::malformed("a reply was awaited twice")));
        };
        match slot.answer.take() {
            Some(answer) => {
                slots.remove(&self.request);
                Poll::Ready(answer)
            }
            None => {
                slot.waker = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl Drop for ReplyFuture {
    fn drop(&mut self) {
        self.shared.slots.borrow_mut().remove(&self.request);
    }
}

/// Unwraps an answer that should be [`Answer::Done`].
pub(crate) fn expect_done(answer: Answer) -> Result<()> {
    match answer {
        Answer::Done => Ok(()),
        other => Err(Error::malformed(format!("expected done, got {other:?}"))),
    }
}
