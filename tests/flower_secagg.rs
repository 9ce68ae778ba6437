//! SecAgg+'s client stages driven directly (`src/flower/secagg/`), three clients as Flower's
//! `SecAggPlusWorkflow` would drive them, natively: what a server may not make a client do —
//! count a neighbour's shares twice, or release a node's seed share and key share together — is
//! refused, and so are settings that would make the shares the secret itself.

#![cfg(not(target_arch = "wasm32"))]

use minisyft::flower::config::ConfigValue;
use minisyft::flower::secagg::keys::RustCryptoEcdh;
use minisyft::flower::secagg::{SecAggPlus, StageReply};
use minisyft::runtime::block_on;

const NODES: [u64; 3] = [11, 22, u64::MAX - 3];

/// An encrypted pair of shares: (from, to, the Fernet token).
type Sent = (u64, u64, Vec<u8>);

fn setup_items(threshold: i64) -> Vec<(String, ConfigValue)> {
    [
        ("stage", ConfigValue::Text("setup".into())),
        ("sample_num", ConfigValue::Integer(3)),
        ("share_num", ConfigValue::Integer(3)),
        ("threshold", ConfigValue::Integer(threshold)),
        ("clipping_range", ConfigValue::Float(8.0)),
        ("target_range", ConfigValue::Integer(1 << 22)),
        ("mod_range", ConfigValue::Integer(1 << 32)),
        ("max_weight", ConfigValue::Float(1000.0)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn item<'a>(reply: &'a StageReply, key: &str) -> &'a ConfigValue {
    &reply.items.iter().find(|(k, _)| *k == key).expect("the item").1
}

/// Three clients through setup and share_keys: the clients, and what each sent to whom.
fn past_share_keys() -> (Vec<SecAggPlus>, Vec<Sent>) {
    let ecdh = RustCryptoEcdh;
    let mut clients: Vec<SecAggPlus> = NODES.iter().map(|_| SecAggPlus::default()).collect();
    let mut keys = vec![("stage".to_owned(), ConfigValue::Text("share_keys".into()))];
    for (client, node) in clients.iter_mut().zip(NODES) {
        let reply = block_on(client.setup(node, &setup_items(2), &ecdh)).expect("setup");
        let pks = [item(&reply, "pk1"), item(&reply, "pk2")].map(|v| match v {
            ConfigValue::Bytes(pem) => pem.clone(),
            other => panic!("a key, not {other:?}"),
        });
        keys.push((node.to_string(), ConfigValue::BytesList(pks.to_vec())));
    }
    let mut sent = Vec::new();
    for (client, node) in clients.iter_mut().zip(NODES) {
        let reply = block_on(client.share_keys(&keys, 1_800_000_000, &ecdh)).expect("share_keys");
        let destinations = item(&reply, "dsts").as_u64s().expect("ids");
        let ciphertexts = item(&reply, "ctxts").as_bytes_list().expect("bytes").to_vec();
        assert_eq!(destinations.len(), 2, "one pair of shares to each neighbour");
        sent.extend(destinations.into_iter().zip(ciphertexts).map(|(to, c)| (node, to, c)));
    }
    (clients, sent)
}

fn collect_items(sent: &[Sent], to: u64, repeat_first: bool) -> Vec<(String, ConfigValue)> {
    let mut mine: Vec<&Sent> = sent.iter().filter(|(_, d, _)| *d == to).collect();
    if repeat_first {
        mine.push(mine[0]);
    }
    vec![
        ("stage".into(), ConfigValue::Text("collect_masked_vectors".into())),
        ("ctxts".into(), ConfigValue::bytes_list(mine.iter().map(|(_, _, c)| c.clone()).collect())),
        ("srcs".into(), ConfigValue::ints(&mine.iter().map(|(s, _, _)| *s).collect::<Vec<_>>())),
    ]
}

#[test]
fn a_neighbours_shares_named_twice_are_refused_and_once_are_taken() {
    let (mut clients, sent) = past_share_keys();
    let error = clients[0].receive_shares(&collect_items(&sent, NODES[0], true)).expect_err("a repeated source");
    assert!(error.to_string().contains("a source named twice"), "{error}");
    let available = clients[0].receive_shares(&collect_items(&sent, NODES[0], false)).expect("the shares");
    assert_eq!(available.len(), 2);
}

#[test]
fn a_node_both_alive_and_dead_gets_none_of_its_shares_released() {
    let ecdh = RustCryptoEcdh;
    let (mut clients, sent) = past_share_keys();
    clients[0].receive_shares(&collect_items(&sent, NODES[0], false)).expect("the shares");
    let arrays = vec![(vec![2], vec![0.5f32, -0.25])];
    block_on(clients[0].masked_vector(&[NODES[1], NODES[2]], 40, &arrays, &ecdh)).expect("a masked vector");
    let unmask = |active: &[u64], dead: &[u64]| {
        vec![
            ("stage".to_owned(), ConfigValue::Text("unmask".into())),
            ("active_nids".to_owned(), ConfigValue::ints(active)),
            ("dead_nids".to_owned(), ConfigValue::ints(dead)),
        ]
    };
    for (active, dead) in [
        (vec![NODES[0], NODES[1]], vec![NODES[1]]),
        (vec![NODES[1], NODES[2]], vec![NODES[0]]),
        (vec![NODES[0], NODES[0]], vec![]),
    ] {
        let error = clients[0].unmask(&unmask(&active, &dead)).expect_err("refused");
        assert!(error.to_string().contains("no share is sent"), "{error}");
    }
    let reply = clients[0].unmask(&unmask(&[NODES[0], NODES[1]], &[NODES[2]])).expect("the shares");
    assert_eq!(item(&reply, "shares").as_bytes_list().map(<[_]>::len), Some(3));
}

#[test]
fn a_threshold_of_one_would_make_every_share_the_secret_and_is_refused() {
    let error = block_on(SecAggPlus::default().setup(1, &setup_items(1), &RustCryptoEcdh)).expect_err("refused");
    assert!(error.to_string().contains("a threshold of 1"), "{error}");
}
