// Starts a minisyft worker (the `worker` bin, built by trunk with wasm-bindgen's no-modules target).
importScripts("./worker.js");
wasm_bindgen({ module_or_path: "./worker_bg.wasm" });
