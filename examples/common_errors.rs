//! "Common Errors", the seed's In[45]–In[47], as a Rust user writes it with minisyft:
//! `cargo run --example common_errors`. Each `// In[N]` line starts the Rust of that notebook cell (the
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
    let alice = syft.create_worker("alice")?; // In[20]

    // In[45]
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
    let y = Tensor::from([1, 1, 1, 1, 1]);

    // In[46]
    // A pointer and a local tensor cannot be added: the error says which is where.
    if let Err(error) = &x + &y {
        println!("Error: {error}");
    }
    // Nor can tensors on two different workers.
    let on_alice = Tensor::from([1, 1, 1, 1, 1]).send(&alice)?;
    if let Err(error) = &x + &on_alice {
        println!("Error: {error}");
    }

    // In[47]
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;
    // delete all objects on bob
    bob.clear_objects().await?;
    // The op is sent (it costs no round trip); its error comes back where its result is used.
    let y = (&x + &x)?;
    if let Err(error) = y.get().await {
        println!("Error: {error}");
    }

    Ok(())
}

minisyft::lesson_main!(lesson);
