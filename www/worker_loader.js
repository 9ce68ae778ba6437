// Starts a minisyft worker (the `worker` bin, built by trunk with wasm-bindgen's no-modules target).
// The page compiles the wasm once and sends the module as the first message (null if that
// failed: then this worker fetches it itself). A wasm that fails to start would leave the page
// waiting: say so (`{ minisyftFailed }`, read by `wire::start_failure`), so the page reports the
// worker gone at once.
importScripts("./worker.js");
self.onmessage = (event) => {
  self.onmessage = null;
  const module = event.data && event.data.minisyftModule;
  wasm_bindgen({ module_or_path: module || "./worker_bg.wasm" })
    .catch((e) => postMessage({ minisyftFailed: String(e) }));
};
