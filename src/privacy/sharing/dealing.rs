//! How a [`SharedTensor`] comes to be: `me` deals the shares of a value it holds, or workers share
//! values they hold (drawing the shares themselves, so `me` never sees them); either way the
//! holders and the crypto provider are first linked so they may message each other.

use super::{mechanisms, sharing, SharedTensor};
use crate::client::{Pointer, WorkerHandle};
use crate::error::Result;
use crate::protocol::{Command, ObjectId, WorkerId};
use crate::tensor::Tensor;

impl SharedTensor {
    /// `me` draws the shares of a value it holds and sends one to each holder.
    pub(super) fn deal(
        value: &Tensor,
        scale: Option<i64>,
        holders: &[&WorkerHandle],
        provider: Option<&WorkerHandle>,
    ) -> Result<SharedTensor> {
        let pieces = mechanisms::split(value, holders.len())?;
        link_all(holders, provider)?;
        let shares = holders.iter().zip(&pieces).map(|(h, piece)| piece.send(h)).collect::<Result<Vec<_>>>()?;
        let holders = holders.iter().map(|h| (*h).clone()).collect();
        Ok(SharedTensor::new(shares, holders, scale, provider.cloned(), value.shape()))
    }

    /// A worker shares a tensor it holds (`pointer`), drawing the shares itself: `me` never sees
    /// the value. With `scale`, the worker first puts it in fixed precision.
    pub async fn from_worker(
        pointer: &Pointer,
        scale: Option<i64>,
        holders: &[&WorkerHandle],
        provider: Option<&WorkerHandle>,
    ) -> Result<SharedTensor> {
        let mut shared = SharedTensor::from_workers(&[pointer], scale, holders, provider).await?;
        shared.pop().ok_or_else(|| sharing("share", "nothing was shared"))
    }

    /// Many tensors, each shared by the worker that holds it among the same `holders`, with one
    /// wait for the shares to land (a federation's round shares every client's model at once).
    /// Each owner is linked to the holders only, not to the other owners.
    pub async fn from_workers(
        pointers: &[&Pointer],
        scale: Option<i64>,
        holders: &[&WorkerHandle],
        provider: Option<&WorkerHandle>,
    ) -> Result<Vec<SharedTensor>> {
        let Some(first) = pointers.first() else { return Ok(Vec::new()) };
        let syft = first.location().syft().clone();
        link_all(holders, provider)?;
        let refusals = syft.refusal_count();
        let mut posted = Vec::new();
        for pointer in pointers {
            let owner = pointer.location();
            for holder in holders {
                owner.add_worker(holder)?;
            }
            let fixed = match scale {
                Some(scale) => Some(pointer.fix_precision(scale)?),
                None => None,
            };
            let input = fixed.as_ref().unwrap_or(pointer);
            let ids: Vec<ObjectId> = holders.iter().map(|_| syft.fresh_id()).collect();
            let holders_and_ids = holders.iter().zip(&ids).map(|(h, id)| (h.id().into(), *id)).collect();
            owner.post(Command::Share { input: input.id_at_location(), holders: holders_and_ids });
            // The fixed-precision copy is deleted after the Share command that reads it.
            posted.push((ids, fixed));
        }
        // The shares travel worker to worker: wait until they have landed before using them.
        syft.settle().await?;
        // An owner that could not share (its value has no fixed-precision form, say) refused the
        // command; once settled, that refusal has arrived. Its error is the one to report: the
        // holders would only say that their share was never made.
        let owners: Vec<WorkerId> = pointers.iter().map(|p| p.location().id().into()).collect();
        if let Some((_, error)) = syft.refusals_since(refusals).into_iter().find(|(w, _)| owners.contains(w)) {
            return Err(error);
        }
        Ok(posted
            .into_iter()
            .map(|(ids, _fixed)| {
                let shares = holders
                    .iter()
                    .zip(&ids)
                    .map(|(h, id)| Pointer::new(syft.clone(), syft.fresh_id(), h.id(), *id))
                    .collect();
                let holders = holders.iter().map(|h| (*h).clone()).collect();
                // The shape is read from a share when a Beaver triple needs it.
                SharedTensor::new(shares, holders, scale, provider.cloned(), Vec::new())
            })
            .collect())
    }
}

/// Every holder may message every other, and the provider every holder.
fn link_all(holders: &[&WorkerHandle], provider: Option<&WorkerHandle>) -> Result<()> {
    for (i, a) in holders.iter().enumerate() {
        for b in &holders[i + 1..] {
            a.add_worker(b)?;
        }
        if let Some(provider) = provider {
            if provider == *a {
                return Err(sharing("share", format!("{} cannot be both a holder and the crypto provider", a.id())));
            }
            provider.add_worker(a)?;
        }
    }
    Ok(())
}
