//! The state of a playground run, as one hook: settings from the address and the form, the lab
//! (client, workers, federation), the rounds so far and the player.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

use super::batch_attack::{start_batch_attack, BatchAttack, BatchAttackState};
use super::lab::{one_round, Lab};
use super::stores::{summarise, StoreSummary};
use super::PlaygroundSettings;
use crate::playground::federation::PlaygroundRound;
use crate::runtime::web::WebWorkers;
use crate::ui::engine::{Busy, WORKER_SCRIPT, WORKER_WASM};
use crate::ui::player::{use_player, Player, Step};
use crate::ui::url;
use crate::Syft;

/// What the playground panel shows and the callbacks that change it.
pub struct PlaygroundRun {
    pub settings: UseStateHandle<PlaygroundSettings>,
    /// Settings the address or the form gave that were refused, with what is allowed.
    pub refused: UseStateHandle<Vec<String>>,
    pub lab: Rc<Lab>,
    pub reports: Rc<RefCell<Vec<PlaygroundRound>>>,
    pub error: UseStateHandle<Option<String>>,
    pub stores: UseStateHandle<Vec<StoreSummary>>,
    /// The latest gradient-matching attack on a client's batch (`batch_attack.rs`).
    pub batch_attack: UseStateHandle<BatchAttackState>,
    pub player: Player,
    pub on_reset: Callback<MouseEvent>,
    /// The form's handler: a setting's name and the event that changed it.
    pub on_input: Callback<(&'static str, Event)>,
}

#[hook]
pub fn use_playground_run() -> PlaygroundRun {
    let initial = use_memo((), |_| PlaygroundSettings::from_query(&url::current_query()));
    let settings = use_state(|| initial.0.clone());
    let refused = use_state(|| initial.1.iter().map(ToString::to_string).collect::<Vec<_>>());
    let lab = use_memo((), |_| Lab {
        syft: Syft::new(WebWorkers::with_shared_module(WORKER_SCRIPT, WORKER_WASM), 7),
        federation: RefCell::new(None),
        points: RefCell::new(Vec::new()),
        busy: Busy::default(),
        digits: RefCell::new(None),
        attack_running: Default::default(),
        run_number: Default::default(),
        trade: RefCell::new(Vec::new()),
    });
    let batch_attack = use_state(|| None::<std::result::Result<BatchAttack, String>>);
    let reports = use_mut_ref(Vec::<PlaygroundRound>::new);
    let error = use_state(|| None::<String>);
    let stores = use_state(Vec::<StoreSummary>::new);
    let redraw = use_force_update();

    let step_once: Step = {
        let (lab, settings, reports, error, stores, redraw, attack) = (
            lab.clone(),
            settings.clone(),
            reports.clone(),
            error.clone(),
            stores.clone(),
            redraw.clone(),
            batch_attack.clone(),
        );
        Rc::new(move || {
            let (lab, settings, reports, error, stores, redraw, attack) = (
                lab.clone(),
                (*settings).clone(),
                reports.clone(),
                error.clone(),
                stores.clone(),
                redraw.clone(),
                attack.clone(),
            );
            Box::pin(async move {
                if reports.borrow().len() >= settings.rounds || !lab.busy.begin() {
                    return false;
                }
                let result = one_round(&lab, &settings).await;
                // The round's last reply and the redraw in tasks of their own.
                yew::platform::time::sleep(Duration::from_millis(0)).await;
                if lab.busy.end() {
                    // Reset mid-round (a setting changed): this round belonged to the old run.
                    lab.federation.borrow_mut().take();
                    stores.set(summarise(&lab.syft).await);
                    return false;
                }
                let ok = match result {
                    Ok(report) => {
                        reports.borrow_mut().push(report);
                        super::trade::record(&lab.trade, lab.run_number.get(), &settings, &reports.borrow());
                        start_batch_attack(&lab, &settings, attack);
                        true
                    }
                    Err(e) => {
                        error.set(Some(e.to_string()));
                        false
                    }
                };
                redraw.force_update();
                stores.set(summarise(&lab.syft).await);
                ok
            })
        })
    };
    let player = use_player(step_once, Duration::from_millis(settings.pace_ms));
    let reset = {
        let (lab, reports, playing, error, stores, redraw, attack) = (
            lab.clone(),
            reports.clone(),
            player.playing.clone(),
            error.clone(),
            stores.clone(),
            redraw.clone(),
            batch_attack.clone(),
        );
        Rc::new(move || {
            playing.set(false);
            lab.run_number.set(lab.run_number.get() + 1);
            attack.set(None);
            lab.points.borrow_mut().clear();
            reports.borrow_mut().clear();
            error.set(None);
            redraw.force_update();
            if lab.busy.is_busy() {
                // The round in flight drops the run when it ends.
                lab.busy.request_reset();
                return;
            }
            // Dropping the federation drops its pointers: the shards and plans leave the workers.
            lab.federation.borrow_mut().take();
            let (lab, stores) = (lab.clone(), stores.clone());
            wasm_bindgen_futures::spawn_local(async move { stores.set(summarise(&lab.syft).await) });
        })
    };
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
            let (next, errors) = PlaygroundSettings::from_query(&url::current_query());
            if next.to_query() != *in_use.borrow() {
                refused.set(errors.iter().map(ToString::to_string).collect());
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
                    url::write_part(true, &next.to_query());
                    settings.set(next);
                    reset();
                }
                Err(error) => refused.set(vec![error.to_string()]),
            }
        })
    };

    PlaygroundRun { settings, refused, lab, reports, error, stores, batch_attack, player, on_reset, on_input }
}
