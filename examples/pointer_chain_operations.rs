//! "Pointer Chain Operations", the seed's In[84]–In[100], as a Rust user writes it with minisyft:
//! `cargo run --example pointer_chain_operations`. Each `// In[N]` line starts the Rust of that notebook cell (the
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
    bob.add_worker(&alice)?; // In[59]

    // In[84]
    bob.clear_objects().await?;
    alice.clear_objects().await?;

    // In[85]
    // x is a pointer to a pointer to the data, which lives on bob
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?.send(&alice)?;

    // In[86]
    println!("{}", bob.store().await?);

    // In[87]
    println!("{}", alice.store().await?);

    // In[88]
    println!("{x}");

    // In[89]
    // alice asks bob for the data: it moves from bob to alice, never through `me`
    x.remote_get().await?;
    let x2 = &x;

    // In[90]
    println!("{x2}");

    // In[91]
    println!("{}", bob.store().await?);

    // In[92]
    println!("{}", alice.store().await?);

    // In[93]
    println!("{}", x2.get().await?);

    // In[94]
    let x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?;

    // In[95]
    println!("{x}");

    // In[96]
    println!("{}", bob.store().await?);

    // In[97]
    println!("{}", alice.store().await?);

    // In[98]
    let x = x.move_to(&alice).await?;

    // In[99]
    println!("{}", bob.store().await?);

    // In[100]
    println!("{}", alice.store().await?);
    drop(x); // as Python's garbage collector would: the tensor on alice is deleted

    Ok(())
}

minisyft::lesson_main!(lesson);
