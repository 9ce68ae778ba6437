//! The playground's own client and its run: the workers, the federation made from the settings,
//! one round of it, and the global model's picture: on the map, or its mistakes on held-out digits.

use std::cell::RefCell;
use std::time::Duration;

use super::heatmap::{grid_points, GRID, REGRESSION_SPAN};
use super::PlaygroundSettings;
use crate::nn::{Mlp, Task};
use crate::playground::data::{DataKind, DataSet};
use crate::playground::digits::{CLASSES, PIXELS};
use crate::playground::federation::{client_workers, PlaygroundFederation, PlaygroundRound};
use crate::playground::partition::partition;
use crate::rng::Rng;
use crate::tensor::Tensor;
use crate::ui::engine::Busy;
use crate::{Result, Syft};

/// The playground's client and its run, apart from the lessons' and the toy training's.
pub struct Lab {
    pub syft: Syft,
    pub federation: RefCell<Option<PlaygroundFederation>>,
    /// Training points, the client each belongs to, and its target on the map's colour scale.
    pub points: RefCell<Vec<([f32; 2], usize, f32)>>,
    pub busy: Busy,
    /// The digits, once fetched.
    pub digits: RefCell<Option<DataSet>>,
    /// Whether the attacker's worker is reconstructing a batch.
    pub attack_running: std::cell::Cell<bool>,
    /// Counts resets: an attack that finishes in a later run than it started is dropped.
    pub run_number: std::cell::Cell<u64>,
    /// A line per digits run of this page (by run number): what its privacy cost and bought.
    pub trade: super::trade::Trade,
}

/// A regression's value on the map's colour scale: −span … +span to 0 … 1.
fn colour_of_prediction(value: f32) -> f32 {
    (value / (2.0 * REGRESSION_SPAN) + 0.5).clamp(0.0, 1.0)
}

fn start_run(lab: &Lab, settings: &PlaygroundSettings) -> Result<PlaygroundFederation> {
    let seed = settings.run.seed;
    let data = match (settings.data, lab.digits.borrow().as_ref()) {
        (DataKind::Digits, Some(digits)) => digits.clone(),
        (DataKind::Digits, None) => return Err(crate::Error::internal("the digits are not loaded yet")),
        (kind, _) => DataSet::generate(kind, settings.points, settings.noise, seed)?,
    };
    let (train, test) = data.split(0.25, seed);
    let shards = partition(&train.labels(), settings.clients, settings.partition, seed)?;
    let workers = client_workers(&lab.syft, settings.clients)?;
    let mut points = Vec::new();
    for (client, shard) in shards.iter().enumerate() {
        points.extend(shard.iter().filter_map(|&i| {
            let target = *train.targets.get(i)?;
            let colour = if settings.data.is_classification() { target } else { colour_of_prediction(target) };
            train.point(i).map(|p| (p, client, colour))
        }));
    }
    *lab.points.borrow_mut() = points;
    // The plane is a regression: the same network without the sigmoid, with squared error (with
    // no hidden layer, the seed's Linear(2,1)).
    let rng = &mut Rng::seeded(seed);
    let model = match settings.data {
        DataKind::Digits => Mlp::classifier(PIXELS, &settings.hidden, CLASSES, settings.activation, rng)?,
        DataKind::Plane => Mlp::regression(2, &settings.hidden, settings.activation, rng)?,
        _ => Mlp::new(2, &settings.hidden, settings.activation, rng)?,
    };
    // As many clients train at once as the machine has cores, and no fewer than two.
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency() as usize).unwrap_or(2);
    let federation = PlaygroundFederation::new(&workers, &train, &shards, &test, model, settings.run.clone())?
        .with_concurrency(cores.max(2))
        .with_attack();
    if !settings.run.aggregation.needs_server() {
        return Ok(federation);
    }
    let server = match lab.syft.worker(SERVER) {
        Some(server) => server,
        None => lab.syft.create_worker(SERVER)?,
    };
    federation.with_server(server)
}

/// The worker that aggregates in the untrusted, secure and DP modes.
const SERVER: &str = "server";

pub async fn one_round(lab: &Lab, settings: &PlaygroundSettings) -> Result<PlaygroundRound> {
    let existing = lab.federation.borrow_mut().take();
    let mut federation = match existing {
        Some(federation) => federation,
        None => {
            if settings.data == DataKind::Digits && lab.digits.borrow().is_none() {
                let digits = crate::ui::fetch_digits::fetch_digits().await?;
                *lab.digits.borrow_mut() = Some(digits);
            }
            // Starting dozens of Web Workers at once blocks the page: four at a time, with a turn
            // of the event loop between.
            for first in (0..settings.clients).step_by(4) {
                client_workers(&lab.syft, (first + 4).min(settings.clients))?;
                yew::platform::time::sleep(Duration::from_millis(0)).await;
            }
            let federation = start_run(lab, settings)?;
            // The shards are on their way: a turn for the page before the first round's models go.
            yew::platform::time::sleep(Duration::from_millis(0)).await;
            federation
        }
    };
    let report = federation.round().await;
    *lab.federation.borrow_mut() = Some(federation);
    report
}

/// The global model's probabilities on the grid (none before the first round).
pub fn probabilities(lab: &Lab) -> Vec<f32> {
    let federation = lab.federation.borrow();
    let Some(federation) = federation.as_ref() else { return Vec::new() };
    let predictions = Tensor::from_f32(&[GRID * GRID, 2], grid_points())
        .and_then(|grid| federation.setup.model.forward(&grid))
        .map(|p| p.to_f32_vec())
        .unwrap_or_default();
    match federation.setup.model.task {
        Task::Classification => predictions,
        Task::Regression => predictions.into_iter().map(colour_of_prediction).collect(),
        Task::Classes { .. } => Vec::new(),
    }
}

/// The global model on the held-out digits: each image with its true class and the model's
/// (none before the first round, or for a 2-D set).
pub fn test_results(lab: &Lab) -> Vec<super::mistakes::Judged> {
    let federation = lab.federation.borrow();
    let Some(federation) = federation.as_ref() else { return Vec::new() };
    if !matches!(federation.setup.model.task, Task::Classes { .. }) {
        return Vec::new();
    }
    let (x, y) = federation.test_set();
    let Ok(probabilities) = federation.setup.model.forward(x) else { return Vec::new() };
    let predicted = crate::nn::predicted_classes(&probabilities);
    let pixels = x.to_f32_vec();
    pixels
        .chunks(PIXELS)
        .zip(y.to_f32_vec())
        .zip(predicted)
        .map(|((image, truth), said)| super::mistakes::Judged { image: image.to_vec(), truth: truth as usize, said })
        .collect()
}
