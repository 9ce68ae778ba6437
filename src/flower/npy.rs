//! Arrays as `.npy` bytes (format 1.0: magic, version, header length, a Python dict literal
//! padded to 64 bytes, then the values), as Flower's ArrayChunks carry them. Written as float32
//! little-endian; read as float32 or float64 (converted), C order, within the tensor limits.

use super::error;
use crate::error::Result;
use crate::limits::MAX_TENSOR_ELEMENTS;

const MAGIC: &[u8] = b"\x93NUMPY";

pub fn encode(shape: &[usize], values: &[f32]) -> Vec<u8> {
    with_header("<f4", shape, values.iter().flat_map(|v| v.to_le_bytes()), values.len() * 4)
}

/// Integers as numpy's default int (`<i8`): SecAgg+'s masked vectors.
pub fn encode_i64(shape: &[usize], values: &[i64]) -> Vec<u8> {
    with_header("<i8", shape, values.iter().flat_map(|v| v.to_le_bytes()), values.len() * 8)
}

fn with_header(descr: &str, shape: &[usize], data: impl Iterator<Item = u8>, data_len: usize) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let tuple = match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {tuple}, }}");
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + data_len);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend(data);
    out
}

/// The shape and the values (as `f32`) of `.npy` bytes.
pub fn decode(bytes: &[u8]) -> Result<(Vec<usize>, Vec<f32>)> {
    let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| error(".npy", "not .npy bytes (no magic)"))?;
    let (header_len, rest) = match rest {
        [1, _, a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        [2 | 3, _, a, b, c, d, rest @ ..] => (u32::from_le_bytes([*a, *b, *c, *d]) as usize, rest),
        _ => return Err(error(".npy", "an unknown format version")),
    };
    let (header, data) = rest.split_at_checked(header_len).ok_or_else(|| error(".npy", "a header cut short"))?;
    let header = std::str::from_utf8(header).map_err(|_| error(".npy", "a header that is not text"))?;
    let field = |key: &str| -> Result<&str> {
        let start =
            header.find(&format!("'{key}':")).ok_or_else(|| error(".npy", format!("no {key} in {header:?}")))?;
        Ok(header[start + key.len() + 3..].trim_start())
    };
    let descr = field("descr")?;
    let width = if descr.starts_with("'<f4'") {
        4
    } else if descr.starts_with("'<f8'") {
        8
    } else {
        return Err(error(
            ".npy",
            format!("values of type {}: only <f4 and <f8 are read", descr.chars().take(8).collect::<String>()),
        ));
    };
    if !field("fortran_order")?.starts_with("False") {
        return Err(error(".npy", "Fortran order is not read"));
    }
    let shape_text = field("shape")?;
    let inside = shape_text
        .strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .map(|(inside, _)| inside)
        .ok_or_else(|| error(".npy", "a shape that is not a tuple"))?;
    let shape: Vec<usize> = inside
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse().map_err(|_| error(".npy", format!("a dimension {d:?}"))))
        .collect::<Result<_>>()?;
    let count = crate::limits::checked_elements(&shape)?;
    if count > MAX_TENSOR_ELEMENTS {
        return Err(error(".npy", format!("{count} values")));
    }
    if data.len() != count * width {
        return Err(error(".npy", format!("{count} values of {width} bytes announced, {} bytes given", data.len())));
    }
    let values = if width == 4 {
        data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    } else {
        data.chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect()
    };
    Ok((shape, values))
}
