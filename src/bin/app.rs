//! The page: a Yew app on the main thread, where `me` lives.

fn main() {
    #[cfg(target_arch = "wasm32")]
    minisyft::ui::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("the app runs in a browser: `make serve`, then open http://127.0.0.1:8080");
}
