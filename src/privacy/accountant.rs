//! How much privacy a run of the Gaussian mechanism has spent: a Rényi-DP accountant.
//!
//! Each round releases an update clipped to norm S with Gaussian noise of standard deviation z·S
//! (z, the noise multiplier). Its Rényi divergence of order α is α/(2z²), and rounds add up:
//! after T rounds, ε_α = T·α/(2z²). An (ε, δ) guarantee follows by a conversion minimised over α:
//!
//! - classic (Mironov 2017): ε = ε_α + ln(1/δ)/(α − 1);
//! - tighter (Balle et al. 2020, Theorem 21): ε = ε_α + ln((α − 1)/α) − (ln δ + ln α)/(α − 1).
//!
//! Every update is released in full each round (no subsampling), so there is no amplification.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conversion {
    Classic,
    Balle2020,
}

/// ε after `rounds` rounds with noise multiplier `z`, for `delta`, minimised over α > 1.
pub fn epsilon(rounds: usize, z: f64, delta: f64, conversion: Conversion) -> f64 {
    if rounds == 0 {
        return 0.0;
    }
    if !(z > 0.0 && delta > 0.0 && delta < 1.0) {
        return f64::INFINITY;
    }
    let rdp = |alpha: f64| rounds as f64 * alpha / (2.0 * z * z);
    let at = |alpha: f64| match conversion {
        Conversion::Classic => rdp(alpha) + (1.0 / delta).ln() / (alpha - 1.0),
        Conversion::Balle2020 => rdp(alpha) + ((alpha - 1.0) / alpha).ln() - (delta.ln() + alpha.ln()) / (alpha - 1.0),
    };
    // The bound is convex in α on (1, ∞) for both conversions: a golden-section search over
    // log(α − 1) finds its minimum.
    let (mut low, mut high) = ((1e-6f64).ln(), (1e6f64).ln());
    let golden = (5f64.sqrt() - 1.0) / 2.0;
    let f = |t: f64| at(1.0 + t.exp());
    for _ in 0..200 {
        let a = high - golden * (high - low);
        let b = low + golden * (high - low);
        if f(a) < f(b) {
            high = b;
        } else {
            low = a;
        }
    }
    f((low + high) / 2.0)
}
