//! A learner's notebook as a link: what differs from the seed — cells they edited, cells of their
//! own — in the address's fragment, `#in5=x_ptr%20%3D%20x.send(alice)&after5=x_ptr.location`.
//! Read back, each part either applies or is refused with a message saying why (an unknown cell,
//! a text over the cell limit, too many cells); a refused part changes nothing.

use super::limits::MAX_CELL_BYTES;
use crate::error::Error;

/// How many cells of their own a link may carry.
pub const MAX_ADDED_CELLS: usize = 64;
/// The longest fragment read (encoded): every seed cell edited to its longest would not fit, a
/// learner's notebook does.
pub const MAX_LINK_BYTES: usize = 1 << 20;

/// One difference from the seed.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkCell {
    /// The seed's cell `In [number]`, with the learner's text.
    Edited { number: u32, source: String },
    /// A cell of the learner's own, after the seed's cell `In [after]` (and after the learner's
    /// cells already there).
    Added { after: u32, source: String },
}

/// The fragment (without `#`) that carries `cells`, in order.
pub fn to_fragment(cells: &[LinkCell]) -> String {
    cells
        .iter()
        .map(|cell| match cell {
            LinkCell::Edited { number, source } => format!("in{number}={}", encode(source)),
            LinkCell::Added { after, source } => format!("after{after}={}", encode(source)),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The cells a fragment carries, for a notebook whose seed cells are `seed_numbers`; with every
/// part refused and why.
pub fn from_fragment(fragment: &str, seed_numbers: &[u32]) -> (Vec<LinkCell>, Vec<Error>) {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.len() > MAX_LINK_BYTES {
        let refused = refuse("the notebook's link", &format!("{} bytes", fragment.len()), "at most 1 MiB");
        return (Vec::new(), vec![refused]);
    }
    let (mut cells, mut refused) = (Vec::new(), Vec::new());
    let mut added = 0;
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        match read_part(part, seed_numbers, &cells) {
            Ok(cell) => {
                if matches!(cell, LinkCell::Added { .. }) {
                    added += 1;
                    if added > MAX_ADDED_CELLS {
                        refused.push(refuse(key_of(part), "another cell", "at most 64 cells of one's own"));
                        continue;
                    }
                }
                cells.push(cell);
            }
            Err(error) => refused.push(error),
        }
    }
    (cells, refused)
}

fn key_of(part: &str) -> &str {
    part.split_once('=').map_or(part, |(key, _)| key)
}

fn read_part(part: &str, seed_numbers: &[u32], read: &[LinkCell]) -> Result<LinkCell, Error> {
    let (key, value) = part.split_once('=').unwrap_or((part, ""));
    let number = |digits: &str| -> Result<u32, Error> {
        digits
            .parse()
            .ok()
            .filter(|n| seed_numbers.contains(n))
            .ok_or_else(|| refuse(key, digits, "the number of one of the seed's cells"))
    };
    let source = decode(value).ok_or_else(|| refuse(key, &shortened(value), "text encoded as in a URL"))?;
    if source.len() > MAX_CELL_BYTES {
        return Err(refuse(key, &format!("{} bytes", source.len()), "a cell of at most 64 KiB"));
    }
    if let Some(digits) = key.strip_prefix("in") {
        let number = number(digits)?;
        if read.iter().any(|c| matches!(c, LinkCell::Edited { number: n, .. } if *n == number)) {
            return Err(refuse(key, &shortened(&source), "each cell once"));
        }
        return Ok(LinkCell::Edited { number, source });
    }
    if let Some(digits) = key.strip_prefix("after") {
        return Ok(LinkCell::Added { after: number(digits)?, source });
    }
    Err(refuse(&shortened(key), &shortened(value), "in<N>=<text> or after<N>=<text>"))
}

fn refuse(setting: &str, value: &str, expected: &str) -> Error {
    Error::InvalidSetting { setting: setting.to_owned(), value: value.to_owned(), expected: expected.to_owned() }
}

/// At most 40 characters of `text`, for a message.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Percent-encoding of every byte but the unreserved ones (RFC 3986), so `&`, `=`, `#` and
/// newlines survive in a fragment.
fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The text `encode` made (any percent-encoded UTF-8, as a browser may re-encode it); `None` for a
/// broken escape or bytes that are not UTF-8.
fn decode(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = encoded.get(at + 1..at + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &[u32] = &[1, 2, 3, 5, 44];

    fn check(fragment: &str, cells: &[LinkCell], refused: &[&str]) {
        let (read, errors) = from_fragment(fragment, SEED);
        assert_eq!(read, cells);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(errors, refused);
    }

    #[test]
    fn a_notebook_survives_its_link_whatever_its_text() {
        let cells = vec![
            LinkCell::Edited { number: 5, source: "x_ptr = x.send(alice)\ny = {'a': 1} # & = % # ✓".into() },
            LinkCell::Added { after: 5, source: "print(f\"{x_ptr}\")\n\tlambda: 0".into() },
            LinkCell::Added { after: 5, source: String::new() },
            LinkCell::Added { after: 44, source: "bob._objects".into() },
        ];
        let fragment = to_fragment(&cells);
        assert!(fragment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%=&".contains(&b)), "{fragment}");
        check(&format!("#{fragment}"), &cells, &[]);
    }

    #[test]
    fn a_part_that_cannot_apply_is_refused_and_the_others_apply() {
        check(
            "in4=x&in5=ok&in5=again&after9=y&bogus=1&in1=%ZZ&in2=%FF",
            &[LinkCell::Edited { number: 5, source: "ok".into() }],
            &[
                "in4 = \"4\" is not allowed: the number of one of the seed's cells",
                "in5 = \"again\" is not allowed: each cell once",
                "after9 = \"9\" is not allowed: the number of one of the seed's cells",
                "bogus = \"1\" is not allowed: in<N>=<text> or after<N>=<text>",
                "in1 = \"%ZZ\" is not allowed: text encoded as in a URL",
                "in2 = \"%FF\" is not allowed: text encoded as in a URL",
            ],
        );
    }

    #[test]
    fn sizes_a_link_controls_are_bounded() {
        let long = "a".repeat(MAX_CELL_BYTES + 1);
        check(&format!("in1={long}"), &[], &["in1 = \"65537 bytes\" is not allowed: a cell of at most 64 KiB"]);
        let many = vec!["after1=x"; MAX_ADDED_CELLS + 2].join("&");
        let (cells, refused) = from_fragment(&many, SEED);
        assert_eq!((cells.len(), refused.len()), (MAX_ADDED_CELLS, 2));
        let huge = "a".repeat(MAX_LINK_BYTES + 1);
        assert_eq!(from_fragment(&huge, SEED).1.len(), 1);
        // A truncated escape at the very end is refused, not read past the text.
        check("in1=%4", &[], &["in1 = \"%4\" is not allowed: text encoded as in a URL"]);
    }
}
