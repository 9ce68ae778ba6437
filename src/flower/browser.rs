//! The browser's Fleet transport: each call a `fetch` to `/v1/fleet/<name>` on the page's own
//! origin (the SuperLink answers no CORS preflight, so the page's server passes the path on:
//! trunk's `[[proxy]]`, or a reverse proxy), signed with a P-384 key WebCrypto made for this tab.
//! WebCrypto signs as raw r‖s and exports SPKI DER; the SuperLink wants DER signatures and a PEM
//! key (`crate::flower::signature` converts). The private key is not extractable: it never leaves
//! WebCrypto, and a reload makes a new node.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, CryptoKey, Headers, RequestInit, Response, SubtleCrypto};

use crate::encoding::base64;
use crate::error::{Error, Result};
use crate::flower::fleet::Request;
use crate::flower::signature::{pem, pem_to_der, raw_to_der, spki_to_pem};

/// Responses larger than this are refused (an array chunk is at most 5 MiB).
const MAX_RESPONSE_BYTES: u32 = 64 * 1024 * 1024;
/// A call without an answer after this long has failed.
const CALL_TIMEOUT_MS: u32 = 30_000;

fn flower_error(what: &str, value: JsValue) -> Error {
    Error::Flower { what: what.to_owned(), reason: js_reason(value) }
}

/// What a thrown JS value says: an `Error`'s message, or the value itself.
pub(crate) fn js_reason(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

fn subtle() -> Result<SubtleCrypto> {
    let window = web_sys::window().ok_or_else(|| flower_error("key", "no window".into()))?;
    // Browsers offer WebCrypto only to secure contexts: https, or http on localhost.
    if !window.is_secure_context() {
        return Err(flower_error(
            "key",
            "this page is not a secure context, so the browser offers no WebCrypto to sign with: open it over \
             https, or as http://localhost on the machine that serves it"
                .into(),
        ));
    }
    Ok(window.crypto().map_err(|e| flower_error("key", e))?.subtle())
}

fn set(object: &Object, key: &str, value: &JsValue) -> Result<()> {
    Reflect::set(object, &key.into(), value).map(|_| ()).map_err(|e| flower_error("key", e))
}

/// A SuperLink reached through `origin` (empty: the page's own), as this tab's key.
pub struct BrowserFleet {
    origin: String,
    private_key: CryptoKey,
    public_key_pem: Vec<u8>,
}

impl BrowserFleet {
    /// A fresh key pair from WebCrypto (ECDSA P-384).
    pub async fn generate(origin: &str) -> Result<BrowserFleet> {
        let subtle = subtle()?;
        let algorithm = Object::new();
        set(&algorithm, "name", &"ECDSA".into())?;
        set(&algorithm, "namedCurve", &"P-384".into())?;
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let pair = subtle.generate_key_with_object(&algorithm, false, &usages).map_err(|e| flower_error("key", e))?;
        let pair = JsFuture::from(pair).await.map_err(|e| flower_error("key", e))?;
        let key = |name: &str| -> Result<CryptoKey> {
            Reflect::get(&pair, &name.into())
                .map_err(|e| flower_error("key", e))?
                .dyn_into::<CryptoKey>()
                .map_err(|_| flower_error("key", format!("no {name} in WebCrypto's key pair").into()))
        };
        let (private_key, public_key) = (key("privateKey")?, key("publicKey")?);
        let spki = subtle.export_key("spki", &public_key).map_err(|e| flower_error("key", e))?;
        let spki = JsFuture::from(spki).await.map_err(|e| flower_error("key", e))?;
        let spki = Uint8Array::new(&spki).to_vec();
        Ok(BrowserFleet { origin: origin.to_owned(), private_key, public_key_pem: spki_to_pem(&spki).into_bytes() })
    }

    pub fn public_key_pem(&self) -> &[u8] {
        &self.public_key_pem
    }

    /// Where the calls go, for messages: the page's origin unless another was given.
    pub fn address(&self) -> String {
        if self.origin.is_empty() {
            web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default()
        } else {
            self.origin.clone()
        }
    }

    async fn sign(&self, text: &str) -> Result<Vec<u8>> {
        let algorithm = Object::new();
        set(&algorithm, "name", &"ECDSA".into())?;
        set(&algorithm, "hash", &"SHA-256".into())?;
        let signed = subtle()?
            .sign_with_object_and_u8_array(&algorithm, &self.private_key, text.as_bytes())
            .map_err(|e| flower_error("signature", e))?;
        let raw = JsFuture::from(signed).await.map_err(|e| flower_error("signature", e))?;
        raw_to_der(&Uint8Array::new(&raw).to_vec())
    }

    /// The call's URL and its request, signed now (the SuperLink takes a signature for about
    /// five minutes).
    async fn prepare(&self, request: &Request) -> Result<(String, RequestInit)> {
        let name = request.name();
        let stamp = String::from(js_sys::Date::new_0().to_iso_string());
        let signature = base64(&self.sign(&stamp).await?);
        let headers = Headers::new().map_err(|e| flower_error(name, e))?;
        for (key, value) in [
            ("Content-Type", "application/protobuf".to_owned()),
            ("flwr-public-key", base64(&self.public_key_pem)),
            ("flwr-timestamp", stamp),
            ("flwr-signature", signature),
        ] {
            headers.set(key, &value).map_err(|e| flower_error(name, e))?;
        }
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&Uint8Array::from(request.encode().as_slice()));
        Ok((format!("{}/v1/fleet/{name}", self.origin), init))
    }

    /// `request`, signed now, to be sent later with `keepalive` so it outlives the page: a
    /// closing tab's goodbye, fetched on `pagehide`, when nothing asynchronous runs any more.
    pub async fn presigned(&self, request: Request) -> Result<web_sys::Request> {
        let (url, init) = self.prepare(&request).await?;
        Reflect::set(&init, &"keepalive".into(), &true.into()).map_err(|e| flower_error(request.name(), e))?;
        web_sys::Request::new_with_str_and_init(&url, &init).map_err(|e| flower_error(request.name(), e))
    }

    /// One Fleet call; no answer in 30 s, or a status other than 200, is an error naming both.
    pub async fn call(&self, request: Request) -> Result<Vec<u8>> {
        let name = request.name();
        let unreachable =
            |reason: String| Error::FleetUnreachable { call: name.to_owned(), address: self.address(), reason };
        let (url, init) = self.prepare(&request).await?;
        // The browser's own timer aborts the fetch and the reading of its body alike.
        init.set_signal(Some(&AbortSignal::timeout_with_u32(CALL_TIMEOUT_MS)));
        let window = web_sys::window().ok_or_else(|| flower_error(name, "no window".into()))?;
        let answered = JsFuture::from(window.fetch_with_str_and_init(&url, &init)).await;
        let response = answered.map_err(|error| unreachable(js_reason(error)))?;
        let response: Response = response.dyn_into().map_err(|_| unreachable("not a response".into()))?;
        let too_long = || Error::Flower { what: name.to_owned(), reason: "a response past the size limit".into() };
        // Refused before it is read, where the length is announced.
        let announced = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
        if announced.is_some_and(|length| length > u64::from(MAX_RESPONSE_BYTES)) {
            return Err(too_long());
        }
        let body = response.array_buffer().map_err(|e| flower_error(name, e))?;
        let body = JsFuture::from(body).await;
        let body: ArrayBuffer = body.map_err(|e| unreachable(js_reason(e)))?.unchecked_into();
        if body.byte_length() > MAX_RESPONSE_BYTES {
            return Err(too_long());
        }
        let body = Uint8Array::new(&body).to_vec();
        let status = response.status();
        if status != 200 {
            let body = crate::flower::fleet::error_body_summary(&body);
            return Err(Error::FleetStatus { call: name.to_owned(), address: self.address(), status, body });
        }
        Ok(body)
    }
}

/// SecAgg+'s P-384 ECDH from WebCrypto: key pairs made extractable (the private half is
/// Shamir-shared as PKCS#8, so the server can remove a dropped tab's masks), exported as PEM; the
/// shared secret is `deriveBits` of 384 bits, the x-coordinate, as `cryptography`'s `exchange`.
#[derive(Clone, Copy, Debug, Default)]
pub struct WebCryptoEcdh;

fn ecdh_algorithm() -> Result<Object> {
    let algorithm = Object::new();
    set(&algorithm, "name", &"ECDH".into())?;
    set(&algorithm, "namedCurve", &"P-384".into())?;
    Ok(algorithm)
}

async fn exported(subtle: &SubtleCrypto, format: &str, key: &CryptoKey) -> Result<Vec<u8>> {
    let promise = subtle.export_key(format, key).map_err(|e| flower_error("secagg+ key", e))?;
    let buffer = JsFuture::from(promise).await.map_err(|e| flower_error("secagg+ key", e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

async fn imported(subtle: &SubtleCrypto, format: &str, der: &[u8], usages: &Array) -> Result<CryptoKey> {
    let data = Uint8Array::from(der);
    let promise = subtle
        .import_key_with_object(format, &data, &ecdh_algorithm()?, false, usages)
        .map_err(|e| flower_error("secagg+ key", e))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| flower_error("secagg+ key", e))?
        .dyn_into::<CryptoKey>()
        .map_err(|_| flower_error("secagg+ key", "WebCrypto imported no key".into()))
}

impl crate::flower::secagg::keys::Ecdh for WebCryptoEcdh {
    async fn generate(&self) -> Result<crate::flower::secagg::keys::KeyPair> {
        let subtle = subtle()?;
        let usages = Array::of1(&"deriveBits".into());
        let pair = subtle
            .generate_key_with_object(&ecdh_algorithm()?, true, &usages)
            .map_err(|e| flower_error("secagg+ key", e))?;
        let pair = JsFuture::from(pair).await.map_err(|e| flower_error("secagg+ key", e))?;
        let key = |name: &str| -> Result<CryptoKey> {
            Reflect::get(&pair, &name.into())
                .map_err(|e| flower_error("secagg+ key", e))?
                .dyn_into::<CryptoKey>()
                .map_err(|_| flower_error("secagg+ key", format!("no {name} in WebCrypto's key pair").into()))
        };
        let private_der = exported(&subtle, "pkcs8", &key("privateKey")?).await?;
        let public_der = exported(&subtle, "spki", &key("publicKey")?).await?;
        Ok(crate::flower::secagg::keys::KeyPair {
            private_pem: pem("PRIVATE KEY", &private_der).into_bytes(),
            public_pem: pem("PUBLIC KEY", &public_der).into_bytes(),
        })
    }

    async fn agree(&self, private_pem: &[u8], public_pem: &[u8]) -> Result<Vec<u8>> {
        let subtle = subtle()?;
        let private =
            imported(&subtle, "pkcs8", &pem_to_der("PRIVATE KEY", private_pem)?, &Array::of1(&"deriveBits".into()))
                .await?;
        let public = imported(&subtle, "spki", &pem_to_der("PUBLIC KEY", public_pem)?, &Array::new()).await?;
        let algorithm = Object::new();
        set(&algorithm, "name", &"ECDH".into())?;
        set(&algorithm, "public", &public)?;
        let bits =
            subtle.derive_bits_with_object(&algorithm, &private, 384).map_err(|e| flower_error("secagg+ key", e))?;
        let bits = JsFuture::from(bits).await.map_err(|e| flower_error("secagg+ key", e))?;
        Ok(Uint8Array::new(&bits).to_vec())
    }
}
