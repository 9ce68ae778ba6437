//! The page (Yew): what a learner cannot see in a notebook.

use yew::prelude::*;

use crate::protocol::Listed;
use crate::runtime::web::WebWorkers;
use crate::{Syft, Tensor};

/// Where trunk puts the worker's loader script next to the page.
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

pub fn start() {
    yew::Renderer::<App>::new().render();
}

fn describe(listed: &Listed) -> String {
    match listed {
        Listed::Tensor(t) => t.to_tensor().map(|t| t.to_string()).unwrap_or_else(|e| e.to_string()),
        Listed::Pointer { location, id_at_location } => format!("-> {location}:{id_at_location}"),
        Listed::Error(e) => format!("error: {e}"),
    }
}

#[derive(Clone, PartialEq, Default)]
struct RoundTrip {
    stored_on_bob: Vec<String>,
    fetched: Option<String>,
    bob_after: Option<Vec<String>>,
    error: Option<String>,
}

async fn round_trip(syft: Syft) -> crate::Result<RoundTrip> {
    let bob = syft.create_worker("bob")?;
    let _alice = syft.create_worker("alice")?;
    let x = Tensor::from([1., 2., 3., 4., 5.]);
    let pointer = x.send(&bob)?;
    let stored_on_bob = bob.objects().await?.iter().map(|(id, l)| format!("{id}: {}", describe(l))).collect();
    let fetched = pointer.get().await?;
    let bob_after = bob.objects().await?.iter().map(|(id, l)| format!("{id}: {}", describe(l))).collect();
    Ok(RoundTrip { stored_on_bob, fetched: Some(fetched.to_string()), bob_after: Some(bob_after), error: None })
}

#[function_component(App)]
pub fn app() -> Html {
    let result = use_state(RoundTrip::default);
    {
        let result = result.clone();
        use_effect_with((), move |_| {
            let syft = Syft::new(WebWorkers::new(WORKER_SCRIPT), 0);
            wasm_bindgen_futures::spawn_local(async move {
                match round_trip(syft).await {
                    Ok(done) => result.set(done),
                    Err(error) => result.set(RoundTrip { error: Some(error.to_string()), ..RoundTrip::default() }),
                }
            });
        });
    }
    html! {
        <main>
            <h1>{ "minisyft" }</h1>
            <section id="bob-store">
                <h2>{ "bob's store after x.send(bob)" }</h2>
                <ul>{ for result.stored_on_bob.iter().map(|s| html! { <li class="object">{ s }</li> }) }</ul>
            </section>
            if let Some(fetched) = &result.fetched {
                <section id="fetched"><h2>{ "x_ptr.get()" }</h2><pre>{ fetched }</pre></section>
            }
            if let Some(after) = &result.bob_after {
                <section id="bob-after"><h2>{ "bob's store after get" }</h2>
                    <p class="count">{ format!("{} objects", after.len()) }</p></section>
            }
            if let Some(error) = &result.error { <p class="error">{ error }</p> }
        </main>
    }
}
