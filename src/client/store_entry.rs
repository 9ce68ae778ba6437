//! What `bob.objects()` returns: the library's own view of a store entry, not the wire protocol's.

use crate::error::Error;
use crate::ids::{ObjectId, WorkerId};
use crate::protocol::Listed;
use crate::tensor::Tensor;

/// One entry of a worker's store, as `me` may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreEntry {
    pub id: ObjectId,
    pub object: StoreObject,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoreObject {
    Tensor(Tensor),
    Pointer {
        location: WorkerId,
        id_at_location: ObjectId,
    },
    /// Raised while computing this entry, kept in its place.
    Error(Error),
    Plan {
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
