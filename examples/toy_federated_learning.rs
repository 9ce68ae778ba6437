//! "Toy Federated Learning", the seed's In[52]–In[58], as a Rust user writes it with minisyft:
//! `cargo run --example toy_federated_learning`. Each `// In[N]` line starts the Rust of that notebook cell (the
//! page shows it beside the cell); `out` collects what the notebook printed.

use std::error::Error;
use std::fmt::Write;

use minisyft::nn::{Linear, Sgd};
use minisyft::rng::Rng;
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

    // In[52]
    // A toy dataset
    let data = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]).requiring_grad()?;
    let target = Tensor::from([[1.], [1.], [0.], [0.]]).requiring_grad()?;
    // A toy model: random weights, from a seeded generator so that a run can be repeated.
    let model = Linear::new(2, 1, &mut Rng::seeded(1))?;

    // In[53]
    let opt = Sgd::new(model.parameters(), 0.1);
    for _ in 0..20 {
        opt.zero_grad();
        let pred = model.forward(&data)?;
        let loss = (&pred - &target)?.pow(2.0).sum();
        loss.backward()?;
        opt.step()?;
        println!("{}", loss.data());
    }

    // In[57]
    // Send some training data to bob and alice: rows 0–1 to bob, rows 2–3 to alice.
    let data_bob = data.rows(0, Some(2))?.send(&bob)?;
    let target_bob = target.rows(0, Some(2))?.send(&bob)?;
    let data_alice = data.rows(2, None)?.send(&alice)?;
    let target_alice = target.rows(2, None)?.send(&alice)?;
    let datasets = [(data_bob, target_bob), (data_alice, target_alice)];
    let model = Linear::new(2, 1, &mut Rng::seeded(2))?;

    // In[58]
    let opt = Sgd::new(model.parameters(), 0.1);
    for _ in 0..20 {
        for (data, target) in &datasets {
            // Send the model to where the data is, train there, bring it back with its gradients.
            opt.zero_grad();
            let remote = model.send(&data.location())?;
            let pred = remote.forward(data)?;
            let loss = (&pred - target)?.pow(2.0)?.sum()?;
            loss.backward().await?;
            model.load(&remote.get().await?)?;
            opt.step()?;
            println!("{}", loss.get().await?.data());
        }
    }

    Ok(())
}

minisyft::lesson_main!(lesson);
