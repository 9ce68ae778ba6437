//! The playground's federation over real Web Workers: with plans, a client costs a small constant
//! number of postMessages a round, whatever the model size and the number of local steps.

use minisyft::nn::Mlp;
use minisyft::playground::data::{DataKind, DataSet};
use minisyft::playground::federation::{client_workers, PlaygroundFederation, RunConfig};
use minisyft::playground::partition::{partition, Partition};
use minisyft::rng::Rng;
use minisyft::tensor::Elementwise;
use minisyft::Syft;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn with_plans_a_client_costs_at_most_four_messages_each_way_a_round() {
    let transport = crate::transport();
    let syft = Syft::new(transport.clone(), 1);
    let data = DataSet::generate(DataKind::Circle, 240, 0.05, 2).unwrap();
    let (train, test) = data.split(0.25, 2);
    let shards = partition(&train.labels(), 4, Partition::LabelSkew { alpha: 0.5 }, 2).unwrap();
    let workers = client_workers(&syft, 4).unwrap();
    let model = Mlp::new(2, &[8, 8], Elementwise::Tanh, &mut Rng::seeded(1)).unwrap();
    let config = RunConfig { local_epochs: 3, batch_size: 8, lr: 0.3, ..RunConfig::default() };
    let mut federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, config).unwrap();
    // The first round also stores the plan on each client.
    let first = federation.round().await.unwrap();
    let names: Vec<String> = federation.setup.clients.iter().map(|c| c.worker.id().to_owned()).collect();
    let before: Vec<(u64, u64)> = names.iter().map(|n| transport.message_counts(n).unwrap()).collect();
    const ROUNDS: u64 = 3;
    let mut last = first.clone();
    for _ in 0..ROUNDS {
        last = federation.round().await.unwrap();
    }
    syft.settle().await.unwrap();
    for (name, (sent, heard)) in names.iter().zip(before) {
        let (sent_now, heard_now) = transport.message_counts(name).unwrap();
        // settle() adds one counter request and reply per client per wave; allow it one.
        let (sent, heard) = (sent_now - sent, heard_now - heard);
        assert!(sent <= 4 * ROUNDS + 3, "{name}: {sent} postMessages to it in {ROUNDS} rounds");
        assert!(heard <= 4 * ROUNDS + 3, "{name}: {heard} messages from it in {ROUNDS} rounds");
    }
    assert!(last.train_loss < first.train_loss, "{} -> {}", first.train_loss, last.train_loss);
}
