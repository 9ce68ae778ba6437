//! A ConfigRecord's values (protobuf `ConfigRecordValue`): scalars and lists, read and written as
//! Flower's `serde_utils` does — an int past `i64::MAX` as `uint64`, a list of ints with one such
//! as a `UintList`, and an empty list as a `BoolList` (the first type Python's check lets through).

use super::error;
use super::protobuf::{Reader, Value, Writer};
use crate::error::Result;

#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    Float(f64),
    Integer(i64),
    Unsigned(u64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    Floats(Vec<f64>),
    Integers(Vec<i64>),
    Unsigneds(Vec<u64>),
    Bools(Vec<bool>),
    Texts(Vec<String>),
    BytesList(Vec<Vec<u8>>),
}

impl ConfigValue {
    /// An int as Python writes it.
    pub fn int(value: u64) -> ConfigValue {
        i64::try_from(value).map_or(ConfigValue::Unsigned(value), ConfigValue::Integer)
    }

    /// A list of ints (node ids) as Python writes it.
    pub fn ints(values: &[u64]) -> ConfigValue {
        if values.is_empty() {
            ConfigValue::Bools(Vec::new())
        } else if values.iter().all(|&v| i64::try_from(v).is_ok()) {
            ConfigValue::Integers(values.iter().map(|&v| v as i64).collect())
        } else {
            ConfigValue::Unsigneds(values.to_vec())
        }
    }

    /// A list of bytes as Python writes it.
    pub fn bytes_list(values: Vec<Vec<u8>>) -> ConfigValue {
        if values.is_empty() {
            ConfigValue::Bools(Vec::new())
        } else {
            ConfigValue::BytesList(values)
        }
    }

    /// A whole number that is not negative, however it was written.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            ConfigValue::Integer(v) => u64::try_from(*v).ok(),
            ConfigValue::Unsigned(v) => Some(*v),
            _ => None,
        }
    }

    /// A list of whole numbers that are not negative (an empty list, whatever its type).
    pub fn as_u64s(&self) -> Option<Vec<u64>> {
        match self {
            ConfigValue::Integers(v) => v.iter().map(|&v| u64::try_from(v).ok()).collect(),
            ConfigValue::Unsigneds(v) => Some(v.clone()),
            other => other.is_empty_list().then(Vec::new),
        }
    }

    /// A list of bytes (an empty list, whatever its type).
    pub fn as_bytes_list(&self) -> Option<&[Vec<u8>]> {
        match self {
            ConfigValue::BytesList(v) => Some(v),
            other => other.is_empty_list().then_some(&[]),
        }
    }

    fn is_empty_list(&self) -> bool {
        match self {
            ConfigValue::Floats(v) => v.is_empty(),
            ConfigValue::Integers(v) => v.is_empty(),
            ConfigValue::Unsigneds(v) => v.is_empty(),
            ConfigValue::Bools(v) => v.is_empty(),
            ConfigValue::Texts(v) => v.is_empty(),
            ConfigValue::BytesList(v) => v.is_empty(),
            _ => false,
        }
    }

    /// The `ConfigRecordValue` message.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        let packed = |values: &mut dyn Iterator<Item = u64>| {
            let mut list = Vec::new();
            for v in values {
                let mut one = Writer::default();
                one.uint64(1, v);
                list.extend_from_slice(&one.bytes[1..]);
            }
            let mut inner = Writer::default();
            if !list.is_empty() {
                inner.bytes(1, &list);
            }
            inner.bytes
        };
        match self {
            ConfigValue::Float(v) => w.double(1, *v),
            ConfigValue::Integer(v) => w.sint64(2, *v),
            ConfigValue::Unsigned(v) => w.uint64(3, *v),
            ConfigValue::Bool(v) => w.bool(4, *v),
            ConfigValue::Text(v) => w.string(5, v),
            ConfigValue::Bytes(v) => w.bytes(6, v),
            ConfigValue::Floats(v) => {
                let mut inner = Writer::default();
                if !v.is_empty() {
                    inner.bytes(1, &v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>());
                }
                w.bytes(21, &inner.bytes)
            }
            ConfigValue::Integers(v) => w.bytes(22, &packed(&mut v.iter().map(|&x| ((x << 1) ^ (x >> 63)) as u64))),
            ConfigValue::Unsigneds(v) => w.bytes(23, &packed(&mut v.iter().copied())),
            ConfigValue::Bools(v) => w.bytes(24, &packed(&mut v.iter().map(|&b| u64::from(b)))),
            ConfigValue::Texts(v) => {
                let mut inner = Writer::default();
                v.iter().for_each(|s| {
                    inner.string(1, s);
                });
                w.bytes(25, &inner.bytes)
            }
            ConfigValue::BytesList(v) => {
                let mut inner = Writer::default();
                v.iter().for_each(|b| {
                    inner.bytes(1, b);
                });
                w.bytes(26, &inner.bytes)
            }
        };
        w.bytes
    }

    /// A `ConfigRecordValue` message; `None` for a kind this reader does not know.
    pub fn decode(bytes: &[u8]) -> Result<Option<ConfigValue>> {
        let Some((kind, v)) = Reader::new(bytes).field()? else { return Ok(None) };
        let what = "config";
        Ok(Some(match kind {
            1 => ConfigValue::Float(v.as_double(what)?),
            2 => ConfigValue::Integer(v.as_sint64(what)?),
            3 => ConfigValue::Unsigned(v.as_u64(what)?),
            4 => ConfigValue::Bool(v.as_u64(what)? != 0),
            5 => ConfigValue::Text(v.as_str(what)?.to_owned()),
            6 => ConfigValue::Bytes(v.as_bytes(what)?.to_vec()),
            21..=26 => {
                let mut items = Reader::new(v.as_bytes(what)?);
                let mut values: Vec<Value> = Vec::new();
                while let Some((field, item)) = items.field()? {
                    if field == 1 {
                        values.push(item);
                    }
                }
                list(kind, &values)?
            }
            _ => return Ok(None),
        }))
    }
}

/// A list's values: packed (one length-delimited field) or not (one field a value).
fn list(kind: u32, values: &[Value]) -> Result<ConfigValue> {
    let what = "config list";
    let varints = || -> Result<Vec<u64>> {
        let mut out = Vec::new();
        for value in values {
            match value {
                Value::Bytes(packed) => out.extend(Reader::packed_varints(packed)?),
                other => out.push(other.as_u64(what)?),
            }
        }
        Ok(out)
    };
    Ok(match kind {
        21 => {
            let mut out = Vec::new();
            for value in values {
                match value {
                    Value::Bytes(packed) if packed.len() % 8 == 0 => {
                        out.extend(packed.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
                    }
                    other => out.push(other.as_double(what)?),
                }
            }
            ConfigValue::Floats(out)
        }
        22 => {
            ConfigValue::Integers(varints()?.into_iter().map(|raw| ((raw >> 1) as i64) ^ -((raw & 1) as i64)).collect())
        }
        23 => ConfigValue::Unsigneds(varints()?),
        24 => ConfigValue::Bools(varints()?.into_iter().map(|v| v != 0).collect()),
        25 => ConfigValue::Texts(values.iter().map(|v| v.as_str(what).map(str::to_owned)).collect::<Result<_>>()?),
        _ => {
            ConfigValue::BytesList(values.iter().map(|v| v.as_bytes(what).map(<[u8]>::to_vec)).collect::<Result<_>>()?)
        }
    })
}

/// A ConfigRecord's body: its items, in order.
pub fn encode_record(items: &[(&str, ConfigValue)]) -> Vec<u8> {
    let mut record = Writer::default();
    for (key, value) in items {
        let mut item = Writer::default();
        item.string(1, key).bytes(2, &value.encode());
        record.bytes(1, &item.bytes);
    }
    record.bytes
}

/// A ConfigRecord's items, in order (kinds this reader does not know are passed over).
pub fn decode_record(body: &[u8]) -> Result<Vec<(String, ConfigValue)>> {
    let mut out = Vec::new();
    let mut items = Reader::new(body);
    while let Some((field, item)) = items.field()? {
        if field != 1 {
            return Err(error("ConfigRecord", format!("field {field} in a ConfigRecord")));
        }
        let (mut key, mut value) = (String::new(), None);
        let mut fields = Reader::new(item.as_bytes("config item")?);
        while let Some((field, v)) = fields.field()? {
            match field {
                1 => key = v.as_str("config key")?.to_owned(),
                2 => value = ConfigValue::decode(v.as_bytes("config value")?)?,
                _ => {}
            }
        }
        if let Some(value) = value {
            out.push((key, value));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_reads_back_as_written() {
        let items = vec![
            ("f", ConfigValue::Float(0.5)),
            ("i", ConfigValue::int(7)),
            ("u", ConfigValue::int(u64::MAX)),
            ("b", ConfigValue::Bool(true)),
            ("t", ConfigValue::Text("setup".into())),
            ("y", ConfigValue::Bytes(vec![0, 255])),
            ("fs", ConfigValue::Floats(vec![1.0, -2.5])),
            ("is", ConfigValue::ints(&[1, 2, 300])),
            ("us", ConfigValue::ints(&[1, u64::MAX])),
            ("none", ConfigValue::ints(&[])),
            ("ts", ConfigValue::Texts(vec!["a".into(), String::new()])),
            ("ys", ConfigValue::bytes_list(vec![b"pk1".to_vec(), Vec::new()])),
        ];
        let read = decode_record(&encode_record(&items)).unwrap();
        let expected: Vec<(String, ConfigValue)> = items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        assert_eq!(read, expected);
        assert_eq!(ConfigValue::int(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(ConfigValue::ints(&[]).as_u64s(), Some(Vec::new()));
        assert_eq!(ConfigValue::Integers(vec![-1]).as_u64s(), None);
    }

    #[test]
    fn python_packs_a_sint_list_in_one_field() {
        // SintList(vals=[1, -2]).SerializeToString() inside ConfigRecordValue.sint_list (22).
        assert_eq!(ConfigValue::Integers(vec![1, -2]).encode(), [0xb2, 0x01, 4, 0x0a, 2, 2, 3]);
        assert!(decode_record(&[0x0a, 0x05, 0x12, 0x03, 0xb2, 0x01, 0x09]).is_err());
    }
}
