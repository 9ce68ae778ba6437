//! Shamir's secret sharing as Flower's `crypto/shamir.py` does it over PyCryptodome: the secret
//! PKCS#7-padded to 16-byte chunks, each chunk shared on its own as an element of GF(2^128)
//! (polynomial basis, x^128 + x^7 + x^2 + x + 1, bytes big-endian) at the points 1..=n, and
//! share i = i as 4 bytes little-endian, then chunk 1's share, chunk 2's, ...

use crate::error::Result;
use crate::flower::error;

/// A secret is refused past this many bytes (SecAgg+ shares a 32-byte seed and a PEM key).
pub const MAX_SECRET_BYTES: usize = 4096;
/// As many shares as SecAgg+ has clients at most.
pub const MAX_SHARES: usize = 1024;

/// An element of GF(2^128): bit i is the coefficient of x^i.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element(pub u128);

impl Element {
    pub fn from_bytes(bytes: [u8; 16]) -> Element {
        Element(u128::from_be_bytes(bytes))
    }

    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }
}

impl std::ops::Add for Element {
    type Output = Element;

    // Addition in a field of characteristic 2 is XOR.
    #[allow(clippy::suspicious_arithmetic_impl)]
    fn add(self, other: Element) -> Element {
        Element(self.0 ^ other.0)
    }
}

impl std::ops::Mul for Element {
    type Output = Element;

    fn mul(self, other: Element) -> Element {
        let (mut a, mut b, mut product) = (self.0, other.0, 0u128);
        while b != 0 {
            if b & 1 == 1 {
                product ^= a;
            }
            b >>= 1;
            let carry = a >> 127;
            a <<= 1;
            if carry == 1 {
                a ^= 0x87;
            }
        }
        Element(product)
    }
}

impl Element {
    /// The inverse, a^(2^128 - 2); zero has none.
    pub fn inverse(self) -> Option<Element> {
        if self.0 == 0 {
            return None;
        }
        let (mut result, mut base, mut exponent) = (Element(1), self, u128::MAX - 1);
        while exponent != 0 {
            if exponent & 1 == 1 {
                result = result * base;
            }
            base = base * base;
            exponent >>= 1;
        }
        Some(result)
    }
}

/// PyCryptodome's `Shamir.split(threshold, n, chunk)` with `random` coefficients: the shares at
/// 1..=n of a polynomial of degree threshold - 1 whose constant term is `chunk`.
fn split_chunk(chunk: Element, random: &[Element], shares: usize) -> Vec<Element> {
    (1..=shares as u128)
        .map(|point| {
            let x = Element(point);
            random.iter().chain(std::iter::once(&chunk)).fold(Element(0), |acc, c| acc * x + *c)
        })
        .collect()
}

/// Flower's `create_shares(secret, threshold, num)`, the coefficients from the cryptographic
/// generator.
pub fn create_shares(secret: &[u8], threshold: usize, shares: usize) -> Result<Vec<Vec<u8>>> {
    if secret.len() > MAX_SECRET_BYTES {
        return Err(error("shamir", format!("a secret of {} bytes (the limit is {MAX_SECRET_BYTES})", secret.len())));
    }
    if !(1..=shares).contains(&threshold) || shares > MAX_SHARES {
        return Err(error("shamir", format!("{threshold} of {shares} shares: 1 ≤ threshold ≤ shares ≤ {MAX_SHARES}")));
    }
    let padding = 16 - secret.len() % 16;
    let mut padded = secret.to_vec();
    padded.extend(std::iter::repeat_n(padding as u8, padding));
    let mut out: Vec<Vec<u8>> = (1..=shares as u32).map(|i| i.to_le_bytes().to_vec()).collect();
    for chunk in padded.chunks_exact(16) {
        let mut random = vec![0u8; 16 * (threshold - 1)];
        getrandom::getrandom(&mut random).map_err(|e| error("shamir", e.to_string()))?;
        let random: Vec<Element> =
            random.chunks_exact(16).map(|c| Element::from_bytes(c.try_into().unwrap_or([0; 16]))).collect();
        let chunk = Element::from_bytes(chunk.try_into().unwrap_or([0; 16]));
        for (share, value) in out.iter_mut().zip(split_chunk(chunk, &random, shares)) {
            share.extend_from_slice(&value.to_bytes());
        }
    }
    Ok(out)
}

/// Flower's `combine_shares`: the secret from (at least threshold) shares, by Lagrange
/// interpolation at 0 of each chunk.
pub fn combine_shares(shares: &[Vec<u8>]) -> Result<Vec<u8>> {
    let first = shares.first().ok_or_else(|| error("shamir", "no shares to combine"))?;
    if first.len() < 20 || (first.len() - 4) % 16 != 0 || first.len() > MAX_SECRET_BYTES + 20 {
        return Err(error("shamir", format!("a share of {} bytes is not 4 + 16k", first.len())));
    }
    if shares.iter().any(|s| s.len() != first.len()) || shares.len() > MAX_SHARES {
        return Err(error("shamir", "shares of different lengths, or too many"));
    }
    let points: Vec<Element> =
        shares.iter().map(|s| Element(u128::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]])))).collect();
    let mut secret = Vec::with_capacity(first.len() - 4);
    for start in (4..first.len()).step_by(16) {
        let mut value = Element(0);
        for (j, share) in shares.iter().enumerate() {
            let y = Element::from_bytes(share[start..start + 16].try_into().unwrap_or([0; 16]));
            let (mut numerator, mut denominator) = (Element(1), Element(1));
            for (m, x) in points.iter().enumerate() {
                if m != j {
                    numerator = numerator * *x;
                    denominator = denominator * (points[j] + *x);
                }
            }
            let inverse = denominator.inverse().ok_or_else(|| error("shamir", "two shares at the same point"))?;
            value = value + y * numerator * inverse;
        }
        secret.extend_from_slice(&value.to_bytes());
    }
    let padding = usize::from(*secret.last().unwrap_or(&0));
    let padded_well = (1..=16).contains(&padding)
        && secret.len() >= padding
        && secret[secret.len() - padding..].iter().all(|&b| usize::from(b) == padding);
    if !padded_well {
        return Err(error("shamir", "Failed to combine shares"));
    }
    secret.truncate(secret.len() - padding);
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_threshold_of_the_shares_gives_the_secret_back() {
        let secret: Vec<u8> = (0..32).collect();
        let shares = create_shares(&secret, 3, 5).unwrap();
        assert_eq!(shares.len(), 5);
        assert_eq!(shares[0].len(), 4 + 48);
        for picked in [[0, 1, 2], [4, 2, 0], [1, 3, 4]] {
            let some: Vec<Vec<u8>> = picked.iter().map(|&i| shares[i].clone()).collect();
            assert_eq!(combine_shares(&some).unwrap(), secret);
        }
    }

    #[test]
    fn fewer_shares_than_the_threshold_say_nothing_of_the_secret() {
        let secret = [42u8; 16];
        let shares = create_shares(&secret, 3, 5).unwrap();
        let two = combine_shares(&shares[..2]);
        assert!(two.map_or(true, |s| s != secret));
    }

    #[test]
    fn the_field_is_a_field() {
        let a = Element(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210);
        assert_eq!(a * a.inverse().unwrap(), Element(1));
        assert_eq!(a * Element(1), a);
        assert_eq!(Element(0).inverse(), None);
        // x^127 · x = x^128 = x^7 + x^2 + x + 1.
        assert_eq!(Element(1 << 127) * Element(2), Element(0x87));
    }

    #[test]
    fn bad_shares_are_errors() {
        assert!(combine_shares(&[]).is_err());
        assert!(combine_shares(&[vec![1, 0, 0, 0, 9]]).is_err());
        let shares = create_shares(b"seed", 2, 3).unwrap();
        assert!(combine_shares(&[shares[0].clone(), shares[0].clone()]).is_err());
        assert!(create_shares(b"seed", 4, 3).is_err());
    }
}
