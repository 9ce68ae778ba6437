//! Gradient matching on the page, beside the training: after a round in the plain mode where each
//! client took one step on B ≥ 2 digits, the first participant's update goes to the `attacker`
//! worker — a Web Worker of its own — which reconstructs the batch while the rounds go on. The
//! gallery shows the latest one finished; a round that ends while one runs is not attacked.

use std::rc::Rc;

use yew::prelude::*;

use super::lab::Lab;
use super::PlaygroundSettings;
use crate::playground::aggregation::Aggregation;
use crate::playground::attack::ClientUpdate;
use crate::playground::data::DataKind;
use crate::privacy::gradient_matching::{reconstruct_batch, MatchSettings, MAX_BATCH};
use crate::privacy::inversion::psnr;
use crate::protocol::WorkerId;
use crate::Result;

/// The worker the server attacks on: it holds only the model sent and the update received.
const ATTACKER: &str = "attacker";

/// A finished reconstruction of one client's batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchAttack {
    pub round: usize,
    pub client: WorkerId,
    /// Each reconstruction with the true image nearest to it (privileged) and the PSNR.
    pub pairs: Vec<(Vec<f32>, Vec<f32>, f64)>,
    /// How long the attacker's worker took, in seconds.
    pub seconds: f64,
}

/// The latest attack: none yet, finished, or failed with its message.
pub type BatchAttackState = Option<std::result::Result<BatchAttack, String>>;

/// Whether the run is one the batch attack applies to: the digits, the plain mode, one local
/// step of 2 to `MAX_BATCH` images.
pub fn wants_batch_attack(settings: &PlaygroundSettings) -> bool {
    let run = &settings.run;
    settings.data == DataKind::Digits
        && run.aggregation == Aggregation::Plain
        && run.local_steps == Some(1)
        && (2..=MAX_BATCH).contains(&run.batch_size)
}

/// Starts an attack on the latest round's update unless one is under way.
pub fn start_batch_attack(lab: &Rc<Lab>, settings: &PlaygroundSettings, state: UseStateHandle<BatchAttackState>) {
    if !wants_batch_attack(settings) || lab.attack_running.get() {
        return;
    }
    let update = lab.federation.borrow_mut().as_mut().and_then(|f| f.last_client_update.take());
    let Some(update) = update else { return };
    lab.attack_running.set(true);
    let (lab, run) = (lab.clone(), lab.run_number.get());
    wasm_bindgen_futures::spawn_local(async move {
        let result = attack(&lab, &update).await;
        lab.attack_running.set(false);
        // A reset since it started: the attack belonged to the old run.
        if lab.run_number.get() == run {
            state.set(Some(result.map_err(|e| e.to_string())));
        }
    });
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

async fn attack(lab: &Lab, update: &ClientUpdate) -> Result<BatchAttack> {
    let attacker = match lab.syft.worker(ATTACKER) {
        Some(worker) => worker,
        None => lab.syft.create_worker(ATTACKER)?,
    };
    let started = now();
    let settings = MatchSettings { seed: update.round as u64, ..MatchSettings::default() };
    let result = reconstruct_batch(&attacker, &update.observed()?, update.images.len(), &settings).await?;
    let seconds = (now() - started) / 1000.0;
    let pairs = result
        .images
        .into_iter()
        .filter_map(|image| {
            let nearest = update.images.iter().max_by(|a, b| psnr(&image, a).total_cmp(&psnr(&image, b)))?;
            let quality = psnr(&image, nearest);
            Some((image, nearest.clone(), quality))
        })
        .collect();
    Ok(BatchAttack { round: update.round, client: update.client.clone(), pairs, seconds })
}

#[derive(Properties, PartialEq)]
pub struct BatchGalleryProps {
    pub state: BatchAttackState,
    pub batch: usize,
}

/// The latest batch reconstruction, pair by pair, or that one is under way.
#[function_component(BatchGallery)]
pub fn batch_gallery(props: &BatchGalleryProps) -> Html {
    let body = match &props.state {
        None => {
            html! { <p class="note">{ format!("After a round, the attacker's Web Worker matches gradients to reconstruct the first client's batch of {}; the rounds go on meanwhile.", props.batch) }</p> }
        }
        Some(Err(message)) => {
            html! { <p class="error" role="alert">{ format!("gradient matching failed: {message}") }</p> }
        }
        Some(Ok(attack)) => {
            let mut qualities: Vec<f64> = attack.pairs.iter().map(|p| p.2).collect();
            qualities.sort_by(f64::total_cmp);
            let median = qualities.get(qualities.len() / 2).copied().unwrap_or(0.0);
            html! { <>
                <div class="attack-grid">
                    { for attack.pairs.iter().map(|(image, nearest, quality)| html! {
                        <figure class="attack-pair batch-pair" data-psnr={quality.to_string()}>
                            <div class="pair">
                                <img src={super::mistakes::digit_url(image)} alt="the attacker's reconstruction" width="48" height="48" />
                                <img class="truth" src={super::mistakes::digit_url(nearest)} alt="the true image it is nearest to" width="48" height="48" />
                            </div>
                            <figcaption><strong>{ format!("{quality:.1} dB") }</strong></figcaption>
                        </figure>
                    }) }
                </div>
                <p class="pg-batch-summary" data-median-psnr={median.to_string()} data-seconds={attack.seconds.to_string()}>{ format!(
                    "{}'s batch of {} from round {}: median PSNR {median:.1} dB, in {:.1} s on the attacker's Web Worker",
                    attack.client, attack.pairs.len(), attack.round, attack.seconds) }</p>
            </> }
        }
    };
    html! {
        <div class="pg-batch-attack" aria-live="polite">
            <h4>{ "Gradient matching: a whole batch from one update" }</h4>
            { body }
        </div>
    }
}
