//! The names of things: workers, objects in their stores, requests. They sit below `error.rs` and
//! `protocol/`, which both use them, so neither depends on the other for them.

pub type WorkerId = String;
pub type ObjectId = u64;
pub type RequestId = u64;

/// The id of the local worker on the page's main thread (the data scientist, the central server).
pub const ME: &str = "me";
