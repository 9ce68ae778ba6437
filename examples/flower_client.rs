//! A native Flower node over the Fleet API (`src/flower/native.rs`, `src/flower/node.rs`):
//! - `flower_client smoke HOST:PORT` registers and activates a node with a fresh P-384 key, sends
//!   a heartbeat, asks for messages, then deactivates and unregisters, printing each step;
//! - `flower_client run HOST:PORT CLIENT CLIENTS [SECONDS]` is client CLIENT of CLIENTS: it holds
//!   its IID shard of the playground's circle data (seed 0, 400 points) on a minisyft worker,
//!   trains the model FedAvg sends through the same plan as the playground, answers evaluations,
//!   and leaves after SECONDS (default 300) or when killed;
//! - `flower_client expect CLIENTS ROUNDS FILE` runs the same federation without Flower — the
//!   playground's `PlaygroundFederation` over in-process workers, from the initial arrays in FILE
//!   (JSON: name → [shape, values]) — and prints the loss on all the clients' data after each
//!   round: what Flower's aggregated evaluation loss must be.

#[cfg(not(target_arch = "wasm32"))]
fn smoke(address: &str) -> minisyft::Result<()> {
    use minisyft::flower::fleet::{self, Request};
    use minisyft::flower::native::{Identity, NativeFleet};
    let fleet = NativeFleet::new(address, Identity::generate()?);
    let pem = fleet.identity.public_key_pem().to_vec();
    fleet.call(&Request::RegisterNode { public_key_pem: pem.clone() })?;
    println!("ok   register-node");
    let node_id =
        fleet::node_id(&fleet.call(&Request::ActivateNode { public_key_pem: pem, heartbeat_interval: 10.0 })?)?;
    println!("ok   activate-node: node {node_id}");
    let alive = fleet::flag(&fleet.call(&Request::Heartbeat { node_id, heartbeat_interval: 10.0 })?)?;
    println!("{} send-node-heartbeat", if alive { "ok  " } else { "FAIL" });
    let pulled = fleet::pulled_messages(&fleet.call(&Request::PullMessages { node_id })?)?;
    println!("ok   pull-messages: {} waiting", pulled.len());
    fleet.call(&Request::DeactivateNode { node_id })?;
    fleet.call(&Request::UnregisterNode { node_id })?;
    println!("ok   deactivate-node, unregister-node");
    if alive {
        Ok(())
    } else {
        Err(minisyft::Error::Flower { what: "heartbeat".into(), reason: "success = false".into() })
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod run {
    use minisyft::flower::node::{Arrays, Trainer};
    use minisyft::flower::received::{ConfigValue, Received};
    use minisyft::nn::Mlp;
    use minisyft::playground::data::{DataKind, DataSet};
    use minisyft::playground::federation::{PlaygroundFederation, RunConfig};
    use minisyft::playground::partition::{partition, Partition};
    use minisyft::{Error, Result, Syft, WorkerHandle};

    /// The playground's federation of `clients` clients from `initial` arrays: the loss on the
    /// union of the shards (the training split) after each of `rounds` rounds.
    pub fn expected_losses(clients: usize, rounds: usize, initial: &Received) -> Result<Vec<f64>> {
        let data = DataSet::generate(DataKind::Circle, 400, 0.1, 0)?;
        let (train, _test) = data.split(0.25, 0);
        let shards = partition(&train.labels(), clients, Partition::Iid, 0)?;
        let (syft, _runtime) = Syft::in_process(0);
        let workers = minisyft::playground::federation::client_workers(&syft, clients)?;
        let config = RunConfig {
            lr: number(initial, "lr", 0.3),
            local_epochs: number(initial, "local-epochs", 2.0) as usize,
            batch_size: 16,
            ..RunConfig::default()
        };
        let mut federation =
            PlaygroundFederation::new(&workers, &train, &shards, &train, ShardTrainer::model(initial)?, config)?;
        (0..rounds).map(|_| minisyft::runtime::block_on(federation.round()).map(|r| r.train_loss)).collect()
    }

    pub struct ShardTrainer {
        worker: WorkerHandle,
        shard: DataSet,
    }

    impl ShardTrainer {
        /// Client `client` of `clients`: its IID share of the training split, as the page deals it.
        pub fn new(client: usize, clients: usize) -> Result<ShardTrainer> {
            let data = DataSet::generate(DataKind::Circle, 400, 0.1, 0)?;
            let (train, _test) = data.split(0.25, 0);
            let shards = partition(&train.labels(), clients, Partition::Iid, 0)?;
            let mine =
                shards.get(client).ok_or_else(|| Error::Empty { what: "a shard".into(), item: "client".into() })?;
            let (syft, _runtime) = Syft::in_process(client as u64);
            let worker = syft.create_worker(&format!("client_{client}"))?;
            Ok(ShardTrainer { worker, shard: train.subset(mine) })
        }

        fn model(received: &Received) -> Result<Mlp> {
            let array = |name: &str| {
                received.arrays.iter().find(|(_, n, _, _)| n == name).ok_or_else(|| Error::Flower {
                    what: "train".into(),
                    reason: format!("no array {name:?} in the message"),
                })
            };
            let hidden = array("0.weight")?.2.first().copied().unwrap_or(0);
            let mut model =
                Mlp::new(2, &[hidden], minisyft::tensor::Elementwise::Tanh, &mut minisyft::rng::Rng::seeded(0))?;
            for (layer, linear) in model.layers.iter_mut().enumerate() {
                for (suffix, tensor) in [("weight", &linear.weight), ("bias", &linear.bias)] {
                    let (_, _, shape, values) = array(&format!("{layer}.{suffix}"))?;
                    tensor.data().set_(&minisyft::Tensor::from_f32(shape, values.clone())?)?;
                }
            }
            Ok(model)
        }

        fn arrays(model: &Mlp) -> Arrays {
            model
                .layers
                .iter()
                .enumerate()
                .flat_map(|(layer, linear)| {
                    [("weight", &linear.weight), ("bias", &linear.bias)]
                        .map(|(suffix, t)| (format!("{layer}.{suffix}"), t.shape(), t.to_f32_vec()))
                })
                .collect()
        }
    }

    fn number(received: &Received, key: &str, default: f64) -> f64 {
        received
            .config
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| match v {
                ConfigValue::Float(v) => *v,
                ConfigValue::Integer(v) => *v as f64,
                ConfigValue::Unsigned(v) => *v as f64,
                _ => default,
            })
            .unwrap_or(default)
    }

    impl Trainer for ShardTrainer {
        fn train(&mut self, received: &Received) -> Result<(Arrays, i64, f64)> {
            let config = RunConfig {
                lr: number(received, "lr", 0.3),
                local_epochs: number(received, "local-epochs", 2.0) as usize,
                batch_size: 16,
                ..RunConfig::default()
            };
            let all: Vec<usize> = (0..self.shard.len()).collect();
            let mut federation = PlaygroundFederation::new(
                std::slice::from_ref(&self.worker),
                &self.shard,
                &[all],
                &self.shard,
                Self::model(received)?,
                config,
            )?;
            let report = minisyft::runtime::block_on(federation.round())?;
            let loss = report.client_losses.first().map_or(report.train_loss, |(_, l)| *l);
            Ok((Self::arrays(&federation.model), self.shard.len() as i64, loss))
        }

        fn evaluate(&mut self, received: &Received) -> Result<(i64, f64, f64)> {
            let model = Self::model(received)?;
            let (x, y) = self.shard.tensors()?;
            let p = model.forward(&x)?;
            Ok((self.shard.len() as i64, model.loss(&p, &y)?.item()?, model.score(&p, &y)))
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn serve(address: &str, client: usize, clients: usize, seconds: u64) -> minisyft::Result<()> {
    use minisyft::flower::fleet::{self, Request};
    use minisyft::flower::native::{Identity, NativeFleet};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
    let mut trainer = run::ShardTrainer::new(client, clients)?;
    let fleet = NativeFleet::new(address, Identity::generate()?);
    let pem = fleet.identity.public_key_pem().to_vec();
    fleet.call(&Request::RegisterNode { public_key_pem: pem.clone() })?;
    let node_id =
        fleet::node_id(&fleet.call(&Request::ActivateNode { public_key_pem: pem, heartbeat_interval: 10.0 })?)?;
    println!("client {client}: node {node_id}");
    let started = Instant::now();
    let mut beat = Instant::now();
    let now = || SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    // The socket calls block; each answer is handed over as a ready future.
    let call = |request: Request| {
        let answer = fleet.call(&request);
        async move { answer }
    };
    let wait = || {
        std::thread::sleep(Duration::from_millis(100));
        async {}
    };
    let outcome = loop {
        if started.elapsed() > Duration::from_secs(seconds) {
            break Ok(());
        }
        if beat.elapsed() > Duration::from_secs(8) {
            fleet.call(&Request::Heartbeat { node_id, heartbeat_interval: 10.0 })?;
            beat = Instant::now();
        }
        let pulled = match fleet.call(&Request::PullMessages { node_id }).and_then(|r| fleet::pulled_messages(&r)) {
            Ok(pulled) => pulled,
            Err(error) => break Err(error),
        };
        if pulled.is_empty() {
            std::thread::sleep(Duration::from_millis(500));
            continue;
        }
        for message in &pulled {
            let handled = minisyft::flower::node::handle(call, wait, node_id, message, &mut trainer, &now);
            match minisyft::runtime::block_on(handled) {
                Ok(done) => println!(
                    "client {client}: {} round {}: {done}",
                    message.metadata.message_type, message.metadata.group_id
                ),
                // A message this node cannot serve is reported and skipped: the ServerApp's
                // strategy treats the missing reply as a failure of this node, as Flower does.
                Err(error) => println!("client {client}: {error}"),
            }
        }
    };
    let _ = fleet.call(&Request::DeactivateNode { node_id });
    let _ = fleet.call(&Request::UnregisterNode { node_id });
    outcome
}

/// `expect`: reads the initial arrays (JSON name → [shape, values]) and prints the losses.
#[cfg(not(target_arch = "wasm32"))]
fn expect(clients: usize, rounds: usize, path: &str) -> minisyft::Result<Vec<f64>> {
    use minisyft::flower::json::{parse, Value};
    use minisyft::flower::received::Received;
    let text = std::fs::read_to_string(path)
        .map_err(|e| minisyft::Error::Flower { what: "expect".into(), reason: e.to_string() })?;
    let Value::Object(entries) = parse(&text)? else {
        return Err(minisyft::Error::Flower { what: "expect".into(), reason: "not a JSON object".into() });
    };
    let numbers = |v: &Value| match v {
        Value::List(items) => {
            items.iter().filter_map(|i| if let Value::Number(n) = i { Some(*n) } else { None }).collect()
        }
        _ => Vec::new(),
    };
    let arrays = entries
        .iter()
        .filter_map(|(name, value)| match value {
            Value::List(pair) if pair.len() == 2 => Some((
                "arrays".to_owned(),
                name.clone(),
                numbers(&pair[0]).into_iter().map(|d: f64| d as usize).collect(),
                numbers(&pair[1]).into_iter().map(|v: f64| v as f32).collect(),
            )),
            _ => None,
        })
        .collect();
    let initial = Received { metadata: Default::default(), arrays, config: Vec::new() };
    run::expected_losses(clients, rounds, &initial)
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("smoke"), Some(address)) => {
            if let Err(error) = smoke(address) {
                println!("FAIL {error}");
                std::process::exit(1);
            }
        }
        (Some("expect"), Some(clients)) => {
            let clients = clients.parse().unwrap_or(2);
            let rounds = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(3);
            match args.get(4).map(|path| expect(clients, rounds, path)) {
                Some(Ok(losses)) => println!("{losses:?}"),
                Some(Err(error)) => {
                    println!("FAIL {error}");
                    std::process::exit(1);
                }
                None => eprintln!("usage: flower_client expect CLIENTS ROUNDS FILE"),
            }
        }
        (Some("run"), Some(address)) => {
            let number = |i: usize, default: u64| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
            if let Err(error) = serve(address, number(3, 0) as usize, number(4, 2) as usize, number(5, 300)) {
                println!("FAIL {error}");
                std::process::exit(1);
            }
        }
        _ => {
            eprintln!("usage: flower_client smoke HOST:PORT | run HOST:PORT CLIENT CLIENTS [SECONDS] | expect CLIENTS ROUNDS FILE");
            std::process::exit(2);
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
