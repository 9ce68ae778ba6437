//! The playground's settings form and its player buttons.

use yew::prelude::*;

use super::PlaygroundSettings;
use crate::playground::federation::Strategy;
use crate::playground::partition::Partition;
use crate::ui::field::Field;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub settings: PlaygroundSettings,
    pub on_input: Callback<(&'static str, Event)>,
    pub playing: bool,
    pub on_play: Callback<MouseEvent>,
    pub on_pause: Callback<MouseEvent>,
    pub on_step: Callback<MouseEvent>,
    pub on_reset: Callback<MouseEvent>,
}

fn alpha_of(settings: &PlaygroundSettings) -> f64 {
    match settings.partition {
        Partition::LabelSkew { alpha } | Partition::QuantitySkew { alpha } => alpha,
        Partition::Iid => 0.5,
    }
}

fn mu_of(settings: &PlaygroundSettings) -> f64 {
    match settings.run.strategy {
        Strategy::FedProx { mu } => mu,
        Strategy::FedAvg => 0.1,
    }
}

#[function_component(PlaygroundControls)]
pub fn playground_controls(props: &ControlsProps) -> Html {
    let on_input = |key: &'static str| props.on_input.reform(move |event: Event| (key, event));
    let settings = &props.settings;
    let partition_name = match settings.partition {
        Partition::Iid => "iid",
        Partition::LabelSkew { .. } => "label",
        Partition::QuantitySkew { .. } => "quantity",
    };
    html! {
            <div class="controls" role="group" aria-label="playground settings">
                <label>{ "clients" }<Field name="pg_clients" kind="number" min="2" max="64" value={settings.clients.to_string()} onchange={on_input("clients")} /></label>
                <label>{ "data" }
                    <select name="pg_data" onchange={on_input("data")}>
                        { for [("gauss", "gauss"), ("xor", "xor"), ("circle", "circle"), ("spiral", "spiral"), ("plane", "plane (regression)"), ("digits", "digits (real, 10 classes)")].iter().map(|(d, l)| html! { <option value={*d} selected={settings.data.name() == *d}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "partition" }
                    <select name="pg_partition" onchange={on_input("partition")}>
                        { for [("iid", "IID"), ("label", "label skew (Dirichlet α)"), ("quantity", "quantity skew")].iter().map(|(v, l)| html! { <option value={*v} selected={partition_name == *v}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "hidden layers" }<Field name="pg_hidden" value={settings.hidden.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")} onchange={on_input("hidden")} /></label>
                <label>{ "client fraction" }<Field name="pg_fraction" kind="number" step="any" value={settings.run.fraction.to_string()} onchange={on_input("fraction")} /></label>
                <label>{ "dropout" }<Field name="pg_dropout" kind="number" step="any" value={settings.run.dropout.to_string()} onchange={on_input("dropout")} /></label>
                <label>{ "privacy" }
                    <select name="pg_mode" onchange={on_input("mode")}>
                        { for [("plain", "none: models to me"), ("untrusted", "untrusted server"), ("secagg", "secure aggregation"), ("dp", "differential privacy")].iter().map(|(v, l)| html! { <option value={*v} selected={settings.run.aggregation.name() == *v}>{ *l }</option> }) }
                    </select>
                </label>
                <label>{ "rounds" }<Field name="pg_rounds" kind="number" min="1" max="500" value={settings.rounds.to_string()} onchange={on_input("rounds")} /></label>
                <details class="more-settings">
                    <summary>{ "more settings" }</summary>
                    <label>{ "points" }<Field name="pg_points" kind="number" min="40" max="2000" value={settings.points.to_string()} onchange={on_input("points")} /></label>
                    <label>{ "noise" }<Field name="pg_noise" kind="number" step="any" min="0" max="1" value={settings.noise.to_string()} onchange={on_input("noise")} /></label>
                    <label>{ "Dirichlet α" }<Field name="pg_alpha" kind="number" step="any" min="0.01" max="1000" value={alpha_of(settings).to_string()} onchange={on_input("alpha")} /></label>
                    <label>{ "activation" }
                        <select name="pg_activation" onchange={on_input("activation")}>
                            <option value="tanh" selected={settings.activation != crate::tensor::Elementwise::Relu}>{ "tanh" }</option>
                            <option value="relu" selected={settings.activation == crate::tensor::Elementwise::Relu}>{ "relu" }</option>
                        </select>
                    </label>
                    <label>{ "local epochs" }<Field name="pg_epochs" kind="number" min="1" max="20" value={settings.run.local_epochs.to_string()} onchange={on_input("epochs")} /></label>
                    <label>{ "local steps (0: whole epochs)" }<Field name="pg_steps" kind="number" min="0" max="1000" value={settings.run.local_steps.unwrap_or(0).to_string()} onchange={on_input("steps")} /></label>
                    <label>{ "batch size" }<Field name="pg_batch" kind="number" min="1" max="1000" value={settings.run.batch_size.to_string()} onchange={on_input("batch")} /></label>
                    <label>{ "learning rate" }<Field name="pg_lr" kind="number" step="any" min="0.001" max="5" value={settings.run.lr.to_string()} onchange={on_input("lr")} /></label>
                    <label>{ "strategy" }
                        <select name="pg_strategy" onchange={on_input("strategy")}>
                            <option value="fedavg" selected={matches!(settings.run.strategy, Strategy::FedAvg)}>{ "FedAvg" }</option>
                            <option value="fedprox" selected={matches!(settings.run.strategy, Strategy::FedProx { .. })}>{ "FedProx" }</option>
                        </select>
                    </label>
                    <label>{ "FedProx μ" }<Field name="pg_mu" kind="number" step="any" min="0" max="10" value={mu_of(settings).to_string()} onchange={on_input("mu")} /></label>
                    <label>{ "DP clip S" }<Field name="pg_clip" kind="number" step="any" min="0.001" max="100" value={settings.clip.to_string()} onchange={on_input("clip")} /></label>
                    <label>{ "DP noise z" }<Field name="pg_z" kind="number" step="any" min="0" max="100" value={settings.noise_multiplier.to_string()} onchange={on_input("z")} /></label>
                    <label>{ "pace (ms per round)" }<Field name="pg_pace" kind="number" min="0" max="2000" value={settings.pace_ms.to_string()} onchange={on_input("pace")} /></label>
                    <label>{ "seed" }<Field name="pg_seed" kind="number" min="0" value={settings.run.seed.to_string()} onchange={on_input("seed")} /></label>
                </details>
                <div class="buttons">
                    if props.playing { <button class="pause" onclick={props.on_pause.clone()}>{ "Pause ❚❚" }</button> }
                    else { <button class="play" onclick={props.on_play.clone()}>{ "Play ▶" }</button> }
                    <button class="step" onclick={props.on_step.clone()} disabled={props.playing}>{ "Step" }</button>
                    <button class="reset" onclick={props.on_reset.clone()}>{ "Reset" }</button>
                </div>
            </div>
    }
}
