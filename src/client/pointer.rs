//! Pointers: `me`'s handle on an object that lives on a worker. Ops on a pointer run where the
//! object lives and give a pointer to the result; dropping the last pointer deletes the object
//! there. A pointer that was fetched, sent on, or moved no longer owns anything.

use std::cell::Cell;
use std::fmt;

use super::{expect_done, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{
    Answer, Command, InPlaceOp, ObjectId, ObjectKind, Op, Query, WireObject, WireTensor, WorkerId, ME,
};
use crate::tensor::{BinaryOp, Tensor};

/// PySyft's `PointerTensor`: `me`'s handle on an object stored on another worker. Ops on it run
/// there and give a pointer to the result at once, without waiting for the worker; dropping the
/// pointer deletes the object, unless it was fetched, sent on or moved first.
pub struct Pointer {
    syft: Syft,
    id: ObjectId,
    location: WorkerId,
    id_at_location: ObjectId,
    owns: Cell<bool>,
    /// A second handle ([`Pointer::unowned`]): usable, but its drop deletes nothing.
    borrowed: bool,
}

/// The right-hand side of an op on a pointer. A local tensor is accepted by the types so that
/// mixing one in gives the seed's "common error" as a value, not a compile error.
#[derive(Clone, Copy)]
pub enum Operand<'a> {
    /// An object on the same worker as the left-hand side.
    Pointer(&'a Pointer),
    /// Always refused with [`Error::LocalTensorWithPointer`]: send the tensor first.
    Local(&'a Tensor),
    /// A number, sent along with the op.
    Scalar(f64),
}

impl<'a> From<&'a Pointer> for Operand<'a> {
    fn from(pointer: &'a Pointer) -> Self {
        Operand::Pointer(pointer)
    }
}

impl<'a> From<&'a Tensor> for Operand<'a> {
    fn from(tensor: &'a Tensor) -> Self {
        Operand::Local(tensor)
    }
}

impl From<i32> for Operand<'_> {
    fn from(value: i32) -> Self {
        Operand::Scalar(value.into())
    }
}

impl From<i64> for Operand<'_> {
    fn from(value: i64) -> Self {
        Operand::Scalar(value as f64)
    }
}

impl From<f64> for Operand<'_> {
    fn from(value: f64) -> Self {
        Operand::Scalar(value)
    }
}

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
    pub(crate) fn new(syft: Syft, id: ObjectId, location: &str, id_at_location: ObjectId) -> Pointer {
        syft.track_pointer(id, location, id_at_location);
        Pointer { syft, id, location: location.into(), id_at_location, owns: Cell::new(true), borrowed: false }
    }

    /// This pointer's own id (`ptr.id`), under which `me` tracks it.
    pub fn id(&self) -> ObjectId {
        self.id
    }

    /// The object's id in its worker's store (`ptr.id_at_location`).
    pub fn id_at_location(&self) -> ObjectId {
        self.id_at_location
    }

    /// The worker that holds the object (`ptr.location`).
    pub fn location(&self) -> WorkerHandle {
        WorkerHandle::new(self.syft.clone(), &self.location)
    }

    /// `me`, which holds every pointer this client makes (`ptr.owner`).
    pub fn owner(&self) -> WorkerHandle {
        self.syft.me()
    }

    /// False once the object was fetched, moved or sent on: dropping this pointer then deletes nothing.
    pub fn owns_object(&self) -> bool {
        self.owns.get()
    }

    fn check_owned(&self) -> Result<()> {
        if self.owns.get() || self.borrowed {
            Ok(())
        } else {
            Err(Error::PointerReleased { id: self.id })
        }
    }

    /// Gives up ownership: the object was fetched another way (`Syft::get_many`).
    pub(crate) fn release(&self) {
        self.disown();
    }

    /// A second handle on the same object that owns nothing: dropping it deletes nothing. What a
    /// sent model hands out as its parameters (`bobs_model.parameters()`), while the model keeps
    /// the owning pointers.
    pub fn unowned(&self) -> Pointer {
        Pointer {
            syft: self.syft.clone(),
            id: self.id,
            location: self.location.clone(),
            id_at_location: self.id_at_location,
            owns: Cell::new(false),
            borrowed: true,
        }
    }

    fn disown(&self) {
        // A borrowed handle never tracked the pointer: the owner's entry stays.
        if self.owns.replace(false) {
            self.syft.untrack_pointer(self.id);
        }
    }

    /// Runs any op of the list (`Op::every`) on this pointer's worker and points at the result;
    /// the op names its operands by their ids there ([`Pointer::id_at_location`]), and the worker
    /// checks this party may use each. The typed methods (`add`, `tanh`, …) build the op for you;
    /// this is for code that goes through the whole list, as the remote-versus-local test does.
    pub fn run(&self, op: Op) -> Result<Pointer> {
        self.execute(op)
    }

    fn execute(&self, op: Op) -> Result<Pointer> {
        self.check_owned()?;
        self.syft.check_alive(&self.location)?;
        let result = self.syft.fresh_id();
        self.location().post(Command::Execute { result, op });
        Ok(Pointer::new(self.syft.clone(), result, &self.location, result))
    }

    /// The id of `rhs` on this pointer's worker, or why it has none.
    fn operand(&self, op: &str, rhs: Operand<'_>) -> Result<crate::protocol::Operand> {
        self.check_owned()?;
        match rhs {
            Operand::Scalar(value) => Ok(crate::protocol::Operand::Scalar(value)),
            Operand::Local(_) => {
                Err(Error::LocalTensorWithPointer { op: op.to_owned(), worker: self.location.clone() })
            }
            Operand::Pointer(other) if other.location != self.location => Err(Error::DifferentWorkers {
                op: op.to_owned(),
                lhs_worker: self.location.clone(),
                rhs_worker: other.location.clone(),
            }),
            Operand::Pointer(other) => {
                other.check_owned()?;
                Ok(crate::protocol::Operand::Object(other.id_at_location))
            }
        }
    }

    /// `self op rhs` on the worker, for any [`BinaryOp`]; the named methods (`add`, `mul`, ...) and
    /// operators call this. It does not wait: a local or far `rhs` is refused at once, with nothing
    /// sent, while an error on the worker (shapes that do not fit) is stored as the result.
    pub fn binary<'a>(&self, op: BinaryOp, rhs: impl Into<Operand<'a>>) -> Result<Pointer> {
        let rhs = self.operand(op.name(), rhs.into())?;
        self.execute(Op::Binary { op, lhs: self.id_at_location, rhs })
    }

    /// The matrix product `self @ rhs` on the worker; like [`Pointer::binary`], it does not wait.
    pub fn mm<'a>(&self, rhs: impl Into<Operand<'a>>) -> Result<Pointer> {
        match self.operand("mm", rhs.into())? {
            crate::protocol::Operand::Object(rhs) => self.execute(Op::Mm { lhs: self.id_at_location, rhs }),
            crate::protocol::Operand::Scalar(_) => {
                Err(Error::WrongRank { op: "mm".into(), expected: "a 2-D matrix".into(), shape: vec![] })
            }
        }
    }

    /// Softmax cross-entropy of these logits against the class indices in `targets`, both on the
    /// worker (PyTorch's `F.cross_entropy(logits, targets)`); like [`Pointer::binary`], it does
    /// not wait.
    pub fn cross_entropy(&self, targets: &Pointer) -> Result<Pointer> {
        match self.operand("cross_entropy", targets.into())? {
            crate::protocol::Operand::Object(targets) => {
                self.execute(Op::CrossEntropy { logits: self.id_at_location, targets })
            }
            crate::protocol::Operand::Scalar(_) => Err(Error::internal("a pointer became a number")),
        }
    }

    /// `loss.backward()` on the worker; waits until it is done, and fails with its error.
    pub async fn backward(&self) -> Result<()> {
        self.check_owned()?;
        expect_done(self.syft.request(&self.location, Query::Backward { id: self.id_at_location }).await?)
    }

    /// `self op= rhs` for any [`BinaryOp`], on the worker; waits for its answer (`add_`, `sub_`, …
    /// call this).
    pub async fn in_place<'a>(&self, op: BinaryOp, rhs: Operand<'a>) -> Result<()> {
        let rhs = self.operand(&format!("{}_", op.name()), rhs)?;
        let op = InPlaceOp::Binary { op, target: self.id_at_location, rhs };
        expect_done(self.syft.request(&self.location, Query::InPlace { op }).await?)
    }

    /// Sets the remote tensor to zeros in place; waits for the worker's answer.
    pub async fn zero_(&self) -> Result<()> {
        self.check_owned()?;
        let op = InPlaceOp::Zero { target: self.id_at_location };
        expect_done(self.syft.request(&self.location, Query::InPlace { op }).await?)
    }

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

crate::protocol::ops::unary_ops!(crate::protocol::ops::op_pointer_methods);
crate::tensor::elementwise_functions!(crate::protocol::ops::elementwise_pointer_methods);
crate::tensor::binary_functions!(crate::protocol::ops::binary_pointer_methods);

// `&x + &y`, `&x * 2.0`, …: they run where the data is, with no round trip.
crate::tensor::binary_operators!(Pointer, Operand, Result<Pointer>);

/// `-&x`.
impl std::ops::Neg for &Pointer {
    type Output = Result<Pointer>;

    fn neg(self) -> Result<Pointer> {
        Pointer::neg(self)
    }
}

impl Drop for Pointer {
    fn drop(&mut self) {
        if self.owns.get() {
            self.disown();
            self.location().post(Command::Delete { id: self.id_at_location });
        }
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[PointerTensor | {ME}:{} -> {}:{}]", self.id, self.location, self.id_at_location)
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
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
