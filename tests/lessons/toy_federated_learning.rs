//! Seed In[52]–In[58]: the toy model trained on bob's and alice's halves of the data.

use minisyft::federated::{Aggregation, Config, Federation};
use minisyft::nn::Linear;
use minisyft::rng::Rng;
use minisyft::{Syft, Tensor};

crate::async_test!(seed_in_58_last_printed_loss_is_below_0005_for_every_seed, |_syft: Syft| async move {
    for seed in 0..100 {
        let syft = crate::support::syft();
        let mut federation = Federation::toy(&syft, Config { seed, ..Config::default() }).unwrap();
        let mut printed = Vec::new();
        for _ in 0..20 {
            let report = federation.round().await.unwrap();
            printed.extend(report.worker_losses.iter().map(|(_, loss)| *loss));
            let received: Vec<(&str, &str)> =
                report.server_received.iter().map(|r| (r.from.as_str(), r.name.as_str())).collect();
            let per_worker = ["weight", "weight.grad", "bias", "bias.grad", "loss"];
            let expected: Vec<(&str, &str)> =
                ["bob", "alice"].iter().flat_map(|w| per_worker.iter().map(move |n| (*w, *n))).collect();
            assert_eq!(received, expected);
        }
        assert_eq!(printed.len(), 40, "two losses per round, as the notebook prints");
        let last = *printed.last().unwrap();
        assert!(last < 0.005, "seed {seed}: last loss {last}");
        for shard in &federation.shards {
            // Only the data and target remain on each worker.
            assert_eq!(shard.worker.objects().await.unwrap().len(), 2);
        }
    }
});

crate::async_test!(model_send_and_get_carry_both_parameters_and_their_gradients, |syft: Syft| async move {
    let bob = syft.create_worker("bob").unwrap();
    let model = Linear::new(2, 1, &mut Rng::seeded(3)).unwrap();
    let data = Tensor::from([[1., 2.]]).send(&bob).unwrap();
    let remote = model.send(&bob).unwrap();
    assert_eq!(remote.location(), bob);
    let out = remote.forward(&data).unwrap();
    assert_eq!(out.get().await.unwrap().to_f32_vec(), model.forward(&Tensor::from([[1., 2.]])).unwrap().to_f32_vec());
    let out = remote.forward(&data).unwrap().sum().unwrap();
    out.backward().await.unwrap();
    let back = remote.get().await.unwrap();
    assert_eq!(back.weight.grad().unwrap().to_f32_vec(), vec![1., 2.]);
    assert_eq!(back.bias.grad().unwrap().to_f32_vec(), vec![1.]);
    assert_eq!(back.weight.data().to_f32_vec(), model.weight.to_f32_vec());
    assert_eq!(bob.objects().await.unwrap().len(), 2, "data and the summed output remain");
});

crate::async_test!(send_get_mode_reports_worker_and_global_loss, |syft: Syft| async move {
    let config = Config { seed: 5, aggregation: Aggregation::SendGet, ..Config::default() };
    let mut federation = Federation::toy(&syft, config).unwrap();
    let first = federation.round().await.unwrap();
    let mut last = first.clone();
    for _ in 1..20 {
        last = federation.round().await.unwrap();
    }
    assert_eq!(last.round, 20);
    assert!(last.global_loss < first.global_loss);
    assert_eq!(last.weight, federation.model.weight.to_f32_vec());
});

crate::async_test!(a_learning_rate_too_large_stops_training_with_a_diverged_error, |syft: minisyft::Syft| async move {
    use minisyft::federated::{Config, Federation};
    let mut federation = Federation::toy(&syft, Config { lr: 1.0, ..Config::default() }).unwrap();
    let mut outcome = Ok(());
    for _ in 0..80 {
        if let Err(error) = federation.round().await {
            outcome = Err(error);
            break;
        }
    }
    match outcome {
        Err(minisyft::Error::Diverged { round, loss }) => {
            assert!(round > 1 && round < 80, "round {round}");
            assert!(loss.parse::<f64>().map_or(true, |l| l > 1e6), "{loss}");
        }
        other => panic!("expected divergence, got {other:?}"),
    }
});
