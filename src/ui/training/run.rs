//! The state of a training run on the page, as one hook: its settings (from the address and the
//! form), its rounds, its player, and the earlier runs kept to compare against.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use super::super::chart::Series;
use super::super::engine::EngineHandle;
use super::super::player::{use_player, Player, Step};
use super::super::snapshot::Snapshot;
use super::super::url::{self, RunSettings};
use super::text::run_name;
use crate::federated::{Federation, RoundReport};
use crate::{Error, Result};

/// What the training panel shows and the callbacks that change it.
pub struct TrainingRun {
    pub settings: UseStateHandle<RunSettings>,
    /// Settings the address or the form gave that were refused, with what is allowed.
    pub refused: UseStateHandle<Vec<String>>,
    pub reports: Rc<RefCell<Vec<RoundReport>>>,
    pub error: UseStateHandle<Option<String>>,
    pub stores: UseStateHandle<Snapshot>,
    /// Finished runs' total-loss curves, kept on the chart to compare modes (the cost of privacy).
    pub earlier_runs: Rc<RefCell<Vec<Series>>>,
    pub player: Player,
    pub on_reset: Callback<MouseEvent>,
    /// The form's handler: a setting's name and the event that changed it.
    pub on_input: Callback<(&'static str, Event)>,
}

/// One round on the engine's federation (made on first use from `settings`), on the training's
/// own workers.
async fn one_round(engine: &EngineHandle, settings: &RunSettings) -> Result<RoundReport> {
    let existing = engine.0.federation.borrow_mut().take();
    let mut federation = match existing {
        Some(federation) => federation,
        None => Federation::toy(&engine.0.training, settings.config.clone())?,
    };
    let report = federation.round().await;
    *engine.0.federation.borrow_mut() = Some(federation);
    report
}

/// bob, alice, total, always in this order (their colours), even when a mode sends no worker's loss.
pub fn series(reports: &[RoundReport]) -> Vec<Series> {
    let mut all: Vec<Series> =
        ["bob", "alice"].iter().map(|w| Series { name: (*w).to_owned(), points: Vec::new(), ghost: false }).collect();
    for report in reports {
        for (worker, loss) in &report.worker_losses {
            match all.iter_mut().find(|s| *worker == s.name) {
                Some(s) => s.points.push((report.round, *loss)),
                None => {
                    all.push(Series { name: worker.to_string(), points: vec![(report.round, *loss)], ghost: false })
                }
            }
        }
    }
    let total = reports.iter().map(|r| (r.round, r.global_loss)).collect();
    all.push(Series { name: "total".into(), points: total, ghost: false });
    all
}

#[hook]
pub fn use_training_run(engine: &EngineHandle) -> TrainingRun {
    let initial = use_memo((), |_| url::read());
    let settings = use_state(|| initial.0.clone());
    let refused = use_state(|| initial.1.iter().map(Error::to_string).collect::<Vec<_>>());
    let reports = use_mut_ref(Vec::<RoundReport>::new);
    let error = use_state(|| None::<String>);
    let stores = use_state(Snapshot::default);
    let earlier_runs = use_mut_ref(Vec::<Series>::new);
    // What the current run is, for its curve's name once it is finished.
    let run_label = use_mut_ref(String::new);
    let redraw = use_force_update();

    let step_once: Step = {
        let (engine, settings, reports, error, redraw, stores, run_label) = (
            engine.clone(),
            settings.clone(),
            reports.clone(),
            error.clone(),
            redraw.clone(),
            stores.clone(),
            run_label.clone(),
        );
        Rc::new(move || {
            let (engine, settings, reports, error, redraw, stores, run_label) = (
                engine.clone(),
                (*settings).clone(),
                reports.clone(),
                error.clone(),
                redraw.clone(),
                stores.clone(),
                run_label.clone(),
            );
            Box::pin(async move {
                if reports.borrow().len() >= settings.rounds || !engine.0.training_busy.begin() {
                    return false;
                }
                *run_label.borrow_mut() = run_name(&settings);
                let result = one_round(&engine, &settings).await;
                stores.set(Snapshot::take(&engine.0.training).await);
                // Nothing may wait between `end` and keeping the report: a reset in that gap would
                // clear the reports and then see this round's report land in the new run.
                if engine.0.training_busy.end() {
                    // Reset mid-round (a setting changed): this round belonged to the old run.
                    engine.0.federation.borrow_mut().take();
                    stores.set(Snapshot::take(&engine.0.training).await);
                    return false;
                }
                let ok = match result {
                    Ok(report) => {
                        reports.borrow_mut().push(report);
                        error.set(None);
                        true
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        false
                    }
                };
                redraw.force_update();
                ok
            })
        })
    };
    let player = use_player(step_once, Duration::from_millis(settings.pace_ms));
    let reset = reset_run(engine, &player, &reports, &error, &stores, (&earlier_runs, run_label), redraw);
    let on_reset = {
        let reset = reset.clone();
        Callback::from(move |_| reset())
    };
    // Back and Forward: the settings the address now has, if they are not the ones in use.
    let in_use = use_mut_ref(|| initial.0.to_query());
    *in_use.borrow_mut() = settings.to_query();
    {
        let (settings, refused, reset, in_use) = (settings.clone(), refused.clone(), reset.clone(), in_use);
        url::use_address_moves(Rc::new(move || {
            let (next, errors) = url::read();
            if next.to_query() != *in_use.borrow() {
                refused.set(errors.iter().map(Error::to_string).collect());
                settings.set(next);
                reset();
            }
        }));
    }
    let on_input = {
        let (settings, refused) = (settings.clone(), refused.clone());
        Callback::from(move |(key, event): (&'static str, Event)| {
            let value = url::form_value(&event);
            let mut next = (*settings).clone();
            match next.set(key, &value) {
                Ok(()) => {
                    refused.set(Vec::new());
                    url::write(&next);
                    settings.set(next);
                    reset();
                }
                // The form keeps what the user typed, the run keeps its setting, and the page says why.
                Err(error) => refused.set(vec![error.to_string()]),
            }
        })
    };
    TrainingRun { settings, refused, reports, error, stores, earlier_runs, player, on_reset, on_input }
}

/// Ends the run: its curve joins the earlier runs, and the federation (with everything it left on
/// the workers) is dropped, now or when the round in flight ends.
fn reset_run(
    engine: &EngineHandle,
    player: &Player,
    reports: &Rc<RefCell<Vec<RoundReport>>>,
    error: &UseStateHandle<Option<String>>,
    stores: &UseStateHandle<Snapshot>,
    (earlier_runs, run_label): (&Rc<RefCell<Vec<Series>>>, Rc<RefCell<String>>),
    redraw: UseForceUpdateHandle,
) -> Rc<dyn Fn()> {
    let (engine, reports, playing, error, stores, earlier_runs) =
        (engine.clone(), reports.clone(), player.playing.clone(), error.clone(), stores.clone(), earlier_runs.clone());
    Rc::new(move || {
        playing.set(false);
        if !reports.borrow().is_empty() {
            let points = reports.borrow().iter().map(|r| (r.round, r.global_loss)).collect();
            let mut earlier = earlier_runs.borrow_mut();
            earlier.push(Series { name: run_label.borrow().clone(), points, ghost: true });
            // The last four runs are enough to compare.
            let excess = earlier.len().saturating_sub(4);
            earlier.drain(..excess);
        }
        reports.borrow_mut().clear();
        error.set(None);
        redraw.force_update();
        if engine.0.training_busy.is_busy() {
            // The round in flight drops the run when it ends.
            engine.0.training_busy.request_reset();
            return;
        }
        // Dropping the federation drops its pointers, which deletes the data and models on the workers.
        engine.0.federation.borrow_mut().take();
        let (engine, stores) = (engine.clone(), stores.clone());
        wasm_bindgen_futures::spawn_local(async move { stores.set(Snapshot::take(&engine.0.training).await) });
    })
}
