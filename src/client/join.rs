//! Awaiting many futures at once: the clients of a round train at the same time, each on its own
//! Web Worker, instead of one after another. The page's executor is single-threaded, so this is
//! all it takes: poll every unfinished future whenever any of them is woken.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The outputs of `futures`, in their order, once all have finished.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    join_at_most(usize::MAX, futures).await
}

/// [`join_all`], with at most `limit` futures under way at a time: a future starts (is first
/// polled) when an earlier one finishes. Sixty-four clients computing at once on two cores starve
/// the page's own thread; a few at a time keep the cores as busy.
pub async fn join_at_most<F: Future>(limit: usize, futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    JoinAll {
        pending: futures.into_iter().map(|f| Some(Box::pin(f))).collect(),
        outputs: Vec::new(),
        limit: limit.max(1),
    }
    .await
}

struct JoinAll<F: Future> {
    pending: Vec<Option<Pin<Box<F>>>>,
    outputs: Vec<Option<F::Output>>,
    limit: usize,
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
        let mut under_way = 0;
        for (slot, output) in this.pending.iter_mut().zip(this.outputs.iter_mut()) {
            if under_way == this.limit {
                break;
            }
            if let Some(future) = slot {
                match future.as_mut().poll(context) {
                    Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    Poll::Pending => under_way += 1,
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
