//! The playground's object stores, summarised so that 64 of them stay readable: one line for all
//! of them, then a tile per worker (tensors, values, plans, pointers), greyed when it is gone.
//! Read through the simulation's inspector after every round, all workers at once.

use yew::prelude::*;

use crate::client::join_all;
use crate::protocol::{Inspected, Listed, WorkerId};
use crate::Syft;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreSummary {
    pub worker: WorkerId,
    pub tensors: usize,
    pub values: usize,
    pub plans: usize,
    pub pointers: usize,
    pub errors: usize,
    pub gone: Option<String>,
}

impl StoreSummary {
    fn of(worker: &str, entries: &[Inspected]) -> StoreSummary {
        let mut summary = StoreSummary { worker: worker.into(), ..StoreSummary::default() };
        for entry in entries {
            match &entry.listed {
                Listed::Tensor(tensor) => {
                    summary.tensors += 1;
                    summary.values += tensor.shape.iter().product::<usize>();
                }
                Listed::Pointer { .. } => summary.pointers += 1,
                Listed::Error(_) => summary.errors += 1,
                Listed::Plan { .. } => summary.plans += 1,
            }
        }
        summary
    }
}

/// Every worker of `syft`, read at once, after the commands under way (the round's deletes) land.
pub async fn summarise(syft: &Syft) -> Vec<StoreSummary> {
    // A worker found gone shows as gone below; settling cannot fail otherwise.
    let _ = syft.settle().await;
    let mut workers = syft.worker_ids();
    // client_2 before client_10: the name's text, then its number.
    workers.sort_by_key(|w| {
        let digits = w.len() - w.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (name, number) = w.split_at(w.len() - digits);
        (name.to_owned(), number.parse::<u64>().unwrap_or(0))
    });
    let read = join_all(workers.iter().map(|w| syft.inspect(w))).await;
    workers
        .iter()
        .zip(read)
        .map(|(worker, entries)| match entries {
            Ok(entries) => StoreSummary::of(worker, &entries),
            Err(error) => {
                StoreSummary { worker: worker.clone(), gone: Some(error.to_string()), ..StoreSummary::default() }
            }
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct StoresProps {
    pub stores: Vec<StoreSummary>,
}

#[function_component(PlaygroundStores)]
pub fn playground_stores(props: &StoresProps) -> Html {
    let total = |f: fn(&StoreSummary) -> usize| props.stores.iter().map(f).sum::<usize>();
    let gone = props.stores.iter().filter(|s| s.gone.is_some()).count();
    html! {
        <details class="pg-stores">
            <summary>{ format!(
                "{} workers' stores: {} tensors ({} values), {} plans, {} pointers{}",
                props.stores.len(), total(|s| s.tensors), total(|s| s.values), total(|s| s.plans), total(|s| s.pointers),
                if gone == 0 { String::new() } else { format!(", {gone} gone") }) }</summary>
            <div class="pg-store-tiles">
                { for props.stores.iter().map(|s| html! {
                    <div class={classes!("pg-store", s.gone.is_some().then_some("gone"))} data-worker={s.worker.to_string()}
                         title={s.gone.clone().unwrap_or_default()}>
                        <strong>{ s.worker.to_string() }</strong>
                        <span>{ format!("{} tensors · {} values", s.tensors, s.values) }</span>
                        <span>{ format!("{} plan{} · {} pointer{}", s.plans, if s.plans == 1 { "" } else { "s" }, s.pointers, if s.pointers == 1 { "" } else { "s" }) }</span>
                        if s.errors > 0 { <span class="error">{ format!("{} errors", s.errors) }</span> }
                    </div>
                }) }
            </div>
        </details>
    }
}
