//! Flower's object format from the Rust side, for `tests/flower/objects_cross_check.py` to check
//! against Flower's own classes:
//! - `flower_objects reply`: prints a train reply (a small MLP's arrays, `num-examples` and a
//!   loss) as JSON: its root id, its object tree (protobuf, hex) and every object (hex);
//! - `flower_objects read FILE`: reads a message Flower built (JSON: root id and objects, hex)
//!   and prints what it carries: metadata, arrays and config;
//! - `flower_objects fleet`: prints one of each Fleet request, encoded (hex, by call name);
//! - `flower_objects fleet-read FILE`: decodes Fleet responses flwr encoded (hex, by call name).

use std::collections::BTreeMap;

use minisyft::encoding::hex;

use minisyft::flower::objects::{Builder, Metadata, Metric};
use minisyft::flower::received::{read_message, ConfigValue};

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()).collect()
}

fn reply() -> String {
    let mut builder = Builder::default();
    let w0: Vec<f32> = (0..6).map(|i| i as f32 * 0.25 - 0.5).collect();
    let arrays = builder.array_record(&[
        ("0.weight", &[3, 2], &w0),
        ("0.bias", &[3], &[0.1, -0.2, 0.3]),
        ("1.weight", &[1, 3], &[1.5, -2.5, 0.125]),
        ("1.bias", &[1], &[0.0]),
    ]);
    let metrics = builder.metric_record(&[("num-examples", Metric::Integer(40)), ("train_loss", Metric::Float(0.25))]);
    let content = builder.record_dict(vec![("arrays", arrays), ("metrics", metrics)]);
    let metadata = Metadata {
        run_id: (1 << 40) + 7,
        src_node_id: 9_069_770_195_199_328_086,
        dst_node_id: 1,
        reply_to_message_id: "ab".repeat(32),
        group_id: "3".into(),
        ttl: 3599.5,
        message_type: "train".into(),
        created_at: 1_790_000_000.25,
        ..Metadata::default()
    };
    let tree = builder.message(&metadata, content);
    let objects: Vec<String> = builder.objects.iter().map(|(id, c)| format!("\"{id}\": \"{}\"", hex(c))).collect();
    format!(
        "{{\"root\": \"{}\", \"tree\": \"{}\", \"objects\": {{{}}}}}",
        tree.id,
        hex(&tree.encode()),
        objects.join(", ")
    )
}

fn read(path: &str) -> Result<String, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let value = minisyft::flower::json::parse(&text)?;
    let Some(minisyft::flower::json::Value::String(root)) = value.get("root") else { return Err("no root".into()) };
    let Some(minisyft::flower::json::Value::Object(entries)) = value.get("objects") else {
        return Err("no objects".into());
    };
    let objects: BTreeMap<String, Vec<u8>> = entries
        .iter()
        .filter_map(|(id, v)| match v {
            minisyft::flower::json::Value::String(h) => Some((id.clone(), unhex(h))),
            _ => None,
        })
        .collect();
    let received = read_message(root, &objects)?;
    let m = &received.metadata;
    let arrays: Vec<String> = received
        .arrays
        .iter()
        .map(|(record, name, shape, values)| format!("[\"{record}\", \"{name}\", {shape:?}, {values:?}]"))
        .collect();
    let config: Vec<String> = received
        .config
        .iter()
        .map(|(record, key, value)| {
            let list = |items: Vec<String>| format!("[{}]", items.join(", "));
            let value = match value {
                ConfigValue::Float(v) => format!("{v:?}"),
                ConfigValue::Integer(v) => v.to_string(),
                ConfigValue::Unsigned(v) => v.to_string(),
                ConfigValue::Bool(v) => v.to_string(),
                ConfigValue::Text(v) => minisyft::flower::json::string(v),
                ConfigValue::Bytes(v) => format!("\"{}\"", hex(v)),
                ConfigValue::Floats(v) => list(v.iter().map(|x| format!("{x:?}")).collect()),
                ConfigValue::Integers(v) => list(v.iter().map(ToString::to_string).collect()),
                ConfigValue::Unsigneds(v) => list(v.iter().map(ToString::to_string).collect()),
                ConfigValue::Bools(v) => list(v.iter().map(ToString::to_string).collect()),
                ConfigValue::Texts(v) => list(v.iter().map(|t| minisyft::flower::json::string(t)).collect()),
                ConfigValue::BytesList(v) => list(v.iter().map(|b| format!("\"{}\"", hex(b))).collect()),
            };
            format!("[\"{record}\", \"{key}\", {value}]")
        })
        .collect();
    Ok(format!(
        "{{\"run_id\": {}, \"dst_node_id\": {}, \"message_type\": \"{}\", \"group_id\": \"{}\", \"ttl\": {:?}, \"arrays\": [{}], \"config\": [{}]}}",
        m.run_id,
        m.dst_node_id,
        m.message_type,
        m.group_id,
        m.ttl,
        arrays.join(", "),
        config.join(", ")
    ))
}

fn fleet() -> String {
    use minisyft::flower::fleet::Request;
    use minisyft::flower::objects::ObjectTree;
    let pem = b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_vec();
    let node_id = u64::MAX - 5;
    let metadata = Metadata {
        run_id: 77,
        message_id: "cd".repeat(32),
        src_node_id: node_id,
        dst_node_id: 1,
        reply_to_message_id: "ab".repeat(32),
        group_id: "2".into(),
        ttl: 100.5,
        message_type: "train".into(),
        created_at: 1_790_000_000.5,
        ..Metadata::default()
    };
    let tree = ObjectTree { id: "cd".repeat(32), children: vec![ObjectTree { id: "ef".repeat(32), children: vec![] }] };
    let requests = [
        Request::RegisterNode { public_key_pem: pem.clone() },
        Request::ActivateNode { public_key_pem: pem, heartbeat_interval: 10.0 },
        Request::Heartbeat { node_id, heartbeat_interval: 10.0 },
        Request::PullMessages { node_id },
        Request::PullObject { node_id, run_id: 77, object_id: "ef".repeat(32) },
        Request::ConfirmMessageReceived { node_id, run_id: 77, message_object_id: "ab".repeat(32) },
        Request::PushMessages { node_id, metadata: metadata.clone(), tree, runtime_seconds: 0.25, error: None },
        Request::PushObject {
            node_id,
            run_id: 77,
            object_id: "ef".repeat(32),
            content: vec![0, 1, 2],
            session_id: "s1".into(),
        },
        Request::DeactivateNode { node_id },
        Request::UnregisterNode { node_id },
    ];
    let mut entries: Vec<String> =
        requests.iter().map(|r| format!("\"{}\": \"{}\"", r.name(), hex(&r.encode()))).collect();
    // A reply that could not be served: the error instead of the content, the Message object alone.
    let error = (2, "no array \"0.weight\" in the message".to_owned());
    let mut builder = minisyft::flower::objects::Builder::default();
    let tree = builder.error_message(&metadata, &error);
    let object = builder.objects.get(&tree.id).cloned().unwrap_or_default();
    entries.push(format!("\"error-object\": \"{}\"", hex(&object)));
    let request = Request::PushMessages {
        node_id,
        metadata: Metadata { message_id: "cd".repeat(32), ..metadata },
        tree: ObjectTree { id: "cd".repeat(32), children: vec![] },
        runtime_seconds: 0.25,
        error: Some(error),
    };
    entries.push(format!("\"push-messages-error\": \"{}\"", hex(&request.encode())));
    format!("{{{}}}", entries.join(", "))
}

fn fleet_read(path: &str) -> Result<String, Box<dyn std::error::Error>> {
    use minisyft::flower::fleet;
    use minisyft::flower::json::{parse, Value};
    let value = parse(&std::fs::read_to_string(path)?)?;
    let field = |name: &str| match value.get(name) {
        Some(Value::String(h)) => Ok(unhex(h)),
        _ => Err(format!("no {name}")),
    };
    let pulled = fleet::pulled_messages(&field("pull-messages")?)?;
    let object = fleet::pulled_object(&field("pull-object")?)?;
    let push = fleet::push_answer(&field("push-messages")?)?;
    let message = pulled.first().ok_or("no pulled message")?;
    Ok(format!(
        "{{\"node_id\": {}, \"heartbeat\": {}, \"stored\": {}, \"pulled\": {}, \"message_id\": \"{}\", \"message_type\": \"{}\", \"run_id\": {}, \"tree_children\": {}, \"object\": [{}, {}, \"{}\"], \"objects_to_push\": {:?}, \"session_id\": \"{}\"}}",
        fleet::node_id(&field("activate-node")?)?,
        fleet::flag(&field("send-node-heartbeat")?)?,
        fleet::flag(&field("push-object")?)?,
        pulled.len(),
        message.metadata.message_id,
        message.metadata.message_type,
        message.metadata.run_id,
        message.tree.children.len(),
        object.found,
        object.available,
        hex(&object.content),
        push.objects_to_push,
        push.session_id
    ))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("reply") => println!("{}", reply()),
        Some("read") => match args.get(2).map(|path| read(path)) {
            Some(Ok(text)) => println!("{text}"),
            Some(Err(error)) => {
                eprintln!("{error}");
                std::process::exit(1);
            }
            None => eprintln!("usage: flower_objects read FILE"),
        },
        Some("fleet") => println!("{}", fleet()),
        Some("fleet-read") => match args.get(2).map(|path| fleet_read(path)) {
            Some(Ok(text)) => println!("{text}"),
            Some(Err(error)) => {
                eprintln!("{error}");
                std::process::exit(1);
            }
            None => eprintln!("usage: flower_objects fleet-read FILE"),
        },
        _ => eprintln!("usage: flower_objects reply | read FILE | fleet | fleet-read FILE"),
    }
}
