//! The digits come from the page's own `data/digits.csv`, fetched when a digits run first starts
//! (not compiled into the wasm: most visitors never open them), checked against the credited
//! file's SHA-256 and parsed; kept for every later run of the page.

use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestInit, Response};

use crate::error::{Error, Result};
use crate::flower::browser::js_reason as reason;
use crate::playground::data::DataSet;
use crate::playground::digits::{Digits, DIGITS_SHA256, DIGITS_URL};

/// The file is 265 KB; anything much larger is not it.
const MAX_BYTES: f64 = 1024.0 * 1024.0;
/// A static file from the page's own server: no answer in 20 s is an error.
const TIMEOUT_MS: u32 = 20_000;

fn failed(reason: impl Into<String>) -> Error {
    Error::Browser { what: format!("load the digits ({DIGITS_URL})"), reason: reason.into() }
}

pub async fn fetch_digits() -> Result<DataSet> {
    let window = web_sys::window().ok_or_else(|| failed("no window"))?;
    let init = RequestInit::new();
    init.set_signal(Some(&AbortSignal::timeout_with_u32(TIMEOUT_MS)));
    let answered = JsFuture::from(window.fetch_with_str_and_init(DIGITS_URL, &init)).await.map_err(reason);
    let response: Response = answered.map_err(failed)?.dyn_into().map_err(|_| failed("not a response"))?;
    if !response.ok() {
        return Err(failed(format!("HTTP {}", response.status())));
    }
    // Refused before it is read, where the length is announced.
    let announced = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<f64>().ok());
    if announced.is_some_and(|length| length > MAX_BYTES) {
        return Err(failed("larger than the file is"));
    }
    let body = JsFuture::from(response.array_buffer().map_err(|e| failed(reason(e)))?).await;
    let body = js_sys::Uint8Array::new(&body.map_err(|e| failed(reason(e)))?);
    if f64::from(body.length()) > MAX_BYTES {
        return Err(failed(format!("{} bytes, more than the file has", body.length())));
    }
    let bytes = body.to_vec();
    let hash: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if hash != DIGITS_SHA256 {
        return Err(failed(format!("not the credited file (SHA-256 {hash}, expected {DIGITS_SHA256})")));
    }
    let text = String::from_utf8(bytes).map_err(|_| failed("not text"))?;
    Ok(DataSet::digits(&Digits::parse(&text)?))
}
