//! "Introducing Remote Arithmetic", the seed's In[29]–In[42], as a Rust user writes it with minisyft:
//! `cargo run --example remote_arithmetic`. Each `// In[N]` line starts the Rust of that notebook cell (the
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

    // In[29]
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
    let y = Tensor::from([1, 1, 1, 1, 1]).send(&bob)?;

    // In[30]
    println!("{x}");

    // In[31]
    println!("{y}");

    // In[32]
    // Runs on bob: `me` sends the command, bob keeps the result, `z` points at it.
    let z = (&x + &y)?;

    // In[33]
    println!("{z}");

    // In[34]
    println!("{}", z.get().await?);

    // In[35]
    let z = x.add(&y)?;
    println!("{z}");

    // In[36]
    println!("{}", z.get().await?);

    // In[37]
    let x = Tensor::from([1., 2., 3., 4., 5.]).requiring_grad()?.send(&bob)?;
    let y = Tensor::from([1., 1., 1., 1., 1.]).requiring_grad()?.send(&bob)?;

    // In[38]
    let z = (&x + &y)?.sum()?;

    // In[39]
    z.backward().await?;

    // In[40]
    let x = x.get().await?;

    // In[41]
    println!("{x}");

    // In[42]
    match x.grad() {
        Some(grad) => println!("{grad}"),
        None => println!("None"),
    }

    Ok(())
}

minisyft::lesson_main!(lesson);
