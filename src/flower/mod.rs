//! Flower's side of a federation, in Rust: what a minisyft tab (or a native program) needs to be a
//! Flower client over the Fleet HTTP API of flwr 1.42.0 (pinned: `flower/fleet_protocol.json`,
//! checked by `tests/flower/protocol_pin.py`). Pure and platform-independent, like the worker:
//! the HTTP calls, the keys and the signatures live with a transport.
//!
//! - [`fleet`]: the Fleet calls as typed requests, and what a client reads of their responses.
//! - [`protobuf`]: the protobuf wire format, as much as the Fleet messages need.
//! - [`npy`]: arrays as `.npy` bytes, the form Flower's array chunks carry.
//! - [`objects`]: content-addressed objects (a head, a NUL, a body; the id is the SHA-256 of all
//!   of it) and the object tree of a reply: Message → RecordDict → records → Array → ArrayChunk.
//! - [`received`]: a pulled message read back from its objects (metadata, arrays, config).
//! - [`config`]: a ConfigRecord's values, scalars and lists, as Flower writes them.
//! - [`secagg`]: the client side of SecAgg+ (keys, Shamir shares, Fernet, masks, the stages).
//! - [`json`]: JSON bodies written byte for byte as Python's `json.dumps` writes them.
//! - [`node`]: what a node does with one pulled message, over any transport's calls.
//! - [`replies`]: the reply's content in the ServerApp's form: Message API, legacy, SecAgg+.
//! - [`session`]: a node's life — join, beat, pull, serve, retry with backoff, leave — and what
//!   each failure means for the person at the page.
//! - [`client`]: the shard, the training on a minisyft worker and client-side DP behind a node.
//! - [`signature`]: WebCrypto's raw signatures and SPKI keys in the forms the SuperLink wants.
//! - [`native`]: a Fleet transport without a browser (HTTP over TCP, P-384 signatures).

#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod client;
pub mod config;
pub mod fleet;
pub mod json;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
pub mod node;
pub mod npy;
pub mod objects;
pub mod protobuf;
pub mod received;
pub mod replies;
pub mod secagg;
pub mod session;
pub mod signature;

use crate::error::Error;

fn error(what: &str, reason: impl Into<String>) -> Error {
    Error::Flower { what: what.to_owned(), reason: reason.into() }
}
