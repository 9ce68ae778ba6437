//! The two commands that make secrets: `Share` (this worker splits one of its integer tensors into
//! additive shares for a list of holders) and `Triple` (this worker, as a crypto provider, deals a
//! Beaver triple's shares). The randomness is drawn here, from the cryptographic generator, so the
//! value (or the triple) never leaves this worker whole. Every share is usable by the asker.

use super::{Access, Entry, Stored, Worker};
use crate::error::{Error, Result};
use crate::ids::{ObjectId, WorkerId, ME};
use crate::limits::{self, MAX_TRIPLE_ELEMENTS};
use crate::mechanisms::{self, Product};
use crate::protocol::{Body, Command, WireObject, WireTensor};
use crate::tensor::Tensor;

impl Worker {
    pub(super) fn share(&mut self, from: &str, input: ObjectId, holders: &[(WorkerId, ObjectId)]) -> Result<()> {
        let tensor = match &self.entry_for(from, "share", input)?.object {
            Stored::Tensor(tensor) => tensor.clone(),
            Stored::Error(error) => return Err(error.clone()),
            Stored::Pointer { .. } | Stored::Plan(_) => {
                return Err(Error::Sharing {
                    op: "share".into(),
                    reason: "only a tensor held here can be shared".into(),
                })
            }
        };
        self.check_holders(holders.iter().map(|(worker, _)| worker.as_str()))?;
        let shares = mechanisms::split(&tensor, holders.len())?;
        for ((holder, id), share) in holders.iter().zip(shares) {
            self.give(from, holder, *id, share)?;
        }
        Ok(())
    }

    pub(super) fn triple(
        &mut self,
        from: &str,
        product: Product,
        shapes: (&[usize], &[usize]),
        holders: &[(WorkerId, [ObjectId; 3])],
    ) -> Result<()> {
        // Only the party that sets shared values up asks for their triples: a peer that could
        // would make this worker draw and send shares for anyone, into stores it does not own.
        if from != ME {
            return Err(Error::Sharing {
                op: "beaver triple".into(),
                reason: format!("only me (the page that set the shared values up) may ask for triples; {from} may not"),
            });
        }
        let elements = mechanisms::triple_elements(product, shapes.0, shapes.1)?.saturating_mul(holders.len() as u64);
        if elements > MAX_TRIPLE_ELEMENTS {
            return Err(limits::exceeded("elements of a Beaver triple's shares", MAX_TRIPLE_ELEMENTS, elements));
        }
        if holders.iter().any(|(holder, _)| *holder == self.id) {
            return Err(Error::Sharing {
                op: "beaver triple".into(),
                reason: format!("{} deals the triple, so it cannot also hold a share of it", self.id),
            });
        }
        self.check_holders(holders.iter().map(|(worker, _)| worker.as_str()))?;
        let triple = mechanisms::triple(product, shapes.0, shapes.1)?;
        let mut split = Vec::new();
        for part in &triple {
            split.push(mechanisms::split(part, holders.len())?);
        }
        for (i, (holder, ids)) in holders.iter().enumerate() {
            for (part, id) in split.iter().zip(ids) {
                let share = part.get(i).cloned().ok_or_else(|| Error::internal("a share missing from a split"))?;
                self.give(from, holder, *id, share)?;
            }
        }
        Ok(())
    }

    /// Every holder is this worker or one it can reach, and none is named twice.
    fn check_holders<'a>(&self, holders: impl Iterator<Item = &'a str>) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for holder in holders {
            if !seen.insert(holder) {
                return Err(Error::Sharing { op: "share".into(), reason: format!("{holder} is named twice") });
            }
            if holder != self.id {
                self.reachable(holder)?;
            }
        }
        Ok(())
    }

    /// Keeps `share` here under `id` for `asker`, or sends it to `holder` and lets `asker` use it.
    fn give(&mut self, asker: &str, holder: &str, id: ObjectId, share: Tensor) -> Result<()> {
        if holder == self.id {
            if self.objects.contains_key(&id) {
                return Err(Error::Sharing { op: "share".into(), reason: format!("id {id} is taken on {holder}") });
            }
            return self.put(id, Entry { object: Stored::Tensor(share), access: Access::owned_by(asker) });
        }
        let object = WireObject::Tensor(WireTensor::from_tensor(&share));
        self.send(holder, Body::Command(Command::Store { id, object }));
        self.send(holder, Body::Command(Command::Delegate { id, to: asker.into() }));
        Ok(())
    }
}
