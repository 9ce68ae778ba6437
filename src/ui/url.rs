//! The training run's settings live in the URL (`?seed=3&lr=0.1&rounds=20&mode=untrusted`), so a run
//! can be shared and repeated.

use crate::federated::{Aggregation, Config};

#[derive(Clone, PartialEq, Debug)]
pub struct RunSettings {
    pub config: Config,
    pub rounds: usize,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings { config: Config { local_steps: 5, ..Config::default() }, rounds: 20 }
    }
}

pub fn mode_name(mode: Aggregation) -> &'static str {
    match mode {
        Aggregation::SendGet => "sendget",
        Aggregation::UntrustedServer => "untrusted",
    }
}

impl RunSettings {
    /// Reads what the query string has; anything missing or unreadable keeps its default.
    pub fn from_query(query: &str) -> RunSettings {
        let mut settings = RunSettings::default();
        for pair in query.trim_start_matches('?').split('&') {
            let Some((key, value)) = pair.split_once('=') else { continue };
            match key {
                "seed" => settings.config.seed = value.parse().unwrap_or(settings.config.seed),
                "lr" => {
                    settings.config.lr =
                        value.parse().ok().filter(|v: &f64| *v > 0.0 && *v <= 1.0).unwrap_or(settings.config.lr)
                }
                "rounds" => {
                    settings.rounds = value.parse().ok().filter(|v| (1..=500).contains(v)).unwrap_or(settings.rounds)
                }
                "mode" => {
                    settings.config.aggregation = match value {
                        "untrusted" => Aggregation::UntrustedServer,
                        _ => Aggregation::SendGet,
                    }
                }
                _ => {}
            }
        }
        settings
    }

    pub fn to_query(&self) -> String {
        format!(
            "?seed={}&lr={}&rounds={}&mode={}",
            self.config.seed,
            self.config.lr,
            self.rounds,
            mode_name(self.config.aggregation)
        )
    }
}

pub fn read() -> RunSettings {
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    RunSettings::from_query(&query)
}

pub fn write(settings: &RunSettings) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&settings.to_query()));
    }
}
