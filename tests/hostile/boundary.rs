//! The Web Worker boundary under attack: whatever arrives by `postMessage` goes through
//! `wire::from_js`, so anything but a frame in an `ArrayBuffer` is a typed error, and a frame
//! decodes alike whether it fits the scratch buffer or not.

use js_sys::{Array, ArrayBuffer, Object, Promise, Reflect, Uint8Array};
use minisyft::protocol::binary::{decode, encode};
use minisyft::protocol::{Body, Command, Envelope, WireObject, WireTensor};
use minisyft::runtime::web::wire::{self, from_js, to_js, WHOLE_FRAME_BYTES};
use minisyft::ObjectId;
use minisyft::{Error, Tensor};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test as test;
use web_sys::{MessageChannel, MessageEvent};

use super::generator::lesson_corpus;

/// What `from_js` makes of `frame` posted as an `ArrayBuffer`: the same as decoding its bytes.
fn check(frame: &[u8]) -> Result<Envelope, Error> {
    let across = from_js::<Envelope>(&Uint8Array::from(frame).buffer().into());
    let here = decode::<Envelope>(frame);
    assert_eq!(
        across.as_ref().map(|e| encode(e.clone()).unwrap()).map_err(ToString::to_string),
        here.map(|e| encode(e).unwrap()).map_err(|e| e.to_string())
    );
    across
}

fn store(floats: usize) -> Envelope {
    let tensor = Tensor::from_f32(&[floats], (0..floats).map(|i| i as f32).collect()).unwrap();
    Envelope::new(
        "me",
        "bob",
        Body::Command(Command::Store { id: ObjectId(7), object: WireObject::Tensor(WireTensor::from_tensor(&tensor)) }),
    )
}

#[test]
fn anything_but_an_array_buffer_is_refused_as_malformed() {
    let not_buffers: [JsValue; 6] = [
        JsValue::NULL,
        JsValue::from_str("a frame"),
        JsValue::from_f64(1.0),
        Object::new().into(),
        Array::of1(&ArrayBuffer::new(8)).into(),
        Uint8Array::new_with_length(16).into(),
    ];
    for value in not_buffers {
        let refused = from_js::<Envelope>(&value);
        assert!(matches!(&refused, Err(Error::MalformedMessage { .. })), "{value:?}: {refused:?}");
    }
}

#[test]
fn frames_below_at_and_above_the_scratch_size_decode_as_their_bytes_do() {
    // 16 384 floats fill the 64 KiB scratch with the header past it; the others straddle it.
    for floats in [0, 5, 16_000, 16_384, 16_385, 100_000] {
        let frame = encode(store(floats)).unwrap();
        let envelope = check(&frame).unwrap_or_else(|e| panic!("{floats} floats: {e}"));
        assert_eq!(encode(envelope).unwrap(), frame, "{floats} floats");
        // A message waiting for its worker is laid out in its buffer by `to_js`: the same bytes.
        let (buffer, _) = to_js(store(floats)).unwrap();
        assert_eq!(Uint8Array::new(&buffer).to_vec(), frame, "{floats} floats");
    }
}

#[test]
fn mangled_frames_across_the_boundary_are_the_same_typed_errors() {
    let mut refused = 0;
    for (i, envelope) in lesson_corpus().into_iter().chain([store(20_000)]).enumerate() {
        let Ok(frame) = encode(envelope) else { continue };
        for cut in [0, 1, 4, frame.len() / 2, frame.len().saturating_sub(1)] {
            refused += usize::from(check(&frame[..cut]).is_err());
        }
        let mut flipped = frame.clone();
        flipped[i % frame.len()] ^= 0x80;
        let _ = check(&flipped);
    }
    assert!(refused > 0);
}

/// The number of floats whose `store` frame is exactly `bytes` long.
fn floats_for_frame_of(bytes: usize) -> usize {
    (16_000..16_500)
        .find(|&floats| encode(store(floats)).unwrap().len() == bytes)
        .expect("a tensor size for that frame length")
}

#[test]
fn a_frame_of_exactly_the_scratch_size_and_one_just_past_it_decode_as_their_bytes_do() {
    for bytes in [WHOLE_FRAME_BYTES, WHOLE_FRAME_BYTES + 8] {
        let frame = encode(store(floats_for_frame_of(bytes))).unwrap();
        assert_eq!(frame.len(), bytes);
        assert_eq!(encode(check(&frame).unwrap()).unwrap(), frame, "{bytes} bytes");
    }
}

/// A buffer already transferred elsewhere: detached, 0 bytes, unreadable.
fn detached() -> JsValue {
    let buffer = ArrayBuffer::new(64);
    let channel = MessageChannel::new().unwrap();
    channel.port1().post_message_with_transferable(&buffer, &Array::of1(&buffer)).unwrap();
    buffer.into()
}

/// An object that passes `instanceof ArrayBuffer` and claims a length, with no bytes behind it.
fn look_alike() -> JsValue {
    let constructor = Reflect::get(&js_sys::global(), &"ArrayBuffer".into()).unwrap();
    let prototype = Reflect::get(&constructor, &"prototype".into()).unwrap();
    let fake = Object::create(prototype.unchecked_ref::<Object>());
    let claim = Object::new();
    Reflect::set(&claim, &"value".into(), &JsValue::from_f64(40.0)).unwrap();
    Object::define_property(&fake, &"byteLength".into(), &claim);
    fake.into()
}

#[test]
fn a_detached_or_look_alike_buffer_is_refused_and_the_next_frame_still_decodes() {
    let frame = encode(store(5)).unwrap();
    // A real frame first, so that the scratch buffer holds bytes a look-alike could pass off.
    assert!(check(&frame).is_ok());
    for value in [detached(), look_alike()] {
        let refused = from_js::<Envelope>(&value);
        assert!(matches!(&refused, Err(Error::MalformedMessage { .. })), "{value:?}: {refused:?}");
        assert_eq!(encode(check(&frame).unwrap()).unwrap(), frame, "after {value:?}");
    }
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn post_delivers_small_and_large_frames_as_their_bytes() {
    for floats in [5, 100_000] {
        let channel = MessageChannel::new().unwrap();
        let port = channel.port2();
        let arrived = Promise::new(&mut |resolve, _| {
            let handler = Closure::once_into_js(move |event: MessageEvent| {
                let _ = resolve.call1(&JsValue::NULL, &event.data());
            });
            port.set_onmessage(Some(handler.unchecked_ref()));
        });
        wire::post(&channel.port1(), store(floats)).unwrap();
        let data = JsFuture::from(arrived).await.unwrap();
        assert_eq!(Uint8Array::new(&data).to_vec(), encode(store(floats)).unwrap(), "{floats} floats");
        assert_eq!(encode(from_js::<Envelope>(&data).unwrap()).unwrap(), encode(store(floats)).unwrap());
    }
}
