//! "Advanced Remote Execution Tools", the seed's In[59]–In[79], as a Rust user writes it with minisyft:
//! `cargo run --example advanced_remote_execution`. Each `// In[N]` line starts the Rust of that notebook cell (the
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

    // In[59]
    bob.clear_objects().await?;
    alice.clear_objects().await?;
    // Lets bob and alice message each other directly (both ways).
    bob.add_worker(&alice)?;

    // In[60]
    // this is a local tensor
    let x = Tensor::from([1, 2, 3, 4]);
    println!("{x}");

    // In[61]
    // this sends the local tensor to bob
    let x_ptr = x.send(&bob)?;
    println!("{x_ptr}");

    // In[62]
    // now we can send the pointer to alice
    let pointer_to_x_ptr = x_ptr.send(&alice)?;
    println!("{pointer_to_x_ptr}");

    // In[63]
    // bob still has the actual data
    println!("{}", bob.store().await?);

    // In[64]
    // alice has x_ptr (notice how it points at bob)
    println!("{}", alice.store().await?);

    // In[65]
    // and we can get x_ptr back from alice
    let x_ptr = pointer_to_x_ptr.get_pointer().await?;
    println!("{x_ptr}");

    // In[66]
    println!("{}", alice.store().await?);

    // In[67]
    println!("{x_ptr}");

    // In[68]
    // and then we can use x_ptr to get x back from bob
    let x = x_ptr.get().await?;
    println!("{x}");

    // In[69]
    println!("{}", bob.store().await?);

    // In[70]
    println!("{}", alice.store().await?);

    // In[71]
    let p2p2x = Tensor::from([1, 2, 3, 4, 5]).send(&bob)?.send(&alice)?;
    // Sent to alice, who passes it along the chain: the addition runs on bob.
    let y = (&p2p2x + &p2p2x)?;

    // In[72]
    println!("{}", bob.store().await?);

    // In[73]
    println!("{}", alice.store().await?);

    // In[74]
    println!("{}", y.get_pointer().await?.get().await?);

    // In[75]
    println!("{}", bob.store().await?);

    // In[76]
    println!("{}", alice.store().await?);

    // In[77]
    println!("{}", p2p2x.get_pointer().await?.get().await?);

    // In[78]
    println!("{}", bob.store().await?);

    // In[79]
    println!("{}", alice.store().await?);

    Ok(())
}

minisyft::lesson_main!(lesson);
