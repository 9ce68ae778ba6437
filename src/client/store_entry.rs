//! What `bob.objects()` returns: the library's own view of a store entry, not the wire protocol's.

use crate::error::Error;
use crate::ids::{ObjectId, WorkerId};
use crate::protocol::Listed;
use crate::tensor::Tensor;

/// One entry of a worker's store, as `me` may see it: what `bob._objects` lists.
///
/// ```
/// # #[cfg(not(target_arch = "wasm32"))]
/// # fn main() -> Result<(), minisyft::Error> {
/// use minisyft::runtime::block_on;
/// use minisyft::{Syft, Tensor};
///
/// let (syft, _runtime) = Syft::in_process(42);
/// let bob = syft.create_worker("bob")?;
/// let x = Tensor::from([1, 2, 3]).send(&bob)?;
/// let objects = block_on(bob.objects())?;
/// assert_eq!(objects.len(), 1);
/// assert_eq!(objects[0].id, x.id_at_location());
/// assert_eq!(objects[0].tensor(), Some(&Tensor::from([1, 2, 3])));
/// assert_eq!(objects[0].describe("bob"), "tensor([1, 2, 3])");
/// # Ok(())
/// # }
/// # #[cfg(target_arch = "wasm32")]
/// # fn main() {}
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct StoreEntry {
    /// The key in the worker's store (a pointer's `id_at_location`).
    pub id: ObjectId,
    /// What is stored there.
    pub object: StoreObject,
}

/// What a store entry holds.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreObject {
    /// A copy of the tensor's values, `requires_grad` and gradient.
    Tensor(Tensor),
    /// A pointer the worker holds, to an object on `location` (a link of a pointer chain).
    Pointer {
        /// The worker it points into.
        location: WorkerId,
        /// The object's id there.
        id_at_location: ObjectId,
    },
    /// Raised while computing this entry, kept in its place.
    Error(Error),
    /// A plan sent with [`Plan::send`](crate::protocol::Plan::send).
    Plan {
        /// How many steps it records.
        steps: usize,
    },
}

impl StoreObject {
    /// "tensor", "pointer", "error" or "plan": what the panels call the kind of entry.
    pub fn kind_name(&self) -> &'static str {
        match self {
            StoreObject::Tensor(_) => "tensor",
            StoreObject::Pointer { .. } => "pointer",
            StoreObject::Error(_) => "error",
            StoreObject::Plan { .. } => "plan",
        }
    }
}

impl StoreEntry {
    pub(crate) fn from_listed(id: ObjectId, listed: Listed) -> StoreEntry {
        let object = match listed {
            Listed::Tensor(tensor) => match tensor.into_tensor() {
                Ok(tensor) => StoreObject::Tensor(tensor),
                Err(error) => StoreObject::Error(error),
            },
            Listed::Pointer { location, id_at_location } => StoreObject::Pointer { location, id_at_location },
            Listed::Error(error) => StoreObject::Error(error),
            Listed::Plan { steps } => StoreObject::Plan { steps },
        };
        StoreEntry { id, object }
    }

    /// The tensor, when the entry is one.
    pub fn tensor(&self) -> Option<&Tensor> {
        match &self.object {
            StoreObject::Tensor(tensor) => Some(tensor),
            _ => None,
        }
    }

    /// Where a pointer entry points: (location, id there).
    pub fn pointer(&self) -> Option<(&str, ObjectId)> {
        match &self.object {
            StoreObject::Pointer { location, id_at_location } => Some((location, *id_at_location)),
            _ => None,
        }
    }

    /// The stored error, when computing the entry failed (e.g. a remote op on shapes that do not fit).
    pub fn error(&self) -> Option<&Error> {
        match &self.object {
            StoreObject::Error(error) => Some(error),
            _ => None,
        }
    }

    /// The entry as the seed prints it in `bob._objects`, on worker `worker`.
    pub fn describe(&self, worker: &str) -> String {
        match &self.object {
            StoreObject::Tensor(tensor) => tensor.to_string(),
            StoreObject::Pointer { location, id_at_location } => {
                format!("[PointerTensor | {worker}:{} -> {location}:{id_at_location}]", self.id)
            }
            StoreObject::Error(error) => format!("Error: {error}"),
            StoreObject::Plan { steps } => format!("<Plan of {steps} steps>"),
        }
    }
}

/// A worker's store as `bob._objects` prints it in the seed: `{id: entry,\n id: entry}`. What
/// [`WorkerHandle::store`](super::WorkerHandle::store) returns, once every message under way has
/// landed.
#[derive(Clone, Debug, PartialEq)]
pub struct Store {
    /// The worker the store belongs to (a pointer entry prints as `[PointerTensor | bob:… -> …]`).
    pub worker: WorkerId,
    /// Its entries, in the order the worker lists them.
    pub entries: Vec<StoreEntry>,
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("{")?;
        for (index, entry) in self.entries.iter().enumerate() {
            if index > 0 {
                f.write_str(",\n ")?;
            }
            write!(f, "{}: {}", entry.id, entry.describe(&self.worker))?;
        }
        f.write_str("}")
    }
}
