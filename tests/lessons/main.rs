//! Every lesson and project of the seed, asserting stores, pointer fields, values and errors.
//! The same suite runs natively and in headless Chromium over the in-process runtime.

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod support;

/// This binary runs the lessons over the in-process runtime.
pub fn transport() -> minisyft::runtime::InProcess {
    minisyft::runtime::InProcess::new()
}

mod advanced_remote_execution;
mod basic_remote_execution;
mod common_errors;
mod examples;
mod federated_learning_with_untrusted_server;
mod garbage_collection;
mod learn_a_simple_linear_model;
mod limits;
mod notebook;
mod playing_with_remote_tensors;
mod pointer_chain_operations;
mod privacy_modes;
mod remote_arithmetic;
mod robustness;
mod secret_sharing;
mod toy_federated_learning;
#[cfg(not(target_arch = "wasm32"))]
mod trust;
