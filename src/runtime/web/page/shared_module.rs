//! One compile of the worker's wasm for every worker: the page fetches and compiles it once and
//! hands each new worker the compiled `WebAssembly.Module` as its first message
//! (`www/worker_loader.js` waits for it). Sixty-four workers compiling the same module on their
//! own kept both cores busy for seconds and starved the page's main thread.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Worker;

/// The compiled module, or a rejection (then each worker loads the wasm itself and reports a
/// failed start the usual way).
pub(super) fn compile(wasm_url: &str) -> Option<Promise> {
    // `fetch` + `WebAssembly.compile` off the main thread; `compileStreaming` would also work but
    // insists on the `application/wasm` type, which not every static server sends. The page's own
    // fetch (index.html's `minisyftFetchWasm`: the `.gz` file from a host that compresses nothing)
    // where there is one; a test page has none.
    let compile = Function::new_with_args(
        "url",
        "return (self.minisyftFetchWasm ? self.minisyftFetchWasm(url) : fetch(url)).then(r => r.arrayBuffer()).then(WebAssembly.compile)",
    );
    compile.call1(&JsValue::NULL, &JsValue::from_str(wasm_url)).ok()?.dyn_into::<Promise>().ok()
}

/// Posts `{ minisyftModule }` to `worker` once the module is compiled (`null` if it failed).
pub(super) fn hand_over(module: &Promise, worker: &Worker) {
    let post = Function::new_with_args(
        "module, worker",
        "module.then(m => worker.postMessage({ minisyftModule: m }), () => worker.postMessage({ minisyftModule: null }))",
    );
    let _ = post.call2(&JsValue::NULL, module, worker);
}
