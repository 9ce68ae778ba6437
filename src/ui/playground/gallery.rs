//! The attack on images, live: what the server reconstructs each round from what reached it,
//! beside the true image it came from (the simulation's privileged view, which no real server
//! has), with the PSNR of each — exact for one image a step in the plain mode, a blend after
//! several steps or images, only the sum's blend under secure aggregation, noise under DP.

use yew::prelude::*;

use super::mistakes::digit_url;
use super::trade::{median, TradeTable, DELTA};
use super::PlaygroundSettings;
use crate::playground::aggregation::Aggregation;
use crate::playground::federation::PlaygroundRound;
use crate::privacy::accountant::{epsilon, Conversion};
use crate::privacy::gradient_matching::MAX_BATCH;

/// Reconstructions shown of a round.
const SHOWN: usize = 8;

#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    pub settings: PlaygroundSettings,
    pub reports: Vec<PlaygroundRound>,
    /// The latest gradient-matching attack, where the run is one it applies to.
    pub batch: super::batch_attack::BatchAttackState,
    /// This page's digits runs, a line each.
    pub trade: Vec<super::trade::TradeRow>,
}

fn decibels(psnr: f64) -> String {
    if psnr.is_finite() {
        format!("{psnr:.1} dB")
    } else {
        "∞ dB (exact)".to_owned()
    }
}

/// What the mode lets the server attack, in words.
fn what_it_sees(settings: &PlaygroundSettings) -> String {
    let run = &settings.run;
    match run.aggregation {
        Aggregation::Plain => match (run.local_steps, run.batch_size) {
            (Some(1), 1) => "Each client's model reaches me after one step on one image: each row of its first layer's update, divided by that row's bias update, is the image.".into(),
            (Some(1), b) if b <= MAX_BATCH => format!("Each client's model reaches me after one step on {b} images: a row of the first layer's update gives a blend of them (below); gradient matching recovers the batch."),
            _ => "Each client's model reaches me; its update mixes several images (local steps 1 and batch size 1 would give one image exactly).".into(),
        },
        Aggregation::UntrustedServer => "The server sees each client's model, but me only their average: the attack below is on the average.".into(),
        Aggregation::Secure => "Secure aggregation: the server has only the sum of every client's update, a blend of all their images.".into(),
        Aggregation::DifferentialPrivacy { .. } => "DP: the server has the noisy mean of the clipped updates.".into(),
    }
}

#[function_component(AttackGallery)]
pub fn attack_gallery(props: &GalleryProps) -> Html {
    let Some(latest) = props.reports.last() else {
        return html! {
            <section class="pg-attack" aria-label="what the server reconstructs">
                <h3>{ "What the server reconstructs" }</h3>
                <p class="note">{ what_it_sees(&props.settings) }</p>
                { batch_part(props) }
            </section>
        };
    };
    let all: Vec<f64> = props.reports.iter().flat_map(|r| r.reconstructions.iter().map(|x| x.psnr)).collect();
    let median = median(all.clone());
    let dp = match props.settings.run.aggregation {
        Aggregation::DifferentialPrivacy { noise, .. } => {
            Some((noise, epsilon(props.reports.len(), noise, DELTA, Conversion::Balle2020)))
        }
        _ => None,
    };
    html! {
        <section class="pg-attack" aria-label="what the server reconstructs">
            <h3>{ format!("What the server reconstructs, round {}", latest.round) }</h3>
            <p class="note">{ what_it_sees(&props.settings) }</p>
            <div class="attack-grid">
                { for latest.reconstructions.iter().take(SHOWN).map(|r| html! {
                    <figure class="attack-pair" data-psnr={r.psnr.to_string()}>
                        <div class="pair">
                            <img src={digit_url(&r.image)} alt="the server's reconstruction" width="48" height="48" />
                            <img class="truth" src={digit_url(&r.nearest)} alt="the true image it is nearest to" width="48" height="48" />
                        </div>
                        <figcaption>
                            <strong>{ decibels(r.psnr) }</strong>
                            <span>{ match &r.client { Some(c) => format!("{c}, {} image{}", r.examples, if r.examples == 1 { "" } else { "s" }), None => format!("the aggregate, {} images", r.examples) } }</span>
                        </figcaption>
                    </figure>
                }) }
            </div>
            <p class="note">{ "Left: the server's reconstruction from what it received. Right: the simulation's privileged view — the true training image nearest to it, which no real server sees. PSNR: 10·log10(1 / mean squared pixel error); ≥ 25 dB is recognisable." }</p>
            if let Some(median) = median {
                <p class="pg-attack-summary" data-median-psnr={median.to_string()}>{ format!("median PSNR over {} reconstructions in {} round{}: {}", all.len(), props.reports.len(), if props.reports.len() == 1 { "" } else { "s" }, decibels(median)) }
                    if let Some((z, eps)) = dp { { format!(" — at z = {z}, after {} rounds ε = {eps:.2} (δ = {DELTA}), test accuracy {:.1}%", props.reports.len(), latest.test_accuracy * 100.0) } }
                </p>
            }
            { batch_part(props) }
            <TradeTable rows={props.trade.clone()} />
        </section>
    }
}

fn batch_part(props: &GalleryProps) -> Html {
    if !super::batch_attack::wants_batch_attack(&props.settings) {
        return Html::default();
    }
    html! { <super::batch_attack::BatchGallery state={props.batch.clone()} batch={props.settings.run.batch_size} /> }
}
