//! The lesson suite of `tests/lessons`, unchanged, over real Web Workers in headless Chromium:
//! every worker runs the built `dist/worker_bg.wasm` (run `make build` first), and `me` is the test
//! page. Natively this binary is empty.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "../lessons/support.rs"]
mod support;

/// This binary runs the lessons over real Web Workers.
pub fn transport() -> minisyft::runtime::web::WebWorkers {
    minisyft::runtime::web::WebWorkers::from_dist_on_this_origin("dist").expect("dist/ is built (make build)")
}

#[path = "../lessons/advanced_remote_execution.rs"]
mod advanced_remote_execution;
#[path = "../lessons/basic_remote_execution.rs"]
mod basic_remote_execution;
#[path = "../lessons/common_errors.rs"]
mod common_errors;
#[path = "../lessons/federated_learning_with_untrusted_server.rs"]
mod federated_learning_with_untrusted_server;
#[path = "../lessons/garbage_collection.rs"]
mod garbage_collection;
#[path = "../lessons/learn_a_simple_linear_model.rs"]
mod learn_a_simple_linear_model;
#[path = "../lessons/playing_with_remote_tensors.rs"]
mod playing_with_remote_tensors;
#[path = "../lessons/pointer_chain_operations.rs"]
mod pointer_chain_operations;
#[path = "../lessons/privacy_modes.rs"]
mod privacy_modes;
#[path = "../lessons/remote_arithmetic.rs"]
mod remote_arithmetic;
#[path = "../lessons/secret_sharing.rs"]
mod secret_sharing;
#[path = "../lessons/toy_federated_learning.rs"]
mod toy_federated_learning;

#[path = "../lessons/examples.rs"]
mod examples;
#[path = "../lessons/notebook.rs"]
mod notebook;

mod failure;
mod playground;
mod trust;
