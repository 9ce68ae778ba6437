//! The global model's decision boundary: its probability of class 1 over the plane as a grid of
//! cells, with the training points on top, coloured by the client that holds them. The cells are
//! one 24 × 24 bitmap drawn pixelated (a data URL), not 576 SVG elements: a round then changes one
//! attribute, and the page's style and layout work stays small with 64 clients training.

use yew::prelude::*;

pub const GRID: usize = 24;
const SIZE: f64 = 300.0;

/// A regression's predictions are drawn on the same scale, from -REGRESSION_SPAN (class 0's
/// colour) to +REGRESSION_SPAN (class 1's): the plane's values lie within it.
pub const REGRESSION_SPAN: f32 = 1.5;

#[derive(Properties, PartialEq)]
pub struct HeatmapProps {
    /// `GRID × GRID` probabilities, row by row from the top (y = 6) to the bottom (y = -6).
    pub probabilities: Vec<f32>,
    /// (point, client, its target on the colour scale).
    pub points: Vec<([f32; 2], usize, f32)>,
    pub clients: usize,
    /// Classification (class 0 / class 1) or regression (low / high), for the legend.
    pub classification: bool,
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

/// A cell's colour as CSS, for the legend's swatches.
fn css_colour(p: f32) -> String {
    let [r, g, b] = cell_colour(p);
    format!("rgb({r}, {g}, {b})")
}

fn cell_colour(p: f32) -> [u8; 3] {
    // Blue for class 0, orange for class 1, pale where the model is unsure.
    let p = p.clamp(0.0, 1.0);
    let (r, g, b) = if p < 0.5 {
        let t = (0.5 - p) * 2.0;
        (255.0 - 150.0 * t, 255.0 - 90.0 * t, 255.0 - 20.0 * t)
    } else {
        let t = (p - 0.5) * 2.0;
        (255.0 - 10.0 * t, 255.0 - 110.0 * t, 255.0 - 190.0 * t)
    };
    [r.round() as u8, g.round() as u8, b.round() as u8]
}

/// The probabilities as a bitmap data URL.
fn bitmap(probabilities: &[f32]) -> String {
    bitmap_url(GRID, GRID, |row, col| cell_colour(probabilities.get(row * GRID + col).copied().unwrap_or(0.5)))
}

/// A `width × height` picture, `colour(row, column)` from the top left, as a 24-bit BMP (rows
/// bottom-up, 4-byte aligned), base64 in a data URL: one attribute to change when it changes.
pub(super) fn bitmap_url(width: usize, height: usize, colour: impl Fn(usize, usize) -> [u8; 3]) -> String {
    let row_bytes = (width * 3).div_ceil(4) * 4;
    let pixels = row_bytes * height;
    let mut bmp = Vec::with_capacity(54 + pixels);
    let u32le = |v: usize| (v as u32).to_le_bytes();
    bmp.extend_from_slice(b"BM");
    bmp.extend_from_slice(&u32le(54 + pixels));
    bmp.extend_from_slice(&[0, 0, 0, 0]);
    bmp.extend_from_slice(&u32le(54));
    bmp.extend_from_slice(&u32le(40));
    bmp.extend_from_slice(&u32le(width));
    bmp.extend_from_slice(&u32le(height));
    bmp.extend_from_slice(&[1, 0, 24, 0]);
    bmp.extend_from_slice(&[0; 4]);
    bmp.extend_from_slice(&u32le(pixels));
    bmp.extend_from_slice(&[0; 16]);
    for row in (0..height).rev() {
        for col in 0..width {
            let [r, g, b] = colour(row, col);
            bmp.extend_from_slice(&[b, g, r]);
        }
        bmp.resize(bmp.len() + row_bytes - width * 3, 0);
    }
    format!("data:image/bmp;base64,{}", crate::encoding::base64(&bmp))
}

#[function_component(Heatmap)]
pub fn heatmap(props: &HeatmapProps) -> Html {
    // A classifier's middle colour is where it cannot tell; a regression's is a prediction of 0.
    let (low, middle, high) = if props.classification {
        ("class 0".to_owned(), "unsure".to_owned(), "class 1".to_owned())
    } else {
        (format!("prediction −{REGRESSION_SPAN}"), "prediction 0".to_owned(), format!("prediction +{REGRESSION_SPAN}"))
    };
    let swatch = |p: f32| html! { <i class="swatch" style={format!("background: {}", css_colour(p))}></i> };
    // Points by client (who holds what: the partition) or by their own target (what the model
    // should say there: where it errs).
    let by_target = use_state(|| false);
    let toggle = {
        let by_target = by_target.clone();
        Callback::from(move |_| by_target.set(!*by_target))
    };
    let what = if props.classification { "class" } else { "target" };
    html! {
        <figure class="pg-map">
            <svg class="heatmap" viewBox={format!("0 0 {SIZE} {SIZE}")} role="img"
                 aria-label="the global model's decision boundary, with each client's points">
                if props.probabilities.len() == GRID * GRID {
                    <image class="cells" href={bitmap(&props.probabilities)} x="0" y="0" width={SIZE.to_string()} height={SIZE.to_string()}
                           preserveAspectRatio="none" data-grid={GRID.to_string()} />
                }
                <Points points={props.points.clone()} clients={props.clients} by_target={*by_target} />
            </svg>
            <figcaption class="map-legend">
                <span>{ swatch(0.0) }{ low }</span>
                <span>{ swatch(0.5) }{ middle }</span>
                <span>{ swatch(1.0) }{ high }</span>
                if *by_target {
                    <span><i class="dot dot-outlined"></i>{ format!("a training point, coloured by its {what}") }</span>
                } else {
                    <span><i class="dot"></i>{ "a training point, one colour per client" }</span>
                }
                <button class="points-by" onclick={toggle} aria-pressed={by_target.to_string()}>
                    { if *by_target { "colour points by client".to_owned() } else { format!("colour points by {what}") } }
                </button>
            </figcaption>
        </figure>
    }
}

#[derive(Properties, PartialEq)]
struct PointsProps {
    points: Vec<([f32; 2], usize, f32)>,
    clients: usize,
    by_target: bool,
}

/// Colour buckets of the points coloured by target (a path each).
const TARGET_SHADES: usize = 11;

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
    let groups = if props.by_target { TARGET_SHADES } else { props.clients.max(1) };
    let mut paths = vec![String::new(); groups];
    for (point, client, target) in &props.points {
        let group = if props.by_target {
            (target.clamp(0.0, 1.0) * (TARGET_SHADES - 1) as f32).round() as usize
        } else {
            *client
        };
        if let Some(path) = paths.get_mut(group) {
            let (x, y) = (at(point[0], false), at(point[1], true));
            path.push_str(&format!("M{:.1},{:.1}m-3,0a3,3 0 1,0 6,0a3,3 0 1,0 -6,0", x, y));
        }
    }
    html! {
        <g class={classes!("points", props.by_target.then_some("by-target"))}>
            { for paths.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(group, d)| {
                if props.by_target {
                    // Outlined: a point the model gets right has the colour of the map under it.
                    let shade = group as f32 / (TARGET_SHADES - 1) as f32;
                    html! { <path class="point" d={d.clone()} fill={css_colour(shade)} stroke="#1d2733" stroke-width="1" data-target={format!("{shade:.1}")} /> }
                } else {
                    let hue = (group as f64 * 360.0 / props.clients.max(1) as f64) as u32;
                    html! { <path class="point" d={d.clone()} fill={format!("hsl({hue}, 70%, 45%)")} data-client={group.to_string()} /> }
                }
            }) }
        </g>
    }
}
