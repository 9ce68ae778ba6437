//! A closing tab's goodbye. Once the page goes away nothing asynchronous runs any more, and
//! WebCrypto signs asynchronously; so while the node is up, a signed `deactivate-node` for it is
//! kept ready (signed again every minute: the SuperLink takes a signature for about five), and
//! `pagehide` sends it with `keepalive`. The SuperLink then marks the node offline at once rather
//! than 2 × 30 s later, and FedAvg counts the round's missing reply as a failure at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::prelude::Closure;
use wasm_bindgen::JsCast;

use crate::flower::browser::BrowserFleet;
use crate::flower::fleet::Request;

/// Seconds a goodbye is kept before it is signed again.
const SIGN_AGAIN_AFTER: f64 = 60.0;

pub struct Goodbye {
    node: Rc<Cell<Option<u64>>>,
    finished: Rc<Cell<bool>>,
    listener: Closure<dyn Fn()>,
}

impl Goodbye {
    /// Listens for `pagehide` and keeps a goodbye signed by `fleet` for the node [`Goodbye::node`] names.
    pub fn start(fleet: Rc<BrowserFleet>) -> Goodbye {
        let ready: Rc<RefCell<Option<web_sys::Request>>> = Rc::default();
        let node: Rc<Cell<Option<u64>>> = Rc::default();
        let finished: Rc<Cell<bool>> = Rc::default();
        let listener = {
            let ready = ready.clone();
            Closure::<dyn Fn()>::new(move || {
                if let (Some(request), Some(window)) = (ready.borrow_mut().take(), web_sys::window()) {
                    let _ = window.fetch_with_request(&request);
                }
            })
        };
        if let Some(window) = web_sys::window() {
            let _ = window.add_event_listener_with_callback("pagehide", listener.as_ref().unchecked_ref());
        }
        let (node_now, done) = (node.clone(), finished.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let mut signed: Option<(u64, f64)> = None;
            while !done.get() {
                let now = js_sys::Date::now() / 1000.0;
                match node_now.get() {
                    Some(id) if signed.is_none_or(|(n, at)| n != id || now - at > SIGN_AGAIN_AFTER) => {
                        *ready.borrow_mut() = fleet.presigned(Request::DeactivateNode { node_id: id }).await.ok();
                        signed = Some((id, now));
                    }
                    Some(_) => {}
                    None => {
                        ready.borrow_mut().take();
                        signed = None;
                    }
                }
                yew::platform::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Goodbye { node, finished, listener }
    }

    /// The node a goodbye is for (none: nothing to say).
    pub fn node(&self, node_id: Option<u64>) {
        self.node.set(node_id);
    }
}

impl Drop for Goodbye {
    fn drop(&mut self) {
        self.finished.set(true);
        if let Some(window) = web_sys::window() {
            let _ = window.remove_event_listener_with_callback("pagehide", self.listener.as_ref().unchecked_ref());
        }
    }
}
