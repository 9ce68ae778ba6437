//! Reading a message the ServerApp sent, from its pulled objects: the Message's metadata, every
//! ArrayRecord's arrays and every ConfigRecord's values. Each object is checked against its id
//! and its kind; what a reply does not need (metric records) is passed over.

use std::collections::BTreeMap;

use super::config::decode_record;
pub use super::config::ConfigValue;
use super::objects::{object_id, Metadata, Object, MAX_OBJECT_BYTES};
use super::protobuf::Reader;
use super::{error, json, npy};
use crate::error::Result;

/// What a pulled message carries, read from its objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// From the Message object (its `message_id` is empty there: the id is the object's).
    pub metadata: Metadata,
    /// Every ArrayRecord's arrays, by name: (record, array, shape, values).
    pub arrays: Vec<(String, String, Vec<usize>, Vec<f32>)>,
    /// Every ConfigRecord's values: (record, key, value).
    pub config: Vec<(String, String, ConfigValue)>,
    /// The names of the RecordDict's records, in order (a record may be empty).
    pub records: Vec<String>,
}

impl Received {
    /// Whether the message has a record named `name`, empty or not.
    pub fn has_record(&self, name: &str) -> bool {
        self.records.iter().any(|r| r == name)
    }

    /// The items of the ConfigRecord `record`, in order.
    pub fn config_of(&self, record: &str) -> Vec<(String, ConfigValue)> {
        self.config.iter().filter(|(r, ..)| r == record).map(|(_, k, v)| (k.clone(), v.clone())).collect()
    }

    /// A number from the message's config (`default` when absent, NaN when it is not a number).
    pub fn config_number(&self, key: &str, default: f64) -> f64 {
        self.config
            .iter()
            .find(|(_, k, _)| k == key)
            .map(|(_, _, v)| match v {
                ConfigValue::Float(v) => *v,
                ConfigValue::Integer(v) => *v as f64,
                ConfigValue::Unsigned(v) => *v as f64,
                _ => f64::NAN,
            })
            .unwrap_or(default)
    }
}

fn typed(objects: &BTreeMap<String, Vec<u8>>, id: &str, kind: &str) -> Result<Object> {
    let content = objects.get(id).ok_or_else(|| error("message", format!("object {id} was not pulled")))?;
    if object_id(content) != id {
        return Err(error("message", format!("object {id} does not hash to its id")));
    }
    let object = Object::parse(content)?;
    if object.kind != kind {
        return Err(error("message", format!("object {id} is a {}, expected a {kind}", object.kind)));
    }
    Ok(object)
}

fn references(object: &Object) -> Result<Vec<(String, String)>> {
    let text = std::str::from_utf8(&object.body).map_err(|_| error(&object.kind, "a body that is not text"))?;
    match json::parse(text)? {
        json::Value::Object(entries) => entries
            .into_iter()
            .map(|(name, value)| match value {
                json::Value::String(id) if object.children.contains(&id) => Ok((name, id)),
                other => Err(error(&object.kind, format!("{name} refers to {other:?}, not one of its children"))),
            })
            .collect(),
        other => Err(error(&object.kind, format!("a body of {other:?}"))),
    }
}

fn read_array(objects: &BTreeMap<String, Vec<u8>>, id: &str) -> Result<(Vec<usize>, Vec<f32>)> {
    let array = typed(objects, id, "Array")?;
    let text = std::str::from_utf8(&array.body).map_err(|_| error("Array", "a body that is not text"))?;
    let metadata = json::parse(text)?;
    let Some(json::Value::List(indices)) = metadata.get("arraychunk_ids") else {
        return Err(error("Array", "no arraychunk_ids"));
    };
    let mut data = Vec::new();
    for index in indices {
        let json::Value::Number(n) = index else { return Err(error("Array", "a chunk index that is not a number")) };
        let chunk_id = array
            .children
            .get(*n as usize)
            .filter(|_| n.fract() == 0.0 && *n >= 0.0)
            .ok_or_else(|| error("Array", format!("chunk index {n} of {} chunks", array.children.len())))?;
        data.extend_from_slice(&typed(objects, chunk_id, "ArrayChunk")?.body);
        if data.len() > MAX_OBJECT_BYTES {
            return Err(error("Array", "larger than an array may be"));
        }
    }
    npy::decode(&data)
}

fn read_config(object: &Object, record: &str, out: &mut Vec<(String, String, ConfigValue)>) -> Result<()> {
    out.extend(decode_record(&object.body)?.into_iter().map(|(key, value)| (record.to_owned(), key, value)));
    Ok(())
}

/// The message whose Message object is `root`, from its pulled objects (each checked against its id).
pub fn read_message(root: &str, objects: &BTreeMap<String, Vec<u8>>) -> Result<Received> {
    let message = typed(objects, root, "Message")?;
    let mut metadata = None;
    let mut reader = Reader::new(&message.body);
    while let Some((field, value)) = reader.field()? {
        if field == 1 {
            metadata = Some(Metadata::decode(value.as_bytes("metadata")?)?);
        }
    }
    let metadata = metadata.ok_or_else(|| error("Message", "no metadata"))?;
    let mut received = Received { metadata, arrays: Vec::new(), config: Vec::new(), records: Vec::new() };
    let Some(content) = message.children.first() else { return Ok(received) };
    let record_dict = typed(objects, content, "RecordDict")?;
    for (record, id) in references(&record_dict)? {
        let content = objects.get(&id).ok_or_else(|| error("RecordDict", format!("record {id} was not pulled")))?;
        let object = Object::parse(content)?;
        received.records.push(record.clone());
        match object.kind.as_str() {
            "ArrayRecord" => {
                for (name, array_id) in references(&typed(objects, &id, "ArrayRecord")?)? {
                    // The legacy API's stand-in for no parameters: an Array of no bytes.
                    if name == "_empty" {
                        continue;
                    }
                    let (shape, values) = read_array(objects, &array_id)?;
                    received.arrays.push((record.clone(), name, shape, values));
                }
            }
            "ConfigRecord" => read_config(&typed(objects, &id, "ConfigRecord")?, &record, &mut received.config)?,
            _ => {}
        }
    }
    Ok(received)
}
