//! The wire form on the hot path: one frame per message, handed over as one transferred buffer.
//!
//! ```text
//! [WIRE_VERSION: u8][header length: u32 LE][header][zeros to a multiple of 8]
//! [values of tensor 0][zeros to a multiple of 8][values of tensor 1]…
//! header = postcard(message without tensor values) + per tensor: kind (0 = f32, 1 = i64), count (u32 LE)
//! ```
//!
//! The message is postcard (varints, no field names, a byte per enum level); each tensor's values
//! sit raw and little-endian at an 8-byte-aligned offset, in the order of [`Payloads::payloads_mut`],
//! so that a transport can copy them straight between a typed-array view of the buffer and the
//! tensor's own `Vec` (`runtime::web::wire` does for large frames; small ones cross whole and are
//! decoded from bytes). Anything else —
//! another version, a short or long frame, a count past the limits — is a typed error, never a panic.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{Envelope, Payload, Values};
use crate::error::{Error, Result};
use crate::limits::{MAX_MESSAGE_BYTES, MAX_TENSOR_ELEMENTS};

/// Bumped whenever the frame or any message type changes shape: both sides are built together,
/// so a mismatch means a stale cached worker, and it is refused rather than misread.
pub const WIRE_VERSION: u8 = 7;

/// Version byte and header length.
pub const PREFIX_BYTES: usize = 5;

// The values are copied as they lie in memory, which the frame's little-endian layout matches.
#[cfg(not(target_endian = "little"))]
compile_error!("minisyft's wire frame copies tensor values as they lie in memory: little-endian only");

const F32: u8 = 0;
const I64: u8 = 1;

/// Messages whose tensors' values travel beside them.
pub trait Payloads {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>>;
}

impl Payloads for Envelope {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        Envelope::payloads_mut(self)
    }
}

/// Where one tensor's values lie in a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub is_f32: bool,
    pub count: usize,
    /// Byte offset from the start of the frame (a multiple of 8).
    pub offset: usize,
}

impl Placement {
    pub fn byte_len(&self) -> usize {
        self.count * if self.is_f32 { 4 } else { 8 }
    }
}

/// A message laid out as a frame: the prefix and header bytes, and each tensor's values with
/// where they go. `total` is the frame's length.
pub struct Frame {
    pub header: Vec<u8>,
    pub values: Vec<(Placement, Values)>,
    pub total: usize,
}

fn align8(offset: usize) -> usize {
    offset.div_ceil(8) * 8
}

fn too_long(bytes: usize) -> Error {
    Error::malformed(format!("a message of {bytes} bytes (the limit is {MAX_MESSAGE_BYTES})"))
}

/// Lays `message` out as a frame, taking its tensors' values out of it (no copy).
pub fn lay_out<T: Serialize + Payloads>(mut message: T) -> Result<Frame> {
    let payloads: Vec<Values> = message.payloads_mut().into_iter().map(|p| std::mem::take(p.values)).collect();
    let mut header = vec![WIRE_VERSION, 0, 0, 0, 0];
    header = postcard::to_extend(&message, header).map_err(|e| Error::malformed(format!("encoding: {e}")))?;
    for values in &payloads {
        let count = u32::try_from(values.len()).map_err(|_| Error::malformed("a tensor too large to send"))?;
        header.push(if matches!(values, Values::F32(_)) { F32 } else { I64 });
        header.extend_from_slice(&count.to_le_bytes());
    }
    let header_len = u32::try_from(header.len() - PREFIX_BYTES).map_err(|_| too_long(header.len()))?;
    header[1..PREFIX_BYTES].copy_from_slice(&header_len.to_le_bytes());
    let mut offset = align8(header.len());
    let mut values = Vec::with_capacity(payloads.len());
    for payload in payloads {
        let placement = Placement { is_f32: matches!(payload, Values::F32(_)), count: payload.len(), offset };
        offset = align8(offset + placement.byte_len());
        values.push((placement, payload));
    }
    if offset > MAX_MESSAGE_BYTES {
        return Err(too_long(offset));
    }
    Ok(Frame { header, values, total: offset })
}

/// The frame as bytes, in one allocation.
pub fn encode<T: Serialize + Payloads>(message: T) -> Result<Vec<u8>> {
    lay_out(message)?.into_bytes()
}

impl Frame {
    /// The frame as bytes, in one allocation.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        let Frame { header, values, total } = self;
        let mut frame = header;
        frame.resize(total, 0);
        for (placement, values) in values {
            let bytes = frame
                .get_mut(placement.offset..placement.offset + placement.byte_len())
                .ok_or_else(|| Error::malformed("tensor values laid out past the end of the message"))?;
            match values {
                Values::F32(v) => bytes.copy_from_slice(bytemuck::cast_slice(&v)),
                Values::I64(v) => bytes.copy_from_slice(bytemuck::cast_slice(&v)),
            }
        }
        Ok(frame)
    }
}

/// How many bytes of a frame of `total` bytes starting with `prefix` (at least
/// [`PREFIX_BYTES`]) make its prefix and header.
pub fn header_len(prefix: &[u8], total: usize) -> Result<usize> {
    if total > MAX_MESSAGE_BYTES {
        return Err(too_long(total));
    }
    let [version, a, b, c, d, ..] = *prefix else { return Err(Error::malformed("a message shorter than its prefix")) };
    if version != WIRE_VERSION {
        return Err(Error::WireVersion { found: version, expected: WIRE_VERSION });
    }
    let length = PREFIX_BYTES + u32::from_le_bytes([a, b, c, d]) as usize;
    if length > total {
        return Err(Error::malformed(format!("a header of {length} bytes in a message of {total}")));
    }
    Ok(length)
}

/// The message from its prefix and header, with where each tensor's values lie in a frame of
/// `total` bytes; the values are still to be filled in ([`fill`]).
pub fn decode_header<T: DeserializeOwned + Payloads>(header: &[u8], total: usize) -> Result<(T, Vec<Placement>)> {
    let length = header_len(header, total)?;
    let body = header.get(PREFIX_BYTES..length).ok_or_else(|| Error::malformed("a header cut short"))?;
    let (mut message, mut table): (T, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| Error::malformed(format!("decoding: {e}")))?;
    let expected = message.payloads_mut().len();
    let mut placements = Vec::with_capacity(expected);
    let mut offset = align8(length);
    for _ in 0..expected {
        let (kind, count, rest) = match table {
            [kind, a, b, c, d, rest @ ..] => (*kind, u32::from_le_bytes([*a, *b, *c, *d]) as usize, rest),
            _ => return Err(Error::malformed("a tensor's values are missing")),
        };
        if count > MAX_TENSOR_ELEMENTS {
            return Err(Error::malformed(format!("{count} values (the limit is {MAX_TENSOR_ELEMENTS})")));
        }
        let is_f32 = match kind {
            F32 => true,
            I64 => false,
            other => return Err(Error::malformed(format!("tensor values of unknown kind {other}"))),
        };
        let placement = Placement { is_f32, count, offset };
        offset = align8(offset + placement.byte_len());
        if offset > total {
            return Err(Error::malformed(format!("{count} values announced past the end of a {total}-byte message")));
        }
        placements.push(placement);
        table = rest;
    }
    if !table.is_empty() {
        return Err(Error::malformed(format!("{} bytes after the header's table", table.len())));
    }
    if offset != total {
        return Err(Error::malformed(format!("a message of {total} bytes laid out for {offset}")));
    }
    Ok((message, placements))
}

/// Puts each tensor's values, read by `read`, back into `message`.
pub fn fill<T: Payloads>(
    message: &mut T,
    placements: &[Placement],
    mut read: impl FnMut(&Placement) -> Result<Values>,
) -> Result<()> {
    for (payload, placement) in message.payloads_mut().into_iter().zip(placements) {
        *payload.values = read(placement)?;
    }
    Ok(())
}

/// Values from their bytes, as one copy (`bytes` holds a whole number of them: a placement's).
fn read_values<V: bytemuck::Pod>(bytes: &[u8]) -> Vec<V> {
    let mut values = vec![V::zeroed(); bytes.len() / std::mem::size_of::<V>()];
    bytemuck::cast_slice_mut(&mut values).copy_from_slice(bytes);
    values
}

pub fn decode<T: DeserializeOwned + Payloads>(frame: &[u8]) -> Result<T> {
    let (mut message, placements) = decode_header::<T>(frame, frame.len())?;
    fill(&mut message, &placements, |placement| {
        let bytes = frame
            .get(placement.offset..placement.offset + placement.byte_len())
            .ok_or_else(|| Error::malformed("tensor values past the end of the message"))?;
        Ok(if placement.is_f32 { Values::F32(read_values(bytes)) } else { Values::I64(read_values(bytes)) })
    })?;
    Ok(message)
}
