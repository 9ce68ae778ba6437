//! The protobuf wire format, as much as the Fleet messages need: varints, zigzag, 64-bit doubles
//! and length-delimited fields. The writer emits fields in the order it is given, which callers
//! keep ascending (what `SerializeToString(deterministic=True)` writes, so that an object's bytes,
//! and so its id, are the ones Flower would compute); proto3 defaults are left out by the callers.
//! The reader checks every length against what is left: bad bytes are an error, never a panic.

use super::error;
use crate::error::Result;

#[derive(Default)]
pub struct Writer {
    pub bytes: Vec<u8>,
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

impl Writer {
    fn key(&mut self, field: u32, wire_type: u8) {
        varint(&mut self.bytes, (u64::from(field) << 3) | u64::from(wire_type));
    }

    pub fn uint64(&mut self, field: u32, value: u64) -> &mut Writer {
        self.key(field, 0);
        varint(&mut self.bytes, value);
        self
    }

    pub fn sint64(&mut self, field: u32, value: i64) -> &mut Writer {
        self.uint64(field, ((value << 1) ^ (value >> 63)) as u64)
    }

    pub fn bool(&mut self, field: u32, value: bool) -> &mut Writer {
        self.uint64(field, u64::from(value))
    }

    pub fn double(&mut self, field: u32, value: f64) -> &mut Writer {
        self.key(field, 1);
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn bytes(&mut self, field: u32, value: &[u8]) -> &mut Writer {
        self.key(field, 2);
        varint(&mut self.bytes, value.len() as u64);
        self.bytes.extend_from_slice(value);
        self
    }

    pub fn string(&mut self, field: u32, value: &str) -> &mut Writer {
        self.bytes(field, value.as_bytes())
    }

    /// Proto3 leaves a default value out: these write only what differs from it.
    pub fn uint64_unless_zero(&mut self, field: u32, value: u64) -> &mut Writer {
        if value != 0 {
            self.uint64(field, value);
        }
        self
    }

    pub fn string_unless_empty(&mut self, field: u32, value: &str) -> &mut Writer {
        if !value.is_empty() {
            self.string(field, value);
        }
        self
    }

    pub fn double_unless_zero(&mut self, field: u32, value: f64) -> &mut Writer {
        if value != 0.0 {
            self.double(field, value);
        }
        self
    }
}

/// One field as read: its number and its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

impl<'a> Value<'a> {
    pub fn as_u64(self, what: &str) -> Result<u64> {
        match self {
            Value::Varint(v) => Ok(v),
            other => Err(error(what, format!("expected a varint, found {other:?}"))),
        }
    }

    pub fn as_sint64(self, what: &str) -> Result<i64> {
        let raw = self.as_u64(what)?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    pub fn as_double(self, what: &str) -> Result<f64> {
        match self {
            Value::Fixed64(v) => Ok(f64::from_bits(v)),
            other => Err(error(what, format!("expected a double, found {other:?}"))),
        }
    }

    pub fn as_bytes(self, what: &str) -> Result<&'a [u8]> {
        match self {
            Value::Bytes(b) => Ok(b),
            other => Err(error(what, format!("expected bytes, found {other:?}"))),
        }
    }

    pub fn as_str(self, what: &str) -> Result<&'a str> {
        std::str::from_utf8(self.as_bytes(what)?).map_err(|_| error(what, "a string that is not UTF-8"))
    }
}

/// The fields of a message, in the order they come.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { rest: bytes }
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.rest.split_first().ok_or_else(|| error("protobuf", "a varint cut short"))?;
            self.rest = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(error("protobuf", "a varint longer than 10 bytes"))
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        let (taken, rest) = self
            .rest
            .split_at_checked(count)
            .ok_or_else(|| error("protobuf", format!("{count} bytes announced, {} left", self.rest.len())))?;
        self.rest = rest;
        Ok(taken)
    }

    /// The values of a packed repeated varint field (proto3's default for repeated scalars).
    pub fn packed_varints(bytes: &'a [u8]) -> Result<Vec<u64>> {
        let mut reader = Reader::new(bytes);
        let mut out = Vec::new();
        while !reader.rest.is_empty() {
            out.push(reader.varint()?);
        }
        Ok(out)
    }

    /// The next field, or `None` at the end.
    pub fn field(&mut self) -> Result<Option<(u32, Value<'a>)>> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| error("protobuf", "a field number out of range"))?;
        let value = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                Value::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| error("protobuf", "fixed64"))?))
            }
            2 => {
                let length = usize::try_from(self.varint()?).map_err(|_| error("protobuf", "a length out of range"))?;
                Value::Bytes(self.take(length)?)
            }
            5 => {
                Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| error("protobuf", "fixed32"))?))
            }
            other => return Err(error("protobuf", format!("wire type {other} is not supported"))),
        };
        Ok(Some((number, value)))
    }
}
