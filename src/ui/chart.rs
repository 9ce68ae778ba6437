//! The loss chart: one point per round per worker and for the whole data set, on a log scale
//! (losses fall by orders of magnitude). The scale is clipped to [1e-12, 1e12], so a diverging
//! run is drawn at the edge rather than asking for an infinite axis; past 100 rounds the lines
//! are thinned to at most 200 points each, so a long run costs the same to draw every round.

use yew::prelude::*;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 24.0;
const MIN_EXPONENT: f64 = -12.0;
const MAX_EXPONENT: f64 = 12.0;
/// Beyond this many rounds, points are not drawn one by one and lines are thinned.
const DOTS_UP_TO: usize = 100;
const MAX_LINE_POINTS: usize = 200;

#[derive(Clone, PartialEq)]
pub struct Series {
    pub name: String,
    /// (round, loss) pairs.
    pub points: Vec<(usize, f64)>,
    /// A finished run kept for comparison: drawn faint, without dots.
    pub ghost: bool,
}

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub series: Vec<Series>,
    pub rounds: usize,
}

#[function_component(LossChart)]
pub fn loss_chart(props: &ChartProps) -> Html {
    let values = props.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).filter(|v| *v > 0.0);
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        let v = v.log10().clamp(MIN_EXPONENT, MAX_EXPONENT);
        (lo.min(v), hi.max(v))
    });
    let (low, high) = if low.is_finite() { (low.floor(), high.ceil().max(low.floor() + 1.0)) } else { (-4.0, 1.0) };
    let rounds = props.rounds.max(2) as f64;
    let x = |round: usize| LEFT + (round as f64 - 1.0) / (rounds - 1.0) * (WIDTH - LEFT - 10.0);
    let y = |loss: f64| {
        let v = if loss > 0.0 { loss.log10().clamp(low, high) } else { low };
        10.0 + (high - v) / (high - low) * (HEIGHT - BOTTOM - 10.0)
    };
    // Before the first round there is no scale to label: the axes say so instead of inventing one.
    let empty = props.series.iter().all(|s| s.points.is_empty());
    let ticks: Vec<i32> = if empty { Vec::new() } else { (low as i32..=high as i32).collect() };
    html! {
        <svg class={classes!("chart", empty.then_some("empty"))} viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label="loss per round, log scale">
            if empty {
                <text class="no-data" x={(WIDTH / 2.0).to_string()} y={((HEIGHT - BOTTOM) / 2.0).to_string()} text-anchor="middle">{ "no rounds yet" }</text>
            }
            { for ticks.iter().map(|&t| html! {
                <g class="tick">
                    <line x1={LEFT.to_string()} x2={(WIDTH - 10.0).to_string()} y1={y(10f64.powi(t)).to_string()} y2={y(10f64.powi(t)).to_string()} />
                    <text x={(LEFT - 6.0).to_string()} y={(y(10f64.powi(t)) + 4.0).to_string()} text-anchor="end">{ format!("1e{t}") }</text>
                </g>
            }) }
            <text class="axis" x={(WIDTH / 2.0).to_string()} y={(HEIGHT - 4.0).to_string()} text-anchor="middle">{ "round" }</text>
            <text class="axis-label" x={x(1).to_string()} y={(HEIGHT - 4.0).to_string()} text-anchor="middle">{ "1" }</text>
            <text class="axis-label" x={x(props.rounds.max(2)).to_string()} y={(HEIGHT - 4.0).to_string()} text-anchor="middle">{ props.rounds.max(2) }</text>
            <text class="axis-label" x="12" y={((HEIGHT - BOTTOM) / 2.0).to_string()} text-anchor="middle"
                  transform={format!("rotate(-90 12 {})", (HEIGHT - BOTTOM) / 2.0)}>{ "loss (log scale)" }</text>
            { for props.series.iter().enumerate().map(|(i, s)| {
                let stride = s.points.len().div_ceil(MAX_LINE_POINTS).max(1);
                let thinned = s.points.iter().enumerate().filter(|(k, _)| k % stride == 0 || *k + 1 == s.points.len());
                let points: Vec<String> = thinned.map(|(_, &(r, l))| format!("{:.1},{:.1}", x(r), y(l))).collect();
                let dots = if s.points.len() <= DOTS_UP_TO && !s.ghost { s.points.as_slice() } else { &[] };
                let dashes = s.ghost.then(|| ghost_dashes(props.series[..i].iter().filter(|s| s.ghost).count()));
                html! {
                    <g class={classes!("series", if s.ghost { "series-ghost".to_owned() } else { format!("series-{i}") })} data-series={s.name.clone()}>
                        <polyline points={points.join(" ")} stroke-dasharray={dashes} />
                        { for dots.iter().map(|&(r, l)| html! {
                            <circle class="point" cx={format!("{:.1}", x(r))} cy={format!("{:.1}", y(l))} r="3"
                                    data-round={r.to_string()} data-loss={l.to_string()}><title>{ format!("{} round {r}: {l:.6}", s.name) }</title></circle>
                        }) }
                    </g>
                }
            }) }
        </svg>
    }
}

/// The dash pattern of the `n`th earlier run: each its own, so a line can be matched to its legend.
pub fn ghost_dashes(n: usize) -> &'static str {
    ["6 3", "1 3", "10 3 2 3", "2 6"][n % 4]
}

/// A legend's sample of an earlier run's line.
pub fn ghost_sample(n: usize) -> Html {
    html! {
        <svg class="ghost-sample" width="26" height="8" aria-hidden="true">
            <line x1="1" y1="4" x2="25" y2="4" stroke-dasharray={ghost_dashes(n)} />
        </svg>
    }
}
