//! What crosses `postMessage`: one typed enum per direction, converted with serde-wasm-bindgen,
//! with each tensor's values beside it as a typed array whose buffer is transferred (zero-copy);
//! no tensor is ever a list of JS numbers.

use js_sys::{Array, ArrayBuffer, BigInt64Array, Float32Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, Result};
use crate::protocol::{Envelope, Inspected, Listed, Payload, Values, WorkerId};
use crate::runtime::MessageEvent;

/// Page → worker.
#[derive(Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// The first message after `Ready`: who this worker is.
    Init { name: WorkerId },
    /// Envelopes in the order they were posted (commands pipeline, so several travel together).
    Envelopes(Vec<Envelope>),
    /// A MessagePort to `peer` travels in the transfer list of this message.
    Connect { peer: WorkerId },
    /// Are you alive? (sent when a request has been waiting a while; a busy-looping worker cannot answer)
    Ping,
    /// `peer` is gone: answer every request still waiting on it with an error.
    PeerGone { peer: WorkerId, reason: String },
    /// Test hook: panic now (to prove a dead worker is reported and the others go on).
    Panic,
    /// Test hook: stop answering for `millis` (a busy loop), to prove the page's timeout.
    Hang { millis: f64 },
    /// The simulation's privileged view: answer with the whole store (`FromWorker::Inspection`).
    /// Not an envelope: no party of the protocol can send it.
    Inspect { token: u64 },
    /// Test hook: behave as a compromised worker would and send `envelope` as it is — over the
    /// port to `envelope.to`, or to the page when `to_page` — whatever it claims.
    Misbehave { envelope: Envelope, to_page: bool },
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
    /// Alive, with the worker's wasm memory in bytes (what a client worker costs).
    Pong {
        memory_bytes: u64,
    },
    /// A message the worker could not decode; nothing was changed.
    Rejected {
        reason: String,
    },
    /// The worker's wasm could not start (sent by the loader script); it is dead after this.
    Failed {
        reason: String,
    },
    /// The answer to `ToWorker::Inspect`.
    Inspection {
        token: u64,
        entries: Vec<Inspected>,
    },
}

/// Worker ↔ worker, over a MessagePort.
pub type PeerMessage = Envelope;

/// Messages whose tensors' values travel beside them.
pub trait Payloads {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>>;
}

impl Payloads for Envelope {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        Envelope::payloads_mut(self)
    }
}

impl Payloads for ToWorker {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        match self {
            ToWorker::Envelopes(envelopes) => envelopes.iter_mut().flat_map(Envelope::payloads_mut).collect(),
            ToWorker::Misbehave { envelope, .. } => envelope.payloads_mut(),
            _ => Vec::new(),
        }
    }
}

impl Payloads for FromWorker {
    fn payloads_mut(&mut self) -> Vec<Payload<'_>> {
        match self {
            FromWorker::Envelope(envelope) => envelope.payloads_mut(),
            FromWorker::Inspection { entries, .. } => entries
                .iter_mut()
                .filter_map(|entry| match &mut entry.listed {
                    Listed::Tensor(tensor) => Some(tensor.payloads_mut()),
                    _ => None,
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// `[message, values...]` and the transfer list: the message without tensor values (serde-wasm-
/// bindgen), then one typed array per tensor (`Float32Array` or `BigInt64Array`) whose buffer is
/// transferred, not copied.
pub fn to_js<T: Serialize + Payloads>(mut value: T) -> Result<(JsValue, Array)> {
    let payloads: Vec<Values> = value.payloads_mut().into_iter().map(|p| std::mem::take(p.values)).collect();
    let message = serde_wasm_bindgen::to_value(&value).map_err(|e| Error::malformed(e.to_string()))?;
    let parts = Array::of1(&message);
    let transfer = Array::new();
    for values in payloads {
        // One copy out of wasm memory; the buffer is then transferred, not cloned.
        let (typed, buffer): (JsValue, ArrayBuffer) = match values {
            Values::F32(v) => {
                let array = Float32Array::from(v.as_slice());
                let buffer = array.buffer();
                (array.into(), buffer)
            }
            Values::I64(v) => {
                let array = BigInt64Array::from(v.as_slice());
                let buffer = array.buffer();
                (array.into(), buffer)
            }
        };
        parts.push(&typed);
        transfer.push(&buffer);
    }
    Ok((parts.into(), transfer))
}

pub fn from_js<T: DeserializeOwned + Payloads>(value: JsValue) -> Result<T> {
    let parts = value.dyn_into::<Array>().map_err(|_| Error::malformed("a message is [message, values...]"))?;
    let mut message: T = serde_wasm_bindgen::from_value(parts.get(0)).map_err(|e| Error::malformed(e.to_string()))?;
    let payloads = message.payloads_mut();
    if payloads.len() + 1 != parts.length() as usize {
        return Err(Error::malformed(format!("{} tensors but {} value arrays", payloads.len(), parts.length() - 1)));
    }
    for (i, payload) in payloads.into_iter().enumerate() {
        let typed = parts.get(i as u32 + 1);
        *payload.values = if let Some(floats) = typed.dyn_ref::<Float32Array>() {
            Values::F32(floats.to_vec())
        } else if let Some(integers) = typed.dyn_ref::<BigInt64Array>() {
            Values::I64(integers.to_vec())
        } else {
            return Err(Error::malformed("tensor values are neither a Float32Array nor a BigInt64Array"));
        };
    }
    Ok(message)
}
