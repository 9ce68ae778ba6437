//! Awaiting many futures at once: the clients of a round train at the same time, each on its own
//! Web Worker, instead of one after another. The page's executor is single-threaded, so this is
//! all it takes: poll every unfinished future whenever any of them is woken.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The outputs of `futures`, in their order, once all have finished.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    JoinAll { pending: futures.into_iter().map(|f| Some(Box::pin(f))).collect(), outputs: Vec::new() }.await
}

struct JoinAll<F: Future> {
    pending: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
}

// Nothing in `JoinAll` is pinned structurally: the futures are boxed.
impl<F: Future> Unpin for JoinAll<F> {}

impl<F: Future> Future for JoinAll<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.outputs.is_empty() {
            this.outputs = this.pending.iter().map(|_| None).collect();
        }
        for (slot, output) in this.pending.iter_mut().zip(this.outputs.iter_mut()) {
            if let Some(future) = slot {
                if let Poll::Ready(value) = future.as_mut().poll(context) {
                    *output = Some(value);
                    *slot = None;
                }
            }
        }
        if this.pending.iter().all(Option::is_none) {
            Poll::Ready(this.outputs.iter_mut().filter_map(Option::take).collect())
        } else {
            Poll::Pending
        }
    }
}
