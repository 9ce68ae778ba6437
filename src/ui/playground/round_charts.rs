//! Per-round pictures beside the loss chart: accuracy on a linear scale, and bars for who took
//! part and for the bytes on the wire. Small and linear: every round is one column.

use yew::prelude::*;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 120.0;
const LEFT: f64 = 60.0;
const BOTTOM: f64 = 18.0;
const TOP: f64 = 8.0;

#[derive(Clone, PartialEq)]
pub struct Column {
    pub name: &'static str,
    /// One value per round, rounds from 1.
    pub values: Vec<f64>,
}

#[derive(Properties, PartialEq)]
pub struct RoundChartProps {
    /// What the chart shows, for screen readers and its y label.
    pub label: &'static str,
    pub columns: Vec<Column>,
    pub rounds: usize,
    /// Lines (accuracy) or stacked bars (counts, bytes).
    #[prop_or(false)]
    pub lines: bool,
    /// A fixed top of the scale (1.0 for accuracy); otherwise the largest value.
    #[prop_or_default]
    pub top: Option<f64>,
    pub unit: Unit,
}

/// How a value on the axis reads.
#[derive(Clone, Copy, PartialEq)]
pub enum Unit {
    Percent,
    Count,
    Bytes,
}

impl Unit {
    fn format(self, value: f64) -> String {
        match self {
            Unit::Percent => format!("{:.0}%", value * 100.0),
            Unit::Count => format!("{value:.0}"),
            Unit::Bytes => bytes(value),
        }
    }
}

#[function_component(RoundChart)]
pub fn round_chart(props: &RoundChartProps) -> Html {
    let rounds = props.rounds.max(1);
    let stacked_top = (0..rounds)
        .map(|r| props.columns.iter().filter_map(|c| c.values.get(r)).filter(|v| v.is_finite()).sum::<f64>())
        .fold(0.0, f64::max);
    let line_top =
        props.columns.iter().flat_map(|c| c.values.iter()).copied().filter(|v| v.is_finite()).fold(0.0, f64::max);
    let top = props.top.unwrap_or(if props.lines { line_top } else { stacked_top }).max(f64::MIN_POSITIVE);
    let step = (WIDTH - LEFT - 10.0) / rounds as f64;
    let x = |round: usize| LEFT + (round as f64 + 0.5) * step;
    let y = |value: f64| TOP + (1.0 - (value / top).clamp(0.0, 1.0)) * (HEIGHT - BOTTOM - TOP);
    let drawn = if props.lines {
        html! { for props.columns.iter().enumerate().map(|(i, column)| {
            let points: Vec<String> = column.values.iter().enumerate().filter(|(_, v)| v.is_finite())
                .map(|(r, v)| format!("{:.1},{:.1}", x(r), y(*v))).collect();
            html! { <g class={format!("series series-{i}")} data-series={column.name}><polyline points={points.join(" ")} /></g> }
        }) }
    } else {
        let width = (step * 0.8).max(1.0);
        html! { for (0..rounds).map(|r| {
            let mut base = 0.0;
            html! { <g class="bar" data-round={(r + 1).to_string()}>{ for props.columns.iter().enumerate().filter_map(|(i, column)| {
                let value = *column.values.get(r)?;
                if !value.is_finite() || value <= 0.0 { return None; }
                let (y0, y1) = (y(base), y(base + value));
                base += value;
                Some(html! { <rect class={format!("bar-{i}")} x={format!("{:.1}", x(r) - width / 2.0)} y={format!("{y1:.1}")}
                    width={format!("{width:.1}")} height={format!("{:.1}", (y0 - y1).max(0.5))}>
                    <title>{ format!("round {}: {} {}", r + 1, props.unit.format(value), column.name) }</title></rect> })
            }) }</g> }
        }) }
    };
    // Before the first round a scale of zeros ("0 B, 0 B, 0 B") says nothing: say there is no data.
    let empty = props.columns.iter().all(|c| c.values.is_empty());
    let ticks: &[f64] = if empty { &[] } else { &[0.0, 0.5, 1.0] };
    html! {
        <svg class={classes!("chart", "round-chart", empty.then_some("empty"))} viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={props.label}>
            if empty {
                <text class="no-data" x={((WIDTH + LEFT) / 2.0).to_string()} y={((HEIGHT - BOTTOM) / 2.0).to_string()} text-anchor="middle">{ "no rounds yet" }</text>
            }
            { for ticks.iter().map(|f| html! {
                <g class="tick">
                    <line x1={LEFT.to_string()} x2={(WIDTH - 10.0).to_string()} y1={y(top * f).to_string()} y2={y(top * f).to_string()} />
                    <text x={(LEFT - 6.0).to_string()} y={(y(top * f) + 4.0).to_string()} text-anchor="end">{ props.unit.format(top * f) }</text>
                </g>
            }) }
            <text class="axis-label" x="12" y={((HEIGHT - BOTTOM) / 2.0).to_string()} text-anchor="middle"
                  transform={format!("rotate(-90 12 {})", (HEIGHT - BOTTOM) / 2.0)}>{ props.label }</text>
            { drawn }
        </svg>
    }
}

pub fn bytes(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.1} MB", v / 1e6),
        v if v >= 1e3 => format!("{:.0} kB", v / 1e3),
        v => format!("{v:.0} B"),
    }
}
