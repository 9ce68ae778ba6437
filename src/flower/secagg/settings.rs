//! What SecAgg+'s messages say: the stage a message names (and which may follow which), the
//! settings `setup` carries, checked to be what the protocol can run with, and reading a
//! `secaggplus_configs` record's items with Flower's own error messages.

use crate::error::Result;
use crate::flower::config::ConfigValue;
use crate::flower::error;

use super::shamir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Setup,
    ShareKeys,
    CollectMaskedVectors,
    Unmask,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Setup => "setup",
            Stage::ShareKeys => "share_keys",
            Stage::CollectMaskedVectors => "collect_masked_vectors",
            Stage::Unmask => "unmask",
        }
    }

    pub fn parse(name: &str) -> Option<Stage> {
        [Stage::Setup, Stage::ShareKeys, Stage::CollectMaskedVectors, Stage::Unmask]
            .into_iter()
            .find(|s| s.name() == name)
    }

    pub fn next(self) -> Stage {
        match self {
            Stage::Setup => Stage::ShareKeys,
            Stage::ShareKeys => Stage::CollectMaskedVectors,
            Stage::CollectMaskedVectors => Stage::Unmask,
            Stage::Unmask => Stage::Setup,
        }
    }
}

/// What `setup` configures, checked to be what the protocol can run with.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub sample_num: u64,
    pub share_num: usize,
    pub threshold: usize,
    pub clipping_range: f64,
    pub target_range: u64,
    pub mod_range: u64,
    pub max_weight: f64,
}

pub type Configs = [(String, ConfigValue)];

pub fn get<'a>(configs: &'a Configs, stage: Stage, key: &str) -> Result<&'a ConfigValue> {
    configs.iter().find(|(k, _)| k == key).map(|(_, v)| v).ok_or_else(|| {
        error("secagg+", format!("Stage {}: the required key '{key}' is missing from the ConfigRecord", stage.name()))
    })
}

pub fn wrong(stage: Stage, key: &str, expected: &str) -> crate::error::Error {
    error("secagg+", format!("Stage {}: the value for the key '{key}' must be {expected}", stage.name()))
}

fn whole(configs: &Configs, key: &str) -> Result<u64> {
    get(configs, Stage::Setup, key)?.as_u64().ok_or_else(|| wrong(Stage::Setup, key, "a whole number"))
}

fn float(configs: &Configs, key: &str) -> Result<f64> {
    match get(configs, Stage::Setup, key)? {
        ConfigValue::Float(v) if v.is_finite() => Ok(*v),
        other => other.as_u64().map(|v| v as f64).ok_or_else(|| wrong(Stage::Setup, key, "a finite number")),
    }
}

impl Settings {
    pub fn read(configs: &Configs) -> Result<Settings> {
        let settings = Settings {
            sample_num: whole(configs, "sample_num")?,
            share_num: usize::try_from(whole(configs, "share_num")?).unwrap_or(usize::MAX),
            threshold: usize::try_from(whole(configs, "threshold")?).unwrap_or(usize::MAX),
            clipping_range: float(configs, "clipping_range")?,
            target_range: whole(configs, "target_range")?,
            mod_range: whole(configs, "mod_range")?,
            max_weight: float(configs, "max_weight")?,
        };
        let refuse = |what: String| Err(error("secagg+ setup", what));
        if !(2..=shamir::MAX_SHARES).contains(&settings.share_num) {
            return refuse(format!("{} shares: 2 to {}", settings.share_num, shamir::MAX_SHARES));
        }
        // A threshold of 1 would make every share the secret itself (Flower's server sends 2 or more).
        if !(2..=settings.share_num).contains(&settings.threshold) {
            return refuse(format!("a threshold of {} for {} shares", settings.threshold, settings.share_num));
        }
        // float32 as numpy computes: the clip and the quantizer must both be finite and above 0.
        let quantizer = (settings.target_range as f64 / (2.0 * settings.clipping_range)) as f32;
        if settings.clipping_range <= 0.0
            || settings.clipping_range > 1e9
            || !quantizer.is_finite()
            || (settings.clipping_range as f32) <= 0.0
        {
            return refuse(format!("a clipping range of {}", settings.clipping_range));
        }
        // Quantized values are numpy int32s in Flower: the range must fit one.
        if !(1..=i32::MAX as u64).contains(&settings.target_range) {
            return refuse(format!("a quantization range of {}: 1 to 2^31 - 1", settings.target_range));
        }
        if !(settings.target_range < settings.mod_range && settings.mod_range <= 1 << 32) {
            return refuse(format!("a modulus of {}: above the quantization range, at most 2^32", settings.mod_range));
        }
        if settings.max_weight <= 0.0 {
            return refuse(format!("a max weight of {}", settings.max_weight));
        }
        Ok(settings)
    }
}
