//! What arrives at `me`: replies settle the slot their request waits in (only from the worker
//! asked), refusals are logged, messages are counted, and a worker found gone fails everything
//! that waits on it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Shared, Slot, Traffic, EVENT_LOG_LIMIT, REFUSAL_LOG_LIMIT};
use crate::error::{Error, Result};
use crate::protocol::{Answer, Body, Envelope, RequestId, ME};
use crate::runtime::Event;

impl Shared {
    pub(super) fn send(&self, envelope: Envelope) {
        if !envelope.is_uncounted() {
            *self.sent.borrow_mut().entry(envelope.to.clone()).or_default() += 1;
        }
        self.transport.post(envelope);
    }

    /// A message that came to `me` on `channel`'s channel.
    fn deliver(&self, channel: &str, envelope: Envelope) {
        if !envelope.is_uncounted() {
            *self.received.borrow_mut().entry(channel.into()).or_default() += 1;
        }
        if envelope.from != channel || envelope.to != ME {
            self.forged.set(self.forged.get().saturating_add(1));
            return;
        }
        match envelope.body {
            Body::Reply { request, answer } => self.resolve(channel, request, answer),
            Body::Refused { error } => {
                let mut refusals = self.refusals.borrow_mut();
                if refusals.len() == REFUSAL_LOG_LIMIT {
                    refusals.pop_front();
                }
                refusals.push_back((channel.into(), error));
                self.refusals_received.set(self.refusals_received.get().saturating_add(1));
            }
            // `me` keeps no store and answers no queries: say so, so that nobody waits on it.
            Body::Request { request, .. } => {
                let error = Error::NotAllowed {
                    party: envelope.from.clone(),
                    action: format!("ask {ME}: it keeps no store and answers no requests"),
                };
                self.send(Envelope::new(ME, channel, Body::Reply { request, answer: Err(error) }));
            }
            Body::Command(_) => {
                let error = Error::NotAllowed {
                    party: envelope.from.clone(),
                    action: format!("command {ME}: it keeps no store and takes no commands"),
                };
                self.send(Envelope::new(ME, channel, Body::Refused { error }));
            }
        }
    }

    pub(super) fn on_event(&self, event: Event) {
        match event {
            Event::Deliver { channel, envelope } => self.deliver(&channel, envelope),
            Event::Inspection { worker, token, entries } => {
                let waker = {
                    let mut inspections = self.inspections.borrow_mut();
                    let Some(slot) = inspections.get_mut(&token).filter(|slot| slot.worker == worker) else { return };
                    slot.answer = Some(entries);
                    slot.waker.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Event::Message(message) => {
                let Traffic { messages, bytes } = self.traffic.get();
                self.traffic.set(Traffic {
                    messages: messages.saturating_add(1),
                    bytes: bytes.saturating_add(message.bytes as u64),
                });
                let listeners: Vec<_> = self.listeners.borrow().clone();
                for listener in listeners {
                    listener(&message);
                }
                let mut events = self.events.borrow_mut();
                if events.len() == EVENT_LOG_LIMIT {
                    events.pop_front();
                }
                events.push_back(message);
            }
            Event::WorkerGone { worker, reason } => {
                self.gone.borrow_mut().insert(worker.clone(), reason.clone());
                let waiting: Vec<RequestId> = self
                    .slots
                    .borrow()
                    .iter()
                    .filter(|(_, slot)| slot.worker == worker && slot.answer.is_none())
                    .map(|(&id, _)| id)
                    .collect();
                for request in waiting {
                    let error = Error::WorkerGone { worker: worker.clone(), reason: reason.clone() };
                    self.resolve(&worker, request, Err(error));
                }
                let inspections: Vec<RequestId> = self
                    .inspections
                    .borrow()
                    .iter()
                    .filter(|(_, slot)| slot.worker == worker && slot.answer.is_none())
                    .map(|(&token, _)| token)
                    .collect();
                for token in inspections {
                    let entries = Err(Error::WorkerGone { worker: worker.clone(), reason: reason.clone() });
                    self.on_event(Event::Inspection { worker: worker.clone(), token, entries });
                }
            }
        }
    }

    /// Settles request `request` with `answer`, if `worker` is the one it was sent to: a reply
    /// from any other channel is not an answer (a worker cannot answer another's request).
    fn resolve(&self, worker: &str, request: RequestId, answer: Result<Answer>) {
        let waker = {
            let mut slots = self.slots.borrow_mut();
            let Some(slot) = slots.get_mut(&request).filter(|slot| slot.worker == worker && slot.answer.is_none())
            else {
                return;
            };
            slot.answer = Some(answer);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Where a future's answer will land: one of the client's tables of slots.
pub(super) type Slots<T> = fn(&Shared) -> &RefCell<HashMap<RequestId, Slot<T>>>;

/// An answer awaited in a slot of `me`: a query's reply, or an inspection; ready as soon as it
/// arrives (or the news that the worker is gone does).
pub struct SlotFuture<T> {
    pub(super) shared: Rc<Shared>,
    pub(super) key: RequestId,
    pub(super) slots: Slots<T>,
}

/// The answer to one query.
pub type ReplyFuture = SlotFuture<Answer>;

impl<T> Future for SlotFuture<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slots = (self.slots)(&self.shared).borrow_mut();
        let Some(slot) = slots.get_mut(&self.key) else {
            return Poll::Ready(Err(Error::internal("an answer was awaited twice")));
        };
        match slot.answer.take() {
            Some(answer) => {
                slots.remove(&self.key);
                Poll::Ready(answer)
            }
            None => {
                slot.waker = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for SlotFuture<T> {
    fn drop(&mut self) {
        (self.slots)(&self.shared).borrow_mut().remove(&self.key);
    }
}
