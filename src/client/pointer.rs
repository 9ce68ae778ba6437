//! Pointers: `me`'s handle on an object that lives on a worker. Ops on a pointer run where the
//! object lives and give a pointer to the result; dropping the last pointer deletes the object
//! there. A pointer that was fetched, sent on, or moved no longer owns anything
//! (`pointer/transfer.rs`: send, get, move).

use std::cell::Cell;
use std::fmt;

use super::{expect_done, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{Command, InPlaceOp, ObjectId, Op, Query, WorkerId, ME};
use crate::tensor::{BinaryOp, Tensor};

// A child module, so that it reads the pointer's private fields.
mod transfer;
pub use transfer::MultiPointer;

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
