//! A handle on a worker, as `bob` is in the seed: compare it, inspect its store, clear it,
//! introduce it to another worker.

use std::fmt;

use super::{expect_done, Store, StoreEntry, Syft};
use crate::error::{Error, Result};
use crate::protocol::{Answer, Body, Command, Query, WorkerId, ME};

/// A worker, as `bob` is in the seed: what tensors are sent to. Cheap to clone; two handles are
/// equal when they name the same worker.
#[derive(Clone)]
pub struct WorkerHandle {
    syft: Syft,
    id: WorkerId,
}

impl WorkerHandle {
    pub(crate) fn new(syft: Syft, id: &str) -> WorkerHandle {
        WorkerHandle { syft, id: id.into() }
    }

    /// The worker's name (`bob.id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The client this handle talks through.
    pub fn syft(&self) -> &Syft {
        &self.syft
    }

    /// True for `me`, the local worker, which keeps no store.
    pub fn is_me(&self) -> bool {
        self.id == ME
    }

    /// The store (`bob._objects`) as `me` may see it: every entry with its tensor, pointer,
    /// stored error or plan. `me` keeps no store: its tensors are plain local values.
    pub async fn objects(&self) -> Result<Vec<StoreEntry>> {
        if self.is_me() {
            return Ok(Vec::new());
        }
        match self.syft.request(&self.id, Query::Objects).await? {
            Answer::Objects(objects) => Ok(objects.into_iter().map(|(id, l)| StoreEntry::from_listed(id, l)).collect()),
            other => Err(Error::unexpected_answer("a listing", other)),
        }
    }

    /// `bob._objects` as the seed prints it, read once every message under way has landed (an op
    /// forwarded along a chain, a delete passed on): what a learner expects after the line before.
    pub async fn store(&self) -> Result<Store> {
        self.syft.settle().await?;
        Ok(Store { worker: self.id.clone(), entries: self.objects().await? })
    }

    /// `<VirtualWorker id:bob #objects:2>`.
    pub async fn summary(&self) -> Result<String> {
        let count = self.objects().await?.len();
        Ok(format!("<VirtualWorker id:{} #objects:{count}>", self.id))
    }

    /// Deletes every object `me` may use (`me`'s own and those delegated to it); stored pointers
    /// pass the delete along their chains. Returns the worker, so calls chain as in PySyft.
    pub async fn clear_objects(&self) -> Result<&WorkerHandle> {
        if !self.is_me() {
            expect_done(self.syft.request(&self.id, Query::ClearObjects).await?)?;
        }
        Ok(self)
    }

    /// The whole store with who may use each entry: the simulation's privileged view (see
    /// [`Syft::inspect`]).
    pub async fn inspect(&self) -> Result<Vec<crate::protocol::Inspected>> {
        if self.is_me() {
            return Ok(Vec::new());
        }
        self.syft.inspect(&self.id).await
    }

    /// Lets this worker and `other` message each other directly (both ways).
    pub fn add_worker(&self, other: &WorkerHandle) -> Result<()> {
        if self.is_me() || other.is_me() {
            return Ok(());
        }
        self.syft.link(&self.id, &other.id)
    }

    /// Whether this worker may message `other` directly.
    pub fn knows(&self, other: &WorkerHandle) -> bool {
        self.syft.knows(&self.id, &other.id)
    }

    pub(crate) fn post(&self, command: Command) {
        self.syft.post(&self.id, Body::Command(command));
    }
}

impl PartialEq for WorkerHandle {
    fn eq(&self, other: &WorkerHandle) -> bool {
        self.id == other.id
    }
}

impl fmt::Display for WorkerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<VirtualWorker id:{}>", self.id)
    }
}

impl fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
