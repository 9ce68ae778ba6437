//! The names of things: workers, objects in their stores, requests. They sit below `error.rs` and
//! `protocol/`, which both use them, so neither depends on the other for them.
//!
//! Each is a type of its own so that an object's id cannot be passed where a request's is meant
//! (both are numbers on the wire). The wire form is the bare value (`serde(transparent)`).

#![warn(missing_docs)]

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// The id of the local worker on the page's main thread (the data scientist, the central server).
pub const ME: &str = "me";

/// A worker's name, as PySyft's `VirtualWorker(hook, id="bob")` gives it.
///
/// ```
/// use minisyft::WorkerId;
/// let bob = WorkerId::from("bob");
/// assert_eq!(bob, "bob");
/// assert_eq!(bob.to_string(), "bob");
/// ```
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkerId(String);

impl WorkerId {
    /// The local worker, `me`.
    pub fn me() -> WorkerId {
        WorkerId(ME.to_string())
    }

    /// The name as a string slice (what `&*id` gives too).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A worker's name reads as the string it is (`&bob` where a `&str` is asked for), since every
/// message names its parties by these strings.
impl Deref for WorkerId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for WorkerId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for WorkerId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for WorkerId {
    fn from(name: &str) -> WorkerId {
        WorkerId(name.to_string())
    }
}

impl From<&String> for WorkerId {
    fn from(name: &String) -> WorkerId {
        WorkerId(name.clone())
    }
}

impl From<String> for WorkerId {
    fn from(name: String) -> WorkerId {
        WorkerId(name)
    }
}

impl From<&WorkerId> for WorkerId {
    fn from(name: &WorkerId) -> WorkerId {
        name.clone()
    }
}

impl From<WorkerId> for String {
    fn from(name: WorkerId) -> String {
        name.0
    }
}

impl PartialEq<str> for WorkerId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for WorkerId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for WorkerId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<WorkerId> for &str {
    fn eq(&self, other: &WorkerId) -> bool {
        *self == other.0
    }
}

impl PartialEq<WorkerId> for str {
    fn eq(&self, other: &WorkerId) -> bool {
        self == other.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            /// The id after this one (counters of requests and registers).
            pub fn successor(self) -> $name {
                $name(self.0.wrapping_add(1))
            }
        }

        impl From<u64> for $name {
            fn from(number: u64) -> $name {
                $name(number)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

numeric_id! {
    /// An object's id in one worker's store (PySyft's `id_at_location` on the worker that holds it,
    /// a pointer's own `id` in its owner's store).
    ///
    /// ```
    /// use minisyft::ObjectId;
    /// assert_eq!(ObjectId(7).to_string(), "7");
    /// ```
    ObjectId
}

numeric_id! {
    /// The number that pairs a question with its answer; never an object's id.
    RequestId
}
