//! Where the data goes: `x.send(bob)`, `ptr.get()`, a pointer sent on to another worker,
//! `remote_get` and `move_to` (worker to worker, never through `me`), and `MultiPointer` for a
//! tensor sent to several workers at once.

use super::Pointer;
use crate::client::{expect_done, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{Answer, Command, ObjectId, ObjectKind, Query, WireObject, WireTensor, ME};
use crate::tensor::Tensor;

impl Tensor {
    /// `x.send(bob)`: keeps a copy of this tensor (values, `requires_grad`, `.grad`) on `worker`.
    pub fn send(&self, worker: &WorkerHandle) -> Result<Pointer> {
        let syft = worker.syft();
        if worker.is_me() {
            return Err(Error::WrongObjectKind {
                id: ObjectId(0),
                worker: ME.into(),
                expected: "a remote worker".into(),
                found: "me".into(),
            });
        }
        syft.check_alive(worker.id())?;
        let id_at_location = syft.fresh_id();
        worker.post(Command::Store { id: id_at_location, object: WireObject::Tensor(WireTensor::from_tensor(self)) });
        Ok(Pointer::new(syft.clone(), syft.fresh_id(), worker.id(), id_at_location))
    }

    /// `x.send(bob, alice)`: a copy on every worker.
    pub fn send_to_all(&self, workers: &[&WorkerHandle]) -> Result<MultiPointer> {
        if workers.is_empty() {
            return Err(Error::Empty { what: "send".into(), item: "worker".into() });
        }
        let pointers = workers.iter().map(|w| self.send(w)).collect::<Result<Vec<_>>>()?;
        Ok(MultiPointer { pointers })
    }
}

impl Pointer {
    async fn fetch(&self, expected: ObjectKind) -> Result<WireObject> {
        self.check_owned()?;
        let answer = self.syft.request(&self.location, Query::Get { id: self.id_at_location, expected }).await?;
        match answer {
            Answer::Object(object) => {
                self.disown();
                Ok(object)
            }
            other => Err(Error::unexpected_answer("an object", other)),
        }
    }

    /// `ptr.get()`: brings the tensor back and removes it from the worker; waits for its answer.
    /// The pointer owns nothing afterwards, so a second `get` fails with
    /// [`Error::PointerReleased`].
    ///
    /// ```
    /// # #[cfg(not(target_arch = "wasm32"))]
    /// # fn main() -> Result<(), minisyft::Error> {
    /// use minisyft::runtime::block_on;
    /// use minisyft::{Syft, Tensor};
    ///
    /// let (syft, _runtime) = Syft::in_process(42);
    /// let bob = syft.create_worker("bob")?;
    /// let x = Tensor::from([1., 2.]).send(&bob)?;
    /// assert_eq!(block_on(x.get())?, Tensor::from([1., 2.]));
    /// assert!(!x.owns_object());
    /// assert!(block_on(x.get()).is_err());
    /// # Ok(())
    /// # }
    /// # #[cfg(target_arch = "wasm32")]
    /// # fn main() {}
    /// ```
    pub async fn get(&self) -> Result<Tensor> {
        match self.fetch(ObjectKind::Tensor).await? {
            WireObject::Tensor(tensor) => tensor.into_tensor(),
            WireObject::Pointer { .. } => Err(Error::unexpected_answer("a tensor", "Pointer")),
        }
    }

    /// `.get()` on a pointer to a pointer: brings the inner pointer back to `me`.
    pub async fn get_pointer(&self) -> Result<Pointer> {
        match self.fetch(ObjectKind::Pointer).await? {
            WireObject::Pointer { location, .. } if location == ME => {
                Err(Error::malformed(format!("{} answered with a pointer into {ME}'s own store", self.location)))
            }
            WireObject::Pointer { location, id_at_location } => {
                Ok(Pointer::new(self.syft.clone(), self.id_at_location, &location, id_at_location))
            }
            WireObject::Tensor(_) => Err(Error::unexpected_answer("a pointer", "Tensor")),
        }
    }

    /// `ptr.send(alice)`: moves this pointer (not the data) to `worker`, and returns a pointer to it.
    /// `worker` must know the data's worker ([`WorkerHandle::add_worker`]), or this fails with
    /// [`Error::UnknownWorker`].
    ///
    /// ```
    /// # #[cfg(not(target_arch = "wasm32"))]
    /// # fn main() -> Result<(), minisyft::Error> {
    /// use minisyft::runtime::block_on;
    /// use minisyft::{Syft, Tensor};
    ///
    /// let (syft, _runtime) = Syft::in_process(42);
    /// let bob = syft.create_worker("bob")?;
    /// let alice = syft.create_worker("alice")?;
    /// bob.add_worker(&alice)?;
    /// // me -> alice -> bob: alice holds a pointer to the tensor on bob.
    /// let x = Tensor::from([1, 2, 3]).send(&bob)?.send(&alice)?;
    /// assert_eq!(x.location(), alice);
    /// block_on(x.remote_get())?; // alice fetches the data from bob
    /// assert_eq!(block_on(x.get())?, Tensor::from([1, 2, 3]));
    /// # Ok(())
    /// # }
    /// # #[cfg(target_arch = "wasm32")]
    /// # fn main() {}
    /// ```
    pub fn send(&self, worker: &WorkerHandle) -> Result<Pointer> {
        self.check_owned()?;
        self.syft.check_alive(worker.id())?;
        if worker.is_me() {
            return Err(Error::WrongObjectKind {
                id: self.id,
                worker: ME.into(),
                expected: "a remote worker".into(),
                found: "me".into(),
            });
        }
        if worker.id() == self.location {
            // The data is already there: a pointer from bob to bob's own object would only add a hop.
            let pointer = Pointer::new(self.syft.clone(), self.id, &self.location, self.id_at_location);
            self.disown();
            return Ok(pointer);
        }
        if !self.syft.knows(worker.id(), &self.location) {
            // Such a pointer could neither be used nor deleted: its object would leak.
            return Err(Error::UnknownWorker { worker: worker.id().into(), unknown: self.location.clone() });
        }
        // The pointer keeps its id on the new worker (seed In[62]), except a result pointer, whose id
        // is the result's own id at the end of the chain and could meet it there.
        let key = if self.id == self.id_at_location { self.syft.fresh_id() } else { self.id };
        // The object's worker learns first that `worker` may use it: `me` posts in order and the
        // page sends to the location before `worker`, so no forwarded op can overtake this.
        self.location().post(Command::Delegate { id: self.id_at_location, to: worker.id().into() });
        let object = WireObject::Pointer { location: self.location.clone(), id_at_location: self.id_at_location };
        worker.post(Command::Store { id: key, object });
        self.disown();
        Ok(Pointer::new(self.syft.clone(), self.syft.fresh_id(), worker.id(), key))
    }

    /// For a pointer to a pointer: the middle worker fetches the data from the end of the chain and
    /// keeps it, so this pointer now points at data (the seed's `remote_get`).
    pub async fn remote_get(&self) -> Result<()> {
        self.check_owned()?;
        expect_done(self.syft.request(&self.location, Query::RemoteGet { id: self.id_at_location }).await?)
    }

    /// Moves the data to `worker` directly from where it is: it never passes through `me`.
    pub async fn move_to(&self, worker: &WorkerHandle) -> Result<Pointer> {
        self.check_owned()?;
        if worker.id() == self.location {
            return self.send(worker);
        }
        let moved = self.send(worker)?;
        moved.remote_get().await?;
        Ok(moved)
    }
}

/// Pointers to copies of one tensor on several workers (`x.send(bob, alice)`).
pub struct MultiPointer {
    pointers: Vec<Pointer>,
}

impl MultiPointer {
    /// One pointer per worker, in the order they were given.
    pub fn pointers(&self) -> &[Pointer] {
        &self.pointers
    }

    /// Every copy, in the order the workers were given.
    pub async fn get(&self) -> Result<Vec<Tensor>> {
        let mut tensors = Vec::with_capacity(self.pointers.len());
        for pointer in &self.pointers {
            tensors.push(pointer.get().await?);
        }
        Ok(tensors)
    }

    /// `x_ptr.get(sum_results=True)`.
    pub async fn get_sum(&self) -> Result<Tensor> {
        let mut tensors = self.get().await?.into_iter();
        let first = tensors.next().ok_or_else(|| Error::Empty { what: "get_sum".into(), item: "pointer".into() })?;
        tensors.try_fold(first, |sum, t| sum.add(&t))
    }
}
