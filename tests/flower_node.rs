//! One pulled message served end to end (`src/flower/node.rs`) against a scripted SuperLink that
//! holds the message's objects, with the real client (`ShardClient`: a shard on an in-process
//! minisyft worker, training through the playground's plan): a train message gets a reply with
//! the trained arrays in the shapes sent; one the node cannot serve gets a Flower error reply at
//! once, so the ServerApp counts a failure instead of waiting out the reply's ttl.

#![cfg(not(target_arch = "wasm32"))]

use std::cell::RefCell;
use std::collections::BTreeMap;

use minisyft::flower::client::{ShardClient, ShardSpec};
use minisyft::flower::config::ConfigValue;
use minisyft::flower::fleet::{Pulled, Request};
use minisyft::flower::node::{handle, Handled};
use minisyft::flower::objects::{Builder, Metadata, ObjectTree};
use minisyft::flower::protobuf::Writer;
use minisyft::flower::received::{read_message, Received};
use minisyft::flower::replies::NodeState;
use minisyft::runtime::block_on;
use minisyft::{Result, Syft};

/// A train message as FedAvg sends one: the arrays in an ArrayRecord, the message's objects.
fn train_message(arrays: &[(&str, &[usize], &[f32])]) -> (Pulled, BTreeMap<String, Vec<u8>>) {
    message_of("train", |builder| {
        let record = builder.array_record(arrays);
        builder.record_dict(vec![("arrays", record)])
    })
}

/// A message of `message_type` whose content `content` builds.
fn message_of(
    message_type: &str,
    content: impl FnOnce(&mut Builder) -> ObjectTree,
) -> (Pulled, BTreeMap<String, Vec<u8>>) {
    let mut builder = Builder::default();
    let content = content(&mut builder);
    let metadata = Metadata {
        run_id: 7,
        src_node_id: 1,
        dst_node_id: 99,
        group_id: String::new(),
        ttl: 3600.0,
        message_type: message_type.into(),
        created_at: 1_800_000_000.0,
        ..Metadata::default()
    };
    let tree = builder.message(&metadata, content);
    let metadata = Metadata { message_id: tree.id.clone(), ..metadata };
    (Pulled { metadata, tree }, builder.objects)
}

fn answer_to_push(ids: &[String]) -> Vec<u8> {
    let mut w = Writer::default();
    for id in ids {
        w.string(3, id);
    }
    w.string(4, "session");
    w.bytes
}

/// Serves `pulled` with objects `held`; every Fleet request made, and what `handle` returned.
fn check(pulled: &Pulled, held: &BTreeMap<String, Vec<u8>>) -> (Vec<Request>, Result<Handled>) {
    check_with(pulled, held, false)
}

/// The same, by a client that sends its update only under SecAgg+ when `secagg_required`.
fn check_with(
    pulled: &Pulled,
    held: &BTreeMap<String, Vec<u8>>,
    secagg_required: bool,
) -> (Vec<Request>, Result<Handled>) {
    let requests = RefCell::new(Vec::new());
    let call = |request: Request| {
        let answer = match &request {
            Request::PullObject { object_id, .. } => {
                let mut w = Writer::default();
                w.bool(1, true).bool(2, true).bytes(3, held.get(object_id).map_or(&[][..], Vec::as_slice));
                w.bytes
            }
            Request::PushMessages { tree, .. } => {
                let mut ids = vec![tree.id.clone()];
                let mut stack: Vec<&ObjectTree> = tree.children.iter().collect();
                while let Some(t) = stack.pop() {
                    ids.push(t.id.clone());
                    stack.extend(&t.children);
                }
                answer_to_push(&ids)
            }
            _ => Vec::new(),
        };
        requests.borrow_mut().push(request);
        async move { Ok(answer) }
    };
    let (syft, _runtime) = Syft::in_process(0);
    let worker = syft.create_worker("client_0").expect("a worker");
    let mut trainer = ShardClient::new(worker, &ShardSpec::new(0, 2, 0).expect("a shard"), None)
        .expect("a client")
        .requiring_secure_aggregation(secagg_required);
    let mut state = NodeState::default();
    let handled = block_on(handle(call, || async {}, 99, pulled, &mut trainer, &mut state, &|| 1_800_000_001.0));
    (requests.into_inner(), handled)
}

/// A reply as pushed: its error (if it is one), its objects, and the Message object's id.
struct Pushed {
    error: Option<(i64, String)>,
    objects: BTreeMap<String, Vec<u8>>,
    root: String,
}

fn pushed_reply(requests: &[Request]) -> Option<Pushed> {
    let (error, root) = requests.iter().find_map(|r| match r {
        Request::PushMessages { error, tree, .. } => Some((error.clone(), tree.id.clone())),
        _ => None,
    })?;
    let objects = requests
        .iter()
        .filter_map(|r| match r {
            Request::PushObject { object_id, content, .. } => Some((object_id.clone(), content.clone())),
            _ => None,
        })
        .collect();
    Some(Pushed { error, objects, root })
}

#[test]
fn a_train_message_is_answered_with_the_trained_arrays_in_the_shapes_sent() {
    let (w0, b0, w1, b1) = (vec![0.1f32; 16], vec![0.0f32; 8], vec![0.2f32; 8], vec![0.0f32]);
    let arrays: [(&str, &[usize], &[f32]); 4] =
        [("0.weight", &[8, 2], &w0), ("0.bias", &[8], &b0), ("1.weight", &[1, 8], &w1), ("1.bias", &[1], &b1)];
    let (pulled, held) = train_message(&arrays);
    let (requests, handled) = check(&pulled, &held);
    let handled = handled.expect("served");
    assert_eq!(handled.failure, None);
    assert!(handled.summary.starts_with("trained on 150 examples"), "{}", handled.summary);
    assert!(requests.iter().any(|r| matches!(r, Request::ConfirmMessageReceived { .. })));
    let Pushed { error, objects, root } = pushed_reply(&requests).expect("a reply pushed");
    assert_eq!(error, None);
    let reply = read_message(&root, &objects).expect("the reply reads back");
    let shapes: Vec<(String, Vec<usize>)> = reply.arrays.iter().map(|(_, n, s, _)| (n.clone(), s.clone())).collect();
    let sent: Vec<(String, Vec<usize>)> = arrays.iter().map(|(n, s, _)| (n.to_string(), s.to_vec())).collect();
    assert_eq!(shapes, sent);
    assert_ne!(reply.arrays[0].3, w0, "training moved the weights");
    assert_eq!(reply.metadata.reply_to_message_id, pulled.metadata.message_id);
    assert_eq!(reply.metadata.dst_node_id, 1);
    // flwr 1.43 refuses (403, code 2011) a reply whose source is not the pushing node.
    assert_eq!(reply.metadata.src_node_id, 99);
}

/// The reply `handle` pushed for `pulled`, read back.
fn reply_to(pulled: &Pulled, held: &BTreeMap<String, Vec<u8>>) -> (Handled, Received) {
    let (requests, handled) = check(pulled, held);
    let Pushed { objects, root, .. } = pushed_reply(&requests).expect("a reply pushed");
    (handled.expect("served"), read_message(&root, &objects).expect("the reply reads back"))
}

const CIRCLE_SHAPES: [&[usize]; 4] = [&[8, 2], &[8], &[1, 8], &[1]];

#[test]
fn a_legacy_fit_is_answered_as_flowers_recorddict_compat_writes_a_fit_result() {
    let values: Vec<Vec<f32>> = CIRCLE_SHAPES.iter().map(|s| vec![0.1; s.iter().product()]).collect();
    let names = ["0", "1", "2", "3"];
    let arrays: Vec<(&str, &[usize], &[f32])> =
        names.iter().zip(CIRCLE_SHAPES).zip(&values).map(|((n, s), v)| (*n, s, v.as_slice())).collect();
    let (pulled, held) = message_of("train", |builder| {
        let parameters = builder.array_record(&arrays);
        let config =
            builder.config_record(&[("lr", ConfigValue::Float(0.1)), ("local-epochs", ConfigValue::Integer(1))]);
        builder.record_dict(vec![("fitins.parameters", parameters), ("fitins.config", config)])
    });
    let (handled, reply) = reply_to(&pulled, &held);
    assert_eq!(handled.failure, None);
    assert_eq!(reply.records, ["fitres.metrics", "fitres.num_examples", "fitres.parameters", "fitres.status"]);
    let shapes: Vec<(&str, &[usize])> = reply.arrays.iter().map(|(_, n, s, _)| (n.as_str(), s.as_slice())).collect();
    assert_eq!(shapes, names.iter().copied().zip(CIRCLE_SHAPES).collect::<Vec<_>>());
    assert!(reply.config.contains(&("fitres.status".into(), "code".into(), ConfigValue::Integer(0))));
}

#[test]
fn a_legacy_servers_request_for_initial_parameters_gets_a_fresh_model_of_the_tabs_data() {
    let (pulled, held) = message_of("get_parameters", |builder| {
        let config = builder.config_record(&[]);
        builder.record_dict(vec![("getparametersins.config", config)])
    });
    let (_, reply) = reply_to(&pulled, &held);
    assert_eq!(reply.records, ["getparametersres.parameters", "getparametersres.status"]);
    let shapes: Vec<&[usize]> = reply.arrays.iter().map(|(_, _, s, _)| s.as_slice()).collect();
    assert_eq!(shapes, CIRCLE_SHAPES);
}

#[test]
fn a_client_that_requires_secagg_plus_refuses_to_send_its_model_in_the_clear() {
    let values: Vec<Vec<f32>> = CIRCLE_SHAPES.iter().map(|s| vec![0.1; s.iter().product()]).collect();
    let arrays: Vec<(&str, &[usize], &[f32])> = ["0.weight", "0.bias", "1.weight", "1.bias"]
        .iter()
        .zip(CIRCLE_SHAPES)
        .zip(&values)
        .map(|((n, s), v)| (*n, s, v.as_slice()))
        .collect();
    let (pulled, held) = train_message(&arrays);
    let (requests, handled) = check_with(&pulled, &held, true);
    let failure = handled.expect("answered, with an error").failure.expect("refused");
    assert!(failure.contains("only under SecAgg+"), "{failure}");
    let Pushed { error, objects, root } = pushed_reply(&requests).expect("a reply pushed");
    assert!(error.is_some());
    assert_eq!(objects.keys().cloned().collect::<Vec<_>>(), [root], "no array left");
}

#[test]
fn secagg_plus_stages_are_answered_in_order_and_refused_out_of_it() {
    let stage = |name: &str| {
        message_of("train", |builder| {
            let mut items = vec![("stage", ConfigValue::Text(name.into()))];
            if name == "setup" {
                items.extend([
                    ("sample_num", ConfigValue::Integer(3)),
                    ("share_num", ConfigValue::Integer(3)),
                    ("threshold", ConfigValue::Integer(2)),
                    ("clipping_range", ConfigValue::Float(8.0)),
                    ("target_range", ConfigValue::Integer(1 << 22)),
                    ("mod_range", ConfigValue::Integer(1 << 32)),
                    ("max_weight", ConfigValue::Float(1000.0)),
                ]);
            }
            let record = builder.config_record(&items);
            builder.record_dict(vec![("secaggplus_configs", record)])
        })
    };
    let (pulled, held) = stage("share_keys");
    let (handled, _) = reply_to(&pulled, &held);
    let failure = handled.failure.expect("refused");
    assert!(
        failure.contains("Abort secure aggregation: expect setup stage, but receive share_keys stage"),
        "{failure}"
    );
    let (pulled, held) = stage("setup");
    let (handled, reply) = reply_to(&pulled, &held);
    assert_eq!(handled.failure, None);
    assert_eq!(handled.stage.map(|s| s.name()), Some("setup"));
    let keys: Vec<&str> = reply.config.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(keys, ["pk1", "pk2"]);
    assert!(matches!(&reply.config[0].2, ConfigValue::Bytes(pem) if pem.starts_with(b"-----BEGIN PUBLIC KEY-----")));
}

#[test]
fn a_message_the_node_cannot_serve_gets_an_error_reply_at_once() {
    let wrong = vec![0.0f32; 6];
    let (pulled, held) = train_message(&[("0.weight", &[3, 2], &wrong), ("0.bias", &[2], &wrong[..2])]);
    let (requests, handled) = check(&pulled, &held);
    let handled = handled.expect("answered, with an error");
    let failure = handled.failure.expect("a failure");
    assert!(failure.contains("0.bias is [2], the model needs [3]"), "{failure}");
    let Pushed { error, objects, root } = pushed_reply(&requests).expect("a reply pushed");
    let (code, reason) = error.expect("an error reply");
    assert_eq!((code, reason), (2, failure));
    assert_eq!(objects.keys().cloned().collect::<Vec<_>>(), [root], "the Message object alone");
}

#[test]
fn a_message_whose_objects_do_not_match_their_ids_gets_an_error_reply_too() {
    let (w, b) = (vec![0.1f32; 2], vec![0.0f32]);
    let (pulled, mut held) = train_message(&[("0.weight", &[1, 2], &w), ("0.bias", &[1], &b)]);
    let Some(chunk) = held.values_mut().find(|content| content.starts_with(b"ArrayChunk")) else {
        panic!("no chunk in the message")
    };
    chunk.push(0);
    let (requests, handled) = check(&pulled, &held);
    let failure = handled.expect("answered, with an error").failure.expect("a failure");
    assert!(failure.contains("does not hash to its id"), "{failure}");
    assert!(matches!(pushed_reply(&requests), Some(Pushed { error: Some((2, _)), .. })));
}

#[test]
fn a_model_for_other_data_is_refused_saying_which_data_it_was_for() {
    let (w0, b0, w1, b1) = (vec![0.0f32; 16 * 64], vec![0.0f32; 16], vec![0.0f32; 160], vec![0.0f32; 10]);
    let arrays: [(&str, &[usize], &[f32]); 4] =
        [("0.weight", &[16, 64], &w0), ("0.bias", &[16], &b0), ("1.weight", &[10, 16], &w1), ("1.bias", &[10], &b1)];
    let (pulled, held) = train_message(&arrays);
    let (_, handled) = check(&pulled, &held);
    let failure = handled.expect("answered, with an error").failure.expect("a failure");
    assert!(failure.contains("a model of 64 inputs and 10 outputs, for the digits"), "{failure}");
    assert!(failure.contains("this client holds circle"), "{failure}");
}
