//! The playground's raw material: seeded data sets, partitions over clients, the models and their
//! ops, locally and on a worker; its federation, its plans and its privacy modes.

mod data;
mod digits;
mod federation;
mod plans;
mod privacy_modes;

use std::future::Future;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Polls once: over the in-process runtime every reply has arrived when a request returns.
fn at_once<F: Future>(future: F) -> F::Output {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::pin!(future).poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("in-process answers at once"),
    }
}
