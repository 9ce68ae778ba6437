//! One card per worker with its live object store.

use yew::prelude::*;

use super::snapshot::WorkerView;
use crate::client::StoreObject;
use crate::protocol::ME;

#[derive(Properties, PartialEq)]
pub struct WorkersProps {
    pub workers: Vec<WorkerView>,
}

#[function_component(WorkersPanel)]
pub fn workers_panel(props: &WorkersProps) -> Html {
    html! {
        <div class="workers">
            { for props.workers.iter().map(worker_card) }
        </div>
    }
}

fn worker_card(worker: &WorkerView) -> Html {
    let badge = if worker.id == ME { "main thread" } else { "Web Worker" };
    let count = worker.objects.len();
    html! {
        <section class={classes!("worker", worker.gone.is_some().then_some("gone"))} data-worker={worker.id.to_string()}
                 aria-label={format!("{} store", worker.id)}>
            <header>
                <h3>{ worker.id.to_string() }</h3>
                <span class="badge">{ badge }</span>
                <span class="count">{ if worker.id == ME { format!("{count} pointer{}", if count == 1 { "" } else { "s" }) } else { format!("#objects:{count}") } }</span>
            </header>
            if let Some(reason) = &worker.gone { <p class="error">{ format!("gone: {reason}") }</p> }
            if worker.objects.is_empty() && worker.gone.is_none() { <p class="empty">{ "{}" }</p> }
            <ul>
                { for worker.objects.iter().map(|object| {
                    let class = object.entry.object.kind_name();
                    let value = match &object.entry.object {
                        StoreObject::Tensor(tensor) => html! {
                            <><code class="value">{ &object.text }</code><span class="shape">{ format!("{:?}", tensor.shape()) }</span></>
                        },
                        StoreObject::Pointer { location, id_at_location } => html! {
                            <code class="value">{ format!("-> {location}:{id_at_location}") }</code>
                        },
                        StoreObject::Error(_) => html! { <code class="value">{ &object.text }</code> },
                        StoreObject::Plan { steps } => html! { <code class="value">{ format!("plan of {steps} steps") }</code> },
                    };
                    let access = match (object.owner.as_str(), object.delegates.as_slice()) {
                        (ME, []) => String::new(),
                        (owner, []) => format!("owner: {owner}"),
                        (owner, delegates) => format!("owner: {owner}, shared with {}", delegates.join(", ")),
                    };
                    html! {
                        <li class={classes!("object", class)} data-id={object.id().to_string()} data-owner={object.owner.to_string()}>
                            <span class="id">{ object.id().to_string() }</span>{ value }
                            if !access.is_empty() { <span class="access">{ access }</span> }
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
