//! The binary wire form under attack: every generated message survives encode → decode intact,
//! and random, truncated, bit-flipped, re-versioned or over-announced frames are typed errors.

use minisyft::protocol::binary::{decode, encode, WIRE_VERSION};
use minisyft::protocol::Envelope;
use minisyft::Error;
use minisyft::ObjectId;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::generator::{lesson_corpus, Generator};
use super::message_count;

/// Decodes `frame`: never a panic, and whatever decodes encodes to a frame that decodes and
/// encodes to itself (a mangled varint may be non-minimal; its re-encoding is not).
fn check(frame: &[u8]) -> Result<Envelope, Error> {
    let decoded = decode::<Envelope>(frame);
    if let Ok(envelope) = &decoded {
        let canonical = encode(envelope.clone()).expect("a decoded message encodes");
        let again = decode::<Envelope>(&canonical).expect("a canonical frame decodes");
        assert_eq!(encode(again).expect("encodes"), canonical, "{envelope:?}");
    }
    decoded
}

#[test]
fn every_generated_message_round_trips_through_its_frame() {
    let mut generator = Generator::new(11);
    for _ in 0..message_count(100_000, 5_000) {
        let envelope = generator.envelope("bob", "alice");
        // Some generated tensors are over the limits on purpose: those must not encode.
        let Ok(frame) = encode(envelope.clone()) else { continue };
        // Compared as frames: a NaN value is not equal to itself, its bytes are.
        let decoded = check(&frame).expect("its own frame decodes");
        assert_eq!(encode(decoded).unwrap(), frame, "{envelope:?}");
    }
}

#[test]
fn mangled_frames_are_typed_errors_and_never_panic() {
    let mut generator = Generator::new(12);
    let frames: Vec<Vec<u8>> = generator.corpus.clone().into_iter().filter_map(|e| encode(e).ok()).collect();
    let (mut refused, total) = (0, message_count(300_000, 10_000));
    for i in 0..total {
        let mut frame = frames[i % frames.len()].clone();
        match generator.below(5) {
            0 => frame.truncate(generator.below(frame.len() as u64) as usize),
            1 => {
                for _ in 0..=generator.below(4) {
                    let at = generator.below(frame.len() as u64) as usize;
                    frame[at] ^= 1 << generator.below(8);
                }
            }
            2 => frame.extend((0..=generator.below(8)).map(|_| generator.rng.next_u64() as u8)),
            3 => frame = (0..generator.below(64)).map(|_| generator.rng.next_u64() as u8).collect(),
            _ => {
                // A tensor announcing more values than the frame holds, or than the limits allow.
                frame.extend([0, 0xff, 0xff, 0xff, 0x7f]);
            }
        }
        refused += usize::from(check(&frame).is_err());
    }
    assert!(refused > total / 2, "{refused} of {total} mangled frames refused");
}

#[test]
fn another_wire_version_is_refused_by_name() {
    let frame = encode(lesson_corpus().remove(0)).unwrap();
    for version in [0, WIRE_VERSION + 1, u8::MAX] {
        let mut stale = frame.clone();
        stale[0] = version;
        assert!(matches!(
            decode::<Envelope>(&stale),
            Err(Error::WireVersion { found, expected }) if found == version && expected == WIRE_VERSION
        ));
    }
    assert!(matches!(decode::<Envelope>(&[]), Err(Error::MalformedMessage { .. })));
}

#[test]
fn a_small_command_is_a_few_dozen_bytes_and_a_tensor_adds_its_raw_values() {
    use minisyft::protocol::{Body, Command, Op, Operand, WireObject, WireTensor};
    use minisyft::tensor::BinaryOp;
    let execute = Envelope::new(
        "me",
        "bob",
        Body::Command(Command::Execute {
            result: ObjectId(123_456_789),
            op: Op::Binary {
                op: BinaryOp::Add,
                lhs: ObjectId(987_654_321),
                rhs: Operand::Object(ObjectId(987_654_321)),
            },
        }),
    );
    let small = encode(execute).unwrap().len();
    assert!(small <= 32, "{small} bytes");
    let tensor = minisyft::Tensor::from_f32(&[1000], vec![0.5; 1000]).unwrap();
    let store = Envelope::new(
        "me",
        "bob",
        Body::Command(Command::Store { id: ObjectId(1), object: WireObject::Tensor(WireTensor::from_tensor(&tensor)) }),
    );
    let framed = encode(store).unwrap().len();
    assert!((4000..4000 + 64).contains(&framed), "{framed} bytes for 1000 f32 values");
}
