//! A Fleet transport for a program without a browser: HTTP/1.1 over a TCP socket to a SuperLink
//! started with `--insecure` (loopback, or a LAN in a class), every call signed as the SuperLink
//! expects — an EC P-384 key, its public half as PEM, an ECDSA-SHA256 DER signature over an
//! ISO-8601 timestamp (`tests/flower/superlink_smoke.py` found which forms it accepts).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use p384::ecdsa::signature::hazmat::PrehashSigner;
use p384::ecdsa::{DerSignature, SigningKey};
use p384::pkcs8::{EncodePublicKey, LineEnding};
use sha2::{Digest, Sha256};

use super::error;
use super::fleet::Request;
use crate::encoding::base64;
use crate::error::{Error, Result};

/// Responses larger than this are refused (an array chunk is at most 5 MiB).
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// A node's key pair, drawn from the OS's cryptographic RNG.
pub struct Identity {
    key: SigningKey,
    pem: String,
}

impl Identity {
    pub fn generate() -> Result<Identity> {
        loop {
            let mut secret = [0u8; 48];
            getrandom::getrandom(&mut secret).map_err(|e| error("key", e.to_string()))?;
            // A draw past the curve's order is refused by `from_slice`: draw again.
            if let Ok(key) = SigningKey::from_slice(&secret) {
                let pem =
                    key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|e| error("key", e.to_string()))?;
                return Ok(Identity { key, pem });
            }
        }
    }

    pub fn public_key_pem(&self) -> &[u8] {
        self.pem.as_bytes()
    }

    /// ECDSA over the SHA-256 of `message`, DER-encoded.
    pub fn sign(&self, message: &str) -> Result<Vec<u8>> {
        let digest = Sha256::digest(message.as_bytes());
        let signature: p384::ecdsa::Signature =
            self.key.sign_prehash(&digest).map_err(|e| error("signature", e.to_string()))?;
        Ok(DerSignature::from(signature).as_bytes().to_vec())
    }
}

/// `2026-11-26T23:51:04.123Z`, as JS's `toISOString()` writes it.
pub fn iso_timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (days, seconds) = ((since.as_secs() / 86_400) as i64, since.as_secs() % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60,
        since.subsec_millis()
    )
}

/// The SuperLink at `address` (`host:port`), called as `identity`.
pub struct NativeFleet {
    pub address: String,
    pub identity: Identity,
    pub timeout: Duration,
}

impl NativeFleet {
    pub fn new(address: &str, identity: Identity) -> NativeFleet {
        NativeFleet { address: address.to_owned(), identity, timeout: Duration::from_secs(30) }
    }

    /// One Fleet call; a status other than 200 is an error naming the call and the status.
    pub fn call(&self, request: &Request) -> Result<Vec<u8>> {
        let what = request.name();
        let body = request.encode();
        let stamp = iso_timestamp(SystemTime::now());
        let signature = base64(&self.identity.sign(&stamp)?);
        let head = format!(
            "POST /v1/fleet/{what} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/protobuf\r\n\
             Content-Length: {}\r\nflwr-public-key: {}\r\nflwr-timestamp: {stamp}\r\nflwr-signature: {signature}\r\n\
             Connection: close\r\n\r\n",
            self.address,
            body.len(),
            base64(self.identity.public_key_pem()),
        );
        let io = |e: std::io::Error| Error::FleetUnreachable {
            call: what.to_owned(),
            address: self.address.clone(),
            reason: e.to_string(),
        };
        let mut stream = TcpStream::connect(&self.address).map_err(io)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.write_all(head.as_bytes()).map_err(io)?;
        stream.write_all(&body).map_err(io)?;
        let mut response = Vec::new();
        stream.take(MAX_RESPONSE_BYTES as u64 + 1).read_to_end(&mut response).map_err(io)?;
        if response.len() > MAX_RESPONSE_BYTES {
            return Err(error(what, "a response past the size limit"));
        }
        let (status, body) = parse_response(&response).map_err(|reason| error(what, reason))?;
        if status != 200 {
            let text = super::fleet::error_body_summary(&body);
            return Err(Error::FleetStatus {
                call: what.to_owned(),
                address: self.address.clone(),
                status,
                body: text,
            });
        }
        Ok(body)
    }
}

/// The status and the body of an HTTP/1.1 response (by Content-Length, chunks, or to the end).
fn parse_response(response: &[u8]) -> std::result::Result<(u16, Vec<u8>), String> {
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").ok_or("a response without headers")?;
    let head = std::str::from_utf8(&response[..end]).map_err(|_| "headers that are not text")?;
    let body = &response[end + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("no status line")?;
    let header = |name: &str| {
        head.split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim().to_owned())
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let (mut out, mut rest) = (Vec::new(), body);
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or("a chunk size cut short")?;
            let size_text = std::str::from_utf8(&rest[..line_end]).map_err(|_| "a chunk size that is not text")?;
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| "a bad chunk size")?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                return Ok((status, out));
            }
            let chunk = rest.get(..size).ok_or("a chunk cut short")?;
            out.extend_from_slice(chunk);
            rest = rest.get(size + 2..).ok_or("a chunk without its CRLF")?;
        }
    }
    match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(length) => Ok((status, body.get(..length).ok_or("a body shorter than its Content-Length")?.to_vec())),
        None => Ok((status, body.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_as_javascripts_to_iso_string() {
        let at = UNIX_EPOCH + Duration::from_millis(1_795_737_064_123);
        assert_eq!(iso_timestamp(at), "2026-11-26T23:51:04.123Z");
        assert_eq!(iso_timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn responses_parse_by_length_and_by_chunks_and_bad_ones_are_errors() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcdef";
        assert_eq!(parse_response(plain), Ok((200, b"abc".to_vec())));
        let chunked = b"HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Ok((401, b"abc".to_vec())));
        for bad in [
            &b"HTTP/1.1 200 OK\r\n"[..],
            b"garbage\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
        ] {
            assert!(parse_response(bad).is_err());
        }
    }
}
