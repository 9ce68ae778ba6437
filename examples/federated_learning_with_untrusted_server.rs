//! "Final Project: Federated Learning with an Untrusted Central Server", the seed's last project, as a Rust user writes it with minisyft:
//! `cargo run --example federated_learning_with_untrusted_server`. `out` collects what is printed, so a test can check it.
//!
//! bob and alice each train a copy of the model on their own data; the copies move to
//! secure_worker, which averages them; `me`, the untrusted server, receives only the average (and
//! each worker's loss), never an individual model or gradient.

use std::error::Error;
use std::fmt::Write;

use minisyft::nn::Linear;
use minisyft::rng::Rng;
use minisyft::{Pointer, Syft, Tensor};

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
    secure_worker.add_worker(&bob)?;
    secure_worker.add_worker(&alice)?;

    let data = Tensor::from([[1., 1.], [0., 1.], [1., 0.], [0., 0.]]);
    let target = Tensor::from([[1.], [1.], [0.], [0.]]);
    let datasets = [
        (data.rows(0, Some(2))?.send(&bob)?, target.rows(0, Some(2))?.send(&bob)?),
        (data.rows(2, None)?.send(&alice)?, target.rows(2, None)?.send(&alice)?),
    ];
    let model = Linear::new(2, 1, &mut Rng::seeded(0))?;
    let (lr, local_steps) = (0.1, 5);

    for round in 1..=10 {
        let mut copies = Vec::new();
        let mut losses = Vec::new();
        for (data, target) in &datasets {
            // A copy of the model trains where the data is, for a few SGD steps.
            let copy = model.send(&data.location())?;
            let mut loss = None;
            for _ in 0..local_steps {
                let step_loss = (&copy.forward(data)? - target)?.pow(2.0)?.sum()?;
                step_loss.backward().await?;
                copy.sgd_step(lr).await?;
                loss = Some(step_loss);
            }
            if let Some(loss) = loss {
                losses.push(format!("{} {:.4}", data.location().id(), loss.get().await?.item()?));
            }
            // Straight from the worker to secure_worker: `me` never sees the copy.
            copies.push(copy.move_to(&secure_worker).await?);
        }
        // secure_worker averages; `me` receives only the average.
        let average = |parameters: Vec<&Pointer>| -> Result<Pointer, minisyft::Error> {
            let mut sum = parameters[0].data()?;
            for parameter in &parameters[1..] {
                sum = (&sum + &parameter.data()?)?;
            }
            &sum / parameters.len() as f64
        };
        let weight = average(copies.iter().map(|c| &c.weight).collect())?.get().await?;
        let bias = average(copies.iter().map(|c| &c.bias).collect())?.get().await?;
        model.load(&Linear { weight, bias })?;
        let global_loss = (&model.forward(&data)? - &target)?.pow(2.0).sum().item()?;
        println!("round {round:2}: {}  |  global loss {global_loss:.4}", losses.join(", "));
    }

    Ok(())
}

minisyft::lesson_main!(lesson);
