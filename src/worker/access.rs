//! Who may use an object: the trust model, enforced by the worker that holds it.
//!
//! The party that stores an object (or asks for the op that makes it) owns it. Sending a pointer on
//! delegates the object to the pointer's new holder (`Command::Delegate`, sent by the owner to the
//! object's worker first), so chains keep working. Everybody else gets `PermissionDenied`. The
//! party is always the channel a message came on, never the message's own claim.

use std::collections::BTreeSet;

use crate::error::Error;
use crate::ids::{ObjectId, WorkerId};
use crate::limits::MAX_DELEGATES;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    owner: WorkerId,
    delegates: BTreeSet<WorkerId>,
}

impl Access {
    pub fn owned_by(owner: &str) -> Access {
        Access { owner: owner.into(), delegates: BTreeSet::new() }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn delegates(&self) -> impl Iterator<Item = &str> {
        self.delegates.iter().map(WorkerId::as_str)
    }

    pub fn allows(&self, party: &str) -> bool {
        self.owner == party || self.delegates.contains(party)
    }

    /// Lets `party` use the object too.
    pub fn delegate(&mut self, party: &str) -> Result<(), Error> {
        if self.allows(party) {
            return Ok(());
        }
        if self.delegates.len() >= MAX_DELEGATES {
            return Err(crate::limits::exceeded("parties an object is delegated to", MAX_DELEGATES as u64, 65));
        }
        self.delegates.insert(party.into());
        Ok(())
    }

    /// Who may use a result computed for `asker` from objects with these accesses: `asker`, and
    /// everyone who may use every input (they could have computed it themselves).
    pub fn of_result<'a>(asker: &str, inputs: impl IntoIterator<Item = &'a Access>) -> Access {
        let inputs: Vec<&Access> = inputs.into_iter().collect();
        // The common case on every op: the asker owns inputs that all share one access.
        if let Some(first) = inputs.first() {
            if first.owner == asker && inputs.iter().all(|a| *a == *first) {
                return (*first).clone();
            }
        }
        let mut shared: Option<BTreeSet<WorkerId>> = None;
        for access in inputs {
            let parties: BTreeSet<WorkerId> =
                std::iter::once(access.owner.clone()).chain(access.delegates.iter().cloned()).collect();
            shared = Some(match shared {
                None => parties,
                Some(so_far) => so_far.intersection(&parties).cloned().collect(),
            });
        }
        let mut delegates = shared.unwrap_or_default();
        delegates.remove(asker);
        Access { owner: asker.into(), delegates }
    }

    /// The error for `asker`, who is not allowed to `action` object `id` on `worker`.
    pub fn denied(&self, asker: &str, action: &str, id: ObjectId, worker: &str) -> Error {
        Error::PermissionDenied {
            asker: asker.into(),
            action: action.to_owned(),
            id,
            worker: worker.into(),
            owner: self.owner.clone(),
        }
    }
}
