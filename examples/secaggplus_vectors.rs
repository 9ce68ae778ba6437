//! SecAgg+'s primitives from the Rust side, for `tests/flower/secaggplus_cross_check.py` to check
//! against Flower's own functions: `secaggplus_vectors FILE` reads cases (JSON, bytes as hex)
//! and prints, for each kind, what `src/flower/secagg/` makes of them:
//! - `rand_gen`: `pseudo_rand_gen(seed, range, sizes)`;
//! - `shared_key`: `generate_shared_key(private PEM, public PEM)`;
//! - `decrypt` / `encrypt`: Fernet tokens Flower made, and tokens for Flower to open;
//! - `combine` / `split`: Shamir shares Flower made, and shares for Flower to combine;
//! - `gf_mul`: products in GF(2^128);
//! - `quantize`: stochastic rounding with the draws given;
//! - `key_pairs`: fresh key pairs, for Flower to load and exchange with.

#[cfg(not(target_arch = "wasm32"))]
use minisyft::encoding::hex;
#[cfg(not(target_arch = "wasm32"))]
use minisyft::flower::json::{parse, Value};
#[cfg(not(target_arch = "wasm32"))]
use minisyft::flower::secagg::{fernet, keys, masks, shamir};

#[cfg(not(target_arch = "wasm32"))]
type Failure = Box<dyn std::error::Error>;

#[cfg(not(target_arch = "wasm32"))]
fn unhex(text: &str) -> Vec<u8> {
    (0..text.len() / 2).filter_map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()).collect()
}

#[cfg(not(target_arch = "wasm32"))]
fn cases<'a>(value: &'a Value, kind: &str) -> &'a [Value] {
    match value.get(kind) {
        Some(Value::List(cases)) => cases,
        _ => &[],
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn text(value: &Value, key: &str) -> Result<String, Failure> {
    match value.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("no {key}").into()),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn number(value: &Value, key: &str) -> Result<f64, Failure> {
    match value.get(key) {
        Some(Value::Number(n)) => Ok(*n),
        _ => Err(format!("no {key}").into()),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn numbers(value: &Value, key: &str) -> Result<Vec<f64>, Failure> {
    match value.get(key) {
        Some(Value::List(items)) => {
            items.iter().map(|v| if let Value::Number(n) = v { Ok(*n) } else { Err("not a number".into()) }).collect()
        }
        _ => Err(format!("no {key}").into()),
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn quoted(bytes: &[u8]) -> String {
    format!("\"{}\"", hex(bytes))
}

#[cfg(not(target_arch = "wasm32"))]
fn run(path: &str) -> Result<String, Failure> {
    let input = parse(&std::fs::read_to_string(path)?)?;
    let mut out = Vec::new();
    let mut results = Vec::new();
    for case in cases(&input, "rand_gen") {
        let sizes: Vec<usize> = numbers(case, "sizes")?.into_iter().map(|n| n as usize).collect();
        // The range may be 2^32 or more: sent as text, past f64's exact integers.
        let range: u64 = text(case, "range")?.parse()?;
        let masks = masks::pseudo_rand_gen(&unhex(&text(case, "seed")?), range, &sizes)?;
        results.push(format!("{masks:?}"));
    }
    out.push(format!("\"rand_gen\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "shared_key") {
        let secret =
            keys::RustCryptoEcdh.agree_now(text(case, "private")?.as_bytes(), text(case, "public")?.as_bytes())?;
        let key = keys::fernet_key(&secret)?;
        results.push(quoted(&key));
    }
    out.push(format!("\"shared_key\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "decrypt") {
        results.push(quoted(&fernet::decrypt(text(case, "key")?.as_bytes(), text(case, "token")?.as_bytes())?));
    }
    out.push(format!("\"decrypt\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "encrypt") {
        let mut iv = [0u8; 16];
        getrandom::getrandom(&mut iv)?;
        let token =
            fernet::encrypt(text(case, "key")?.as_bytes(), &unhex(&text(case, "plaintext")?), iv, 1_790_000_000)?;
        results.push(quoted(&token));
    }
    out.push(format!("\"encrypt\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "combine") {
        let Value::List(shares) = case else { return Err("combine: a list of shares".into()) };
        let shares: Vec<Vec<u8>> =
            shares.iter().map(|s| if let Value::String(h) = s { unhex(h) } else { Vec::new() }).collect();
        results.push(quoted(&shamir::combine_shares(&shares)?));
    }
    out.push(format!("\"combine\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "split") {
        let shares = shamir::create_shares(
            &unhex(&text(case, "secret")?),
            number(case, "threshold")? as usize,
            number(case, "num")? as usize,
        )?;
        results.push(format!("[{}]", shares.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", ")));
    }
    out.push(format!("\"split\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "gf_mul") {
        let [a, b] = [text(case, "a")?, text(case, "b")?].map(|h| unhex(&h).try_into().unwrap_or([0u8; 16]));
        results.push(quoted(&(shamir::Element::from_bytes(a) * shamir::Element::from_bytes(b)).to_bytes()));
    }
    out.push(format!("\"gf_mul\": [{}]", results.join(", ")));
    results.clear();
    for case in cases(&input, "quantize") {
        let values: Vec<f32> = numbers(case, "values")?.into_iter().map(|v| v as f32).collect();
        let uniforms = numbers(case, "uniforms")?;
        let q = masks::quantize(&values, number(case, "clip")?, number(case, "target")? as u64, &uniforms);
        results.push(format!("{q:?}"));
    }
    out.push(format!("\"quantize\": [{}]", results.join(", ")));
    results.clear();
    for _ in 0..number(&input, "key_pairs").unwrap_or(0.0) as usize {
        let pair = keys::RustCryptoEcdh.generate_now()?;
        results.push(format!("[{}, {}]", quoted(&pair.private_pem), quoted(&pair.public_pem)));
    }
    out.push(format!("\"key_pairs\": [{}]", results.join(", ")));
    Ok(format!("{{{}}}", out.join(", ")))
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    match std::env::args().nth(1).map(|path| run(&path)) {
        Some(Ok(text)) => println!("{text}"),
        Some(Err(error)) => {
            eprintln!("{error}");
            std::process::exit(1);
        }
        None => {
            eprintln!("usage: secaggplus_vectors FILE");
            std::process::exit(2);
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
