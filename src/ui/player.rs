//! Play, step and pause around one asynchronous step: the toy training's controls and the
//! playground's. The step says whether to go on (false at the last round or on an error).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use yew::prelude::*;

/// One round, boxed so that both panels' steps have one type.
pub type Step = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = bool>>>>;

pub struct Player {
    /// Set while playing; a reset sets it false to stop the loop after its current step.
    pub playing: Rc<Cell<bool>>,
    pub on_play: Callback<MouseEvent>,
    pub on_step: Callback<MouseEvent>,
    pub on_pause: Callback<MouseEvent>,
}

/// `pace` is the pause between rounds while playing; even at zero the page gets a turn of the
/// event loop to draw.
#[hook]
pub fn use_player(step: Step, pace: Duration) -> Player {
    let playing = use_mut_ref(|| Rc::new(Cell::new(false))).borrow().clone();
    let redraw = use_force_update();
    let on_step = {
        let step = step.clone();
        Callback::from(move |_| {
            let step = step.clone();
            wasm_bindgen_futures::spawn_local(async move {
                step().await;
            });
        })
    };
    let on_play = {
        let (playing, redraw) = (playing.clone(), redraw.clone());
        Callback::from(move |_| {
            if playing.replace(true) {
                return;
            }
            redraw.force_update();
            let (step, playing, redraw) = (step.clone(), playing.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                while playing.get() && step().await {
                    yew::platform::time::sleep(pace).await;
                }
                playing.set(false);
                redraw.force_update();
            });
        })
    };
    let on_pause = {
        let playing = playing.clone();
        Callback::from(move |_| {
            playing.set(false);
            redraw.force_update();
        })
    };
    Player { playing, on_play, on_step, on_pause }
}

/// A run's progress line: the rounds done, and when the last one failed (its error is shown
/// beside), which round that was, so "round 2" next to "diverged at round 3" reads as one story.
pub fn progress(done: usize, rounds: usize, failed: bool) -> String {
    if failed {
        format!("round {done} of {rounds} — stopped: round {} failed", done + 1)
    } else {
        format!("round {done} of {rounds}")
    }
}
