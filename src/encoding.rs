//! Text forms of bytes: base64 (standard alphabet, padded) for data URLs and HTTP headers, its
//! URL-safe alphabet (padded, as Python's `urlsafe_b64encode` writes it) for Fernet's keys and
//! tokens, and lowercase hex for ids.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub fn base64(bytes: &[u8]) -> String {
    encode(bytes, STANDARD)
}

pub fn base64_url(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE)
}

/// The bytes of padded URL-safe base64; `None` for anything else (a wrong letter, length or padding).
pub fn base64_url_decode(text: &[u8]) -> Option<Vec<u8>> {
    decode(text, URL_SAFE)
}

/// The bytes of padded standard base64; `None` for anything else.
pub fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    decode(text, STANDARD)
}

fn decode(text: &[u8], alphabet: &[u8; 64]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let value = |c: u8| alphabet.iter().position(|&a| a == c).map(|v| v as u32);
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let quads = text.chunks(4).count();
    for (index, quad) in text.chunks(4).enumerate() {
        let padding = quad.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && index + 1 != quads) {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - padding] {
            n = (n << 6) | value(c)?;
        }
        n <<= 6 * padding as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_is_rfc_4648s() {
        for (input, expected) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(super::base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn base64_url_round_trips_and_refuses_what_is_not_it() {
        for length in 0..40 {
            let bytes: Vec<u8> = (0..length).map(|i| (i * 37 + 251) as u8).collect();
            let text = super::base64_url(&bytes);
            assert!(!text.contains('+') && !text.contains('/'));
            assert_eq!(super::base64_url_decode(text.as_bytes()), Some(bytes));
        }
        for bad in ["Zg=", "Z===", "Zg==Zg==", "Zm+v", "Zm9v!A=="] {
            assert_eq!(super::base64_url_decode(bad.as_bytes()), None, "{bad}");
        }
    }
}
