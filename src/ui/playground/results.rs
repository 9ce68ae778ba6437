//! A playground run's results: the round charts with their legends, and what the latest round did.

use yew::prelude::*;

use super::round_charts::{self, Column, RoundChart, Unit};
use super::PlaygroundSettings;
use crate::playground::federation::PlaygroundRound;
use crate::ui::chart::{LossChart, Series};

/// The clients' last local losses in a round: min, mean, max (none where the mode keeps them).
fn spread(report: &PlaygroundRound) -> Option<(f64, f64, f64)> {
    let values: Vec<f64> = report.client_losses.iter().map(|(_, l)| *l).filter(|l| l.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    let (min, max) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    Some((min, values.iter().sum::<f64>() / values.len() as f64, max))
}

fn client_series(reports: &[PlaygroundRound], pick: fn((f64, f64, f64)) -> f64) -> Vec<(usize, f64)> {
    reports.iter().filter_map(|r| spread(r).map(|s| (r.round, pick(s)))).collect()
}

/// The first few names, and how many more.
fn names_in_short(names: &[crate::ids::WorkerId]) -> String {
    const SHOWN: usize = 6;
    let first = names.iter().take(SHOWN).map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
    match names.len().saturating_sub(SHOWN) {
        0 => first,
        more => format!("{first} and {more} more"),
    }
}

#[derive(Properties, PartialEq)]
pub struct ResultsProps {
    pub settings: PlaygroundSettings,
    pub reports: Vec<PlaygroundRound>,
}

/// Loss, accuracy (or R²), participation and traffic, a point or bar per round.
#[function_component(PlaygroundCharts)]
pub fn playground_charts(props: &ResultsProps) -> Html {
    let (settings, reports_now) = (&props.settings, &props.reports);
    let losses = vec![
        Series {
            name: "train".into(),
            points: reports_now.iter().map(|r| (r.round, r.train_loss)).collect(),
            ghost: false,
        },
        Series {
            name: "test".into(),
            points: reports_now.iter().map(|r| (r.round, r.test_loss)).collect(),
            ghost: false,
        },
        Series { name: "clients' mean".into(), points: client_series(reports_now, |(_, mean, _)| mean), ghost: false },
        Series { name: "clients' min".into(), points: client_series(reports_now, |(min, _, _)| min), ghost: true },
        Series { name: "clients' max".into(), points: client_series(reports_now, |(_, _, max)| max), ghost: true },
    ];
    let per_round = |f: fn(&PlaygroundRound) -> f64| reports_now.iter().map(f).collect::<Vec<f64>>();
    let accuracy = vec![
        Column { name: "train accuracy", values: per_round(|r| r.train_accuracy) },
        Column { name: "test accuracy", values: per_round(|r| r.test_accuracy) },
    ];
    let participation = vec![
        Column { name: "trained", values: per_round(|r| r.participants.len() as f64) },
        Column { name: "dropped out", values: per_round(|r| r.dropped.len() as f64) },
        Column { name: "failed", values: per_round(|r| r.failed.len() as f64) },
    ];
    let traffic = vec![Column { name: "tensor bytes on the wire", values: per_round(|r| r.traffic.bytes as f64) }];
    html! { <>
                    <LossChart series={losses} rounds={settings.rounds} />
                    <div class="legend"><span class="series-0">{ "train loss" }</span><span class="series-1">{ "test loss (held out, never on a client)" }</span>if settings.run.aggregation.reveals_client_losses() { <span class="series-2">{ "clients' last local loss: mean (min, max faint)" }</span> }</div>
                    <RoundChart label={if settings.data.is_classification() { "accuracy" } else { "R²" }} columns={accuracy} rounds={settings.rounds} lines={true} top={Some(1.0)} unit={Unit::Percent} />
                    <div class="legend"><span class="series-0">{ if settings.data.is_classification() { "train accuracy" } else { "train R²" } }</span><span class="series-1">{ if settings.data.is_classification() { "test accuracy" } else { "test R²" } }</span></div>
                    <RoundChart label="clients" columns={participation} rounds={settings.rounds} unit={Unit::Count} />
                    <div class="legend"><span class="bar-0">{ "trained" }</span><span class="bar-1">{ "dropped out" }</span><span class="bar-2">{ "failed" }</span></div>
                    <RoundChart label="bytes" columns={traffic} rounds={settings.rounds} unit={Unit::Bytes} />
                    <div class="legend"><span class="bar-0">{ "tensor bytes on the wire per round" }</span></div>
    </> }
}

#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    pub settings: PlaygroundSettings,
    pub latest: Option<PlaygroundRound>,
    pub failed: bool,
}

/// What the latest round did, in words: accuracy, who trained, who holds no data, what `me` received.
#[function_component(RoundSummary)]
pub fn round_summary(props: &SummaryProps) -> Html {
    let (settings, latest) = (&props.settings, props.latest.as_ref());
    let client_spread = latest.and_then(spread);
    html! { <>
                    if let Some(report) = latest {
                        if settings.data.is_classification() {
                            <p class="pg-accuracy" data-test-accuracy={report.test_accuracy.to_string()}>{ format!(
                                "train accuracy {:.1}%, test accuracy {:.1}%", report.train_accuracy * 100.0, report.test_accuracy * 100.0) }</p>
                        } else {
                            <p class="pg-accuracy" data-test-accuracy={report.test_accuracy.to_string()}>{ format!(
                                "squared error: train {:.4}, test {:.4}; R²: train {:.3}, test {:.3}",
                                report.train_loss, report.test_loss, report.train_accuracy, report.test_accuracy) }</p>
                        }
                        <p class="pg-participation" data-participants={report.participants.len().to_string()} data-dropped={report.dropped.len().to_string()}>{ format!(
                            "round {}: {} client{} trained{}", report.round, report.participants.len(), if report.participants.len() == 1 { "" } else { "s" },
                            if report.dropped.is_empty() { String::new() } else { format!("; dropped out: {}", report.dropped.join(", ")) }) }</p>
                        if !report.without_data.is_empty() {
                            <p class="pg-without-data" data-without-data={report.without_data.len().to_string()}>{ format!(
                                "{} of {} clients hold no data (the partition gave them none) and never train: {}",
                                report.without_data.len(), settings.clients, names_in_short(&report.without_data)) }</p>
                        }
                        if !report.failed.is_empty() {
                            <p class="pg-failed error" data-failed={report.failed.len().to_string()}>{ format!("failed mid-round and left out: {}",
                                report.failed.iter().map(|(w, why)| format!("{w} ({why})")).collect::<Vec<_>>().join(", ")) }</p>
                        }
                        <p class="pg-received" data-mode={settings.run.aggregation.name()}>{ format!("me received: {}; {} messages, {} on the wire",
                            report.received, report.traffic.messages, round_charts::bytes(report.traffic.bytes as f64)) }</p>
                        if let Some((min, mean, max)) = client_spread {
                            <p class="pg-clients">{ format!("clients' last local loss: min {min:.4}, mean {mean:.4}, max {max:.4}") }</p>
                        }
                    } else if !props.failed { <p>{ "Press Play or Step: the clients start as Web Workers and get their shards." }</p> }
    </> }
}
