//! Commands: messages that need no answer (store, execute, delete, introductions, delegations,
//! shares, plans). A command that cannot be carried out gets a `Refused` notice back.

use super::{Access, Entry, Stored, Worker};
use crate::error::{Error, Result};
use crate::ids::{ObjectId, WorkerId, ME};
use crate::limits::{self, MAX_NAME_BYTES};
use crate::protocol::{Body, Command, WireObject};

impl Worker {
    pub(super) fn command(&mut self, from: &str, command: Command) {
        let outcome = match command {
            Command::Store { id, object } => self.store(from, id, object),
            Command::Execute { result, op } => {
                let free = self.free_id(result);
                if free != result {
                    self.send(from, Body::Command(Command::Relocated { from: result, to: free }));
                }
                self.execute(from, free, op)
            }
            Command::Relocated { from: old, to: new } => {
                if let Some(Entry { object: Stored::Pointer { location, id_at_location }, .. }) =
                    self.objects.get_mut(&old)
                {
                    if location == from && *id_at_location == old {
                        *id_at_location = new;
                    }
                }
                Ok(())
            }
            Command::Delete { id } => self.delete(from, id),
            Command::AddWorker { worker } => self.add_worker(from, worker),
            Command::Delegate { id, to } => self.delegate(from, id, &to),
            Command::Share { input, holders } => self.share(from, input, &holders),
            Command::Triple { product, lhs, rhs, holders } => self.triple(from, product, (&lhs, &rhs), &holders),
            Command::StorePlan { id, plan } => self.store_plan(from, id, plan),
        };
        if let Err(error) = outcome {
            self.send(from, Body::Refused { error });
        }
    }

    fn store(&mut self, from: &str, id: ObjectId, object: WireObject) -> Result<()> {
        if let Some(existing) = self.objects.get(&id) {
            if !existing.access.allows(from) {
                return Err(existing.access.denied(from, "overwrite", id, &self.id));
            }
        }
        let object = match object {
            WireObject::Pointer { location, .. } if location == ME || location == self.id => Stored::Error(
                Error::malformed(format!("a pointer on {} cannot point at {location}'s own store", self.id)),
            ),
            WireObject::Pointer { location, .. } if location.len() > MAX_NAME_BYTES => {
                Stored::Error(limits::exceeded("bytes in a worker name", MAX_NAME_BYTES as u64, location.len() as u64))
            }
            object => Stored::from_wire(object),
        };
        self.put(id, Entry { object, access: Access::owned_by(from) })
    }

    fn add_worker(&mut self, from: &str, worker: WorkerId) -> Result<()> {
        if from != ME {
            return Err(Error::NotAllowed { party: from.into(), action: format!("introduce workers (only {ME} may)") });
        }
        if worker.len() > MAX_NAME_BYTES {
            return Err(limits::exceeded("bytes in a worker name", MAX_NAME_BYTES as u64, worker.len() as u64));
        }
        if worker != self.id && worker != ME {
            self.gone.remove(&worker);
            self.known.insert(worker);
        }
        Ok(())
    }

    fn delegate(&mut self, from: &str, id: ObjectId, to: &str) -> Result<()> {
        if to.len() > MAX_NAME_BYTES {
            return Err(limits::exceeded("bytes in a worker name", MAX_NAME_BYTES as u64, to.len() as u64));
        }
        self.entry_for(from, "delegate", id)?;
        match self.objects.get_mut(&id) {
            Some(entry) => entry.access.delegate(to),
            None => Err(self.not_found(id)),
        }
    }

    /// `id`, or if it is taken, the first free id derived from it. (Salted: unsalted, the ids
    /// derived from a small id were exactly the ids `me` draws from a small seed.)
    fn free_id(&self, id: ObjectId) -> ObjectId {
        const SALT: u64 = 0x5EED_0FC0_FFEE;
        let mut candidate = id;
        let mut mix = crate::rng::Rng::seeded(id.0 ^ SALT ^ crate::rng::Rng::seeded(self.id.len() as u64).next_u64());
        while self.objects.contains_key(&candidate) {
            candidate = mix.object_id();
        }
        candidate
    }

    /// `worker.clear_objects()`: a peer deletes what it may use; `me`, who created this worker,
    /// empties the whole store (as PySyft's does), so no peer can leave it objects it cannot clear.
    /// Pointers `me` may use pass the delete along their chains.
    pub(super) fn clear_objects(&mut self, from: &str) {
        let ids: Vec<ObjectId> =
            self.objects.iter().filter(|(_, e)| from == ME || e.access.allows(from)).map(|(&id, _)| id).collect();
        for id in ids {
            if self.delete(from, id).is_err() {
                // Not `me`'s to pass along (a peer's pointer): it goes from this store only.
                self.remove(id);
            }
        }
    }

    /// Removes `id`; a pointer passes the delete on to its location, so dropping a pointer to a
    /// pointer empties the whole chain.
    pub(super) fn delete(&mut self, from: &str, id: ObjectId) -> Result<()> {
        if !self.objects.contains_key(&id) {
            return Ok(());
        }
        self.entry_for(from, "delete", id)?;
        if let Some(Entry { object: Stored::Pointer { location, id_at_location }, .. }) = self.remove(id) {
            // The object at the end is unreachable either way; a chain that cannot pass the delete
            // on (its next worker is gone) has nothing left to free there.
            let _ = self.send_on(&location, Body::Command(Command::Delete { id: id_at_location }));
        }
        Ok(())
    }
}
