//! `settle()`: waiting until every message under way has landed, so that a store read next is the
//! one the last action left. Mattern's four-counter method, per channel: every live party reports
//! how many messages it sent to and received from each other party; when, over two consecutive
//! waves, nothing changed and every channel between live parties has delivered all it carried,
//! nothing is in flight. (A channel that delivered more than its sender counted has a lying
//! sender; it counts as delivered.) Channels to a dead worker are left out, so a death cannot block it.

use std::collections::BTreeMap;

use super::Syft;
use crate::error::{Error, Result};
use crate::ids::{WorkerId, ME};
use crate::protocol::{Answer, Query};

/// How many waves of counters [`Syft::settle`] asks for before it gives up.
const SETTLE_WAVES: usize = 1000;

/// (sender, receiver) → (messages sent, messages received), over channels between live parties.
type Channels = BTreeMap<(WorkerId, WorkerId), (u64, u64)>;

/// Each live party's counts: (sent to each party, received from each party).
type Reports = BTreeMap<WorkerId, (BTreeMap<WorkerId, u64>, BTreeMap<WorkerId, u64>)>;

impl Syft {
    /// Waits until every message sent so far, and every message it caused worker to worker, has
    /// been handled: ops forwarded along chains and deletes passed on have landed. Over the
    /// in-process runtime that is always already so.
    pub async fn settle(&self) -> Result<()> {
        let mut previous: Option<Channels> = None;
        for _ in 0..SETTLE_WAVES {
            let mut reports = Reports::new();
            reports.insert(ME.into(), (self.shared.sent.borrow().clone(), self.shared.received.borrow().clone()));
            for worker in self.worker_ids() {
                if self.check_alive(&worker).is_err() {
                    continue;
                }
                match self.request(&worker, Query::Counters).await {
                    Ok(Answer::Counters { received, sent }) => {
                        reports.insert(worker, (sent, received));
                    }
                    Ok(other) => return Err(Error::unexpected_answer("counters", other)),
                    Err(Error::WorkerGone { .. }) => continue,
                    Err(error) => return Err(error),
                }
            }
            // A worker found gone during the wave takes its channels with it.
            reports.retain(|worker, _| self.check_alive(worker).is_ok());
            let channels = channels(&reports);
            // Honest counts never show more received than sent on a channel; a worker that lies
            // (or had messages injected on its channel) must not keep `settle` from ending.
            let balanced = channels.values().all(|(sent, received)| sent <= received);
            if balanced && previous.as_ref() == Some(&channels) {
                return Ok(());
            }
            previous = Some(channels);
        }
        Err(Error::NotSettled { waves: SETTLE_WAVES })
    }
}

fn channels(reports: &Reports) -> Channels {
    let mut channels = Channels::new();
    for (party, (sent, received)) in reports {
        for (to, &count) in sent.iter().filter(|(to, _)| reports.contains_key(*to)) {
            channels.entry((party.clone(), to.clone())).or_default().0 = count;
        }
        for (from, &count) in received.iter().filter(|(from, _)| reports.contains_key(*from)) {
            channels.entry((from.clone(), party.clone())).or_default().1 = count;
        }
    }
    channels
}
