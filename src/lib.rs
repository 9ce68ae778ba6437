//! minisyft: PySyft's remote tensors and federated learning, small enough to read.
//! See ARCHITECTURE.md for the map.

pub mod error;
pub mod nn;
pub mod protocol;
pub mod rng;
pub mod tensor;

pub use error::{Error, Result};
pub use tensor::Tensor;
