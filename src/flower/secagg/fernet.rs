//! Fernet, as Python's `cryptography` writes it — the envelope SecAgg+ puts around the secret
//! shares a client sends another through the server: a URL-safe base64 token of version byte
//! `0x80`, the time (8 bytes, big-endian seconds), a random IV, AES-128-CBC of the PKCS#7-padded
//! plaintext, and an HMAC-SHA256 over all of that. The key's first 16 bytes sign, the last 16
//! encrypt. Flower decrypts without a ttl, so the time is written but not checked.

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::encoding::{base64_url, base64_url_decode};
use crate::error::Result;
use crate::flower::error;

const VERSION: u8 = 0x80;
/// A token is refused past this many bytes (a share is a few hundred).
pub const MAX_TOKEN_BYTES: usize = 1024 * 1024;

fn halves(key: &[u8]) -> Result<([u8; 16], [u8; 16])> {
    let raw = base64_url_decode(key).filter(|raw| raw.len() == 32);
    let raw = raw.ok_or_else(|| error("fernet", "a key that is not 32 bytes of URL-safe base64"))?;
    let (mut signing, mut encryption) = ([0u8; 16], [0u8; 16]);
    signing.copy_from_slice(&raw[..16]);
    encryption.copy_from_slice(&raw[16..]);
    Ok((signing, encryption))
}

fn mac(signing: &[u8; 16]) -> Result<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(signing).map_err(|e| error("fernet", e.to_string()))
}

/// `Fernet(key).encrypt(plaintext)` at `time` (seconds since 1970) with `iv` (random: the caller
/// draws it from a cryptographic generator).
pub fn encrypt(key: &[u8], plaintext: &[u8], iv: [u8; 16], time: u64) -> Result<Vec<u8>> {
    let (signing, encryption) = halves(key)?;
    let ciphertext =
        cbc::Encryptor::<aes::Aes128>::new(&encryption.into(), &iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut token = Vec::with_capacity(1 + 8 + 16 + ciphertext.len() + 32);
    token.push(VERSION);
    token.extend_from_slice(&time.to_be_bytes());
    token.extend_from_slice(&iv);
    token.extend_from_slice(&ciphertext);
    let mut mac = mac(&signing)?;
    mac.update(&token);
    token.extend_from_slice(&mac.finalize().into_bytes());
    Ok(base64_url(&token).into_bytes())
}

/// `Fernet(key).decrypt(token)`: the plaintext, or an error for a token that was not made with
/// this key or was changed on the way.
pub fn decrypt(key: &[u8], token: &[u8]) -> Result<Vec<u8>> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(error("fernet", format!("a token of {} bytes (the limit is {MAX_TOKEN_BYTES})", token.len())));
    }
    let (signing, encryption) = halves(key)?;
    let raw = base64_url_decode(token).ok_or_else(|| error("fernet", "a token that is not URL-safe base64"))?;
    if raw.len() < 1 + 8 + 16 + 16 + 32 || raw[0] != VERSION || (raw.len() - 57) % 16 != 0 {
        return Err(error("fernet", "not a Fernet token"));
    }
    let (signed, tag) = raw.split_at(raw.len() - 32);
    let mut mac = mac(&signing)?;
    mac.update(signed);
    mac.verify_slice(tag)
        .map_err(|_| error("fernet", "the token's signature does not match: a wrong key, or changed"))?;
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&signed[9..25]);
    cbc::Decryptor::<aes::Aes128>::new(&encryption.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&signed[25..])
        .map_err(|_| error("fernet", "bad padding inside a signed token"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

    #[test]
    fn a_token_decrypts_to_its_plaintext_under_its_key_only() {
        for length in [0, 1, 15, 16, 17, 200] {
            let plaintext: Vec<u8> = (0..length).map(|i| i as u8).collect();
            let token = encrypt(KEY, &plaintext, [7; 16], 1_700_000_000).unwrap();
            assert_eq!(decrypt(KEY, &token).unwrap(), plaintext);
            let other = b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
            assert!(decrypt(other, &token).is_err());
        }
    }

    #[test]
    fn a_changed_token_or_a_bad_key_is_an_error() {
        let token = encrypt(KEY, b"share", [1; 16], 0).unwrap();
        let mut raw = base64_url_decode(&token).unwrap();
        raw[30] ^= 1;
        assert!(decrypt(KEY, base64_url(&raw).as_bytes()).is_err());
        assert!(decrypt(KEY, b"gAAAA").is_err());
        assert!(encrypt(b"short", b"x", [0; 16], 0).is_err());
    }
}
