// Starts a minisyft worker (the `worker` bin, built by trunk with wasm-bindgen's no-modules target).
// A wasm that fails to start would leave the page waiting: say so, in the shape of
// `FromWorker::Failed`, so the page reports the worker gone at once.
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" }).catch((e) => postMessage([{ Failed: { reason: String(e) } }]));
