//! What the panels show, read from the workers after each action: every store (through the
//! simulation's privileged inspector, with who may use each object), `me`'s pointers, and the
//! latest messages (read without copying the whole log).

use crate::client::{StoreEntry, StoreObject};
use crate::protocol::{Inspected, ObjectId, WorkerId, ME};
use crate::runtime::MessageEvent;
use crate::Syft;

/// How many of the latest messages the timeline shows.
pub const SHOWN_MESSAGES: usize = 60;

#[derive(Clone, PartialEq, Default)]
pub struct Snapshot {
    pub workers: Vec<WorkerView>,
    pub messages: Vec<MessageEvent>,
    pub total_messages: usize,
}

#[derive(Clone, PartialEq)]
pub struct WorkerView {
    pub id: WorkerId,
    pub objects: Vec<ObjectView>,
    pub gone: Option<String>,
}

/// A store entry (the library's one type for it) and what the panels add: its text, who may use
/// it, and which secret-shared value it is a share of.
#[derive(Clone, PartialEq)]
pub struct ObjectView {
    pub entry: StoreEntry,
    /// As the seed prints the entry.
    pub text: String,
    /// Who stored it (or asked for the op that made it), and whom it was delegated to.
    pub owner: WorkerId,
    pub delegates: Vec<WorkerId>,
    /// For `me`'s pointers to the shares of one secret-shared value: which value (drawn as one).
    pub shared_value: Option<usize>,
}

impl ObjectView {
    pub fn id(&self) -> ObjectId {
        self.entry.id
    }
}

impl Snapshot {
    /// Every worker of `syft` with an empty store, before any has answered: what a client just
    /// started has (its workers were created empty). The page draws it at once; the first real
    /// [`Snapshot::take`] replaces it as soon as the workers are up.
    pub fn just_started(syft: &Syft) -> Snapshot {
        let mut workers = vec![WorkerView { id: ME.into(), objects: Vec::new(), gone: None }];
        workers.extend(syft.worker_ids().into_iter().map(|id| WorkerView { id, objects: Vec::new(), gone: None }));
        Snapshot { workers, ..Snapshot::default() }
    }

    pub async fn take(syft: &Syft) -> Snapshot {
        // Let chains finish forwarding so the stores are the ones the last action left.
        let _ = syft.settle().await;
        let shared_values = syft.shared_values();
        let mut pointers: Vec<ObjectView> = syft
            .live_pointers()
            .into_iter()
            .map(|(id, location, id_at_location)| {
                let entry = StoreEntry { id, object: StoreObject::Pointer { location, id_at_location } };
                (entry.describe(ME), entry)
            })
            .map(|(text, entry)| ObjectView {
                entry,
                text,
                owner: ME.into(),
                delegates: Vec::new(),
                shared_value: None,
            })
            .collect();
        for pointer in &mut pointers {
            pointer.shared_value = shared_values.iter().position(|group| group.contains(&pointer.id()));
        }
        // The shares of one value side by side, after the plain pointers.
        pointers.sort_by_key(|p| (p.shared_value.map_or(0, |v| v + 1), p.id()));
        let mut workers = vec![WorkerView { id: ME.into(), objects: pointers, gone: None }];
        for id in syft.worker_ids() {
            let gone = syft.gone_reason(&id);
            let objects = match (&gone, syft.worker(&id)) {
                (None, Some(worker)) => match worker.inspect().await {
                    Ok(entries) => entries.into_iter().map(|entry| object_view(&id, entry)).collect(),
                    Err(_) => Vec::new(),
                },
                _ => Vec::new(),
            };
            workers.push(WorkerView { id, objects, gone });
        }
        let (messages, total_messages) = syft.latest_events(SHOWN_MESSAGES, |e| !e.is_inspection());
        Snapshot { workers, messages, total_messages }
    }
}

fn object_view(worker: &str, entry: Inspected) -> ObjectView {
    let Inspected { id, listed, owner, delegates } = entry;
    let entry = StoreEntry::from_listed(id, listed);
    ObjectView { text: entry.describe(worker), entry, owner, delegates, shared_value: None }
}
