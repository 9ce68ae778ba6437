//! SecAgg+'s key agreement, as `flwr.supercore.primitives.asymmetric` and
//! `flwr.common.secure_aggregation.crypto.symmetric_encryption` do it: EC key pairs on SECP384R1,
//! the private half as PKCS#8 PEM and the public half as SubjectPublicKeyInfo PEM (the bytes that
//! travel, and the bytes Shamir shares), and a shared key that is ECDH's x-coordinate through
//! HKDF-SHA256 (no salt, no info) to 32 bytes, URL-safe base64 — a Fernet key.

use hkdf::Hkdf;
use p384::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use p384::{PublicKey, SecretKey};
use sha2::Sha256;

use crate::encoding::base64_url;
use crate::error::Result;
use crate::flower::error;

/// A key pair as SecAgg+ keeps and sends it: both halves as PEM bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub private_pem: Vec<u8>,
    pub public_pem: Vec<u8>,
}

impl std::fmt::Debug for KeyPair {
    // A private key never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("public_pem", &String::from_utf8_lossy(&self.public_pem)).finish()
    }
}

impl KeyPair {
    /// A fresh pair from the OS's (or WebCrypto's) cryptographic generator.
    pub fn generate() -> Result<KeyPair> {
        loop {
            let mut scalar = [0u8; 48];
            getrandom::getrandom(&mut scalar).map_err(|e| error("secagg+ key", e.to_string()))?;
            // A draw of zero or past the curve's order is refused by `from_slice`: draw again.
            if let Ok(secret) = SecretKey::from_slice(&scalar) {
                return KeyPair::of(&secret);
            }
        }
    }

    fn of(secret: &SecretKey) -> Result<KeyPair> {
        let private_pem = secret.to_pkcs8_pem(LineEnding::LF).map_err(|e| error("secagg+ key", e.to_string()))?;
        let public_pem =
            secret.public_key().to_public_key_pem(LineEnding::LF).map_err(|e| error("secagg+ key", e.to_string()))?;
        Ok(KeyPair { private_pem: private_pem.as_bytes().to_vec(), public_pem: public_pem.into_bytes() })
    }
}

fn private_key(pem: &[u8]) -> Result<SecretKey> {
    let text = std::str::from_utf8(pem).map_err(|_| error("secagg+ key", "a private key that is not PEM text"))?;
    SecretKey::from_pkcs8_pem(text).map_err(|e| error("secagg+ key", format!("not a P-384 PKCS#8 private key: {e}")))
}

/// A public key sent as SubjectPublicKeyInfo PEM, checked to be a point of P-384.
pub fn public_key(pem: &[u8]) -> Result<PublicKey> {
    let text = std::str::from_utf8(pem).map_err(|_| error("secagg+ key", "a public key that is not PEM text"))?;
    PublicKey::from_public_key_pem(text).map_err(|e| error("secagg+ key", format!("not a P-384 public key: {e}")))
}

/// Flower's `generate_shared_key(private, public)`: 44 bytes of URL-safe base64.
pub fn shared_key(private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>> {
    let secret = private_key(private_pem)?;
    let public = public_key(public_pem)?;
    let shared = p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
    let mut derived = [0u8; 32];
    Hkdf::<Sha256>::new(None, shared.raw_secret_bytes())
        .expand(&[], &mut derived)
        .map_err(|e| error("secagg+ key", e.to_string()))?;
    Ok(base64_url(&derived).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ends_of_an_exchange_derive_the_same_fernet_key() {
        let (a, b) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
        let ab = shared_key(&a.private_pem, &b.public_pem).unwrap();
        assert_eq!(ab, shared_key(&b.private_pem, &a.public_pem).unwrap());
        assert_eq!(ab.len(), 44);
        assert_ne!(ab, shared_key(&a.private_pem, &a.public_pem).unwrap());
        assert!(a.private_pem.starts_with(b"-----BEGIN PRIVATE KEY-----\n"));
        assert!(a.public_pem.starts_with(b"-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn a_key_that_is_not_one_is_an_error() {
        let a = KeyPair::generate().unwrap();
        assert!(shared_key(&a.private_pem, b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err());
        assert!(shared_key(b"\xff\xfe", &a.public_pem).is_err());
        assert!(public_key(&a.private_pem).is_err());
    }
}
