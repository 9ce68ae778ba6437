//! A native Flower node over the Fleet API (`src/flower/native.rs`, `src/flower/node.rs`):
//! - `flower_client smoke HOST:PORT` registers and activates a node with a fresh P-384 key, sends
//!   a heartbeat, asks for messages, then deactivates and unregisters, printing each step;
//! - `flower_client run HOST:PORT CLIENT CLIENTS [SECONDS] [DATA]` is client CLIENT of CLIENTS: it
//!   holds its IID shard of the playground's circle data (seed 0, 400 points) or, with DATA
//!   `digits`, of the real digits (`www/data/digits.csv`) on a minisyft worker, trains the model
//!   FedAvg sends through the same plan as the playground, answers evaluations, and leaves after
//!   SECONDS (default 300) or when killed;
//! - `flower_client expect CLIENTS ROUNDS FILE [DATA]` runs the same federation without Flower — the
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

/// The playground's federation of `clients` clients from `initial` arrays: the loss on the union
/// of the shards (the training split) after each of `rounds` rounds.
#[cfg(not(target_arch = "wasm32"))]
fn expected_losses(
    clients: usize,
    rounds: usize,
    initial: &minisyft::flower::received::Received,
    data: &minisyft::playground::data::DataSet,
) -> minisyft::Result<Vec<f64>> {
    use minisyft::flower::client::{model_from, ShardSpec};
    use minisyft::playground::federation::{client_workers, PlaygroundFederation, RunConfig};
    let (train, shards) = ShardSpec::new(0, clients, 0)?.on(data.kind)?.training_split_of(data)?;
    let (syft, _runtime) = minisyft::Syft::in_process(0);
    let workers = client_workers(&syft, clients)?;
    let config = RunConfig {
        lr: initial.config_number("lr", 0.3),
        local_epochs: initial.config_number("local-epochs", 2.0) as usize,
        batch_size: 16,
        ..RunConfig::default()
    };
    let mut federation =
        PlaygroundFederation::new(&workers, &train, &shards, &train, model_from(initial)?.mlp, config)?;
    (0..rounds).map(|_| minisyft::runtime::block_on(federation.round()).map(|r| r.train_loss)).collect()
}

/// Client `client` of `clients` until `seconds` have passed: the same node the page runs
/// (`minisyft::flower::session`), over a socket.
#[cfg(not(target_arch = "wasm32"))]
fn serve(
    address: &str,
    client: usize,
    clients: usize,
    seconds: u64,
    data: &minisyft::playground::data::DataSet,
) -> minisyft::Result<()> {
    use minisyft::flower::client::{ShardClient, ShardSpec};
    use minisyft::flower::native::{Identity, NativeFleet};
    use minisyft::flower::session::{self, Direction, Event, Status, Surroundings};
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
    let (syft, _runtime) = minisyft::Syft::in_process(client as u64);
    let worker = syft.create_worker(&format!("client_{client}"))?;
    let shard = ShardSpec::new(client, clients, 0)?.on(data.kind)?.shard_of(data)?;
    let audit = std::env::var_os("MINISYFT_FLOWER_AUDIT").map(std::path::PathBuf::from);
    // `MINISYFT_FLOWER_LEAVE_IN_ROUND=N` (tests): asked to train under SecAgg+ in round N (after
    // share_keys), the node fails and leaves, as a tab closed mid-round does (the SuperLink
    // answers for a node gone with an error).
    let leave_in_round = std::env::var("MINISYFT_FLOWER_LEAVE_IN_ROUND").ok();
    let leaving = std::rc::Rc::new(std::cell::Cell::new(false));
    let mut trainer = Audited {
        inner: ShardClient::holding(worker, shard, None)?,
        dir: audit.clone(),
        client,
        leave_in_round,
        leaving: leaving.clone(),
    };
    let fleet = NativeFleet::new(address, Identity::generate()?);
    let started = Instant::now();
    let now = || SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let stop = || leaving.get() || started.elapsed() > Duration::from_secs(seconds);
    let report = |event: Event| match event {
        Event::Log(entry) if entry.direction == Direction::Note => println!("client {client}: {}", entry.what),
        Event::Log(entry) => println!("client {client}: {:?} {} ({} bytes)", entry.direction, entry.what, entry.bytes),
        Event::Status(Status::Retrying { problem, seconds, .. }) => {
            println!("client {client}: retrying in {seconds} s: {}", problem.advice)
        }
        Event::Status(_) => {}
    };
    // The socket calls block; each answer is handed over as a ready future.
    let call = |request: minisyft::flower::fleet::Request| {
        if let (Some(dir), minisyft::flower::fleet::Request::PushObject { content, .. }) = (&audit, &request) {
            append(&dir.join(format!("client_{client}_pushed.hex")), &format!("{}\n", hex(content)));
        }
        let answer = fleet.call(&request);
        async move { answer }
    };
    let sleep = |seconds: f64| {
        std::thread::sleep(Duration::from_secs_f64(seconds));
        async {}
    };
    let around = Surroundings { now: &now, stop: &stop, report: &report };
    let pem = fleet.identity.public_key_pem().to_vec();
    minisyft::runtime::block_on(session::run(call, sleep, &pem, &mut trainer, &around)).map_err(|problem| {
        minisyft::Error::Flower { what: "node".into(), reason: format!("{} {}", problem.error, problem.advice) }
    })
}

/// With `MINISYFT_FLOWER_AUDIT=DIR` (tests): what a node trained, each round, and every object it
/// pushed, written to DIR so a test can compare the server's aggregate with the true average and
/// check that nothing but masked vectors and encrypted shares left.
#[cfg(not(target_arch = "wasm32"))]
struct Audited<T> {
    inner: T,
    dir: Option<std::path::PathBuf>,
    client: usize,
    leave_in_round: Option<String>,
    leaving: std::rc::Rc<std::cell::Cell<bool>>,
}

#[cfg(not(target_arch = "wasm32"))]
fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let written =
        std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(error) = written {
        eprintln!("audit: {}: {error}", path.display());
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn hex(bytes: &[u8]) -> String {
    minisyft::encoding::hex(bytes)
}

#[cfg(not(target_arch = "wasm32"))]
impl<T: minisyft::flower::node::Trainer> minisyft::flower::node::Trainer for Audited<T> {
    async fn train(
        &mut self,
        received: &minisyft::flower::received::Received,
    ) -> minisyft::Result<(minisyft::flower::node::Arrays, i64, f64)> {
        let secagg = received.has_record(minisyft::flower::secagg::RECORD);
        if secagg && self.leave_in_round.as_deref() == Some(received.metadata.group_id.as_str()) {
            println!("client {}: leaving in round {}", self.client, received.metadata.group_id);
            self.leaving.set(true);
            return Err(minisyft::Error::Flower { what: "train".into(), reason: "the node is leaving".into() });
        }
        let (arrays, examples, loss) = self.inner.train(received).await?;
        if let Some(dir) = &self.dir {
            let listed: Vec<String> =
                arrays.iter().map(|(_, shape, values)| format!("[{shape:?}, {values:?}]")).collect();
            let path = dir.join(format!("client_{}_round_{}.json", self.client, received.metadata.group_id));
            append(&path, &format!("{{\"examples\": {examples}, \"arrays\": [{}]}}", listed.join(", ")));
        }
        Ok((arrays, examples, loss))
    }

    async fn evaluate(&mut self, received: &minisyft::flower::received::Received) -> minisyft::Result<(i64, f64, f64)> {
        self.inner.evaluate(received).await
    }

    fn initial(&self) -> minisyft::Result<minisyft::flower::node::Arrays> {
        self.inner.initial()
    }
}

/// `expect`: reads the initial arrays (JSON name → [shape, values]) and prints the losses.
#[cfg(not(target_arch = "wasm32"))]
fn expect(
    clients: usize,
    rounds: usize,
    path: &str,
    data: &minisyft::playground::data::DataSet,
) -> minisyft::Result<Vec<f64>> {
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
    let initial = Received { metadata: Default::default(), arrays, config: Vec::new(), records: vec!["arrays".into()] };
    expected_losses(clients, rounds, &initial, data)
}

/// The data named on the command line: the circle (seed 0, as every client deals it) or the digits.
#[cfg(not(target_arch = "wasm32"))]
fn data(name: Option<&String>) -> minisyft::Result<minisyft::playground::data::DataSet> {
    use minisyft::flower::client::{NOISE, POINTS};
    use minisyft::playground::data::{DataKind, DataSet};
    use minisyft::playground::digits::Digits;
    match name.map(String::as_str) {
        None | Some("circle") => DataSet::generate(DataKind::Circle, POINTS, NOISE, 0),
        Some("digits") => Ok(DataSet::digits(&Digits::parse(include_str!("../www/data/digits.csv"))?)),
        Some(other) => Err(minisyft::Error::InvalidSetting {
            setting: "data".into(),
            value: other.into(),
            expected: "circle or digits".into(),
        }),
    }
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
            match args.get(4).map(|path| data(args.get(5)).and_then(|data| expect(clients, rounds, path, &data))) {
                Some(Ok(losses)) => println!("{losses:?}"),
                Some(Err(error)) => {
                    println!("FAIL {error}");
                    std::process::exit(1);
                }
                None => eprintln!("usage: flower_client expect CLIENTS ROUNDS FILE [DATA]"),
            }
        }
        (Some("run"), Some(address)) => {
            let number = |i: usize, default: u64| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(default);
            let served = data(args.get(6))
                .and_then(|data| serve(address, number(3, 0) as usize, number(4, 2) as usize, number(5, 300), &data));
            if let Err(error) = served {
                println!("FAIL {error}");
                std::process::exit(1);
            }
        }
        _ => {
            eprintln!("usage: flower_client smoke HOST:PORT | run HOST:PORT CLIENT CLIENTS [SECONDS] [DATA] | expect CLIENTS ROUNDS FILE [DATA]");
            std::process::exit(2);
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
