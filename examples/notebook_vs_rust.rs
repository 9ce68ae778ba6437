//! The seed's "Toy Federated Learning" lesson (In[52]–In[58]: 20 local epochs, then 40 rounds of
//! model.send / train / model.get) run by the notebook's interpreter, against the same lesson in
//! Rust (`examples/toy_federated_learning.rs`, which the page shows beside those cells), in the
//! same run and on the same in-process runtime: `cargo run --release --example notebook_vs_rust`.
//! Prints the medians and their ratio (a benchmark, never a test).

#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code)] // its `main` is for `cargo run --example toy_federated_learning`
#[path = "toy_federated_learning.rs"]
mod toy_federated_learning;

#[cfg(not(target_arch = "wasm32"))]
mod timing {
    use std::time::Instant;

    use minisyft::notebook::seed::cells;
    use minisyft::notebook::Notebook;
    use minisyft::runtime::block_on;
    use minisyft::Syft;

    fn notebook_once() -> f64 {
        let (mut notebook, _workers) = Notebook::in_process(0);
        let (before, lesson): (Vec<_>, Vec<_>) =
            cells().into_iter().filter(|c| c.number <= 58).partition(|c| c.number < 52);
        for cell in before {
            block_on(notebook.run_cell(&cell.code));
        }
        let started = Instant::now();
        for cell in lesson {
            let output = block_on(notebook.run_cell(&cell.code));
            assert!(output.error.is_none(), "{:?}", output.traceback);
        }
        started.elapsed().as_secs_f64()
    }

    fn rust_once() -> f64 {
        let (syft, _workers) = Syft::in_process(0);
        let mut out = String::new();
        let started = Instant::now();
        block_on(super::toy_federated_learning::lesson(&syft, &mut out)).expect("the lesson runs");
        started.elapsed().as_secs_f64()
    }

    fn median(mut samples: Vec<f64>) -> f64 {
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    }

    pub fn main() {
        let (mut notebook, mut rust) = (Vec::new(), Vec::new());
        // Alternated, so that a machine changing speed affects both alike.
        for _ in 0..15 {
            notebook.push(notebook_once());
            rust.push(rust_once());
        }
        let (n, r) = (median(notebook), median(rust));
        println!(
            "In[52]–In[58], median of 15: notebook {:.2} ms, the lesson in Rust {:.2} ms, ratio {:.2}",
            n * 1e3,
            r * 1e3,
            n / r
        );
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    timing::main();
}

/// Native only: the browser's timings are the benchmarks' (`make bench`).
#[cfg(target_arch = "wasm32")]
fn main() {}
