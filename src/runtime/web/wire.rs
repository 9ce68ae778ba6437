//! What crosses `postMessage`: one typed enum per direction, converted with serde-wasm-bindgen.
//! Tensor values are bytes (`serde_bytes`), which become `Uint8Array`s whose buffers are put in the
//! transfer list, so they move without a copy; no tensor is ever a list of JS numbers.

use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, Result};
use crate::protocol::{Envelope, WorkerId};
use crate::runtime::MessageEvent;

/// Page → worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// The first message after `Ready`: who this worker is.
    Init {
        name: WorkerId,
    },
    Envelope(Envelope),
    /// A MessagePort to `peer` travels in the transfer list of this message.
    Connect {
        peer: WorkerId,
    },
    /// Are you alive? (sent when a request has been waiting a while; a busy-looping worker cannot answer)
    Ping,
    /// `peer` is gone: answer every request still waiting on it with an error.
    PeerGone {
        peer: WorkerId,
        reason: String,
    },
    /// Test hook: panic now (to prove a dead worker is reported and the others go on).
    Panic,
    /// Test hook: stop answering for `millis` (a busy loop), to prove the page's timeout.
    Hang {
        millis: f64,
    },
}

/// Worker → page.
#[derive(Debug, Serialize, Deserialize)]
pub enum FromWorker {
    /// The worker's wasm has started; messages sent before this would have been lost.
    Ready,
    Envelope(Envelope),
    /// A message this worker sent directly to a peer (metadata only, for the message log).
    Trace(MessageEvent),
    /// The worker panicked; it is dead after this message.
    Panicked {
        message: String,
    },
    Pong,
    /// A message the worker could not decode; nothing was changed.
    Rejected {
        reason: String,
    },
}

/// Worker ↔ worker, over a MessagePort.
pub type PeerMessage = Envelope;

pub fn to_js<T: Serialize>(value: &T) -> Result<(JsValue, Array)> {
    let js = serde_wasm_bindgen::to_value(value).map_err(|e| Error::malformed(e.to_string()))?;
    let transfer = Array::new();
    collect_buffers(&js, &transfer, 0);
    Ok((js, transfer))
}

pub fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::malformed(e.to_string()))
}

/// Every `Uint8Array` buffer inside `value`, for the transfer list.
fn collect_buffers(value: &JsValue, transfer: &Array, depth: usize) {
    if depth > 32 || !value.is_object() {
        return;
    }
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        transfer.push(&bytes.buffer());
        return;
    }
    if let Some(array) = value.dyn_ref::<Array>() {
        for item in array.iter() {
            collect_buffers(&item, transfer, depth + 1);
        }
        return;
    }
    if let Some(object) = value.dyn_ref::<Object>() {
        for key in Object::keys(object).iter() {
            if let Ok(child) = Reflect::get(object, &key) {
                collect_buffers(&child, transfer, depth + 1);
            }
        }
    }
}
