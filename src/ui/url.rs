//! The training run's settings live in the URL (`?seed=3&lr=0.1&rounds=20&mode=dp&pace=120&z=1&clip=1`),
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
        Aggregation::SecureAggregation => "secagg",
        Aggregation::DifferentialPrivacy => "dp",
    }
}

pub const MODES: [Aggregation; 4] = [
    Aggregation::SendGet,
    Aggregation::UntrustedServer,
    Aggregation::SecureAggregation,
    Aggregation::DifferentialPrivacy,
];
pub const MAX_NOISE_MULTIPLIER: f64 = 100.0;
pub const MAX_CLIP_NORM: f64 = 100.0;

fn refuse(setting: &str, value: &str, expected: &str) -> Error {
    Error::InvalidSetting { setting: setting.to_owned(), value: value.to_owned(), expected: expected.to_owned() }
}

impl RunSettings {
    /// Sets `key` from text, or says why not (and changes nothing).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), Error> {
        let value = value.trim();
        match key {
            "seed" => {
                self.config.seed = value
                    .parse()
                    .map_err(|_| refuse("seed", value, "a whole number from 0 to 18446744073709551615"))?;
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
                self.config.aggregation = MODES
                    .into_iter()
                    .find(|mode| mode_name(*mode) == value)
                    .ok_or_else(|| refuse("mode", value, "sendget, untrusted, secagg or dp"))?;
            }
            "z" => {
                let expected = format!("a noise multiplier from 0 to {MAX_NOISE_MULTIPLIER}");
                let z: f64 = value.parse().map_err(|_| refuse("z", value, &expected))?;
                if !(0.0..=MAX_NOISE_MULTIPLIER).contains(&z) {
                    return Err(refuse("z", value, &expected));
                }
                self.config.noise_multiplier = z;
            }
            "clip" => {
                let expected = format!("a clipping norm in (0, {MAX_CLIP_NORM}]");
                let clip: f64 = value.parse().map_err(|_| refuse("clip", value, &expected))?;
                if !(clip > 0.0 && clip <= MAX_CLIP_NORM) {
                    return Err(refuse("clip", value, &expected));
                }
                self.config.clip_norm = clip;
            }
            "pace" => {
                let expected = format!("milliseconds between rounds, 0 to {MAX_PACE_MS}");
                let pace: u64 = value.parse().map_err(|_| refuse("pace", value, &expected))?;
                if pace > MAX_PACE_MS {
                    return Err(refuse("pace", value, &expected));
                }
                self.pace_ms = pace;
            }
            _ => return Err(refuse(key, value, "one of seed, lr, rounds, mode, pace, z, clip")),
        }
        Ok(())
    }

    /// Reads the query string: what it sets well is taken, and every value refused is reported.
    pub fn from_query(query: &str) -> (RunSettings, Vec<Error>) {
        let mut settings = RunSettings::default();
        let mut refused = Vec::new();
        for (key, value) in query_pairs(query) {
            // The playground's settings (`pg_…`) and the Flower panel's (`fl_…`) are their own to read.
            if key.starts_with(PLAYGROUND_PREFIX) || key.starts_with(FLOWER_PREFIX) {
                continue;
            }
            if let Err(error) = settings.set(&key, &value) {
                refused.push(error);
            }
        }
        (settings, refused)
    }

    /// This run's part of the query string (without `?`).
    pub fn to_query(&self) -> String {
        format!(
            "seed={}&lr={}&rounds={}&mode={}&pace={}&z={}&clip={}",
            self.config.seed,
            self.config.lr,
            self.rounds,
            mode_name(self.config.aggregation),
            self.pace_ms,
            self.config.noise_multiplier,
            self.config.clip_norm
        )
    }
}

/// Keys of the playground's settings start with this.
pub const PLAYGROUND_PREFIX: &str = "pg_";
/// The Flower panel's keys; read once when the page opens, never written back.
pub const FLOWER_PREFIX: &str = "fl_";

/// `key=value` pairs of a query string, values decoded.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = js_sys::decode_uri_component(value).ok().and_then(|v| v.as_string()).unwrap_or_default();
            (key.to_owned(), value)
        })
        .collect()
}

/// What the input or select an `onchange` event came from holds now.
pub fn form_value(event: &yew::Event) -> String {
    use wasm_bindgen::JsCast;
    let target = event.target();
    target
        .clone()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok().map(|i| i.value()))
        .or_else(|| target.and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok().map(|s| s.value())))
        .unwrap_or_default()
}

pub fn current_query() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

pub fn read() -> (RunSettings, Vec<Error>) {
    RunSettings::from_query(&current_query())
}

/// Replaces one part of the address (the training's, or the playground's `pg_…` keys), keeping
/// the other.
pub fn write_part(playground: bool, part: &str) {
    let kept: Vec<String> = query_pairs(&current_query())
        .into_iter()
        .filter(|(key, _)| key.starts_with(FLOWER_PREFIX) || key.starts_with(PLAYGROUND_PREFIX) != playground)
        .map(|(key, value)| format!("{key}={}", js_sys::encode_uri_component(&value)))
        .collect();
    let query = format!(
        "?{}",
        kept.into_iter().chain([part.to_owned()]).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("&")
    );
    // A history entry per change: Back undoes a setting (the panels re-read the address on
    // `popstate`, `use_address_moves`), rather than leaving the page.
    if query != current_query() {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
        }
    }
}

/// Calls `on_move` whenever Back or Forward moves through the page's own history entries (each
/// settings change made one), so a panel can take its settings from the address again.
#[yew::hook]
pub fn use_address_moves(on_move: std::rc::Rc<dyn Fn()>) {
    use wasm_bindgen::JsCast;
    yew::use_effect_with((), move |_| {
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || on_move());
        let window = web_sys::window();
        if let Some(window) = &window {
            let _ = window.add_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
        }
        move || {
            if let Some(window) = window {
                let _ = window.remove_event_listener_with_callback("popstate", listener.as_ref().unchecked_ref());
            }
            drop(listener);
        }
    });
}

pub fn write(settings: &RunSettings) {
    write_part(false, &settings.to_query());
}

/// `value` read as a number in `[low, high]`, or refused as setting `key` with what is allowed.
pub fn bounded<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    key: &str,
    value: &str,
    low: T,
    high: T,
) -> Result<T, Error> {
    let expected = format!("a number from {low} to {high}");
    let parsed: T = value.parse().map_err(|_| refuse(key, value, &expected))?;
    // Written so that a NaN, which compares false with everything, is refused too.
    if !(parsed >= low && parsed <= high) {
        return Err(refuse(key, value, &expected));
    }
    Ok(parsed)
}
