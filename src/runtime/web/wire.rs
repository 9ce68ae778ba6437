//! What crosses `postMessage`: one typed enum per direction, each as one binary frame
//! ([`binary`](crate::protocol::binary): a version byte, postcard, the tensors' raw values) in an
//! `ArrayBuffer` that is transferred, not cloned. No JS object is built or walked per message; a
//! small frame crosses the wasm boundary whole, in one JS call each way.

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, BigInt64Array, Float32Array, Function, Uint8Array};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::error::{Error, Result};
use crate::protocol::binary::{self, Payloads};
use crate::protocol::{Envelope, Inspected, Listed, Payload, RequestId, Values, WorkerId};
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
    Inspect { token: RequestId },
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
        token: RequestId,
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

/// Frames up to this size cross whole: one JS call out (copied into a buffer of its own and
/// posted), one in (copied into this thread's scratch buffer and decoded there). Per-call glue, not
/// the codec, was most of a small message's cost (docs/performance.md, `get`). A larger frame — a
/// big tensor — has its header and each tensor's values copied straight between the buffer and the
/// tensor's own `Vec`, so that its values are never staged in a frame in wasm memory.
pub const WHOLE_FRAME_BYTES: usize = 64 * 1024;

/// The JS functions the boundary needs, made once per thread; wasm-bindgen hands a `&[u8]` to
/// JS as a view of wasm memory, not a copy.
struct Boundary {
    post_frame: PostFrame,
    post_buffer: PostBuffer,
    copy_frame: CopyFrame,
    /// Where small frames land to be decoded (kept: no allocation per message).
    scratch: RefCell<Vec<u8>>,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = Function)]
    type PostFrame;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &PostFrame, this_arg: &JsValue, target: &JsValue, frame: &[u8]) -> bool;

    #[wasm_bindgen(extends = Function)]
    type PostBuffer;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &PostBuffer, this_arg: &JsValue, target: &JsValue, buffer: &JsValue) -> bool;

    #[wasm_bindgen(extends = Function)]
    type CopyFrame;
    #[wasm_bindgen(method, js_name = call)]
    fn call(this: &CopyFrame, this_arg: &JsValue, data: &JsValue, into: &mut [u8]) -> f64;
}

impl Boundary {
    fn new() -> Boundary {
        let post = "try { target.postMessage(buffer, [buffer]); return true; } catch (_) { return false; }";
        Boundary {
            // `slice` copies the view into a buffer of its own, which is then transferred, not cloned.
            post_frame: Function::new_with_args(
                "target, frame",
                &format!("const buffer = frame.slice().buffer; {post}"),
            )
            .unchecked_into(),
            post_buffer: Function::new_with_args("target, buffer", post).unchecked_into(),
            // The frame's length, copied into `into` if it fits; -1 for anything but a live
            // ArrayBuffer. One view gives both the length and the bytes (a look-alike object's
            // `byteLength` is not believed), and nothing may throw: a throw would pass through wasm
            // without releasing the scratch buffer.
            copy_frame: Function::new_with_args(
                "data, into",
                "try { if (!(data instanceof ArrayBuffer)) return -1; const bytes = new Uint8Array(data); \
                 if (bytes.length <= into.length) into.set(bytes); return bytes.length; } catch (_) { return -1; }",
            )
            .unchecked_into(),
            scratch: RefCell::new(vec![0; WHOLE_FRAME_BYTES]),
        }
    }
}

thread_local! {
    static BOUNDARY: Boundary = Boundary::new();
}

/// Encodes `message` and posts it to `target` (a `Worker`, the worker's own global scope or a
/// `MessagePort`) as one transferred `ArrayBuffer`.
pub fn post<T: Serialize + Payloads>(target: &JsValue, message: T) -> Result<()> {
    let frame = binary::lay_out(message)?;
    let posted = if frame.total <= WHOLE_FRAME_BYTES {
        let bytes = frame.into_bytes()?;
        BOUNDARY.with(|boundary| boundary.post_frame.call(&JsValue::UNDEFINED, target, &bytes))
    } else {
        let buffer = buffer_of(frame);
        BOUNDARY.with(|boundary| boundary.post_buffer.call(&JsValue::UNDEFINED, target, &buffer))
    };
    posted.then_some(()).ok_or_else(|| Error::browser("post a message", "postMessage refused its buffer"))
}

/// The message as one `ArrayBuffer` and a transfer list holding it, for a message that carries
/// more than its frame (a `MessagePort` pushed onto the list) or waits to be posted.
pub fn to_js<T: Serialize + Payloads>(value: T) -> Result<(JsValue, Array)> {
    let buffer = buffer_of(binary::lay_out(value)?);
    let transfer = Array::of1(&buffer);
    Ok((buffer, transfer))
}

/// The frame in a new `ArrayBuffer`: the header copied out of wasm memory once, and each
/// tensor's values straight from its `Vec` into its place in the buffer.
fn buffer_of(frame: binary::Frame) -> JsValue {
    let binary::Frame { header, values, total } = frame;
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
    buffer.into()
}

/// A message from its `ArrayBuffer`, its values crossing into wasm memory once. Anything but an
/// `ArrayBuffer`, or one past the size limit, is refused before anything is allocated.
pub fn from_js<T: DeserializeOwned + Payloads>(value: &JsValue) -> Result<T> {
    let small = BOUNDARY.with(|boundary| {
        let mut scratch = boundary
            .scratch
            .try_borrow_mut()
            .map_err(|_| Error::internal("a message decoded within the decoding of another"))?;
        let length = boundary.copy_frame.call(&JsValue::UNDEFINED, value, &mut scratch);
        if length < 0.0 {
            return Err(Error::malformed("a message is one ArrayBuffer"));
        }
        // `None`: too large for the scratch buffer, and not copied.
        scratch.get(..length as usize).map(binary::decode).transpose()
    })?;
    match small {
        Some(message) => Ok(message),
        None => from_large_buffer(value.unchecked_ref()),
    }
}

/// A frame too large for the scratch buffer: the header copied into wasm memory, then each
/// tensor's values straight from the buffer into the tensor's own `Vec`.
fn from_large_buffer<T: DeserializeOwned + Payloads>(buffer: &ArrayBuffer) -> Result<T> {
    let total = buffer.byte_length() as usize;
    let bytes = Uint8Array::new(buffer);
    let prefix = bytes.subarray(0, binary::PREFIX_BYTES.min(total) as u32).to_vec();
    let header_len = binary::header_len(&prefix, total)?;
    let header = bytes.subarray(0, header_len as u32).to_vec();
    let (mut message, placements) = binary::decode_header::<T>(&header, total)?;
    binary::fill(&mut message, &placements, |placement| {
        // decode_header checked that every placement lies inside the buffer, 8-byte aligned.
        let (offset, count) = (placement.offset as u32, placement.count as u32);
        Ok(if placement.is_f32 {
            Values::F32(Float32Array::new_with_byte_offset_and_length(buffer, offset, count).to_vec())
        } else {
            Values::I64(BigInt64Array::new_with_byte_offset_and_length(buffer, offset, count).to_vec())
        })
    })?;
    Ok(message)
}

/// The report `www/worker_loader.js` posts when the wasm fails to start (plain JS: the wasm that
/// would encode a frame is what failed): `{ minisyftFailed: reason }`.
pub fn start_failure(value: &JsValue) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str("minisyftFailed")).ok()?.as_string()
}
