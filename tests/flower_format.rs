//! Flower's formats on the Rust side (`src/flower/`): `.npy`, content-addressed objects, the
//! protobuf and JSON bodies — against values Python's own libraries give, and against hostile
//! bytes (typed errors, never a panic). `tests/flower/objects_cross_check.py` checks the same
//! code against Flower's classes.

use std::collections::BTreeMap;

use minisyft::flower::objects::{object_id, Builder, Metadata, Metric, Object, ObjectTree};
use minisyft::flower::received::read_message;
use minisyft::flower::{json, npy};
use minisyft::rng::Rng;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn an_object_id_is_the_sha256_hashlib_gives_for_its_bytes() {
    let chunk = Object { kind: "ArrayChunk".into(), children: Vec::new(), body: b"abc".to_vec() };
    assert_eq!(chunk.to_bytes(), b"ArrayChunk  3\0abc");
    assert_eq!(object_id(&chunk.to_bytes()), "8f373c1473d725a61442838233deff2aa2a89f72184e517b6a621a3b53abbbd6");
    assert_eq!(Object::parse(&chunk.to_bytes()).unwrap(), chunk);
}

#[test]
fn json_is_written_as_pythons_json_dumps_writes_it() {
    let written =
        json::object(&[("note", json::string("héllo \"q\" \\ 😀")), ("n", json::list(["1".into(), "2".into()]))]);
    assert_eq!(written, r#"{"note": "h\u00e9llo \"q\" \\ \ud83d\ude00", "n": [1, 2]}"#);
    let parsed = json::parse(&written).unwrap();
    assert_eq!(parsed.get("note"), Some(&json::Value::String("héllo \"q\" \\ 😀".into())));
}

#[test]
fn npy_bytes_round_trip_with_a_64_byte_aligned_header() {
    for shape in [vec![1], vec![3, 2], vec![2, 1, 4], vec![]] {
        let count: usize = shape.iter().product();
        let values: Vec<f32> = (0..count).map(|i| i as f32 * 0.5 - 1.0).collect();
        let bytes = npy::encode(&shape, &values);
        assert_eq!((bytes.len() - 4 * count) % 64, 0, "{shape:?}");
        assert_eq!(npy::decode(&bytes).unwrap(), (shape, values));
    }
    let one = npy::encode(&[3], &[1.0, 2.0, 3.0]);
    assert!(std::str::from_utf8(&one[10..70])
        .unwrap()
        .starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"));
}

#[test]
fn a_reply_read_back_gives_its_metadata_and_arrays() {
    let mut builder = Builder::default();
    let arrays = builder.array_record(&[("w", &[2, 2], &[1.0, 2.0, 3.0, 4.0]), ("b", &[2], &[0.5, -0.5])]);
    let metrics = builder.metric_record(&[("num-examples", Metric::Integer(12))]);
    let content = builder.record_dict(vec![("arrays", arrays), ("metrics", metrics)]);
    let metadata = Metadata { run_id: u64::MAX - 1, message_type: "train".into(), ttl: 10.5, ..Metadata::default() };
    let tree = builder.message(&metadata, content);
    assert_eq!(ObjectTree::decode(&tree.encode()).unwrap(), tree);
    assert_eq!(tree.post_order().last(), Some(&tree.id.as_str()));
    let read = read_message(&tree.id, &builder.objects).unwrap();
    assert_eq!(read.metadata, metadata);
    assert_eq!(read.arrays[0], ("arrays".into(), "w".into(), vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]));
    assert_eq!(read.arrays[1].3, vec![0.5, -0.5]);
    // An object that does not hash to its id is refused.
    let mut tampered = builder.objects.clone();
    let array_id = tree.children[0].children[0].children[0].id.clone();
    tampered.get_mut(&array_id).unwrap().push(b' ');
    assert!(matches!(read_message(&tree.id, &tampered), Err(minisyft::Error::Flower { .. })));
}

#[test]
fn hostile_bytes_are_typed_errors_for_every_reader() {
    let mut builder = Builder::default();
    let arrays = builder.array_record(&[("w", &[3], &[1.0, 2.0, 3.0])]);
    let content = builder.record_dict(vec![("arrays", arrays)]);
    let tree = builder.message(&Metadata { run_id: 5, ..Metadata::default() }, content);
    let samples: Vec<Vec<u8>> =
        builder.objects.values().cloned().chain([tree.encode(), npy::encode(&[3], &[1., 2., 3.])]).collect();
    let mut rng = Rng::seeded(77);
    for i in 0..20_000 {
        let mut bytes = samples[i % samples.len()].clone();
        match rng.next_u64() % 4 {
            0 => bytes.truncate((rng.next_u64() % (bytes.len() as u64 + 1)) as usize),
            1 if !bytes.is_empty() => {
                let at = (rng.next_u64() % bytes.len() as u64) as usize;
                bytes[at] ^= 1 << (rng.next_u64() % 8);
            }
            2 => bytes.extend((0..rng.next_u64() % 9).map(|_| rng.next_u64() as u8)),
            _ => bytes = (0..rng.next_u64() % 64).map(|_| rng.next_u64() as u8).collect(),
        }
        let _ = Object::parse(&bytes);
        let _ = ObjectTree::decode(&bytes);
        let _ = Metadata::decode(&bytes);
        let _ = npy::decode(&bytes);
        let _ = json::parse(&String::from_utf8_lossy(&bytes));
        let mut objects: BTreeMap<String, Vec<u8>> = builder.objects.clone();
        let victim = objects.keys().nth(i % objects.len()).cloned().unwrap();
        objects.insert(victim, bytes);
        let _ = read_message(&tree.id, &objects);
    }
    assert!(npy::decode(&npy::encode(&[1 << 30], &[])).is_err(), "a shape past the limits");
    assert!(json::parse(&"[".repeat(100)).is_err(), "nesting past the limit");
}

#[test]
fn an_error_response_is_told_in_one_short_line_an_html_page_by_its_title() {
    let check = |body: &[u8], expected: &str| {
        assert_eq!(minisyft::flower::fleet::error_body_summary(body), expected, "{}", String::from_utf8_lossy(body));
    };
    // python -m http.server's answer to a POST it cannot serve.
    check(
        b"<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n        <p>Error code: 501</p>\n",
        "Error response",
    );
    check(b"<html><body><h1>502 Bad Gateway</h1></body></html>", "an HTML page");
    check(b"{\"detail\":\n  \"Not Found\"}", "{\"detail\": \"Not Found\"}");
    check(b"", "");
    let long = "word ".repeat(100);
    let summary = minisyft::flower::fleet::error_body_summary(long.as_bytes());
    assert_eq!(summary.chars().count(), 161, "160 characters and an ellipsis: {summary}");
    // Not UTF-8, and cut inside a character: still one line, no panic.
    check(&[0xff, 0xfe, b'o', b'k'], "\u{fffd}\u{fffd}ok");
    check("é".repeat(200).as_bytes(), &format!("{}…", "é".repeat(160)));
}
