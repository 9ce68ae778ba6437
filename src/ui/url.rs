//! The training run's settings live in the URL (`?seed=3&lr=0.1&rounds=20&mode=untrusted&pace=120`),
//! so a run can be shared and repeated. Every setting a user can type, in the form or the URL,
//! either works or is refused with a message saying what is allowed; nothing is silently replaced.

use crate::error::Error;
use crate::federated::{Aggregation, Config};

pub const MAX_ROUNDS: usize = 1000;
pub const MAX_PACE_MS: u64 = 2000;

#[derive(Clone, PartialEq, Debug)]
pub struct RunSettings {
    pub config: Config,
    pub rounds: usize,
    /// Milliseconds between rounds while playing (0: as fast as the machine allows).
    pub pace_ms: u64,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings { config: Config { local_steps: 5, ..Config::default() }, rounds: 20, pace_ms: 120 }
    }
}

pub fn mode_name(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "sendget",
        Aggregation::UntrustedServer => "untrusted",
    }
}

fn refuse(setting: &str, value: &str, expected: &str) -> Error {
    Error::InvalidSetting { setting: setting.to_owned(), value: value.to_owned(), expected: expected.to_owned() }
}

impl RunSettings {
    /// Sets `key` from text, or says why not (and changes nothing).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let value = value.trim();
        match key {
            "seed" => {
                self.config.seed = value.parse().map_err(|_| refuse("seed", value, "a whole number from 0"))?;
            }
            "lr" => {
                let lr: f64 = value.parse().map_err(|_| refuse("lr", value, "a number in (0, 1]"))?;
                if !(lr > 0.0 && lr <= 1.0) {
                    return Err(refuse("lr", value, "a number in (0, 1]"));
                }
                self.config.lr = lr;
            }
            "rounds" => {
                let expected = format!("a whole number from 1 to {MAX_ROUNDS}");
                let rounds: usize = value.parse().map_err(|_| refuse("rounds", value, &expected))?;
                if !(1..=MAX_ROUNDS).contains(&rounds) {
                    return Err(refuse("rounds", value, &expected));
                }
                self.rounds = rounds;
            }
            "mode" => {
                self.config.aggregation = match value {
                    "sendget" => Aggregation::SendGet,
                    "untrusted" => Aggregation::UntrustedServer,
                    _ => return Err(refuse("mode", value, "sendget or untrusted")),
                }
            }
            "pace" => {
                let expected = format!("milliseconds between rounds, 0 to {MAX_PACE_MS}");
                let pace: u64 = value.parse().map_err(|_| refuse("pace", value, &expected))?;
                if pace > MAX_PACE_MS {
                    return Err(refuse("pace", value, &expected));
                }
                self.pace_ms = pace;
            }
            _ => return Err(refuse(key, value, "one of seed, lr, rounds, mode, pace")),
        }
        Ok(())
    }

    /// Reads the query string: what it sets well is taken, and every value refused is reported.
    pub fn from_query(query: &str) -> (RunSettings, Vec<Error>) {
        let mut settings = RunSettings::default();
        let mut refused = Vec::new();
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = js_sys::decode_uri_component(value).ok().and_then(|v| v.as_string()).unwrap_or_default();
            if let Err(error) = settings.set(key, &value) {
                refused.push(error);
            }
        }
        (settings, refused)
    }

    pub fn to_query(&self) -> String {
        format!(
            "?seed={}&lr={}&rounds={}&mode={}&pace={}",
            self.config.seed,
            self.config.lr,
            self.rounds,
            mode_name(self.config.aggregation),
            self.pace_ms
        )
    }
}

pub fn read() -> (RunSettings, Vec<Error>) {
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    RunSettings::from_query(&query)
}

pub fn write(settings: &RunSettings) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&settings.to_query()));
    }
}
