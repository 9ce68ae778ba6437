//! Flower's content-addressed objects: `"<Type> <child,child,...> <body length>"`, a NUL, the
//! body; the id is the lowercase hex SHA-256 of all of it (the SuperLink checks it on push). A
//! message travels as a tree of them — Message → RecordDict → ArrayRecord / MetricRecord /
//! ConfigRecord → Array → ArrayChunk — pulled and pushed one object at a time. The bodies are
//! written byte for byte as Flower writes them (see `json.rs`, `protobuf.rs`), so an object built
//! here has the id Flower would give it (`tests/flower/objects_cross_check.py` inflates them with
//! Flower's own classes).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::config::{encode_record, ConfigValue};
use super::protobuf::{Reader, Writer};
use super::{error, json, npy};
use crate::error::Result;

/// Flower's default (`FLWR_PRIVATE_MAX_ARRAY_CHUNK_SIZE`): an array's `.npy` bytes are cut in
/// chunks of at most this many bytes.
pub const MAX_CHUNK_BYTES: usize = 5 * 1024 * 1024;

/// Objects larger than this are refused when read (a 2^24-element float32 array, with room).
pub const MAX_OBJECT_BYTES: usize = 80 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub kind: String,
    pub children: Vec<String>,
    pub body: Vec<u8>,
}

impl Object {
    pub fn to_bytes(&self) -> Vec<u8> {
        let head = format!("{} {} {}", self.kind, self.children.join(","), self.body.len());
        let mut out = Vec::with_capacity(head.len() + 1 + self.body.len());
        out.extend_from_slice(head.as_bytes());
        out.push(0);
        out.extend_from_slice(&self.body);
        out
    }

    pub fn parse(content: &[u8]) -> Result<Object> {
        if content.len() > MAX_OBJECT_BYTES {
            return Err(error("object", format!("{} bytes (the limit is {MAX_OBJECT_BYTES})", content.len())));
        }
        let nul = content.iter().position(|&b| b == 0).ok_or_else(|| error("object", "no NUL after the head"))?;
        let head = std::str::from_utf8(&content[..nul]).map_err(|_| error("object", "a head that is not text"))?;
        let body = &content[nul + 1..];
        let mut parts = head.split(' ');
        let (Some(kind), Some(children), Some(length), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error("object", format!("a head of three parts expected, got {head:?}")));
        };
        if length.parse::<usize>().ok() != Some(body.len()) {
            return Err(error("object", format!("a body of {} bytes, the head says {length}", body.len())));
        }
        let children = if children.is_empty() { Vec::new() } else { children.split(',').map(str::to_owned).collect() };
        Ok(Object { kind: kind.to_owned(), children, body: body.to_vec() })
    }
}

/// The object id of `content`: lowercase hex SHA-256.
pub fn object_id(content: &[u8]) -> String {
    crate::encoding::hex(&Sha256::digest(content))
}

/// `ObjectTree`: an object's id and its children's trees (what push-messages carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectTree {
    pub id: String,
    pub children: Vec<ObjectTree>,
}

impl ObjectTree {
    pub fn encode(&self) -> Vec<u8> {
        let mut writer = Writer::default();
        writer.string_unless_empty(1, &self.id);
        for child in &self.children {
            writer.bytes(2, &child.encode());
        }
        writer.bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<ObjectTree> {
        ObjectTree::decode_at(bytes, 0)
    }

    fn decode_at(bytes: &[u8], depth: usize) -> Result<ObjectTree> {
        // Message → RecordDict → record → Array → chunk: five levels; more is not Flower's.
        if depth > 8 {
            return Err(error("object tree", "nested deeper than a message goes"));
        }
        let mut tree = ObjectTree { id: String::new(), children: Vec::new() };
        let mut reader = Reader::new(bytes);
        while let Some((field, value)) = reader.field()? {
            match field {
                1 => tree.id = value.as_str("object id")?.to_owned(),
                2 => tree.children.push(ObjectTree::decode_at(value.as_bytes("object tree")?, depth + 1)?),
                _ => {}
            }
        }
        Ok(tree)
    }

    /// Every id, children before their parents (the order objects are pulled and pushed in).
    pub fn post_order(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for child in &self.children {
            out.extend(child.post_order());
        }
        out.push(&self.id);
        out
    }
}

/// A metric's value: Flower weights FedAvg by the `num-examples` integer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Metric {
    Integer(i64),
    Float(f64),
}

/// `Metadata` of a Message (protobuf `flwr.proto.Metadata`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    pub run_id: u64,
    pub message_id: String,
    pub src_node_id: u64,
    pub dst_node_id: u64,
    pub reply_to_message_id: String,
    pub group_id: String,
    pub ttl: f64,
    pub message_type: String,
    pub created_at: f64,
    pub src_task_id: Option<u64>,
    pub dst_task_id: Option<u64>,
}

impl Metadata {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.uint64_unless_zero(1, self.run_id)
            .string_unless_empty(2, &self.message_id)
            .uint64_unless_zero(3, self.src_node_id)
            .uint64_unless_zero(4, self.dst_node_id)
            .string_unless_empty(5, &self.reply_to_message_id)
            .string_unless_empty(6, &self.group_id)
            .double_unless_zero(7, self.ttl)
            .string_unless_empty(8, &self.message_type)
            .double_unless_zero(9, self.created_at);
        // Optional fields: present when set, even at zero.
        if let Some(id) = self.src_task_id {
            w.uint64(10, id);
        }
        if let Some(id) = self.dst_task_id {
            w.uint64(11, id);
        }
        w.bytes
    }

    pub fn decode(bytes: &[u8]) -> Result<Metadata> {
        let mut m = Metadata::default();
        let mut reader = Reader::new(bytes);
        while let Some((field, v)) = reader.field()? {
            match field {
                1 => m.run_id = v.as_u64("run_id")?,
                2 => m.message_id = v.as_str("message_id")?.to_owned(),
                3 => m.src_node_id = v.as_u64("src_node_id")?,
                4 => m.dst_node_id = v.as_u64("dst_node_id")?,
                5 => m.reply_to_message_id = v.as_str("reply_to_message_id")?.to_owned(),
                6 => m.group_id = v.as_str("group_id")?.to_owned(),
                7 => m.ttl = v.as_double("ttl")?,
                8 => m.message_type = v.as_str("message_type")?.to_owned(),
                9 => m.created_at = v.as_double("created_at")?,
                10 => m.src_task_id = Some(v.as_u64("src_task_id")?),
                11 => m.dst_task_id = Some(v.as_u64("dst_task_id")?),
                _ => {}
            }
        }
        Ok(m)
    }
}

/// The objects of one message being built, by id, and how they nest.
#[derive(Default)]
pub struct Builder {
    pub objects: BTreeMap<String, Vec<u8>>,
}

impl Builder {
    fn add(&mut self, kind: &str, children: Vec<String>, body: Vec<u8>) -> String {
        let content = Object { kind: kind.to_owned(), children, body }.to_bytes();
        let id = object_id(&content);
        self.objects.insert(id.clone(), content);
        id
    }

    /// An Array of float32 values: its `.npy` bytes in chunks, the chunks its children.
    pub fn array(&mut self, shape: &[usize], values: &[f32]) -> ObjectTree {
        let data = npy::encode(shape, values);
        let chunk_ids: Vec<String> =
            data.chunks(MAX_CHUNK_BYTES).map(|chunk| self.add("ArrayChunk", Vec::new(), chunk.to_vec())).collect();
        let mut unique: Vec<String> = Vec::new();
        for id in &chunk_ids {
            if !unique.contains(id) {
                unique.push(id.clone());
            }
        }
        let indices = chunk_ids.iter().filter_map(|id| unique.iter().position(|u| u == id)).map(|i| i.to_string());
        let body = json::object(&[
            ("dtype", json::string("float32")),
            ("shape", json::list(shape.iter().map(ToString::to_string))),
            ("stype", json::string("numpy.ndarray")),
            ("arraychunk_ids", json::list(indices)),
        ]);
        let id = self.add("Array", unique.clone(), body.into_bytes());
        ObjectTree { id, children: unique.into_iter().map(|id| ObjectTree { id, children: Vec::new() }).collect() }
    }

    /// Named arrays (in order), e.g. a model's parameters.
    pub fn array_record(&mut self, arrays: &[(&str, &[usize], &[f32])]) -> ObjectTree {
        let trees: Vec<(&str, ObjectTree)> =
            arrays.iter().map(|(name, shape, values)| (*name, self.array(shape, values))).collect();
        self.named("ArrayRecord", trees)
    }

    pub fn metric_record(&mut self, metrics: &[(&str, Metric)]) -> ObjectTree {
        let mut record = Writer::default();
        for (key, metric) in metrics {
            let mut value = Writer::default();
            match metric {
                Metric::Float(v) => value.double(1, *v),
                Metric::Integer(v) => value.sint64(2, *v),
            };
            let mut item = Writer::default();
            item.string(1, key).bytes(2, &value.bytes);
            record.bytes(1, &item.bytes);
        }
        let id = self.add("MetricRecord", Vec::new(), record.bytes);
        ObjectTree { id, children: Vec::new() }
    }

    pub fn config_record(&mut self, items: &[(&str, ConfigValue)]) -> ObjectTree {
        let id = self.add("ConfigRecord", Vec::new(), encode_record(items));
        ObjectTree { id, children: Vec::new() }
    }

    /// A RecordDict of named records.
    pub fn record_dict(&mut self, records: Vec<(&str, ObjectTree)>) -> ObjectTree {
        self.named("RecordDict", records)
    }

    /// `{"name": "<child id>", ...}` with its unique children.
    fn named(&mut self, kind: &str, entries: Vec<(&str, ObjectTree)>) -> ObjectTree {
        let body =
            json::object(&entries.iter().map(|(name, tree)| (*name, json::string(&tree.id))).collect::<Vec<_>>());
        let mut children: Vec<ObjectTree> = Vec::new();
        for (_, tree) in entries {
            if !children.iter().any(|c| c.id == tree.id) {
                children.push(tree);
            }
        }
        let id = self.add(kind, children.iter().map(|c| c.id.clone()).collect(), body.into_bytes());
        ObjectTree { id, children }
    }

    /// The Message object: its metadata (without `message_id`) as a protobuf `Message`, its
    /// content the RecordDict. Its id is the message id.
    /// A reply that carries an error instead of content: the Message object alone.
    pub fn error_message(&mut self, metadata: &Metadata, error: &(i64, String)) -> ObjectTree {
        let without_id = Metadata { message_id: String::new(), ..metadata.clone() };
        let mut message = Writer::default();
        message.bytes(1, &without_id.encode()).bytes(3, &encode_error(error));
        let id = self.add("Message", Vec::new(), message.bytes);
        ObjectTree { id, children: Vec::new() }
    }

    pub fn message(&mut self, metadata: &Metadata, content: ObjectTree) -> ObjectTree {
        let without_id = Metadata { message_id: String::new(), ..metadata.clone() };
        let mut message = Writer::default();
        message.bytes(1, &without_id.encode());
        let id = self.add("Message", vec![content.id.clone()], message.bytes);
        ObjectTree { id, children: vec![content] }
    }
}

/// Flower's `Error { code: sint64 = 1, reason: string = 2 }`.
pub fn encode_error((code, reason): &(i64, String)) -> Vec<u8> {
    let mut error = Writer::default();
    error.sint64(1, *code).string(2, reason);
    error.bytes
}
