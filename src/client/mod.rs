//! The client: `me`, on the page's main thread (or a native program), talking to workers through
//! any [`Transport`]. Results are awaited because a real transport is asynchronous; commands that
//! need no answer (send, remote ops, delete) return at once, so they pipeline.

#![warn(missing_docs)]

mod join;
mod model;
mod plan;
mod pointer;
mod store_entry;
mod worker_handle;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::task::Waker;

pub use join::{join_all, join_at_most};
pub use model::RemoteLinear;
pub use plan::{Arg, PlanBuilder};
pub use pointer::{MultiPointer, Operand, Pointer};
pub use store_entry::{Store, StoreEntry, StoreObject};
pub use worker_handle::WorkerHandle;

use crate::error::{Error, Result};
use crate::protocol::{Answer, Body, Envelope, Inspected, ObjectId, Query, RequestId, WorkerId, ME};
use crate::rng::Rng;
use crate::runtime::{MessageEvent, Transport};

mod delivery;
mod settle;

pub use delivery::{ReplyFuture, SlotFuture};

/// How many message events the client keeps (oldest dropped first).
pub const EVENT_LOG_LIMIT: usize = 100_000;

/// How many refusals (commands a worker did not carry out) the client keeps.
const REFUSAL_LOG_LIMIT: usize = 1000;

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
    /// Messages `me` sent to and received from each worker, counter traffic left out (see
    /// [`Syft::settle`]).
    sent: RefCell<BTreeMap<WorkerId, u64>>,
    received: RefCell<BTreeMap<WorkerId, u64>>,
    /// Commands workers refused (they have no reply): who refused, and why. Newest last.
    refusals: RefCell<VecDeque<(WorkerId, Error)>>,
    /// Refusals received in all, including those the bounded log no longer holds.
    refusals_received: Cell<u64>,
    /// Messages dropped because they claimed to come from another worker than their channel.
    forged: Cell<u64>,
    /// Every message seen so far and the tensor bytes they carried (the log forgets; this does not).
    traffic: Cell<Traffic>,
    inspections: RefCell<HashMap<RequestId, Slot<Vec<Inspected>>>>,
    next_inspection: Cell<RequestId>,
    /// Secret-shared values `me` holds: each a group of its pointers to the shares.
    shared_values: RefCell<BTreeMap<u64, Vec<ObjectId>>>,
    next_shared_value: Cell<u64>,
}

type Listener = Rc<dyn Fn(&MessageEvent)>;

/// Messages seen on the wire and the tensor bytes they carried, counted since the client started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Messages, in either direction, between any two parties.
    pub messages: u64,
    /// Bytes of tensor values those messages carried (headers and ids left out).
    pub bytes: u64,
}

impl Traffic {
    /// What went over the wire between `earlier` and `self`.
    pub fn since(self, earlier: Traffic) -> Traffic {
        Traffic {
            messages: self.messages.saturating_sub(earlier.messages),
            bytes: self.bytes.saturating_sub(earlier.bytes),
        }
    }
}

struct Slot<T = Answer> {
    worker: WorkerId,
    answer: Option<Result<T>>,
    waker: Option<Waker>,
}

impl Syft {
    /// `seed` fixes the object ids `me` draws, so runs repeat exactly.
    pub fn new(transport: impl Transport + 'static, seed: u64) -> Syft {
        let shared = Rc::new(Shared {
            transport: Box::new(transport),
            slots: RefCell::new(HashMap::new()),
            next_request: Cell::new(RequestId(1)),
            rng: RefCell::new(Rng::seeded(seed)),
            workers: RefCell::new(BTreeSet::new()),
            links: RefCell::new(BTreeSet::new()),
            gone: RefCell::new(BTreeMap::new()),
            events: RefCell::new(VecDeque::new()),
            listeners: RefCell::new(Vec::new()),
            pointers: RefCell::new(BTreeMap::new()),
            sent: RefCell::new(BTreeMap::new()),
            received: RefCell::new(BTreeMap::new()),
            refusals: RefCell::new(VecDeque::new()),
            refusals_received: Cell::new(0),
            forged: Cell::new(0),
            traffic: Cell::new(Traffic::default()),
            inspections: RefCell::new(HashMap::new()),
            next_inspection: Cell::new(RequestId(1)),
            shared_values: RefCell::new(BTreeMap::new()),
            next_shared_value: Cell::new(1),
        });
        let weak: Weak<Shared> = Rc::downgrade(&shared);
        shared.transport.attach(Rc::new(move |event| {
            if let Some(shared) = weak.upgrade() {
                shared.on_event(event);
            }
        }));
        Syft { shared }
    }

    /// Every worker in this thread (see [`InProcess`](crate::runtime::InProcess)): each reply has
    /// arrived by the time a request returns, so [`block_on`](crate::runtime::block_on) drives any
    /// future at once. The seed's first lesson:
    ///
    /// ```
    /// # #[cfg(not(target_arch = "wasm32"))]
    /// # fn main() -> Result<(), minisyft::Error> {
    /// use minisyft::runtime::block_on;
    /// use minisyft::{Syft, Tensor};
    ///
    /// let (syft, _runtime) = Syft::in_process(42);
    /// let bob = syft.create_worker("bob")?;
    /// let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?; // x = th.tensor([1,2,3,4,5]).send(bob)
    /// let y = Tensor::from([1, 1, 1, 1, 1]).send(&bob)?;
    /// let z = x.add(&y)?; // computed on bob: z points at the sum there
    /// assert_eq!(block_on(z.get())?, Tensor::from([2, 3, 4, 5, 6]));
    /// # Ok(())
    /// # }
    /// # #[cfg(target_arch = "wasm32")]
    /// # fn main() {}
    /// ```
    pub fn in_process(seed: u64) -> (Syft, crate::runtime::InProcess) {
        let runtime = crate::runtime::InProcess::new();
        (Syft::new(runtime.clone(), seed), runtime)
    }

    /// `me`, the local worker: the owner of every pointer this client makes. It keeps no store.
    pub fn me(&self) -> WorkerHandle {
        WorkerHandle::new(self.clone(), ME)
    }

    /// `sy.VirtualWorker(hook, id="bob")`: starts a worker with an empty store. Fails with
    /// [`Error::WorkerExists`] when the name is taken, or when the transport cannot start it.
    ///
    /// ```
    /// use minisyft::Syft;
    ///
    /// let (syft, _runtime) = Syft::in_process(42);
    /// let bob = syft.create_worker("bob")?;
    /// assert_eq!(bob.id(), "bob");
    /// assert!(syft.create_worker("bob").is_err());
    /// # Ok::<(), minisyft::Error>(())
    /// ```
    pub fn create_worker(&self, id: &str) -> Result<WorkerHandle> {
        if self.shared.workers.borrow().contains(id) {
            return Err(Error::WorkerExists { worker: id.into() });
        }
        self.shared.transport.spawn(id)?;
        self.shared.workers.borrow_mut().insert(id.into());
        Ok(WorkerHandle::new(self.clone(), id))
    }

    /// The handle of a worker created earlier (even one gone since), or `None`.
    pub fn worker(&self, id: &str) -> Option<WorkerHandle> {
        self.shared.workers.borrow().contains(id).then(|| WorkerHandle::new(self.clone(), id))
    }

    /// The names of every worker created so far, sorted (`me` not among them).
    pub fn worker_ids(&self) -> Vec<WorkerId> {
        self.shared.workers.borrow().iter().cloned().collect()
    }

    /// Every message seen so far, oldest first (at most the last 100 000).
    pub fn events(&self) -> Vec<MessageEvent> {
        self.shared.events.borrow().iter().cloned().collect()
    }

    /// How many messages the log holds, without copying it.
    pub fn event_count(&self) -> usize {
        self.shared.events.borrow().len()
    }

    /// The newest `count` messages for which `keep` holds, oldest first, and how many in the whole
    /// log it holds for: what a timeline shows, without copying the log.
    pub fn latest_events(&self, count: usize, keep: impl Fn(&MessageEvent) -> bool) -> (Vec<MessageEvent>, usize) {
        let events = self.shared.events.borrow();
        let total = events.iter().filter(|e| keep(e)).count();
        let mut latest: Vec<MessageEvent> = events.iter().rev().filter(|e| keep(e)).take(count).cloned().collect();
        latest.reverse();
        (latest, total)
    }

    /// Commands workers refused (they have no reply to carry the error), oldest first.
    pub fn refusals(&self) -> Vec<(WorkerId, Error)> {
        self.shared.refusals.borrow().iter().cloned().collect()
    }

    /// How many refusals have arrived so far: a mark for [`Syft::refusals_since`].
    pub fn refusal_count(&self) -> u64 {
        self.shared.refusals_received.get()
    }

    /// The refusals that arrived after `mark` (as many as the log still holds), oldest first.
    pub fn refusals_since(&self, mark: u64) -> Vec<(WorkerId, Error)> {
        let new = self.shared.refusals_received.get().saturating_sub(mark);
        let refusals = self.shared.refusals.borrow();
        let skip = refusals.len().saturating_sub(usize::try_from(new).unwrap_or(usize::MAX));
        refusals.iter().skip(skip).cloned().collect()
    }

    /// Every message seen on the wire so far, and its tensor bytes.
    pub fn traffic(&self) -> Traffic {
        self.shared.traffic.get()
    }

    /// Messages dropped because they claimed to come from another worker than their channel's.
    pub fn forged_messages(&self) -> u64 {
        self.shared.forged.get()
    }

    /// The whole store of `worker` with who may use each entry: the simulation's privileged view,
    /// outside the protocol (in a real deployment `me` cannot do this). Settles first.
    pub async fn inspect(&self, worker: &str) -> Result<Vec<Inspected>> {
        self.check_alive(worker)?;
        let token = self.shared.next_inspection.get();
        self.shared.next_inspection.set(token.successor());
        self.shared.inspections.borrow_mut().insert(token, Slot { worker: worker.into(), answer: None, waker: None });
        self.shared.transport.inspect(worker, token);
        SlotFuture { shared: Rc::clone(&self.shared), key: token, slots: |shared| &shared.inspections }.await
    }

    /// Empties the message log; [`Syft::traffic`] keeps counting.
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

    /// The secret-shared values `me` holds, each as the ids of its pointers to the shares.
    pub fn shared_values(&self) -> Vec<Vec<ObjectId>> {
        self.shared.shared_values.borrow().values().cloned().collect()
    }

    pub(crate) fn track_shared_value(&self, pointers: Vec<ObjectId>) -> u64 {
        let key = self.shared.next_shared_value.get();
        self.shared.next_shared_value.set(key + 1);
        self.shared.shared_values.borrow_mut().insert(key, pointers);
        key
    }

    pub(crate) fn untrack_shared_value(&self, key: u64) {
        self.shared.shared_values.borrow_mut().remove(&key);
    }

    /// Why `worker` stopped, if it did.
    pub fn gone_reason(&self, worker: &str) -> Option<String> {
        self.shared.gone.borrow().get(worker).cloned()
    }

    pub(crate) fn knows(&self, a: &str, b: &str) -> bool {
        a == b || a == ME || b == ME || self.shared.links.borrow().contains(&(a.into(), b.into()))
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
        links.insert((a.into(), b.into()));
        links.insert((b.into(), a.into()));
        Ok(())
    }

    pub(crate) fn fresh_id(&self) -> ObjectId {
        self.shared.rng.borrow_mut().object_id()
    }

    pub(crate) fn check_alive(&self, worker: &str) -> Result<()> {
        match self.shared.gone.borrow().get(worker) {
            Some(reason) => Err(Error::WorkerGone { worker: worker.into(), reason: reason.clone() }),
            None if worker == ME || self.shared.workers.borrow().contains(worker) => Ok(()),
            None => Err(Error::WorkerGone { worker: worker.into(), reason: "no such worker".into() }),
        }
    }

    /// Sends a message that needs no answer.
    pub(crate) fn post(&self, to: &str, body: Body) {
        if self.check_alive(to).is_ok() {
            self.shared.send(Envelope::new(ME, to, body));
        }
    }

    /// Sends a query and waits for its answer (or for the worker to be found gone).
    pub(crate) fn request(&self, to: &str, query: Query) -> ReplyFuture {
        let request = self.shared.next_request.get();
        self.shared.next_request.set(request.successor());
        let answer = self.check_alive(to).err().map(Err);
        let sent = answer.is_none();
        self.shared.slots.borrow_mut().insert(request, Slot { worker: to.into(), answer, waker: None });
        if sent {
            self.shared.send(Envelope::new(ME, to, Body::Request { request, query }));
        }
        SlotFuture { shared: Rc::clone(&self.shared), key: request, slots: |shared| &shared.slots }
    }

    pub(crate) fn track_pointer(&self, id: ObjectId, location: &str, id_at_location: ObjectId) {
        self.shared.pointers.borrow_mut().insert(id, (location.into(), id_at_location));
    }

    pub(crate) fn untrack_pointer(&self, id: ObjectId) {
        self.shared.pointers.borrow_mut().remove(&id);
    }
}

/// Unwraps an answer that should be [`Answer::Done`].
pub(crate) fn expect_done(answer: Answer) -> Result<()> {
    match answer {
        Answer::Done => Ok(()),
        other => Err(Error::unexpected_answer("done", other)),
    }
}
