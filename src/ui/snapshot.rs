//! What the panels show, read from the workers after each action: every store, `me`'s pointers,
//! and the latest messages.

use crate::lessons::describe;
use crate::protocol::{Listed, ObjectId, WorkerId, ME};
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

#[derive(Clone, PartialEq)]
pub struct ObjectView {
    pub id: ObjectId,
    pub kind: ObjectKindView,
    /// As the seed prints the entry.
    pub text: String,
}

#[derive(Clone, PartialEq)]
pub enum ObjectKindView {
    Tensor { shape: Vec<usize> },
    Pointer { location: WorkerId, id_at_location: ObjectId },
    Error,
}

impl Snapshot {
    pub async fn take(syft: &Syft) -> Snapshot {
        // Let chains finish forwarding so the stores are the ones the last action left.
        let _ = syft.settle().await;
        let mut workers = vec![WorkerView {
            id: ME.into(),
            objects: syft
                .live_pointers()
                .into_iter()
                .map(|(id, location, id_at_location)| ObjectView {
                    id,
                    text: format!("[PointerTensor | me:{id} -> {location}:{id_at_location}]"),
                    kind: ObjectKindView::Pointer { location, id_at_location },
                })
                .collect(),
            gone: None,
        }];
        for id in syft.worker_ids() {
            let gone = syft.gone_reason(&id);
            let objects = match (&gone, syft.worker(&id)) {
                (None, Some(worker)) => match worker.objects().await {
                    Ok(objects) => objects.into_iter().map(|(oid, listed)| object_view(&id, oid, listed)).collect(),
                    Err(_) => Vec::new(),
                },
                _ => Vec::new(),
            };
            workers.push(WorkerView { id, objects, gone });
        }
        let events: Vec<MessageEvent> = syft.events().into_iter().filter(|e| !e.is_inspection()).collect();
        let total_messages = events.len();
        let messages = events[total_messages.saturating_sub(SHOWN_MESSAGES)..].to_vec();
        Snapshot { workers, messages, total_messages }
    }
}

fn object_view(owner: &str, id: ObjectId, listed: Listed) -> ObjectView {
    let text = describe(owner, id, &listed);
    let kind = match listed {
        Listed::Tensor(t) => ObjectKindView::Tensor { shape: t.shape },
        Listed::Pointer { location, id_at_location } => ObjectKindView::Pointer { location, id_at_location },
        Listed::Error(_) => ObjectKindView::Error,
    };
    ObjectView { id, kind, text }
}
