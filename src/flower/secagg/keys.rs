//! SecAgg+'s key agreement, as `flwr.supercore.primitives.asymmetric` and
//! `flwr.common.secure_aggregation.crypto.symmetric_encryption` do it: EC key pairs on SECP384R1,
//! the private half as PKCS#8 PEM and the public half as SubjectPublicKeyInfo PEM (the bytes that
//! travel, and the bytes Shamir shares), and a shared key that is ECDH's x-coordinate through
//! HKDF-SHA256 (no salt, no info) to 32 bytes, URL-safe base64 — a Fernet key.
//!
//! The elliptic-curve half is an [`Ecdh`]: RustCrypto's `p384` natively ([`RustCryptoEcdh`]),
//! WebCrypto in a tab (`crate::flower::browser::WebCryptoEcdh`), so the page carries no curve
//! arithmetic of its own. HKDF is the same code on both.

use hkdf::Hkdf;
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

/// ECDH on P-384 with keys as PEM.
// One node on one thread: no `Send` bound is wanted.
#[allow(async_fn_in_trait)]
pub trait Ecdh {
    /// A fresh key pair from a cryptographic generator.
    async fn generate(&self) -> Result<KeyPair>;
    /// The shared secret: the x-coordinate of private · public, 48 bytes.
    async fn agree(&self, private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>>;
}

/// Flower's `generate_shared_key(private, public)`: 44 bytes of URL-safe base64.
pub async fn shared_key(ecdh: &impl Ecdh, private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>> {
    fernet_key(&ecdh.agree(private_pem, public_pem).await?)
}

/// HKDF-SHA256 of an ECDH secret, no salt, no info, to a Fernet key.
pub fn fernet_key(secret: &[u8]) -> Result<Vec<u8>> {
    let mut derived = [0u8; 32];
    Hkdf::<Sha256>::new(None, secret).expand(&[], &mut derived).map_err(|e| error("secagg+ key", e.to_string()))?;
    Ok(base64_url(&derived).into_bytes())
}

#[cfg(not(target_arch = "wasm32"))]
pub use native::RustCryptoEcdh;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use p384::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
    use p384::{PublicKey, SecretKey};

    use super::{Ecdh, KeyPair};
    use crate::error::Result;
    use crate::flower::error;

    /// P-384 from RustCrypto, keys drawn from the OS's generator.
    #[derive(Clone, Copy, Debug, Default)]
    pub struct RustCryptoEcdh;

    impl RustCryptoEcdh {
        pub fn generate_now(&self) -> Result<KeyPair> {
            loop {
                let mut scalar = [0u8; 48];
                getrandom::getrandom(&mut scalar).map_err(|e| error("secagg+ key", e.to_string()))?;
                // A draw of zero or past the curve's order is refused by `from_slice`: draw again.
                if let Ok(secret) = SecretKey::from_slice(&scalar) {
                    let private_pem =
                        secret.to_pkcs8_pem(LineEnding::LF).map_err(|e| error("secagg+ key", e.to_string()))?;
                    let public_pem = secret
                        .public_key()
                        .to_public_key_pem(LineEnding::LF)
                        .map_err(|e| error("secagg+ key", e.to_string()))?;
                    return Ok(KeyPair {
                        private_pem: private_pem.as_bytes().to_vec(),
                        public_pem: public_pem.into_bytes(),
                    });
                }
            }
        }

        pub fn agree_now(&self, private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>> {
            let text = |pem| std::str::from_utf8(pem).map_err(|_| error("secagg+ key", "a key that is not PEM text"));
            let secret = SecretKey::from_pkcs8_pem(text(private_pem)?)
                .map_err(|e| error("secagg+ key", format!("not a P-384 PKCS#8 private key: {e}")))?;
            let public = PublicKey::from_public_key_pem(text(public_pem)?)
                .map_err(|e| error("secagg+ key", format!("not a P-384 public key: {e}")))?;
            let shared = p384::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
            Ok(shared.raw_secret_bytes().to_vec())
        }
    }

    impl Ecdh for RustCryptoEcdh {
        async fn generate(&self) -> Result<KeyPair> {
            self.generate_now()
        }

        async fn agree(&self, private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>> {
            self.agree_now(private_pem, public_pem)
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::runtime::block_on;

    #[test]
    fn both_ends_of_an_exchange_derive_the_same_fernet_key() {
        let ecdh = RustCryptoEcdh;
        let (a, b) = (ecdh.generate_now().unwrap(), ecdh.generate_now().unwrap());
        let ab = block_on(shared_key(&ecdh, &a.private_pem, &b.public_pem)).unwrap();
        assert_eq!(ab, block_on(shared_key(&ecdh, &b.private_pem, &a.public_pem)).unwrap());
        assert_eq!(ab.len(), 44);
        assert_ne!(ab, block_on(shared_key(&ecdh, &a.private_pem, &a.public_pem)).unwrap());
        assert!(a.private_pem.starts_with(b"-----BEGIN PRIVATE KEY-----\n"));
        assert!(a.public_pem.starts_with(b"-----BEGIN PUBLIC KEY-----\n"));
    }

    #[test]
    fn a_key_that_is_not_one_is_an_error() {
        let ecdh = RustCryptoEcdh;
        let a = ecdh.generate_now().unwrap();
        assert!(ecdh
            .agree_now(&a.private_pem, b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
            .is_err());
        assert!(ecdh.agree_now(b"\xff\xfe", &a.public_pem).is_err());
        assert!(ecdh.agree_now(&a.private_pem, &a.private_pem).is_err());
    }
}
