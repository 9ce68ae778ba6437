//! The playground's settings, all in the address under `pg_…` keys, so a run is shared and
//! repeated exactly from its URL. Each either works or is refused with a message.

use crate::error::Error;
use crate::playground::aggregation::Aggregation;
use crate::playground::data::DataKind;
use crate::playground::federation::{RunConfig, Strategy};
use crate::playground::partition::Partition;
use crate::tensor::Elementwise;

#[derive(Clone, Debug, PartialEq)]
pub struct PlaygroundSettings {
    pub clients: usize,
    pub data: DataKind,
    pub points: usize,
    pub noise: f64,
    pub partition: Partition,
    pub hidden: Vec<usize>,
    pub activation: Elementwise,
    pub run: RunConfig,
    pub rounds: usize,
    /// DP's clip S and noise multiplier z, kept while another mode is chosen.
    pub clip: f64,
    pub noise_multiplier: f64,
    /// The pause between rounds while playing, in ms: 0 runs as fast as the machine allows.
    pub pace_ms: u64,
}

impl Default for PlaygroundSettings {
    fn default() -> Self {
        PlaygroundSettings {
            clients: 8,
            data: DataKind::Circle,
            points: 400,
            noise: 0.1,
            partition: Partition::Iid,
            hidden: vec![8],
            activation: Elementwise::Tanh,
            run: RunConfig { local_epochs: 2, batch_size: 16, lr: 0.3, ..RunConfig::default() },
            rounds: 20,
            clip: 1.0,
            noise_multiplier: 0.5,
            pace_ms: 0,
        }
    }
}

fn refuse(key: &str, value: &str, expected: &str) -> Error {
    Error::InvalidSetting { setting: key.to_owned(), value: value.to_owned(), expected: expected.to_owned() }
}

use super::super::url::bounded as number;

fn alpha(partition: Partition) -> f64 {
    match partition {
        Partition::LabelSkew { alpha } | Partition::QuantitySkew { alpha } => alpha,
        Partition::Iid => 0.5,
    }
}

impl PlaygroundSettings {
    /// Sets `key` (without its `pg_` prefix) from text, or says why not.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let value = value.trim();
        let key_name = format!("pg_{key}");
        let key = key_name.as_str();
        match key {
            "pg_clients" => self.clients = number(key, value, 2, 64)?,
            "pg_data" => {
                self.data = DataKind::ALL
                    .into_iter()
                    .find(|k| k.name() == value)
                    .ok_or_else(|| refuse(key, value, "gauss, xor, circle, spiral, plane or digits"))?
            }
            "pg_points" => self.points = number(key, value, 40, 2000)?,
            "pg_noise" => self.noise = number(key, value, 0.0, 1.0)?,
            "pg_partition" => {
                let a = alpha(self.partition);
                self.partition = match value {
                    "iid" => Partition::Iid,
                    "label" => Partition::LabelSkew { alpha: a },
                    "quantity" => Partition::QuantitySkew { alpha: a },
                    _ => return Err(refuse(key, value, "iid, label or quantity")),
                }
            }
            "pg_alpha" => {
                let a = number(key, value, 0.01, 1000.0)?;
                self.partition = match self.partition {
                    Partition::Iid => Partition::Iid,
                    Partition::LabelSkew { .. } => Partition::LabelSkew { alpha: a },
                    Partition::QuantitySkew { .. } => Partition::QuantitySkew { alpha: a },
                };
            }
            "pg_hidden" => {
                let expected = "up to 3 hidden layer sizes from 1 to 32, like 8,8 (empty: logistic regression)";
                let sizes: Vec<usize> = value
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse().ok().filter(|n| (1..=32).contains(n)))
                    .collect::<Option<_>>()
                    .ok_or_else(|| refuse(key, value, expected))?;
                if sizes.len() > 3 {
                    return Err(refuse(key, value, expected));
                }
                self.hidden = sizes;
            }
            "pg_activation" => {
                self.activation = match value {
                    "tanh" => Elementwise::Tanh,
                    "relu" => Elementwise::Relu,
                    _ => return Err(refuse(key, value, "tanh or relu")),
                }
            }
            "pg_fraction" => self.run.fraction = number(key, value, 0.01, 1.0)?,
            "pg_dropout" => self.run.dropout = number(key, value, 0.0, 0.9)?,
            "pg_epochs" => self.run.local_epochs = number(key, value, 1, 20)?,
            "pg_steps" => {
                let steps: usize = number(key, value, 0, 1000)?;
                self.run.local_steps = (steps > 0).then_some(steps);
            }
            "pg_batch" => self.run.batch_size = number(key, value, 1, 1000)?,
            "pg_lr" => self.run.lr = number(key, value, 0.001, 5.0)?,
            "pg_strategy" => {
                let mu = match self.run.strategy {
                    Strategy::FedProx { mu } => mu,
                    Strategy::FedAvg => 0.1,
                };
                self.run.strategy = match value {
                    "fedavg" => Strategy::FedAvg,
                    "fedprox" => Strategy::FedProx { mu },
                    _ => return Err(refuse(key, value, "fedavg or fedprox")),
                }
            }
            "pg_mu" => {
                let mu = number(key, value, 0.0, 10.0)?;
                if let Strategy::FedProx { .. } = self.run.strategy {
                    self.run.strategy = Strategy::FedProx { mu };
                }
            }
            "pg_mode" => {
                self.run.aggregation = match value {
                    "plain" => Aggregation::Plain,
                    "untrusted" => Aggregation::UntrustedServer,
                    "secagg" => Aggregation::Secure,
                    "dp" => Aggregation::DifferentialPrivacy { clip: self.clip, noise: self.noise_multiplier },
                    _ => return Err(refuse(key, value, "plain, untrusted, secagg or dp")),
                }
            }
            "pg_clip" => {
                self.clip = number(key, value, 0.001, 100.0)?;
                self.refresh_dp();
            }
            "pg_z" => {
                self.noise_multiplier = number(key, value, 0.0, 100.0)?;
                self.refresh_dp();
            }
            "pg_pace" => self.pace_ms = number(key, value, 0, 2000)?,
            "pg_rounds" => self.rounds = number(key, value, 1, 500)?,
            "pg_seed" => self.run.seed = number(key, value, 0, u64::MAX)?,
            _ => return Err(refuse(key, value, "a playground setting")),
        }
        Ok(())
    }

    fn refresh_dp(&mut self) {
        if let Aggregation::DifferentialPrivacy { .. } = self.run.aggregation {
            self.run.aggregation = Aggregation::DifferentialPrivacy { clip: self.clip, noise: self.noise_multiplier };
        }
    }

    pub fn from_query(query: &str) -> (PlaygroundSettings, Vec<Error>) {
        let mut settings = PlaygroundSettings::default();
        let mut refused = Vec::new();
        for (key, value) in super::super::url::query_pairs(query) {
            let Some(key) = key.strip_prefix(super::super::url::PLAYGROUND_PREFIX) else { continue };
            if let Err(error) = settings.set(key, &value) {
                refused.push(error);
            }
        }
        (settings, refused)
    }

    pub fn to_query(&self) -> String {
        let (partition, alpha) = match self.partition {
            Partition::Iid => ("iid", 0.5),
            Partition::LabelSkew { alpha } => ("label", alpha),
            Partition::QuantitySkew { alpha } => ("quantity", alpha),
        };
        let (strategy, mu) = match self.run.strategy {
            Strategy::FedAvg => ("fedavg", 0.0),
            Strategy::FedProx { mu } => ("fedprox", mu),
        };
        let hidden: Vec<String> = self.hidden.iter().map(ToString::to_string).collect();
        let activation = if self.activation == Elementwise::Relu { "relu" } else { "tanh" };
        format!(
            "pg_clients={}&pg_data={}&pg_points={}&pg_noise={}&pg_partition={partition}&pg_alpha={alpha}&pg_hidden={}\
             &pg_activation={activation}&pg_fraction={}&pg_dropout={}&pg_epochs={}&pg_steps={}&pg_batch={}&pg_lr={}&pg_strategy={strategy}\
             &pg_mu={mu}&pg_mode={}&pg_clip={}&pg_z={}&pg_pace={}&pg_rounds={}&pg_seed={}",
            self.clients,
            self.data.name(),
            self.points,
            self.noise,
            hidden.join(","),
            self.run.fraction,
            self.run.dropout,
            self.run.local_epochs,
            self.run.local_steps.unwrap_or(0),
            self.run.batch_size,
            self.run.lr,
            self.run.aggregation.name(),
            self.clip,
            self.noise_multiplier,
            self.pace_ms,
            self.rounds,
            self.run.seed
        )
    }
}
