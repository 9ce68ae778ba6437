//! The training panel's parts: the settings form, the privacy notes, the chart's legend, what the
//! server received and the trained model.

use yew::prelude::*;

use super::super::chart::ghost_sample;
use super::super::field::Field;
use super::super::url::{mode_name, RunSettings, MAX_CLIP_NORM, MAX_NOISE_MULTIPLIER, MAX_PACE_MS, MAX_ROUNDS, MODES};
use super::text::{dp_tradeoff, mode_explained, mode_label, sends_worker_losses};
use crate::federated::{toy_data, Aggregation, RoundReport};
use crate::privacy::accountant::{epsilon, Conversion};

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub settings: RunSettings,
    pub on_input: Callback<(&'static str, Event)>,
    pub playing: bool,
    pub on_play: Callback<MouseEvent>,
    pub on_pause: Callback<MouseEvent>,
    pub on_step: Callback<MouseEvent>,
    pub on_reset: Callback<MouseEvent>,
}

#[function_component(TrainingControls)]
pub fn training_controls(props: &ControlsProps) -> Html {
    let input = |key: &'static str| props.on_input.reform(move |event: Event| (key, event));
    let (settings, mode) = (&props.settings, props.settings.config.aggregation);
    html! {
        <div class="controls" role="group" aria-label="training settings">
            <label>{ "rounds" }<Field name="rounds" kind="number" min="1" max={MAX_ROUNDS.to_string()} value={settings.rounds.to_string()} onchange={input("rounds")} /></label>
            <label>{ "learning rate" }<Field name="lr" kind="number" step="any" min="0.001" max="1" value={settings.config.lr.to_string()} onchange={input("lr")} /></label>
            <label>{ "RNG seed" }<Field name="seed" kind="number" min="0" value={settings.config.seed.to_string()} onchange={input("seed")} /></label>
            <label>{ "pace (ms)" }<Field name="pace" kind="number" min="0" max={MAX_PACE_MS.to_string()} value={settings.pace_ms.to_string()} onchange={input("pace")} /></label>
            <label>{ "aggregation" }
                <select id="mode" onchange={input("mode")}>
                    { for MODES.iter().map(|&m| html! { <option value={mode_name(m)} selected={mode == m}>{ mode_label(m) }</option> }) }
                </select>
            </label>
            if mode == Aggregation::DifferentialPrivacy {
                <label>{ "noise z" }<Field name="z" kind="number" step="any" min="0" max={MAX_NOISE_MULTIPLIER.to_string()} value={settings.config.noise_multiplier.to_string()} onchange={input("z")} /></label>
                <label>{ "clip S" }<Field name="clip" kind="number" step="any" min="0" max={MAX_CLIP_NORM.to_string()} value={settings.config.clip_norm.to_string()} onchange={input("clip")} /></label>
            }
            <div class="buttons">
                if props.playing { <button class="pause" onclick={props.on_pause.clone()}>{ "Pause ❚❚" }</button> }
                else { <button class="play" onclick={props.on_play.clone()}>{ "Play ▶" }</button> }
                <button class="step" onclick={props.on_step.clone()} disabled={props.playing}>{ "Step" }</button>
                <button class="reset" onclick={props.on_reset.clone()}>{ "Reset" }</button>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct DpProps {
    pub noise_multiplier: f64,
    pub clip_norm: f64,
    pub reports: Vec<RoundReport>,
}

/// The privacy a DP run has spent so far, and what its noise costs.
#[function_component(DpNotes)]
pub fn dp_notes(props: &DpProps) -> Html {
    let rounds = props.reports.len();
    let epsilon = epsilon(rounds, props.noise_multiplier, 1e-5, Conversion::Balle2020);
    html! { <>
        <p class="epsilon" data-epsilon={epsilon.to_string()}>{ format!(
            "privacy spent: ε = {} for δ = 10⁻⁵ after {} round{} (Rényi-DP accountant of the Gaussian mechanism, z = {}, converted to (ε, δ) by Balle et al. 2020)",
            if epsilon.is_finite() { format!("{epsilon:.2}") } else { "∞ (no noise: no privacy)".to_owned() },
            rounds, if rounds == 1 { "" } else { "s" }, props.noise_multiplier) }</p>
        <p class="note dp-tradeoff">{ dp_tradeoff(props.noise_multiplier, props.clip_norm, &props.reports) }</p>
    </> }
}

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub mode: Aggregation,
    pub earlier_runs: Vec<String>,
}

#[function_component(TrainingLegend)]
pub fn training_legend(props: &LegendProps) -> Html {
    let per_worker = sends_worker_losses(props.mode);
    html! { <>
        <div class="legend">
            // secagg and dp send no worker's loss: their legend has no line for one.
            if per_worker {
                <span class="series-0">{ "bob" }</span><span class="series-1">{ "alice" }</span>
            }
            <span class="series-2">{ "total (whole data set)" }</span>
            { for props.earlier_runs.iter().enumerate().map(|(n, name)| html! { <span class="ghost-run">{ ghost_sample(n) }{ format!("earlier run: {name}") }</span> }) }
        </div>
        <p class="series-note">{ if per_worker {
            "bob, alice: each worker's training loss on its own half of the data this round; total: the model the server holds after the round, on all four points."
        } else {
            "total: the model the server holds after the round, on all four points (no worker's own loss is sent in this mode)."
        } }</p>
    </> }
}

#[derive(Properties, PartialEq)]
pub struct FactsProps {
    pub mode: Aggregation,
    pub latest: Option<RoundReport>,
    pub failed: bool,
    /// The model's predictions on the four toy inputs, once there is a model.
    pub predictions: Option<Vec<f32>>,
}

/// What the central server received last round, and the model it holds.
#[function_component(TrainingFacts)]
pub fn training_facts(props: &FactsProps) -> Html {
    let (data, target) = toy_data();
    html! {
        <div class="facts">
            <section class="privacy">
                <h3>{ "What the central server (me) received" }</h3>
                <p>{ mode_explained(props.mode) }</p>
                if let Some(report) = &props.latest {
                    <ul class="received">{ for report.server_received.iter().map(|r| html! { <li data-from={r.from.to_string()} data-name={r.name.clone()}>{ r.to_string() }</li> }) }</ul>
                }
            </section>
            <section class="model">
                <h3>{ "Trained model" }</h3>
                if let Some(report) = &props.latest {
                    <p class="weights">{ format!("weight = [{:.4}, {:.4}], bias = {:.4}", report.weight.first().copied().unwrap_or_default(), report.weight.get(1).copied().unwrap_or_default(), report.bias.first().copied().unwrap_or_default()) }</p>
                    <p>{ format!("loss on the whole data set: {:.6}", report.global_loss) }</p>
                } else if !props.failed { <p>{ "Press Play or Step to train." }</p> }
                <table class="predictions">
                    <thead><tr><th>{ "input" }</th><th>{ "target" }</th><th>{ "prediction" }</th></tr></thead>
                    <tbody>
                        { for (0..4).map(|i| {
                            let input = data.select(i).map(|r| r.to_f32_vec()).unwrap_or_default();
                            let t = target.select(i).map(|r| r.to_f32_vec()).unwrap_or_default();
                            let p = props.predictions.as_ref().and_then(|p| p.get(i)).map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into());
                            html! { <tr><td>{ format!("{input:?}") }</td><td>{ format!("{:?}", t.first().copied().unwrap_or_default()) }</td><td>{ p }</td></tr> }
                        }) }
                    </tbody>
                </table>
            </section>
        </div>
    }
}
