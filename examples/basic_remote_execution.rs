//! "Basic Remote Execution in PySyft", the seed's In[1]–In[19], as a Rust user writes it with
//! minisyft: `cargo run --example basic_remote_execution`. Each `// In[N]` line starts the Rust of
//! that notebook cell (the page shows it beside the cell). What the notebook printed is written to
//! `out`, so that a test can compare it with the seed; `main` prints it.

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

    // In[1]
    let x = Tensor::from([1, 2, 3, 4, 5]);
    let y = (&x + &x)?;
    println!("{}", y.select(0)?);

    // In[3]
    let bob = syft.create_worker("bob")?;

    // In[4]
    let x = Tensor::from([1, 2, 3, 4, 5]);
    let y = Tensor::from([1, 1, 1, 1, 1]);

    // In[5]
    let x_ptr = x.send(&bob)?;
    let y_ptr = y.send(&bob)?;

    // In[6]
    println!("{}", bob.store().await?);

    // In[7]
    println!("{x_ptr}");

    // In[8]
    println!("{}", x_ptr.location().summary().await?);

    // In[9]
    println!("{}", bob.summary().await?);

    // In[10]
    println!("{}", bob == x_ptr.location());

    // In[11]
    println!("{}", x_ptr.id_at_location());

    // In[12]
    let me = syft.me();
    println!("{}", me.summary().await?);

    // In[13]
    println!("{}", x_ptr.owner().summary().await?);

    // In[14]
    println!("{}", me == x_ptr.owner());

    // In[15]
    println!("{x_ptr}");

    // In[16]
    println!("{}", x_ptr.get().await?);

    // In[17]
    println!("{y_ptr}");

    // In[18]
    println!("{}", y_ptr.get().await?);

    // In[19]
    println!("{}", bob.store().await?);

    Ok(())
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> Result<(), Box<dyn Error>> {
    // In[2]
    // No hook in Rust: a client is `me`, the local worker, and makes the workers. Natively its
    // workers run in this process; in a page, `Syft::new(WebWorkers::new(..), seed)` starts each
    // one as a Web Worker.
    let (syft, _workers) = Syft::in_process(0);

    let mut out = String::new();
    let finished = minisyft::runtime::block_on(lesson(&syft, &mut out));
    print!("{out}");
    finished
}

#[cfg(target_arch = "wasm32")]
fn main() {}
