//! Helpers shared by the lesson tests: one `async_test!` for both targets, and store checks.

use minisyft::client::StoreObject;
use minisyft::protocol::ObjectId;
use minisyft::{Syft, WorkerHandle};

/// An async test that runs natively (on `block_on`) and in the browser (wasm-bindgen-test).
#[macro_export]
#[allow(clippy::crate_in_macro_def)] // the helpers live in this test crate, not in minisyft
macro_rules! async_test {
    ($name:ident, $body:expr) => {
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            minisyft::runtime::block_on($body(crate::support::syft()))
        }

        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() {
            $body(crate::support::syft()).await
        }
    };
}

/// A client over the transport this test binary is about (`crate::transport()`).
pub fn syft() -> Syft {
    Syft::new(crate::transport(), 42)
}

pub fn workers(syft: &Syft, names: &[&str]) -> Vec<WorkerHandle> {
    names.iter().map(|n| syft.create_worker(n).expect("fresh worker")).collect()
}

/// What a store entry is, in the terms the seed prints them.
#[derive(Debug, PartialEq)]
pub enum Entry {
    Tensor(String),
    Pointer(minisyft::WorkerId, ObjectId),
    Error(String),
    Plan(usize),
}

/// The store once every message under way has landed (see `Syft::settle`).
pub async fn store(worker: &WorkerHandle) -> Vec<(ObjectId, Entry)> {
    worker.syft().settle().await.expect("settles");
    worker
        .objects()
        .await
        .expect("listing a store")
        .into_iter()
        .map(|stored| {
            let entry = match stored.object {
                StoreObject::Tensor(t) => Entry::Tensor(t.to_string()),
                StoreObject::Pointer { location, id_at_location } => Entry::Pointer(location, id_at_location),
                StoreObject::Error(e) => Entry::Error(e.to_string()),
                StoreObject::Plan { steps } => Entry::Plan(steps),
            };
            (stored.id, entry)
        })
        .collect()
}

/// The store's entries without ids, sorted, for comparisons that do not care about ids.
pub async fn contents(worker: &WorkerHandle) -> Vec<Entry> {
    store(worker).await.into_iter().map(|(_, e)| e).collect()
}

pub fn tensor(text: &str) -> Entry {
    Entry::Tensor(text.to_owned())
}
