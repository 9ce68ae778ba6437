//! Recording plans on placeholders (`PlanBuilder`), sending them (`Plan::send`), running them on a
//! worker's tensors in one message (`Pointer::run_plan`), and fetching many tensors at once
//! (`Syft::get_many`).

use super::{expect_done, Pointer, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::protocol::{Answer, Command, InPlaceOp, Listed, ObjectId, Op, Operand, Plan, PlanStep, Query, Slot};
use crate::tensor::{BinaryOp, Tensor};

/// A placeholder's operand: another placeholder or a number.
#[derive(Clone, Copy, Debug)]
pub enum Arg {
    /// The tensor a placeholder stands for when the plan runs.
    Slot(Slot),
    /// A number, fixed when the plan is recorded.
    Scalar(f64),
}

impl From<Slot> for Arg {
    fn from(slot: Slot) -> Arg {
        Arg::Slot(slot)
    }
}

impl From<f64> for Arg {
    fn from(value: f64) -> Arg {
        Arg::Scalar(value)
    }
}

impl Arg {
    fn operand(self) -> Operand {
        match self {
            Arg::Slot(slot) => Operand::Object(slot),
            Arg::Scalar(value) => Operand::Scalar(value),
        }
    }
}

/// Records a computation on placeholders: each method appends a step and returns the placeholder of
/// its result, the way a traced function would.
pub struct PlanBuilder {
    inputs: u64,
    steps: Vec<PlanStep>,
    next: Slot,
}

impl PlanBuilder {
    /// A plan of `inputs` inputs, and their placeholders. Recording, sending and running one:
    ///
    /// ```
    /// # #[cfg(not(target_arch = "wasm32"))]
    /// # fn main() -> Result<(), minisyft::Error> {
    /// use minisyft::client::PlanBuilder;
    /// use minisyft::runtime::block_on;
    /// use minisyft::{Syft, Tensor};
    ///
    /// let (mut builder, inputs) = PlanBuilder::new(2);
    /// let product = builder.mul(inputs[0], inputs[1]);
    /// let result = builder.add(product, 1.0);
    /// let plan = builder.build(&[result]);
    ///
    /// let (syft, _runtime) = Syft::in_process(42);
    /// let bob = syft.create_worker("bob")?;
    /// let plan = plan.send(&bob)?;
    /// let x = Tensor::from([1., 2.]).send(&bob)?;
    /// let w = Tensor::from([3., 4.]).send(&bob)?;
    /// let outputs = block_on(plan.run_plan(&[&x, &w], 1))?; // one message to bob
    /// assert_eq!(block_on(outputs[0].get())?, Tensor::from([4., 9.]));
    /// # Ok(())
    /// # }
    /// # #[cfg(target_arch = "wasm32")]
    /// # fn main() {}
    /// ```
    pub fn new(inputs: u64) -> (PlanBuilder, Vec<Slot>) {
        (PlanBuilder { inputs, steps: Vec::new(), next: ObjectId(inputs) }, (0..inputs).map(ObjectId).collect())
    }

    fn fresh(&mut self) -> Slot {
        let slot = self.next;
        self.next = slot.successor();
        slot
    }

    /// Appends `op` (its object ids naming placeholders) and returns its result's placeholder.
    pub fn op(&mut self, op: Op) -> Slot {
        let out = self.fresh();
        self.steps.push(PlanStep::Op { out, op });
        out
    }

    /// Records `lhs op rhs` for any [`BinaryOp`]; the named methods (`add`, `mul`, ...) call this.
    pub fn binary(&mut self, op: BinaryOp, lhs: Slot, rhs: impl Into<Arg>) -> Slot {
        self.op(Op::Binary { op, lhs, rhs: rhs.into().operand() })
    }

    /// Records the matrix product `lhs @ rhs`.
    pub fn mm(&mut self, lhs: Slot, rhs: Slot) -> Slot {
        self.op(Op::Mm { lhs, rhs })
    }

    /// Records the softmax cross-entropy of `logits` against the class indices in `targets`.
    pub fn cross_entropy(&mut self, logits: Slot, targets: Slot) -> Slot {
        self.op(Op::CrossEntropy { logits, targets })
    }

    /// Records `slot.backward()`: gradients accumulate in the inputs that require grad.
    pub fn backward(&mut self, slot: Slot) {
        self.steps.push(PlanStep::Backward { slot });
    }

    /// `target op= rhs`, in place.
    pub fn in_place(&mut self, op: BinaryOp, target: Slot, rhs: impl Into<Arg>) {
        self.steps.push(PlanStep::InPlace { op: InPlaceOp::Binary { op, target, rhs: rhs.into().operand() } });
    }

    /// Records setting `target` to zeros in place (e.g. clearing a gradient between batches).
    pub fn zero_(&mut self, target: Slot) {
        self.steps.push(PlanStep::InPlace { op: InPlaceOp::Zero { target } });
    }

    /// For `epochs` passes over `data`/`target` in batches of `batch_size` rows, runs what `body`
    /// records on the batch's placeholders.
    pub fn for_each_batch(
        &mut self,
        (data, target): (Slot, Slot),
        batch_size: u64,
        epochs: u64,
        body: impl FnOnce(&mut PlanBuilder, Slot, Slot),
    ) {
        let (x, y) = (self.fresh(), self.fresh());
        let at = self.steps.len();
        self.steps.push(PlanStep::ForEachBatch { data, target, x, y, batch_size, epochs, body: 0 });
        body(self, x, y);
        let length = (self.steps.len() - at - 1) as u64;
        if let Some(PlanStep::ForEachBatch { body, .. }) = self.steps.get_mut(at) {
            *body = length;
        }
    }

    /// The finished plan, giving the tensors at `outputs` in that order. A worker refuses a plan that
    /// cannot run when it stores it ([`Error::InvalidPlan`]).
    pub fn build(self, outputs: &[Slot]) -> Plan {
        Plan { inputs: self.inputs, steps: self.steps, outputs: outputs.to_vec() }
    }
}

crate::protocol::ops::unary_ops!(crate::protocol::ops::op_plan_methods);
crate::tensor::elementwise_functions!(crate::protocol::ops::elementwise_plan_methods);
crate::tensor::binary_functions!(crate::protocol::ops::binary_plan_methods);

impl Plan {
    /// Stores this plan on `worker`; the pointer runs it there.
    pub fn send(&self, worker: &WorkerHandle) -> Result<Pointer> {
        let syft = worker.syft();
        syft.check_alive(worker.id())?;
        let id = syft.fresh_id();
        worker.post(Command::StorePlan { id, plan: self.clone() });
        Ok(Pointer::new(syft.clone(), syft.fresh_id(), worker.id(), id))
    }
}

impl Pointer {
    /// Runs the plan this pointer points at on `inputs` (tensors on the same worker), in one
    /// message; returns pointers to its outputs.
    pub async fn run_plan(&self, inputs: &[&Pointer], outputs: usize) -> Result<Vec<Pointer>> {
        let location = self.location();
        if let Some(other) = inputs.iter().find(|p| p.location() != location) {
            return Err(Error::DifferentWorkers {
                op: "run plan".into(),
                lhs_worker: location.id().into(),
                rhs_worker: other.location().id().into(),
            });
        }
        let syft = location.syft().clone();
        let ids: Vec<ObjectId> = (0..outputs).map(|_| syft.fresh_id()).collect();
        let query = Query::RunPlan {
            plan: self.id_at_location(),
            inputs: inputs.iter().map(|p| p.id_at_location()).collect(),
            outputs: ids.clone(),
        };
        expect_done(syft.request(location.id(), query).await?)?;
        Ok(ids.into_iter().map(|id| Pointer::new(syft.clone(), syft.fresh_id(), location.id(), id)).collect())
    }
}

impl Syft {
    /// Fetches every tensor `pointers` point at (all on one worker) in one round trip.
    pub async fn get_many(&self, pointers: &[&Pointer]) -> Result<Vec<Tensor>> {
        let Some(first) = pointers.first() else { return Ok(Vec::new()) };
        let location = first.location();
        // Refused here, before anything is asked: a get takes its objects, so none may be named
        // twice, and one request reaches one worker.
        let mut seen = std::collections::BTreeSet::new();
        for pointer in pointers {
            if !seen.insert(pointer.id_at_location()) {
                return Err(Error::FetchedTwice { id: pointer.id_at_location() });
            }
            if pointer.location() != location {
                return Err(Error::DifferentWorkers {
                    op: "get many".into(),
                    lhs_worker: location.id().into(),
                    rhs_worker: pointer.location().id().into(),
                });
            }
        }
        let ids: Vec<ObjectId> = pointers.iter().map(|p| p.id_at_location()).collect();
        match self.request(location.id(), Query::GetMany { ids: ids.clone() }).await? {
            Answer::Objects(objects) if objects.len() == ids.len() => {
                for pointer in pointers {
                    pointer.release();
                }
                objects
                    .into_iter()
                    .map(|(_, listed)| match listed {
                        Listed::Tensor(tensor) => tensor.into_tensor(),
                        other => Err(Error::unexpected_answer("a tensor (get many)", other)),
                    })
                    .collect()
            }
            other => Err(Error::unexpected_answer(format!("{} tensors", ids.len()), other)),
        }
    }
}
