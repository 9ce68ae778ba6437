//! Running plans: a register machine over the worker's own tensors. Every step is checked before
//! anything runs (registers in range, one loop level, bounded work), so a malformed plan is a typed
//! error, never a panic or an endless loop.

use super::{execute, Access, Entry, Stored, Worker};
use crate::error::{Error, Result};
use crate::ids::ObjectId;
use crate::limits::{self, MAX_PLAN_REGISTERS, MAX_PLAN_RUN_ELEMENTS, MAX_PLAN_RUN_STEPS, MAX_PLAN_STEPS};
use crate::protocol::{Answer, Listed, Plan, PlanStep, Slot, WireTensor};
use crate::tensor::Tensor;

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidPlan { reason: reason.into() }
}

/// Every register a step reads or writes.
fn registers(step: &PlanStep) -> Vec<Slot> {
    match step {
        PlanStep::Op { out, op } => std::iter::once(*out).chain(op.inputs()).collect(),
        PlanStep::InPlace { op } => op.inputs(),
        PlanStep::Backward { slot } => vec![*slot],
        PlanStep::ForEachBatch { data, target, x, y, .. } => vec![*data, *target, *x, *y],
    }
}

/// Checks a plan and returns how many registers it needs.
fn validate(plan: &Plan) -> Result<usize> {
    if plan.steps.len() > MAX_PLAN_STEPS {
        return Err(limits::exceeded("steps in a plan", MAX_PLAN_STEPS as u64, plan.steps.len() as u64));
    }
    // Saturating: a message may name register u64::MAX.
    let mut highest = plan.inputs;
    let mut loop_ends = 0usize;
    for (i, step) in plan.steps.iter().enumerate() {
        for slot in registers(step) {
            highest = highest.max(slot.0.saturating_add(1));
        }
        if let PlanStep::ForEachBatch { body, batch_size, .. } = step {
            if i < loop_ends {
                return Err(invalid("a loop inside a loop"));
            }
            if *batch_size == 0 {
                return Err(invalid("a batch of no rows"));
            }
            loop_ends = (i + 1).saturating_add(usize::try_from(*body).unwrap_or(usize::MAX));
            if loop_ends > plan.steps.len() {
                return Err(invalid("a loop body past the last step"));
            }
        }
    }
    for &slot in &plan.outputs {
        highest = highest.max(slot.0.saturating_add(1));
    }
    if highest > MAX_PLAN_REGISTERS as u64 {
        return Err(limits::exceeded("registers of a plan", MAX_PLAN_REGISTERS as u64, highest));
    }
    Ok(highest as usize)
}

/// A running plan. Besides its steps, a run counts the elements it touches (its CPU) and the
/// elements its registers keep alive with their histories (its memory): a few steps over large
/// tensors cost more than many over small ones, and either stops the run before the worker does.
struct Machine {
    registers: Vec<Option<Tensor>>,
    /// What each register keeps alive (its tensor's history included), and their sum: an upper
    /// bound on the run's memory, since histories the registers share are counted once each.
    held: Vec<u64>,
    held_total: u64,
    steps: u64,
    elements: u64,
}

impl Machine {
    fn new(registers: usize) -> Machine {
        Machine { registers: vec![None; registers], held: vec![0; registers], held_total: 0, steps: 0, elements: 0 }
    }

    fn read(&self, slot: Slot) -> Result<Tensor> {
        self.registers
            .get(slot_index(slot))
            .and_then(Clone::clone)
            .ok_or_else(|| invalid(format!("register {slot} is read before it is written")))
    }

    fn write(&mut self, slot: Slot, tensor: Tensor) -> Result<()> {
        let index = slot_index(slot);
        let kept = tensor.graph_elements();
        if kept > limits::MAX_GRAPH_ELEMENTS {
            return Err(limits::exceeded("elements kept by one tensor's history", limits::MAX_GRAPH_ELEMENTS, kept));
        }
        let (Some(register), Some(held)) = (self.registers.get_mut(index), self.held.get_mut(index)) else {
            return Err(invalid(format!("no register {slot}")));
        };
        let total = (self.held_total - *held).saturating_add(kept);
        if total > limits::MAX_GRAPH_ELEMENTS {
            let what = "elements a plan run's registers keep alive with their history";
            return Err(limits::exceeded(what, limits::MAX_GRAPH_ELEMENTS, total));
        }
        *register = Some(tensor);
        *held = kept;
        self.held_total = total;
        Ok(())
    }

    /// Counts one step that touched `elements`.
    fn spend(&mut self, elements: u64) -> Result<()> {
        self.steps += 1;
        if self.steps > MAX_PLAN_RUN_STEPS {
            return Err(limits::exceeded("steps one plan run takes", MAX_PLAN_RUN_STEPS, self.steps));
        }
        self.elements = self.elements.saturating_add(elements);
        if self.elements > MAX_PLAN_RUN_ELEMENTS {
            return Err(limits::exceeded("elements one plan run touches", MAX_PLAN_RUN_ELEMENTS, self.elements));
        }
        Ok(())
    }

    fn step(&mut self, step: &PlanStep) -> Result<()> {
        match step {
            PlanStep::Op { out, op } => {
                let inputs = op.inputs().into_iter().map(|slot| self.read(slot)).collect::<Result<Vec<_>>>()?;
                let result = execute::op(op, &inputs)?;
                let touched = inputs.iter().chain([&result]).map(|t| t.numel() as u64).sum::<u64>();
                let multiply_adds = match (op, inputs.as_slice()) {
                    (crate::protocol::Op::Mm { .. }, [lhs, _]) => {
                        (result.numel() as u64).saturating_mul(lhs.shape().get(1).copied().unwrap_or(0) as u64)
                    }
                    _ => 0,
                };
                self.spend(touched.saturating_add(multiply_adds))?;
                self.write(*out, result)
            }
            PlanStep::InPlace { op } => {
                let inputs = op.inputs().into_iter().map(|slot| self.read(slot)).collect::<Result<Vec<_>>>()?;
                self.spend(inputs.iter().map(|t| t.numel() as u64).sum())?;
                execute::in_place(op, &inputs)
            }
            PlanStep::Backward { slot } => {
                let tensor = self.read(*slot)?;
                // Backpropagation visits the whole history, and makes a gradient as large.
                self.spend(tensor.graph_elements().saturating_mul(2))?;
                tensor.backward()
            }
            PlanStep::ForEachBatch { .. } => Err(invalid("a loop where its body was expected")),
        }
    }

    fn run(&mut self, steps: &[PlanStep]) -> Result<()> {
        let mut i = 0;
        while let Some(step) = steps.get(i) {
            match step {
                PlanStep::ForEachBatch { data, target, x, y, batch_size, epochs, body } => {
                    let body = usize::try_from(*body).unwrap_or(usize::MAX);
                    let body_steps = steps
                        .get(i + 1..)
                        .and_then(|rest| rest.get(..body))
                        .ok_or_else(|| invalid("a short loop body"))?;
                    let (data, target) = (self.read(*data)?, self.read(*target)?);
                    let rows = data.shape().first().copied().unwrap_or(0);
                    let batch_size = usize::try_from(*batch_size).unwrap_or(usize::MAX);
                    for _ in 0..*epochs {
                        let mut start = 0;
                        while start < rows {
                            let end = start.saturating_add(batch_size).min(rows);
                            let (batch, batch_target) = (data.rows(start, Some(end))?, target.rows(start, Some(end))?);
                            self.spend((batch.numel() + batch_target.numel()) as u64)?;
                            self.write(*x, batch)?;
                            self.write(*y, batch_target)?;
                            for step in body_steps {
                                self.step(step)?;
                            }
                            start = end;
                        }
                        // An empty data set still costs a step, so no loop is free.
                        self.spend(0)?;
                    }
                    i += 1 + body;
                }
                step => {
                    self.step(step)?;
                    i += 1;
                }
            }
        }
        Ok(())
    }
}

/// A register's index; one past any register for a number no `usize` holds (validated plans have
/// none, but a read is checked all the same).
fn slot_index(slot: Slot) -> usize {
    usize::try_from(slot.0).unwrap_or(usize::MAX)
}

impl Worker {
    pub(super) fn store_plan(&mut self, from: &str, id: ObjectId, plan: Plan) -> Result<()> {
        validate(&plan)?;
        if let Some(existing) = self.objects.get(&id) {
            if !existing.access.allows(from) {
                return Err(existing.access.denied(from, "overwrite", id, &self.id));
            }
        }
        self.put(id, Entry { object: Stored::Plan(Box::new(plan)), access: Access::owned_by(from) })
    }

    /// Runs a stored plan on stored tensors and keeps its outputs, owned by the asker.
    pub(super) fn run_plan(
        &mut self,
        from: &str,
        id: ObjectId,
        inputs: &[ObjectId],
        outputs: &[ObjectId],
    ) -> Result<Answer> {
        let plan = match &self.entry_for(from, "run", id)?.object {
            Stored::Plan(plan) => plan.as_ref().clone(),
            other => {
                return Err(Error::WrongObjectKind {
                    id,
                    worker: self.id.clone(),
                    expected: "a plan".into(),
                    found: other.kind().into(),
                })
            }
        };
        if inputs.len() as u64 != plan.inputs || outputs.len() != plan.outputs.len() {
            return Err(invalid(format!(
                "it takes {} inputs and gives {} outputs, not {} and {}",
                plan.inputs,
                plan.outputs.len(),
                inputs.len(),
                outputs.len()
            )));
        }
        let (resolved, access) = self.resolve(from, "run plan", inputs)?;
        let super::queries::Resolved::Local(tensors) = resolved else {
            return Err(invalid("its inputs must be tensors held here, not pointers"));
        };
        let mut machine = Machine::new(validate(&plan)?);
        for (slot, tensor) in tensors.into_iter().enumerate() {
            machine.write(ObjectId(slot as u64), tensor)?;
        }
        machine.run(&plan.steps)?;
        for (&slot, &id) in plan.outputs.iter().zip(outputs) {
            let tensor = machine.read(slot)?;
            if let Some(existing) = self.objects.get(&id) {
                if !existing.access.allows(from) {
                    return Err(existing.access.denied(from, "overwrite", id, &self.id));
                }
            }
            self.put(id, Entry { object: Stored::Tensor(tensor), access: access.clone() })?;
        }
        Ok(Answer::Done)
    }

    /// Removes and returns every tensor under `ids` (all of them, or none if one is missing).
    pub(super) fn get_many(&mut self, from: &str, ids: &[ObjectId]) -> Result<Answer> {
        if ids.len() > MAX_PLAN_REGISTERS {
            return Err(limits::exceeded("objects fetched at once", MAX_PLAN_REGISTERS as u64, ids.len() as u64));
        }
        // Everything is checked before anything is removed: a refused batch changes nothing.
        let mut seen = std::collections::BTreeSet::new();
        for &id in ids {
            if !seen.insert(id) {
                return Err(Error::FetchedTwice { id });
            }
            match &self.entry_for(from, "get", id)?.object {
                Stored::Tensor(_) => {}
                Stored::Error(error) => return Err(error.clone()),
                other => {
                    return Err(Error::WrongObjectKind {
                        id,
                        worker: self.id.clone(),
                        expected: "a tensor".into(),
                        found: other.kind().into(),
                    })
                }
            }
        }
        let mut fetched = Vec::with_capacity(ids.len());
        for &id in ids {
            if let Some(Entry { object: Stored::Tensor(tensor), .. }) = self.remove(id) {
                fetched.push((id, Listed::Tensor(WireTensor::from_owned_tensor(tensor))));
            }
        }
        Ok(Answer::Objects(fetched))
    }
}
