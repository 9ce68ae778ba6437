//! Web Worker transport (wasm only).
