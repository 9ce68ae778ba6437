//! What crosses `postMessage`: one typed enum per direction, each as one binary frame
//! ([`binary`](crate::protocol::binary): a version byte, postcard, the tensors' raw values) in an
//! `ArrayBuffer` that is transferred, not cloned. No JS object is built or walked per message.

use js_sys::{Array, ArrayBuffer, BigInt64Array, Float32Array, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, Result};
use crate::protocol::binary::{self, Payloads};
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
    /// The answer to `ToWorker::Inspect`.
    Inspection {
        token: u64,
        entries: Vec<Inspected>,
    },
}

/// Worker ↔ worker, over a MessagePort.
pub type PeerMessage = Envelope;

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

/// The message as one transferred `ArrayBuffer`, and its transfer list. The header is copied
/// out of wasm memory once, and each tensor's values straight from its `Vec` into its place in
/// the buffer; the transfer itself copies nothing.
pub fn to_js<T: Serialize + Payloads>(value: T) -> Result<(JsValue, Array)> {
    let binary::Frame { header, values, total } = binary::lay_out(value)?;
    let bytes = Uint8Array::new_with_length(total as u32);
    bytes.subarray(0, header.len() as u32).copy_from(&header);
    let buffer = bytes.buffer();
    for (placement, values) in values {
        let offset = placement.offset as u32;
        match values {
            Values::F32(v) => {
                Float32Array::new_with_byte_offset_and_length(&buffer, offset, v.len() as u32).copy_from(&v)
            }
            Values::I64(v) => {
                BigInt64Array::new_with_byte_offset_and_length(&buffer, offset, v.len() as u32).copy_from(&v)
            }
        }
    }
    let transfer = Array::of1(&buffer);
    Ok((buffer.into(), transfer))
}

/// A message from its `ArrayBuffer`: the header copied into wasm memory, then each tensor's values
/// straight from the buffer into the tensor's own `Vec` (one copy across the boundary).
pub fn from_js<T: DeserializeOwned + Payloads>(value: JsValue) -> Result<T> {
    let buffer = value.dyn_into::<ArrayBuffer>().map_err(|_| Error::malformed("a message is one ArrayBuffer"))?;
    let total = buffer.byte_length() as usize;
    let bytes = Uint8Array::new(&buffer);
    let prefix = bytes.subarray(0, binary::PREFIX_BYTES.min(total) as u32).to_vec();
    let header_len = binary::header_len(&prefix, total)?;
    let header = bytes.subarray(0, header_len as u32).to_vec();
    let (mut message, placements) = binary::decode_header::<T>(&header, total)?;
    binary::fill(&mut message, &placements, |placement| {
        // decode_header checked that every placement lies inside the buffer, 8-byte aligned.
        let (offset, count) = (placement.offset as u32, placement.count as u32);
        Ok(if placement.is_f32 {
            Values::F32(Float32Array::new_with_byte_offset_and_length(&buffer, offset, count).to_vec())
        } else {
            Values::I64(BigInt64Array::new_with_byte_offset_and_length(&buffer, offset, count).to_vec())
        })
    })?;
    Ok(message)
}

/// The report `www/worker_loader.js` posts when the wasm fails to start (plain JS: the wasm that
/// would encode a frame is what failed): `{ minisyftFailed: reason }`.
pub fn start_failure(value: &JsValue) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str("minisyftFailed")).ok()?.as_string()
}
