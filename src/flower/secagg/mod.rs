//! The client side of Flower's SecAgg+ (flwr 1.42's `secaggplus_mod`), so that a tab's update
//! reaches the server only inside a sum. Four stages, each a `train` message whose
//! `secaggplus_configs` record names it:
//!
//! 1. `setup`: the parameters (shares, threshold, clipping, quantization, modulus, max weight);
//!    the client draws two key pairs and sends both public keys.
//! 2. `share_keys`: its neighbours' public keys; the client draws a mask seed, Shamir-shares the
//!    seed and its first private key, and sends each neighbour its shares encrypted under their
//!    ECDH key (Fernet), through the server.
//! 3. `collect_masked_vectors`: the shares its neighbours sent it, and the training instruction;
//!    the client trains, then sends `[w, w · params]` quantized, plus its own mask and a pairwise
//!    mask per neighbour (added or subtracted by node order, so they cancel in the sum),
//!    modulo the modulus — never the update itself.
//! 4. `unmask`: which neighbours are alive; the client sends their seed shares, and the first-key
//!    shares of the dead, so the server can remove exactly the masks that did not cancel.
//!
//! Every byte is as Flower's: keys ([`keys`]), shares ([`shamir`]), envelopes ([`fernet`]) and
//! masks and rounding ([`masks`]) are cross-checked against Flower's functions
//! (`tests/flower/secaggplus_cross_check.py`). Keys, seeds, IVs and rounding come from the
//! cryptographic generator.

pub mod fernet;
pub mod keys;
pub mod masks;
pub mod settings;
pub mod shamir;

use std::collections::BTreeMap;

use super::config::ConfigValue;
use super::signature;
use super::{error, npy};
use crate::error::Result;
use crate::mechanisms::secure_random;
use keys::{Ecdh, KeyPair};
use settings::{get, wrong, Configs};
pub use settings::{Settings, Stage};

/// The ConfigRecord that carries SecAgg+'s side of a message, both ways.
pub const RECORD: &str = "secaggplus_configs";

fn distinct(values: &[u64]) -> bool {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).all(|pair| pair[0] != pair[1])
}

/// A stage's answer: the `secaggplus_configs` items, and what left, in words, for the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct StageReply {
    pub items: Vec<(&'static str, ConfigValue)>,
    pub sent: String,
}

/// One node's SecAgg+ state, kept between the stages (Flower keeps it in the Context's state).
pub struct SecAggPlus {
    stage: Stage,
    node_id: u64,
    settings: Option<Settings>,
    keys1: Option<KeyPair>,
    keys2: Option<KeyPair>,
    seed: Vec<u8>,
    seed_shares: BTreeMap<u64, Vec<u8>>,
    key_shares: BTreeMap<u64, Vec<u8>>,
    shared2: BTreeMap<u64, Vec<u8>>,
    public_keys: Vec<(u64, Vec<u8>, Vec<u8>)>,
}

impl Default for SecAggPlus {
    fn default() -> SecAggPlus {
        SecAggPlus {
            stage: Stage::Unmask,
            node_id: 0,
            settings: None,
            keys1: None,
            keys2: None,
            seed: Vec::new(),
            seed_shares: BTreeMap::new(),
            key_shares: BTreeMap::new(),
            shared2: BTreeMap::new(),
            public_keys: Vec::new(),
        }
    }
}

impl SecAggPlus {
    /// The stage last completed (`unmask` before any: the next is `setup`).
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The stage `configs` asks for, if it may follow the last one (`setup` may always come: a
    /// restart). Nothing changes until that stage completes.
    pub fn requested(&self, configs: &Configs) -> Result<Stage> {
        let stage = match configs.iter().find(|(k, _)| k == "stage") {
            Some((_, ConfigValue::Text(name))) => {
                Stage::parse(name).ok_or_else(|| error("secagg+", format!("Unknown SecAgg/SecAgg+ stage: {name}")))?
            }
            Some(_) => return Err(error("secagg+", "The value for the key 'stage' must be of type str")),
            None => return Err(error("secagg+", "The required key 'stage' is missing from the ConfigRecord")),
        };
        if stage != Stage::Setup && stage != self.stage.next() {
            return Err(error(
                "secagg+",
                format!(
                    "Abort secure aggregation: expect {} stage, but receive {} stage",
                    self.stage.next().name(),
                    stage.name()
                ),
            ));
        }
        Ok(stage)
    }

    fn settings(&self) -> Result<&Settings> {
        self.settings.as_ref().ok_or_else(|| error("secagg+", "no setup stage before this one"))
    }

    fn keys(&self) -> Result<(&KeyPair, &KeyPair)> {
        self.keys1.as_ref().zip(self.keys2.as_ref()).ok_or_else(|| error("secagg+", "no keys: setup did not run"))
    }

    /// Stage 0: the settings kept, two key pairs drawn, the public halves sent.
    pub async fn setup(&mut self, node_id: u64, configs: &Configs, ecdh: &impl Ecdh) -> Result<StageReply> {
        let settings = Settings::read(configs)?;
        let (keys1, keys2) = (ecdh.generate().await?, ecdh.generate().await?);
        let items = vec![
            ("pk1", ConfigValue::Bytes(keys1.public_pem.clone())),
            ("pk2", ConfigValue::Bytes(keys2.public_pem.clone())),
        ];
        *self = SecAggPlus {
            stage: Stage::Setup,
            node_id,
            settings: Some(settings),
            keys1: Some(keys1),
            keys2: Some(keys2),
            ..SecAggPlus::default()
        };
        Ok(StageReply { items, sent: "2 public keys (P-384)".into() })
    }

    /// Stage 1: the neighbours' keys checked, the mask seed and the first private key shared,
    /// each neighbour's shares encrypted for it; `now` is written into the Fernet tokens.
    pub async fn share_keys(&mut self, configs: &Configs, now: u64, ecdh: &impl Ecdh) -> Result<StageReply> {
        let stage = Stage::ShareKeys;
        let settings = self.settings()?.clone();
        let (keys1, keys2) = self.keys()?;
        let (keys1, keys2) = (keys1.clone(), keys2.clone());
        let mut public_keys: Vec<(u64, Vec<u8>, Vec<u8>)> = Vec::new();
        for (key, value) in configs.iter().filter(|(k, _)| k != "stage") {
            // One spelling a node: "05" or "+5" beside "5" would share a node's secrets twice.
            let node: u64 = key
                .parse()
                .ok()
                .filter(|node: &u64| node.to_string() == *key)
                .ok_or_else(|| wrong(stage, key, "keyed by a node id"))?;
            if public_keys.iter().any(|(n, ..)| *n == node) {
                return Err(wrong(stage, key, "named once"));
            }
            match value.as_bytes_list() {
                Some([pk1, pk2]) => public_keys.push((node, pk1.clone(), pk2.clone())),
                _ => return Err(wrong(stage, key, "a list of two bytes")),
            }
        }
        if public_keys.len() < settings.threshold {
            return Err(error("secagg+ share_keys", "Available neighbours number smaller than threshold"));
        }
        if public_keys.len() > settings.share_num {
            return Err(error(
                "secagg+ share_keys",
                format!("{} neighbours for {} shares", public_keys.len(), settings.share_num),
            ));
        }
        let mut all: Vec<&Vec<u8>> = public_keys.iter().flat_map(|(_, a, b)| [a, b]).collect();
        all.sort();
        all.dedup();
        if all.len() != 2 * public_keys.len() {
            return Err(error("secagg+ share_keys", "Some public keys are identical"));
        }
        let own = public_keys.iter().find(|(node, ..)| *node == self.node_id);
        if own.is_none_or(|(_, pk1, pk2)| *pk1 != keys1.public_pem || *pk2 != keys2.public_pem) {
            return Err(error("secagg+ share_keys", "Own public keys are displayed in dict incorrectly"));
        }
        let mut seed = vec![0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| error("secagg+", e.to_string()))?;
        let seed_shares = shamir::create_shares(&seed, settings.threshold, settings.share_num)?;
        let key_shares = shamir::create_shares(&keys1.private_pem, settings.threshold, settings.share_num)?;
        let (mut destinations, mut ciphertexts) = (Vec::new(), Vec::new());
        let mut shared2 = BTreeMap::new();
        let (mut own_seed_shares, mut own_key_shares) = (BTreeMap::new(), BTreeMap::new());
        for (index, (node, pk1, pk2)) in public_keys.iter().enumerate() {
            // Its framing checked now; the curve point when the pairwise mask is drawn.
            signature::pem_to_der("PUBLIC KEY", pk1)?;
            if *node == self.node_id {
                own_seed_shares.insert(*node, seed_shares[index].clone());
                own_key_shares.insert(*node, key_shares[index].clone());
                continue;
            }
            let shared = keys::shared_key(ecdh, &keys2.private_pem, pk2).await?;
            let plaintext = masks::share_plaintext(self.node_id, *node, &seed_shares[index], &key_shares[index]);
            let mut iv = [0u8; 16];
            getrandom::getrandom(&mut iv).map_err(|e| error("secagg+", e.to_string()))?;
            ciphertexts.push(fernet::encrypt(&shared, &plaintext, iv, now)?);
            destinations.push(*node);
            shared2.insert(*node, shared);
        }
        let sent = format!("{} encrypted share pairs (Fernet), one to each neighbour", ciphertexts.len());
        let items = vec![("dsts", ConfigValue::ints(&destinations)), ("ctxts", ConfigValue::bytes_list(ciphertexts))];
        self.seed = seed;
        self.seed_shares = own_seed_shares;
        self.key_shares = own_key_shares;
        self.shared2 = shared2;
        self.public_keys = public_keys;
        self.stage = stage;
        Ok(StageReply { items, sent })
    }

    /// Stage 2, first half: the shares the neighbours sent, decrypted and checked; the
    /// neighbours they came from (whose pairwise masks the vector will carry).
    pub fn receive_shares(&mut self, configs: &Configs) -> Result<Vec<u64>> {
        let stage = Stage::CollectMaskedVectors;
        let settings = self.settings()?.clone();
        let ciphertexts =
            get(configs, stage, "ctxts")?.as_bytes_list().ok_or_else(|| wrong(stage, "ctxts", "a list of bytes"))?;
        let sources =
            get(configs, stage, "srcs")?.as_u64s().ok_or_else(|| wrong(stage, "srcs", "a list of node ids"))?;
        if ciphertexts.len() + 1 < settings.threshold {
            return Err(error("secagg+ collect_masked_vectors", "Not enough available neighbour clients."));
        }
        if ciphertexts.len() != sources.len() {
            return Err(error("secagg+ collect_masked_vectors", "as many sources as ciphertexts expected"));
        }
        // A source repeated would add its pairwise mask twice (and cost an ECDH a repeat).
        if !distinct(&sources) {
            return Err(error("secagg+ collect_masked_vectors", "a source named twice"));
        }
        let mut received = Vec::new();
        for (source, ciphertext) in sources.iter().zip(ciphertexts) {
            let shared = self.shared2.get(source).ok_or_else(|| {
                error("secagg+ collect_masked_vectors", format!("shares from {source}, not a neighbour"))
            })?;
            let (from, to, seed_share, key_share) =
                masks::share_plaintext_parts(&fernet::decrypt(shared, ciphertext)?)?;
            if from != *source || to != self.node_id {
                return Err(error(
                    "secagg+ collect_masked_vectors",
                    format!("shares from {from} to {to} arrived as from {source} to {}", self.node_id),
                ));
            }
            received.push((*source, seed_share, key_share));
        }
        let mut available = Vec::new();
        for (source, seed_share, key_share) in received {
            self.seed_shares.insert(source, seed_share);
            self.key_shares.insert(source, key_share);
            available.push(source);
        }
        Ok(available)
    }

    /// Stage 2, second half: `[w, w · params]` quantized, masked and reduced, as `.npy` int64
    /// arrays (`w` being `examples / max_weight` on the quantization grid).
    pub async fn masked_vector(
        &mut self,
        available: &[u64],
        examples: u64,
        arrays: &[(Vec<usize>, Vec<f32>)],
        ecdh: &impl Ecdh,
    ) -> Result<StageReply> {
        let settings = self.settings()?.clone();
        let keys1 = self.keys()?.0.clone();
        let ratio = examples as f64 / settings.max_weight;
        let q_ratio = (ratio * settings.target_range as f64).round_ties_even();
        // Python's round() raises on an infinity; a factor past the modulus wraps in the sum.
        if !q_ratio.is_finite() || q_ratio >= settings.mod_range as f64 {
            return Err(error(
                "secagg+ collect_masked_vectors",
                format!("{examples} examples over a max weight of {} overflow the modulus", settings.max_weight),
            ));
        }
        let dq_ratio = (q_ratio / settings.target_range as f64) as f32;
        let mut vector: Vec<(Vec<usize>, Vec<i64>)> = vec![(vec![1], vec![q_ratio as i64])];
        for (shape, values) in arrays {
            let scaled: Vec<f32> = values.iter().map(|v| v * dq_ratio).collect();
            let uniforms: Vec<f64> = secure_random::words(scaled.len())?
                .into_iter()
                .map(|w| (w >> 11) as f64 / (1u64 << 53) as f64)
                .collect();
            vector.push((
                shape.clone(),
                masks::quantize(&scaled, settings.clipping_range, settings.target_range, &uniforms),
            ));
        }
        let sizes: Vec<usize> = vector.iter().map(|(_, v)| v.len()).collect();
        let add = |vector: &mut Vec<(Vec<usize>, Vec<i64>)>, mask: Vec<Vec<i64>>, sign: i64| {
            for ((_, values), mask) in vector.iter_mut().zip(mask) {
                values.iter_mut().zip(mask).for_each(|(v, m)| *v = v.wrapping_add(sign.wrapping_mul(m)));
            }
        };
        add(&mut vector, masks::pseudo_rand_gen(&self.seed, settings.mod_range, &sizes)?, 1);
        for node in available {
            let (_, pk1, _) = self
                .public_keys
                .iter()
                .find(|(n, ..)| n == node)
                .ok_or_else(|| error("secagg+", format!("no public key of node {node}")))?;
            let shared = keys::shared_key(ecdh, &keys1.private_pem, pk1).await?;
            let sign = if self.node_id > *node { 1 } else { -1 };
            add(&mut vector, masks::pseudo_rand_gen(&shared, settings.mod_range, &sizes)?, sign);
        }
        let modulus = settings.mod_range as i64;
        let masked: Vec<Vec<u8>> = vector
            .iter()
            .map(|(shape, values)| {
                let reduced: Vec<i64> = values.iter().map(|v| v.rem_euclid(modulus)).collect();
                npy::encode_i64(shape, &reduced)
            })
            .collect();
        let numbers: usize = sizes.iter().sum();
        self.stage = Stage::CollectMaskedVectors;
        Ok(StageReply {
            items: vec![("masked_params", ConfigValue::bytes_list(masked))],
            sent: format!(
                "a masked vector of {numbers} integers mod 2^{} (the update itself never leaves)",
                settings.mod_range.trailing_zeros()
            ),
        })
    }

    /// Stage 3: the seed shares of the live neighbours and the key shares of the dead.
    pub fn unmask(&mut self, configs: &Configs) -> Result<StageReply> {
        let stage = Stage::Unmask;
        let settings = self.settings()?.clone();
        let active = get(configs, stage, "active_nids")?
            .as_u64s()
            .ok_or_else(|| wrong(stage, "active_nids", "a list of node ids"))?;
        let dead = get(configs, stage, "dead_nids")?
            .as_u64s()
            .ok_or_else(|| wrong(stage, "dead_nids", "a list of node ids"))?;
        if active.len() < settings.threshold {
            return Err(error("secagg+ unmask", "Available neighbours number smaller than threshold"));
        }
        // A node both alive and dead would have its seed share and its key share released
        // together — enough, from threshold neighbours, to strip its masks; and this node is
        // alive, since it answers.
        let nodes: Vec<u64> = active.iter().chain(&dead).copied().collect();
        if !distinct(&nodes) || dead.contains(&self.node_id) {
            return Err(error(
                "secagg+ unmask",
                "a node listed twice, both alive and dead, or this node listed as dead: no share is sent",
            ));
        }
        let share = |shares: &BTreeMap<u64, Vec<u8>>, node: &u64| {
            shares.get(node).cloned().ok_or_else(|| error("secagg+ unmask", format!("no share of node {node}")))
        };
        let mut shares = active.iter().map(|n| share(&self.seed_shares, n)).collect::<Result<Vec<_>>>()?;
        shares.extend(dead.iter().map(|n| share(&self.key_shares, n)).collect::<Result<Vec<_>>>()?);
        let sent =
            format!("{} seed shares (live neighbours) and {} key shares (dropped ones)", active.len(), dead.len());
        self.stage = stage;
        Ok(StageReply {
            items: vec![("nids", ConfigValue::ints(&nodes)), ("shares", ConfigValue::bytes_list(shares))],
            sent,
        })
    }
}
