//! "Secret Sharing and Fixed Precision", PySyft's next lesson after the seed, as a Rust user writes it with minisyft:
//! `cargo run --example secret_sharing`. `out` collects what is printed, so a test can check it.
//!
//! A tensor split into random shares, one per worker: each share alone looks like noise, only their
//! sum means anything, and shares can be added (and, with a crypto provider, multiplied) where
//! they lie.

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

    let bob = syft.create_worker("bob")?;
    let alice = syft.create_worker("alice")?;
    let secure_worker = syft.create_worker("secure_worker")?;
    bob.add_worker(&alice)?;

    // x = th.tensor([1,2,3,4,5]).share(bob, alice, secure_worker)
    let x = Tensor::from([1, 2, 3, 4, 5]).share(&[&bob, &alice, &secure_worker])?;
    // bob's share: a random number per element, not x
    println!("{}", bob.store().await?);

    // y = x + x; y.get()
    let y = x.add(&x)?;
    println!("{}", y.get().await?);

    // x = th.tensor([0.1, 0.2, 0.3]).fix_prec(); (x + x).float_prec()
    let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec()?;
    println!("{x}");
    println!("{}", x.add(&x)?.float_prec()?);

    // x = th.tensor([0.1, 0.2, 0.3]).fix_prec().share(bob, alice, crypto_provider=secure_worker)
    // (x * x).get().float_prec()
    let x = Tensor::from([0.1, 0.2, 0.3]).fix_prec()?.share_with_provider(&[&bob, &alice], &secure_worker)?;
    println!("{}", x.mul(&x).await?.get().await?);

    Ok(())
}

minisyft::lesson_main!(lesson);
