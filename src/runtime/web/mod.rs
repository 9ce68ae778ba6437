//! The Web Worker transport: every worker is a real Web Worker running the `worker` bin; `me` is
//! the page's main thread. This is the only place (with the UI) that touches web-sys.
//!
//! - [`wire`]: the typed messages per direction and their conversion to JS values, with tensor
//!   bytes handed over as transferred buffers.
//! - [`fleet`]: the Flower Fleet API over `fetch`, signed with a WebCrypto key.
//! - [`page`]: the main-thread side ([`WebWorkers`], a [`Transport`](super::Transport)).
//! - [`worker_main`]: the worker side: a [`Worker`](crate::worker::Worker) state machine behind
//!   `onmessage`, with a MessagePort per directly connected peer.

mod page;
pub mod wire;
mod worker_main;

pub use page::WebWorkers;
pub use worker_main::run_worker;
