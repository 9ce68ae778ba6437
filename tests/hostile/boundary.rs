//! The Web Worker boundary under attack: whatever arrives by `postMessage` goes through
//! `wire::from_js`, so anything but a frame in an `ArrayBuffer` is a typed error, and a frame
//! decodes alike whether it fits the scratch buffer or not.

use js_sys::{Array, ArrayBuffer, Object, Uint8Array};
use minisyft::protocol::binary::{decode, encode};
use minisyft::protocol::{Body, Command, Envelope, WireObject, WireTensor};
use minisyft::runtime::web::wire::{from_js, to_js};
use minisyft::{Error, Tensor};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

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
        Body::Command(Command::Store { id: 7, object: WireObject::Tensor(WireTensor::from_tensor(&tensor)) }),
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
