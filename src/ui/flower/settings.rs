//! The Flower panel's settings (`fl_…` in the address, or the form): which shard this tab holds,
//! where the SuperLink is, client-side DP, and whether the update leaves only under SecAgg+. Each
//! either works or is refused with a message.

use super::super::url::bounded;
use crate::error::Error;
use crate::flower::client::{ClientDp, ShardSpec, MAX_CLIENTS};
use crate::playground::data::DataKind;

#[derive(Clone, Debug, PartialEq)]
pub struct FlowerSettings {
    pub client: usize,
    pub clients: usize,
    pub seed: u64,
    /// The data this tab's shard comes from: `Circle` or `Digits`.
    pub data: DataKind,
    /// Empty: the page's own origin (its server passes /v1/fleet/ on to the SuperLink).
    pub address: String,
    pub dp: bool,
    pub clip: f64,
    pub noise_multiplier: f64,
    /// `fl_secagg=required`: a train message without SecAgg+ is refused.
    pub secagg_required: bool,
}

impl Default for FlowerSettings {
    fn default() -> Self {
        FlowerSettings {
            client: 0,
            clients: 2,
            seed: 0,
            data: DataKind::Circle,
            address: String::new(),
            dp: false,
            clip: 1.0,
            noise_multiplier: 0.1,
            secagg_required: false,
        }
    }
}

fn refuse(key: &str, value: &str, expected: &str) -> Error {
    Error::InvalidSetting { setting: format!("fl_{key}"), value: value.to_owned(), expected: expected.to_owned() }
}

/// An origin (`http://host:port`), or nothing for the page's own.
fn origin(value: &str) -> Result<String, Error> {
    let expected = "empty (this page's server) or an origin like http://10.0.0.5:8080 that passes /v1/fleet/ on";
    if value.is_empty() {
        return Ok(String::new());
    }
    let url = web_sys::Url::new(value).map_err(|_| refuse("address", value, expected))?;
    let origin = url.origin();
    let scheme_ok = url.protocol() == "http:" || url.protocol() == "https:";
    if !scheme_ok || value.trim_end_matches('/') != origin {
        return Err(refuse("address", value, expected));
    }
    Ok(origin)
}

impl FlowerSettings {
    /// Sets `key` (without `fl_`) from text, or says why not (and changes nothing).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let value = value.trim();
        let setting = format!("fl_{key}");
        match key {
            "client" => {
                let client = bounded(&setting, value, 0, MAX_CLIENTS - 1)?;
                if client >= self.clients {
                    return Err(refuse(
                        key,
                        value,
                        &format!("0 to {} (one of {} clients)", self.clients - 1, self.clients),
                    ));
                }
                self.client = client;
            }
            "clients" => {
                let clients = bounded(&setting, value, 1, MAX_CLIENTS)?;
                // The shard must exist among the new number: the last one if it no longer does.
                self.client = self.client.min(clients - 1);
                self.clients = clients;
            }
            "seed" => self.seed = bounded(&setting, value, 0, u64::MAX)?,
            "data" => {
                self.data = match value {
                    "circle" => DataKind::Circle,
                    "digits" => DataKind::Digits,
                    _ => return Err(refuse(key, value, "circle or digits")),
                }
            }
            "address" => self.address = origin(value)?,
            "dp" => {
                self.dp = match value {
                    "on" | "1" | "true" => true,
                    "off" | "0" | "false" => false,
                    _ => return Err(refuse(key, value, "on or off")),
                }
            }
            "clip" => self.clip = bounded(&setting, value, 0.001, 100.0)?,
            "z" => self.noise_multiplier = bounded(&setting, value, 0.0, 100.0)?,
            "secagg" => {
                self.secagg_required = match value {
                    "required" => true,
                    "optional" => false,
                    _ => return Err(refuse(key, value, "required or optional")),
                }
            }
            _ => return Err(refuse(key, value, "client, clients, seed, data, address, dp, clip, z or secagg")),
        }
        Ok(())
    }

    /// The address's `fl_…` keys, `clients` first so `client` is checked against it.
    pub fn from_query(query: &str) -> (FlowerSettings, Vec<Error>) {
        let mut settings = FlowerSettings::default();
        let mut refused = Vec::new();
        let mut pairs: Vec<(String, String)> = super::super::url::query_pairs(query)
            .into_iter()
            .filter_map(|(key, value)| {
                key.strip_prefix(super::super::url::FLOWER_PREFIX).map(|k| (k.to_owned(), value))
            })
            .collect();
        pairs.sort_by_key(|(key, _)| key != "clients");
        for (key, value) in pairs {
            if let Err(error) = settings.set(&key, &value) {
                refused.push(error);
            }
        }
        (settings, refused)
    }

    pub fn shard(&self) -> Result<ShardSpec, Error> {
        ShardSpec::new(self.client, self.clients, self.seed)?.on(self.data)
    }

    pub fn dp(&self) -> Result<Option<ClientDp>, Error> {
        if self.dp {
            ClientDp::new(self.clip, self.noise_multiplier).map(Some)
        } else {
            Ok(None)
        }
    }
}
