//! The federated playground on the page: 2–64 clients, each a real Web Worker holding its shard of
//! a generated data set, training an MLP through a plan; the decision boundary, losses and who took
//! part, every round. Settings live in the address (`settings.rs`).

mod batch_attack;
mod controls;

mod gallery;
mod heatmap;
mod lab;
mod mistakes;
mod results;
mod round_charts;
mod run;
pub(crate) mod settings;
mod stores;
mod trade;

use yew::prelude::*;

use crate::playground::data::DataKind;

use controls::PlaygroundControls;
use gallery::AttackGallery;
use heatmap::Heatmap;
use lab::{probabilities, test_results};
use mistakes::Mistakes;
use results::{PlaygroundCharts, RoundSummary};
use run::{use_playground_run, PlaygroundRun};
pub use settings::PlaygroundSettings;
use stores::PlaygroundStores;

#[function_component(PlaygroundPanel)]
pub fn playground_panel() -> Html {
    let PlaygroundRun { settings, refused, lab, reports, error, stores, batch_attack, player, on_reset, on_input } =
        use_playground_run();
    let reports = reports.borrow();
    html! {
        <div class="playground">
            <PlaygroundControls settings={(*settings).clone()} on_input={on_input} playing={player.playing.get()}
                on_play={player.on_play.clone()} on_pause={player.on_pause.clone()} on_step={player.on_step.clone()} on_reset={on_reset} />
            <p class="note">{ "Every setting is in the address, so a run can be shared and repeated exactly. Each client trains through a plan stored on its worker: two round trips a round." }</p>
            if settings.data == DataKind::Digits {
                <p class="note">{ "The digits: 1,797 real 8×8 handwritten digits (UCI ML hand-written digits, CC BY 4.0), fetched from data/digits.csv when the run starts; a quarter held out for testing. The model is 64 pixels → hidden layers → 10 classes with softmax cross-entropy; points and noise apply only to the generated sets." }</p>
            }
            if !refused.is_empty() {
                <ul class="settings-error" role="alert">{ for refused.iter().map(|r| html! { <li>{ r }</li> }) }</ul>
            }
            if let Some(error) = &*error { <p class="error" role="alert">{ error }</p> }
            <p class="pg-progress" aria-live="polite">{ super::player::progress(reports.len(), settings.rounds, error.is_some()) }</p>
            <div class="pg-pictures">
                if settings.data == DataKind::Digits {
                    <Mistakes results={test_results(&lab)} />
                } else {
                    <Heatmap probabilities={probabilities(&lab)} points={lab.points.borrow().clone()} clients={settings.clients}
                             classification={settings.data.is_classification()} />
                }
                <div class="pg-charts">
                    <PlaygroundCharts settings={(*settings).clone()} reports={reports.clone()} />
                    <RoundSummary settings={(*settings).clone()} latest={reports.last().cloned()} failed={error.is_some()} />
                </div>
            </div>
            if settings.data == DataKind::Digits {
                <AttackGallery settings={(*settings).clone()} reports={reports.clone()} batch={(*batch_attack).clone()}
                    trade={lab.trade.borrow().iter().map(|(_, row)| row.clone()).collect::<Vec<_>>()} />
            }
            <PlaygroundStores stores={(*stores).clone()} />
        </div>
    }
}
