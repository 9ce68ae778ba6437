//! "Project: Playing with Remote Tensors", the seed's In[20]–In[28], as a Rust user writes it with minisyft:
//! `cargo run --example playing_with_remote_tensors`. Each `// In[N]` line starts the Rust of that notebook cell (the
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

    // In[20]
    let alice = syft.create_worker("alice")?;

    // In[21]
    let x = Tensor::from([1, 2, 3, 4, 5]);

    // In[22]
    let x_ptr = x.send_to_all(&[&bob, &alice])?;

    // In[23]
    println!("{}", bob.store().await?);

    // In[24]
    println!("{}", alice.store().await?);

    // In[25]
    println!("{:?}", x_ptr.get().await?);

    // In[26]
    println!("{}", bob.store().await?);

    // In[27]
    println!("{}", alice.store().await?);

    // In[28]
    let x_ptr = x.send_to_all(&[&bob, &alice])?;
    println!("{}", x_ptr.get_sum().await?);

    Ok(())
}

minisyft::lesson_main!(lesson);
