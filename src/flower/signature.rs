//! The forms the SuperLink wants, from the forms WebCrypto gives: an ECDSA signature as DER
//! (WebCrypto signs to raw `r‖s`), and a public key as PEM (WebCrypto exports SPKI DER). The
//! SuperLink refuses the raw form (`tests/flower/superlink_smoke.py`); these are checked against
//! the p384 crate's own encodings natively.

use super::error;
use crate::encoding::{base64, base64_decode};
use crate::error::Result;

/// `r‖s` (two big-endian integers of equal length) as a DER `SEQUENCE { INTEGER r, INTEGER s }`.
pub fn raw_to_der(raw: &[u8]) -> Result<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > 132 {
        return Err(error("signature", format!("a raw signature of {} bytes", raw.len())));
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let integer = |bytes: &[u8]| {
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len() - 1);
        let mut value = bytes[first..].to_vec();
        // A set high bit would read as negative: a zero byte in front keeps it positive.
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        let mut out = vec![0x02, value.len() as u8];
        out.extend(value);
        out
    };
    let body: Vec<u8> = [integer(r), integer(s)].concat();
    let mut der = vec![0x30];
    if body.len() < 0x80 {
        der.push(body.len() as u8);
    } else {
        der.extend([0x81, body.len() as u8]);
    }
    der.extend(body);
    Ok(der)
}

/// An SPKI public key in DER as PEM: base64 in lines of 64, between the header and the footer.
pub fn spki_to_pem(der: &[u8]) -> String {
    pem("PUBLIC KEY", der)
}

/// DER as PEM under `label` ("PUBLIC KEY", "PRIVATE KEY"), as OpenSSL and RustCrypto write it.
pub fn pem(label: &str, der: &[u8]) -> String {
    let encoded = base64(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The DER inside PEM labelled `label`; an error for anything else.
pub fn pem_to_der(label: &str, pem: &[u8]) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(pem).map_err(|_| error("pem", "not text"))?;
    let body = text
        .trim()
        .strip_prefix(&format!("-----BEGIN {label}-----"))
        .and_then(|rest| rest.strip_suffix(&format!("-----END {label}-----")))
        .ok_or_else(|| error("pem", format!("not a PEM {label}")))?;
    let joined: String = body.split_whitespace().collect();
    base64_decode(joined.as_bytes()).ok_or_else(|| error("pem", format!("a {label} that is not base64")))
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use p384::ecdsa::signature::hazmat::PrehashSigner;
    use p384::ecdsa::{DerSignature, Signature, SigningKey};
    use p384::pkcs8::{EncodePublicKey, LineEnding};

    #[test]
    fn raw_signatures_become_the_der_p384_writes_and_keys_the_pem_it_writes() {
        for seed in 1..=64u8 {
            let key = SigningKey::from_slice(&[seed; 48]).expect("a valid scalar");
            let signature: Signature = key.sign_prehash(&[seed.wrapping_mul(7); 32]).expect("signs");
            let der = DerSignature::from(signature);
            assert_eq!(super::raw_to_der(&signature.to_bytes()).unwrap(), der.as_bytes(), "seed {seed}");
            let spki = key.verifying_key().to_public_key_der().expect("der");
            let pem = key.verifying_key().to_public_key_pem(LineEnding::LF).expect("pem");
            assert_eq!(super::spki_to_pem(spki.as_bytes()), pem);
            assert_eq!(super::pem_to_der("PUBLIC KEY", pem.as_bytes()).unwrap(), spki.as_bytes());
        }
        assert!(super::raw_to_der(&[1, 2, 3]).is_err());
        assert!(super::raw_to_der(&[]).is_err());
        assert!(
            super::pem_to_der("PRIVATE KEY", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err()
        );
    }
}
