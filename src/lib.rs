//! minisyft: PySyft's remote tensors and federated learning, small enough to read.
//!
//! A [`Syft`] client is `me`; [`Syft::create_worker`] starts a worker (`sy.VirtualWorker`) with a
//! store of its own — in this thread ([`Syft::in_process`]) or, in a browser, in a Web Worker.
//! Sending a [`Tensor`] gives a [`Pointer`]; an op on pointers runs where the data is; `get`
//! brings the result back (PySyft 0.2's lesson, In\[4\]–In\[18\]):
//!
//! ```
//! # #[cfg(not(target_arch = "wasm32"))]
//! # fn main() -> Result<(), minisyft::Error> {
//! use minisyft::runtime::block_on;
//! use minisyft::{Syft, Tensor};
//!
//! let (syft, _workers) = Syft::in_process(42);
//! let bob = syft.create_worker("bob")?;
//! let x_ptr = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
//! let y_ptr = Tensor::from([1, 1, 1, 1, 1]).send(&bob)?;
//! let z_ptr = (&x_ptr + &y_ptr)?; // computed on bob
//! assert_eq!(z_ptr.location().id(), "bob");
//! assert_eq!(block_on(z_ptr.get())?, Tensor::from([2, 3, 4, 5, 6]));
//! # Ok(())
//! # }
//! # #[cfg(target_arch = "wasm32")]
//! # fn main() {}
//! ```
//!
//! Posting is synchronous and waiting is async: `send`, an op or `move` only post a message;
//! `get`, `objects` or anything that needs an answer is a future. Every failure is an [`Error`]
//! variant, never a panic. The modules below are in their layers' order (each uses only the ones
//! above it; ARCHITECTURE.md has the map).

// Names, the one error type, every limit.
pub mod encoding;
mod error;
mod ids;
pub mod limits;
pub mod rng;

// Tensors with autograd, the models built on them, and the arithmetic of privacy.
pub mod mechanisms;
pub mod nn;
pub mod tensor;

// What workers say to each other, a worker (a state machine: a message in, messages out), the
// transports that carry messages, and the client that makes pointers of it all.
pub mod client;
pub mod protocol;
pub mod runtime;
pub mod worker;

// Built on the client: privacy (sharing, DP, the attack), federated training, the playground,
// Flower, the notebook (the seed's Python, run), and the seed's lessons.
pub mod federated;
pub mod flower;
pub mod lessons;
pub mod notebook;
pub mod playground;
pub mod privacy;

#[cfg(target_arch = "wasm32")]
pub mod ui;

pub use client::{
    MultiPointer, PlanBuilder, Pointer, RemoteLinear, Store, StoreEntry, StoreObject, Syft, WorkerHandle,
};
pub use error::{Error, Result};
pub use ids::{ObjectId, RequestId, WorkerId, ME};
pub use tensor::Tensor;
