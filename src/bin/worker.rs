//! The Web Worker entry: one simulated worker (bob, alice, ...) per Web Worker.

fn main() {
    #[cfg(target_arch = "wasm32")]
    minisyft::runtime::web::run_worker();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the worker bin runs inside a Web Worker: build the page with `make serve`");
}
