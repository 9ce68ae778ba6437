//! The trade a learner makes, run by run: for each digits run on this page, its privacy mode (and
//! z under DP), ε after its rounds, the accuracy it reached and how well the server reconstructed
//! its images — so changing z, or the mode, and running again shows what privacy costs and buys.

use yew::prelude::*;

use std::cell::RefCell;

use super::PlaygroundSettings;
use crate::playground::aggregation::Aggregation;
use crate::playground::data::DataKind;
use crate::playground::federation::PlaygroundRound;
use crate::privacy::accountant::{epsilon, Conversion};

/// δ of the (ε, δ) reported under DP.
pub const DELTA: f64 = 1e-5;
/// Runs kept in the table.
const KEPT: usize = 12;

/// One run's line.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeRow {
    pub mode: String,
    pub rounds: usize,
    /// ε after the rounds (δ = [`DELTA`]); `None` outside DP, where nothing bounds it.
    pub epsilon: Option<f64>,
    pub test_accuracy: f64,
    /// Median PSNR of every reconstruction of the run.
    pub psnr: Option<f64>,
}

/// The middle value (the upper of the two middle ones), none of nothing.
pub(super) fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// A line per digits run of the page, by run number.
pub type Trade = RefCell<Vec<(u64, TradeRow)>>;

/// Writes run `run`'s line after a round (digits only), replacing its earlier one.
pub fn record(trade: &Trade, run: u64, settings: &PlaygroundSettings, reports: &[PlaygroundRound]) {
    let Some(latest) = reports.last() else { return };
    if settings.data != DataKind::Digits {
        return;
    }
    let (mode, epsilon) = match settings.run.aggregation {
        Aggregation::DifferentialPrivacy { noise, clip } => {
            (format!("DP, z = {noise}, S = {clip}"), Some(epsilon(reports.len(), noise, DELTA, Conversion::Balle2020)))
        }
        other => (other.name().to_owned(), None),
    };
    let psnr = median(reports.iter().flat_map(|r| r.reconstructions.iter().map(|x| x.psnr)).collect());
    let row = TradeRow { mode, rounds: reports.len(), epsilon, test_accuracy: latest.test_accuracy, psnr };
    let mut trade = trade.borrow_mut();
    match trade.iter_mut().find(|(r, _)| *r == run) {
        Some((_, existing)) => *existing = row,
        None => trade.push((run, row)),
    }
    let excess = trade.len().saturating_sub(KEPT);
    trade.drain(..excess);
}

#[derive(Properties, PartialEq)]
pub struct TradeProps {
    pub rows: Vec<TradeRow>,
}

#[function_component(TradeTable)]
pub fn trade_table(props: &TradeProps) -> Html {
    if props.rows.len() < 2 {
        return html! { <p class="note">{ "Change the privacy mode or z and run again: each run gets a line here, to compare what privacy costs and buys." }</p> };
    }
    html! {
        <div class="trade-wrap"><table class="trade">
            <caption>{ "This page's digits runs: what privacy costs (accuracy) and buys (ε, the server's reconstruction)" }</caption>
            <thead><tr><th scope="col">{ "mode" }</th><th scope="col">{ "rounds" }</th><th scope="col">{ format!("ε (δ = {DELTA})") }</th><th scope="col">{ "test accuracy" }</th><th scope="col">{ "median PSNR" }</th></tr></thead>
            <tbody>
                { for props.rows.iter().map(|row| html! {
                    <tr>
                        <td>{ &row.mode }</td>
                        <td>{ row.rounds }</td>
                        <td>{ row.epsilon.map_or("∞ (no bound)".to_owned(), |e| format!("{e:.2}")) }</td>
                        <td>{ format!("{:.1}%", row.test_accuracy * 100.0) }</td>
                        <td>{ row.psnr.map_or("—".to_owned(), |p| format!("{p:.1} dB")) }</td>
                    </tr>
                }) }
            </tbody>
        </table></div>
    }
}
