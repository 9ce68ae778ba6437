//! "Project: Learn a Simple Linear Model", the seed's In[43]–In[44], as a Rust user writes it with minisyft:
//! `cargo run --example learn_a_simple_linear_model`. Each `// In[N]` line starts the Rust of that notebook cell (the
//! page shows it beside the cell); `out` collects what the notebook printed.

use std::error::Error;
use std::fmt::Write;

use minisyft::{Syft, Tensor};

pub async fn lesson(syft: &Syft, out: &mut String) -> Result<(), Box<dyn Error>> {
    // What the lesson prints goes to `out`, so that a test can compare it with the seed.
    macro_rules! println {
        ($($arg:tt)*) => {
            writeln!(out, $($arg)*)?
        };
    }

    let bob = syft.create_worker("bob")?; // In[3], earlier in the notebook

    // In[43]
    let input = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]).requiring_grad()?.send(&bob)?;
    let target = Tensor::from([[1.], [1.], [0.], [0.]]).requiring_grad()?.send(&bob)?;
    let weights = Tensor::from([[0.], [0.]]).requiring_grad()?.send(&bob)?;

    // In[44]
    for _ in 0..10 {
        // forward propagation, on bob
        let pred = input.mm(&weights)?;
        // calculate loss
        let loss = (&pred - &target)?.pow(2.0)?.sum()?;
        // backpropagate
        loss.backward().await?;
        // update weights
        weights.data()?.sub_(&(&weights.grad()? * 0.1)?).await?;
        weights.grad()?.mul_(0.0).await?;
        println!("{}", loss.get().await?.data());
    }

    Ok(())
}

minisyft::lesson_main!(lesson);
