//! The numbers of SecAgg+, drawn and rounded exactly as Flower's client does: masks from numpy's
//! legacy `RandomState` (MT19937 seeded with the XOR of the seed's 4-byte little-endian words,
//! `randint(0, mod_range - 1)` by numpy's masked rejection sampling), and the update quantized
//! with stochastic rounding (`quantization.py`). The server removes these same masks, so a
//! single number drawn differently leaves the aggregate noise.

use crate::error::Result;
use crate::flower::error;

/// numpy's `mt19937` state: 624 words and a position.
pub struct Mt19937 {
    state: [u32; 624],
    position: usize,
}

impl Mt19937 {
    /// `mt19937_seed`: Knuth's initialisation of the 624 words from one 32-bit seed.
    pub fn new(seed: u32) -> Mt19937 {
        let mut state = [0u32; 624];
        state[0] = seed;
        for i in 1..624 {
            state[i] = 1_812_433_253u32.wrapping_mul(state[i - 1] ^ (state[i - 1] >> 30)).wrapping_add(i as u32);
        }
        Mt19937 { state, position: 624 }
    }

    fn twist(&mut self) {
        for i in 0..624 {
            let y = (self.state[i] & 0x8000_0000) | (self.state[(i + 1) % 624] & 0x7fff_ffff);
            let mut next = self.state[(i + 397) % 624] ^ (y >> 1);
            if y & 1 == 1 {
                next ^= 0x9908_b0df;
            }
            self.state[i] = next;
        }
        self.position = 0;
    }

    pub fn next_u32(&mut self) -> u32 {
        if self.position == 624 {
            self.twist();
        }
        let mut y = self.state[self.position];
        self.position += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_u64(&mut self) -> u64 {
        (u64::from(self.next_u32()) << 32) | u64::from(self.next_u32())
    }

    /// numpy's `random_bounded_uint64_fill` with `use_masked`: a value in `0..=range`.
    fn bounded(&mut self, range: u64) -> u64 {
        let mask = u64::MAX >> range.leading_zeros().min(63);
        match range {
            0 => 0,
            0xffff_ffff => u64::from(self.next_u32()),
            r if r < 0xffff_ffff => loop {
                let value = u64::from(self.next_u32()) & mask;
                if value <= r {
                    return value;
                }
            },
            u64::MAX => self.next_u64(),
            r => loop {
                let value = self.next_u64() & mask;
                if value <= r {
                    return value;
                }
            },
        }
    }
}

/// Flower's `pseudo_rand_gen(seed, num_range, shapes)`: for each shape, that many numbers of
/// `randint(0, num_range - 1)`, one generator for them all.
pub fn pseudo_rand_gen(seed: &[u8], num_range: u64, sizes: &[usize]) -> Result<Vec<Vec<i64>>> {
    if !seed.len().is_multiple_of(4) {
        return Err(error("secagg+ mask", format!("a seed of {} bytes, not a multiple of 4", seed.len())));
    }
    if !(2..=1 << 62).contains(&num_range) {
        return Err(error("secagg+ mask", format!("a mask range of {num_range}")));
    }
    let seed32 = seed.chunks_exact(4).fold(0u32, |acc, w| acc ^ u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
    let mut generator = Mt19937::new(seed32);
    // randint's high is exclusive: values in 0..=num_range - 2.
    let range = num_range - 2;
    Ok(sizes.iter().map(|&size| (0..size).map(|_| generator.bounded(range) as i64).collect()).collect())
}

/// Flower's `quantize` for one array: clipped to ±`clipping_range`, shifted and scaled to
/// `0..=target_range`, then rounded up or down at random so that the rounding is unbiased.
/// Computed in `f32` as numpy computes a float32 array with Python floats; `uniforms` are the
/// draws in [0, 1) (`np.random.rand` in Flower; a cryptographic generator here).
pub fn quantize(values: &[f32], clipping_range: f64, target_range: u64, uniforms: &[f64]) -> Vec<i64> {
    let quantizer = (target_range as f64 / (2.0 * clipping_range)) as f32;
    let clip = clipping_range as f32;
    values
        .iter()
        .zip(uniforms)
        .map(|(&v, &u)| {
            let pre = (v.clamp(-clip, clip) + clip) * quantizer;
            let up = pre.ceil() as i32;
            let rounded = if u < f64::from(up) - f64::from(pre) { up - 1 } else { up };
            i64::from(rounded)
        })
        .collect()
}

/// `share_keys_plaintext_concat`: source and destination as 8 bytes little-endian, the seed
/// share's length as 4, the seed share, the key share.
pub fn share_plaintext(source: u64, destination: u64, seed_share: &[u8], key_share: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + seed_share.len() + key_share.len());
    out.extend_from_slice(&source.to_le_bytes());
    out.extend_from_slice(&destination.to_le_bytes());
    out.extend_from_slice(&(seed_share.len() as u32).to_le_bytes());
    out.extend_from_slice(seed_share);
    out.extend_from_slice(key_share);
    out
}

/// The plaintext's parts: (source, destination, seed share, key share).
pub fn share_plaintext_parts(plaintext: &[u8]) -> Result<(u64, u64, Vec<u8>, Vec<u8>)> {
    let word = |range: std::ops::Range<usize>| {
        plaintext.get(range).map(|b| b.iter().rev().fold(0u64, |a, &x| a << 8 | u64::from(x)))
    };
    let (Some(source), Some(destination), Some(length)) = (word(0..8), word(8..16), word(16..20)) else {
        return Err(error("secagg+ share", "a share message shorter than its header"));
    };
    let seed_end = 20usize.checked_add(length as usize).filter(|&end| end <= plaintext.len());
    let seed_end = seed_end.ok_or_else(|| error("secagg+ share", "a seed share longer than the message"))?;
    Ok((source, destination, plaintext[20..seed_end].to_vec(), plaintext[seed_end..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mt19937_draws_the_reference_sequence() {
        // The first outputs of init_genrand(5489), from Matsumoto and Nishimura's mt19937ar.
        let mut generator = Mt19937::new(5489);
        let first: Vec<u32> = (0..3).map(|_| generator.next_u32()).collect();
        assert_eq!(first, [3_499_211_612, 581_869_302, 3_890_346_734]);
        let mut generator = Mt19937::new(5489);
        assert_eq!((0..10_000).map(|_| generator.next_u32()).last(), Some(4_123_659_995));
    }

    #[test]
    fn masks_stay_in_range_and_depend_on_the_seed() {
        let seed: Vec<u8> = (0..32).collect();
        let a = pseudo_rand_gen(&seed, 1 << 32, &[3, 5]).unwrap();
        assert_eq!(a.iter().map(Vec::len).collect::<Vec<_>>(), [3, 5]);
        assert!(a.iter().flatten().all(|&v| (0..(1i64 << 32) - 1).contains(&v)));
        let other: Vec<u8> = (1..33).collect();
        assert_ne!(a, pseudo_rand_gen(&other, 1 << 32, &[3, 5]).unwrap());
        // The seed is the XOR of its words: words that cancel are the seed 0.
        assert_eq!(pseudo_rand_gen(&[1; 8], 1 << 32, &[4]).unwrap(), pseudo_rand_gen(&[0; 4], 1 << 32, &[4]).unwrap());
        assert!(pseudo_rand_gen(&[1; 3], 1 << 32, &[1]).is_err());
        let small = pseudo_rand_gen(&[9; 8], 7, &[200]).unwrap();
        assert!(small[0].iter().all(|&v| (0..6).contains(&v)));
    }

    #[test]
    fn quantization_is_unbiased_between_its_two_neighbours() {
        let q = quantize(&[0.0, 8.0, -9.0, 0.5], 8.0, 16, &[0.99, 0.0, 0.0, 0.0]);
        assert_eq!(q, [8, 16, 0, 8]);
        // 0.25 of a step: rounded down three times in four.
        let uniforms: Vec<f64> = (0..1000).map(|i| f64::from(i) / 1000.0).collect();
        let q = quantize(&vec![0.25; 1000], 8.0, 16, &uniforms);
        assert_eq!(q.iter().filter(|&&v| v == 8).count(), 750);
    }

    #[test]
    fn share_plaintexts_come_apart_as_they_were_put_together() {
        let text = share_plaintext(7, u64::MAX, b"seed", b"key");
        assert_eq!(share_plaintext_parts(&text).unwrap(), (7, u64::MAX, b"seed".to_vec(), b"key".to_vec()));
        assert!(share_plaintext_parts(&text[..10]).is_err());
        let mut long = text.clone();
        long[16] = 200;
        assert!(share_plaintext_parts(&long).is_err());
    }
}
