//! minisyft: PySyft's remote tensors and federated learning, small enough to read.
//! See ARCHITECTURE.md for the map.

pub mod encoding;
pub mod error;
pub mod federated;
pub mod flower;
pub mod ids;
pub mod lessons;
pub mod limits;
pub mod mechanisms;
pub mod nn;
pub mod playground;
pub mod privacy;
pub mod protocol;
pub mod rng;
pub mod tensor;
pub mod worker;

pub use error::{Error, Result};
pub use tensor::Tensor;
pub mod client;
pub mod runtime;

pub use client::{Pointer, Syft, WorkerHandle};
pub use ids::{ObjectId, RequestId, WorkerId, ME};
#[cfg(target_arch = "wasm32")]
pub mod ui;
