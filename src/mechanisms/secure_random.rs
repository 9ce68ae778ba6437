//! Randomness that protects someone — secret shares, Beaver triples, differential-privacy noise —
//! comes from here: the operating system's cryptographic generator natively, and
//! `crypto.getRandomValues` in a browser (page or Web Worker). Never the demo's seeded `Rng`.

use crate::error::{Error, Result};

fn fill(bytes: &mut [u8]) -> Result<()> {
    getrandom::getrandom(bytes).map_err(|e| Error::RandomnessUnavailable { reason: e.to_string() })
}

/// `count` uniformly random 64-bit words.
pub fn words(count: usize) -> Result<Vec<u64>> {
    let mut bytes = vec![0u8; count * 8];
    fill(&mut bytes)?;
    Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
}

/// `count` uniformly random elements of the ring of 64-bit integers (wrapping arithmetic).
pub fn ring_elements(count: usize) -> Result<Vec<i64>> {
    Ok(words(count)?.into_iter().map(|w| w as i64).collect())
}

/// `count` draws from a normal distribution with mean 0 and standard deviation `std`
/// (Box–Muller over 53-bit uniforms, never exactly 0).
pub fn gaussians(count: usize, std: f64) -> Result<Vec<f64>> {
    let uniform = |w: u64| ((w >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let raw = words(count.div_ceil(2) * 2)?;
    let mut out = Vec::with_capacity(count);
    for pair in raw.chunks_exact(2) {
        let (u1, u2) = (uniform(pair[0]), uniform(pair[1]));
        let radius = (-2.0 * u1.ln()).sqrt() * std;
        let angle = 2.0 * std::f64::consts::PI * u2;
        out.push(radius * angle.cos());
        out.push(radius * angle.sin());
    }
    out.truncate(count);
    Ok(out)
}
