//! The seed's longest cell (In[57]–In[58]: 40 rounds of model.send / train / model.get) run by the
//! notebook's interpreter, against the hand-translated Rust step it replaces, in the same run and
//! on the same in-process runtime: `cargo run --release --example notebook_vs_rust`. Prints the
//! medians and their ratio (a benchmark, never a test).

#[cfg(not(target_arch = "wasm32"))]
mod timing {
    use std::time::Instant;

    use minisyft::lessons::{all, Session};
    use minisyft::notebook::seed::cells;
    use minisyft::notebook::Notebook;
    use minisyft::runtime::block_on;
    use minisyft::Syft;

    fn notebook_once() -> f64 {
        let (mut notebook, _workers) = Notebook::in_process(0);
        for cell in cells().iter().filter(|c| c.number <= 57) {
            block_on(notebook.run_cell(&cell.code));
        }
        let started = Instant::now();
        let output = block_on(notebook.run_cell("train()"));
        assert!(output.error.is_none(), "{:?}", output.traceback);
        started.elapsed().as_secs_f64()
    }

    fn rust_once() -> f64 {
        let (syft, _workers) = Syft::in_process(0);
        let mut session = Session::new(syft);
        let lessons = all();
        let step = lessons.iter().flat_map(|l| &l.steps).find(|s| s.cell == "In[57]–In[58]").expect("the step");
        let started = Instant::now();
        block_on((step.run)(&mut session)).expect("the step runs");
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
            "In[57]–In[58], median of 15: notebook {:.2} ms, hand-translated Rust {:.2} ms, ratio {:.2}",
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
