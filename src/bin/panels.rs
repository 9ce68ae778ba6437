//! The panels below the notebook (training, playground, Flower): their own wasm, loaded by
//! www/panels_loader.js when the page first needs them, so the first screen's bytes stay small.

fn main() {
    #[cfg(target_arch = "wasm32")]
    minisyft::ui::start_panels();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the panels run in a browser: `make serve`, then open http://127.0.0.1:8080");
}
