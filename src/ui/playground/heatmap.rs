//! The global model's decision boundary: its probability of class 1 over the plane as a grid of
//! cells, with the training points on top, coloured by the client that holds them.

use yew::prelude::*;

pub const GRID: usize = 24;
const SIZE: f64 = 300.0;

#[derive(Properties, PartialEq)]
pub struct HeatmapProps {
    /// `GRID × GRID` probabilities, row by row from the top (y = 6) to the bottom (y = -6).
    pub probabilities: Vec<f32>,
    /// (point, client).
    pub points: Vec<([f32; 2], usize)>,
    pub clients: usize,
}

/// The cell centres, in the order `probabilities` lists them.
pub fn grid_points() -> Vec<f32> {
    let step = 12.0 / GRID as f32;
    (0..GRID)
        .flat_map(|row| {
            (0..GRID).flat_map(move |col| [-6.0 + step * (col as f32 + 0.5), 6.0 - step * (row as f32 + 0.5)])
        })
        .collect()
}

fn cell_colour(p: f32) -> String {
    // Blue for class 0, orange for class 1, pale where the model is unsure.
    let p = p.clamp(0.0, 1.0);
    let (r, g, b) = if p < 0.5 {
        let t = (0.5 - p) * 2.0;
        (255.0 - 150.0 * t, 255.0 - 90.0 * t, 255.0 - 20.0 * t)
    } else {
        let t = (p - 0.5) * 2.0;
        (255.0 - 10.0 * t, 255.0 - 110.0 * t, 255.0 - 190.0 * t)
    };
    format!("rgb({r:.0},{g:.0},{b:.0})")
}

#[function_component(Heatmap)]
pub fn heatmap(props: &HeatmapProps) -> Html {
    let cell = SIZE / GRID as f64;
    html! {
        <svg class="heatmap" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img"
             aria-label="the global model's decision boundary, with each client's points">
            { for props.probabilities.iter().enumerate().map(|(i, p)| html! {
                <rect class="cell" x={format!("{:.1}", (i % GRID) as f64 * cell)} y={format!("{:.1}", (i / GRID) as f64 * cell)}
                      width={format!("{:.1}", cell + 0.5)} height={format!("{:.1}", cell + 0.5)} fill={cell_colour(*p)} />
            }) }
            <Points points={props.points.clone()} clients={props.clients} />
        </svg>
    }
}

#[derive(Properties, PartialEq)]
struct PointsProps {
    points: Vec<([f32; 2], usize)>,
    clients: usize,
}

/// The points on their own component: they stay the same round after round, so Yew skips
/// re-rendering them while the cells change. One path per client (a circle per point inside it):
/// 64 elements instead of thousands keeps every render short.
#[function_component(Points)]
fn points(props: &PointsProps) -> Html {
    let at = |v: f32, flip: bool| {
        let t = (f64::from(v) + 6.0) / 12.0;
        if flip {
            (1.0 - t) * SIZE
        } else {
            t * SIZE
        }
    };
    let mut paths = vec![String::new(); props.clients.max(1)];
    for (point, client) in &props.points {
        if let Some(path) = paths.get_mut(*client) {
            let (x, y) = (at(point[0], false), at(point[1], true));
            path.push_str(&format!("M{:.1},{:.1}m-3,0a3,3 0 1,0 6,0a3,3 0 1,0 -6,0", x, y));
        }
    }
    html! {
        <g class="points">
            { for paths.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(client, d)| {
                let hue = (client as f64 * 360.0 / props.clients.max(1) as f64) as u32;
                html! { <path class="point" d={d.clone()} fill={format!("hsl({hue}, 70%, 45%)")} data-client={client.to_string()} /> }
            }) }
        </g>
    }
}
