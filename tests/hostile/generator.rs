//! The hostile-message generator and the lesson traffic it mutates.

use std::cell::RefCell;
use std::rc::Rc;

use minisyft::limits::{MAX_PLAN_REGISTERS, MAX_PLAN_STEPS};
use minisyft::protocol::{
    Answer, Body, Command, Envelope, InPlaceOp, Listed, ObjectKind, Op, Operand, ParameterSource, Plan, PlanStep,
    Product, Query, Values, WireGrad, WireObject, WireTensor, ME,
};
use minisyft::rng::Rng;
use minisyft::runtime::{InProcess, Sink, Transport};
use minisyft::tensor::{BinaryOp, DType};
use minisyft::{Error, ObjectId, RequestId, Syft, Tensor, WorkerId};

use super::at_once;

pub(crate) const PARTIES: [&str; 5] = [ME, "bob", "alice", "carol", "mallory"];

/// Random messages, with ids from a small pool so that they meet real objects.
pub(crate) struct Generator {
    pub(crate) rng: Rng,
    /// Valid messages seen in a lesson run, to mutate.
    pub(crate) corpus: Vec<Envelope>,
    /// The rest of a scenario under way: messages that only do harm together (store large
    /// operands, then a plan over them, then run it), with the channel each comes on.
    pending: std::collections::VecDeque<(&'static str, Envelope)>,
}

/// Side of the large operands of a scenario: the sizes in a release build, smaller
/// unoptimised (where one 4096 × 4096 add takes seconds); the limits hit are the same kinds.
const LARGE: usize = if cfg!(debug_assertions) { 256 } else { 4096 };
/// Epochs of a scenario's long loop: to the element limit in release, a few unoptimised.
const LONG: u64 = if cfg!(debug_assertions) { 4 } else { 1_000_000 };
/// One message in this many starts a scenario.
const SCENARIO_EVERY: u64 = 40_000;

impl ParameterSource for Generator {
    fn float(&mut self) -> f64 {
        [0.0, 1.0, -1.0, 2.0, 0.5, 1e9, 1e300, f64::NAN, f64::INFINITY][self.below(9) as usize]
    }

    fn integer(&mut self) -> i64 {
        [1000, 0, -5, -1, 3, i64::MAX, i64::MIN][self.below(7) as usize]
    }

    fn index(&mut self) -> usize {
        self.size()
    }

    fn present(&mut self) -> bool {
        self.chance(50)
    }
}

impl Generator {
    pub(crate) fn new(seed: u64) -> Generator {
        Generator { rng: Rng::seeded(seed), corpus: lesson_corpus(), pending: Default::default() }
    }

    /// The next message for `to`, and the channel it comes on (`me`, bob or alice).
    pub(crate) fn message_to(&mut self, to: &str) -> (&'static str, Envelope) {
        if self.pending.is_empty() && self.below(SCENARIO_EVERY) == 0 {
            self.scenario(to);
        }
        if let Some(next) = self.pending.pop_front() {
            return next;
        }
        let channel = PARTIES[self.below(3) as usize];
        (channel, self.envelope(channel, to))
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn id(&mut self) -> ObjectId {
        ObjectId(match self.below(10) {
            0 => self.rng.next_u64(),
            1 => u64::MAX - self.below(3),
            _ => self.below(48),
        })
    }

    fn name(&mut self) -> WorkerId {
        WorkerId::from(match self.below(20) {
            0 => "x".repeat(70),
            1 => String::new(),
            _ => PARTIES[self.below(PARTIES.len() as u64) as usize].to_owned(),
        })
    }

    fn size(&mut self) -> usize {
        match self.below(40) {
            0 => usize::MAX,
            1 => 1 << 31,
            2 => 1 << (usize::BITS - 2),
            3 => 0,
            4 => 4096,
            _ => 1 + self.below(4) as usize,
        }
    }

    /// A register number: mostly small, sometimes at the extremes (the last one a plan may use,
    /// the first it may not, the last a message can name).
    fn slot(&mut self) -> ObjectId {
        ObjectId(match self.below(40) {
            0 => u64::MAX - self.below(2),
            1 => MAX_PLAN_REGISTERS as u64 - self.below(2),
            2 => self.rng.next_u64(),
            _ => self.below(6),
        })
    }

    /// Messages that do harm only together, queued to come one after another: large operands,
    /// then a plan over them, then its run; a triple of a large shape; a batch get naming one
    /// object twice among others' objects and unknown ids.
    fn scenario(&mut self, to: &str) {
        let asker = if self.chance(70) { ME } else { "alice" };
        let large = |shape: &[usize], requires_grad: bool| {
            let count = shape.iter().product();
            WireObject::Tensor(WireTensor {
                shape: shape.to_vec(),
                dtype: DType::Float32,
                values: Values::F32(vec![0.5; count]),
                requires_grad,
                grad: None,
            })
        };
        let r = ObjectId;
        let add = |out, lhs, rhs| PlanStep::Op {
            out: r(out),
            op: Op::Binary { op: BinaryOp::Add, lhs: r(lhs), rhs: Operand::Object(r(rhs)) },
        };
        let [a, b, c, plan, out] = [self.id(), self.id(), self.id(), self.id(), self.id()];
        let mut messages = Vec::new();
        match self.below(5) {
            // A growing history: r0 = r0 + r1, again and again.
            0 => {
                messages.push(Body::Command(Command::Store { id: a, object: large(&[LARGE, 1], true) }));
                messages.push(Body::Command(Command::Store { id: b, object: large(&[1, LARGE], false) }));
                let steps = (0..1 + self.below(MAX_PLAN_STEPS as u64)).map(|_| add(0, 0, 1)).collect();
                messages.push(Body::Command(Command::StorePlan {
                    id: plan,
                    plan: Plan { inputs: 2, steps, outputs: vec![r(0)] },
                }));
                messages.push(Body::Request {
                    request: RequestId(self.rng.next_u64()),
                    query: Query::RunPlan { plan, inputs: vec![a, b], outputs: vec![out] },
                });
            }
            // A long loop over a large broadcast add.
            1 => {
                messages.push(Body::Command(Command::Store { id: a, object: large(&[LARGE, 1], false) }));
                messages.push(Body::Command(Command::Store { id: b, object: large(&[LARGE, 1], false) }));
                messages.push(Body::Command(Command::Store { id: c, object: large(&[1, LARGE], false) }));
                let steps = vec![
                    PlanStep::ForEachBatch {
                        data: r(0),
                        target: r(1),
                        x: r(3),
                        y: r(4),
                        batch_size: LARGE as u64,
                        epochs: LONG,
                        body: 1,
                    },
                    add(5, 3, 2),
                ];
                messages.push(Body::Command(Command::StorePlan {
                    id: plan,
                    plan: Plan { inputs: 3, steps, outputs: vec![r(5)] },
                }));
                messages.push(Body::Request {
                    request: RequestId(self.rng.next_u64()),
                    query: Query::RunPlan { plan, inputs: vec![a, b, c], outputs: vec![out] },
                });
            }
            // Loops inside loops, and loops whose body runs past the end.
            2 => {
                let depth = 1 + self.below(8);
                let steps = (0..depth)
                    .map(|_| PlanStep::ForEachBatch {
                        data: r(0),
                        target: r(0),
                        x: r(1),
                        y: r(2),
                        batch_size: 1,
                        epochs: u64::MAX,
                        body: if self.chance(50) { depth } else { u64::MAX },
                    })
                    .collect();
                messages.push(Body::Command(Command::StorePlan {
                    id: plan,
                    plan: Plan { inputs: 1, steps, outputs: vec![] },
                }));
            }
            // A triple of large shapes, from `me` or a stranger.
            3 => {
                let (lhs, rhs) = match self.below(3) {
                    0 => (vec![1 << 24], vec![1 << 24]),
                    1 => (vec![LARGE, LARGE], vec![LARGE, LARGE]),
                    _ => (vec![LARGE, 1], vec![1, LARGE]),
                };
                let product = if self.chance(50) { Product::Mul } else { Product::Mm };
                let holders = vec![("alice".into(), [a, b, c]), ("carol".into(), [plan, out, ObjectId(a.0 ^ 1)])];
                messages.push(Body::Command(Command::Triple { product, lhs, rhs, holders }));
            }
            // A batch get: an object twice, another party's object, an unknown id.
            _ => {
                messages.push(Body::Command(Command::Store { id: a, object: large(&[2], false) }));
                messages.push(Body::Request {
                    request: RequestId(self.rng.next_u64()),
                    query: Query::GetMany { ids: vec![a, self.id(), a, ObjectId(u64::MAX)] },
                });
            }
        }
        for body in messages {
            self.pending.push_back((asker, Envelope::new(asker, to, body)));
        }
    }

    fn tensor(&mut self) -> WireTensor {
        let rank = match self.below(60) {
            0 => 20_000,
            1 => 33,
            _ => self.below(4) as usize,
        };
        let shape: Vec<usize> = (0..rank).map(|_| if rank > 8 { 1 } else { self.size() }).collect();
        let count = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b)).filter(|&c| c <= 4096);
        let len = match (count, self.below(8)) {
            (Some(c), 0) => c + 1,
            (Some(c), _) => c,
            (None, _) => self.below(5) as usize,
        };
        let integer = self.chance(30);
        let values = if integer {
            Values::I64((0..len).map(|_| self.rng.next_u64() as i64).collect())
        } else {
            Values::F32((0..len).map(|_| [0.5, -2.0, f32::NAN, f32::INFINITY, 1e30][self.below(5) as usize]).collect())
        };
        let dtype = if integer ^ self.chance(5) { DType::Int64 } else { DType::Float32 };
        let grad = self.chance(10).then(|| WireGrad { values: Values::F32(vec![1.0; len.min(4096)]) });
        WireTensor { shape, dtype, values, requires_grad: self.chance(30), grad }
    }

    fn object(&mut self) -> WireObject {
        if self.chance(30) {
            WireObject::Pointer { location: self.name(), id_at_location: self.id() }
        } else {
            WireObject::Tensor(self.tensor())
        }
    }

    fn operand(&mut self) -> Operand {
        if self.chance(30) {
            Operand::Scalar([0.0, 1.0, -1.0, 1e300, f64::NAN][self.below(5) as usize])
        } else {
            Operand::Object(self.id())
        }
    }

    /// Any op of the list (`Op::every`), on ids from the pool, with drawn parameters.
    fn op(&mut self) -> Op {
        let (lhs, rhs) = (self.id(), if self.chance(20) { ObjectId(u64::MAX) } else { self.id() });
        let mut every = Op::every(lhs, rhs, self);
        let mut op = every.swap_remove(self.below(every.len() as u64) as usize);
        if let Op::Binary { rhs, .. } = &mut op {
            match self.below(3) {
                0 => *rhs = self.operand(),
                1 => *rhs = Operand::Object(lhs),
                _ => {}
            }
        }
        op
    }

    /// A random plan: ops over small register numbers, sometimes out of range, loops included.
    fn plan(&mut self) -> Plan {
        let slot = Self::slot;
        let steps = (0..self.below(6))
            .map(|_| match self.below(4) {
                0 => {
                    let mut op = self.op();
                    for input in op.inputs_mut() {
                        *input = slot(self);
                    }
                    PlanStep::Op { out: slot(self), op }
                }
                1 => PlanStep::Backward { slot: slot(self) },
                2 => PlanStep::InPlace { op: InPlaceOp::Zero { target: slot(self) } },
                _ => PlanStep::ForEachBatch {
                    data: slot(self),
                    target: slot(self),
                    x: slot(self),
                    y: slot(self),
                    batch_size: self.below(3),
                    epochs: if self.chance(1) { u64::MAX } else { self.below(3) },
                    body: self.below(4),
                },
            })
            .collect();
        Plan { inputs: self.below(4), steps, outputs: (0..self.below(3)).map(|_| slot(self)).collect() }
    }

    fn query(&mut self) -> Query {
        let id = self.id();
        match self.below(11) {
            9 => Query::GetMany { ids: (0..self.below(4)).map(|_| self.id()).collect() },
            10 => {
                let inputs = (0..self.below(4)).map(|_| self.id()).collect();
                let outputs = (0..self.below(3)).map(|_| self.id()).collect();
                Query::RunPlan { plan: self.id(), inputs, outputs }
            }
            0 => Query::Get { id, expected: if self.chance(50) { ObjectKind::Tensor } else { ObjectKind::Pointer } },
            1 => Query::RemoteGet { id },
            2 => Query::Backward { id },
            3 => {
                let op = BinaryOp::ALL[self.below(BinaryOp::ALL.len() as u64) as usize];
                Query::InPlace { op: InPlaceOp::Binary { op, target: id, rhs: self.operand() } }
            }
            4 => Query::InPlace { op: InPlaceOp::Zero { target: id } },
            5 => Query::Objects,
            6 if self.chance(5) => Query::ClearObjects,
            _ => Query::Counters,
        }
    }

    fn body(&mut self) -> Body {
        match self.below(12) {
            0..=2 => Body::Command(Command::Store { id: self.id(), object: self.object() }),
            3..=5 => Body::Command(Command::Execute { result: self.id(), op: self.op() }),
            6 => Body::Command(Command::Delete { id: self.id() }),
            7 => match self.below(6) {
                4 => Body::Command(Command::StorePlan { id: self.id(), plan: self.plan() }),
                0 => Body::Command(Command::AddWorker { worker: self.name() }),
                1 => Body::Command(Command::Relocated { from: self.id(), to: self.id() }),
                2 => {
                    let holders = (0..self.below(5)).map(|_| (self.name(), self.id())).collect();
                    Body::Command(Command::Share { input: self.id(), holders })
                }
                3 => {
                    let product = if self.chance(50) { Product::Mul } else { Product::Mm };
                    let shape = |g: &mut Self| (0..g.below(3)).map(|_| g.size()).collect::<Vec<_>>();
                    let (lhs, rhs) = (shape(self), shape(self));
                    let holders =
                        (0..self.below(4)).map(|_| (self.name(), [self.id(), self.id(), self.id()])).collect();
                    Body::Command(Command::Triple { product, lhs, rhs, holders })
                }
                _ => Body::Command(Command::Delegate { id: self.id(), to: self.name() }),
            },
            8 | 9 => Body::Request { request: RequestId(self.rng.next_u64()), query: self.query() },
            10 => {
                let answer = match self.below(4) {
                    0 => Ok(Answer::Done),
                    1 => Ok(Answer::Object(self.object())),
                    2 => Ok(Answer::Objects(vec![(self.id(), Listed::Tensor(self.tensor()))])),
                    _ => Err(Error::NoGradient),
                };
                Body::Reply { request: RequestId(self.below(64)), answer }
            }
            _ => Body::Refused { error: Error::NoGradient },
        }
    }

    /// A message that came on `channel`: mostly honest about its sender, sometimes not.
    pub(crate) fn envelope(&mut self, channel: &str, to: &str) -> Envelope {
        if !self.corpus.is_empty() && self.chance(30) {
            let pick = self.below(self.corpus.len() as u64) as usize;
            let mut envelope = self.corpus[pick].clone();
            self.mutate(&mut envelope);
            envelope.from = channel.into();
            envelope.to = to.into();
            return envelope;
        }
        let mut envelope = Envelope::new(channel, to, self.body());
        if self.chance(5) {
            envelope.from = self.name();
        }
        if self.chance(2) {
            envelope.to = self.name();
        }
        envelope.hops = if self.chance(10) { u8::MAX - self.below(3) as u8 } else { self.below(3) as u8 };
        envelope
    }

    fn mutate(&mut self, envelope: &mut Envelope) {
        match &mut envelope.body {
            Body::Command(Command::Store { id, object }) => {
                if self.chance(50) {
                    *id = self.id();
                } else {
                    *object = self.object();
                }
            }
            Body::Command(Command::Execute { result, op }) => {
                if self.chance(50) {
                    *result = self.id();
                }
                for input in op.inputs_mut() {
                    if self.chance(30) {
                        *input = self.id();
                    }
                }
            }
            Body::Request { request, .. } => *request = RequestId(self.rng.next_u64()),
            body => *body = self.body(),
        }
    }
}

/// Messages of a lesson run (sends, ops, chains, gets), as the corpus to mutate.
pub(crate) fn lesson_corpus() -> Vec<Envelope> {
    #[derive(Clone)]
    struct Recording(InProcess, Rc<RefCell<Vec<Envelope>>>);
    impl Transport for Recording {
        fn attach(&self, sink: Sink) {
            self.0.attach(sink)
        }
        fn spawn(&self, worker: &str) -> minisyft::Result<()> {
            self.0.spawn(worker)
        }
        fn connect(&self, a: &str, b: &str) -> minisyft::Result<()> {
            self.0.connect(a, b)
        }
        fn post(&self, envelope: Envelope) {
            self.1.borrow_mut().push(envelope.clone());
            self.0.post(envelope)
        }
        fn inspect(&self, worker: &str, token: RequestId) {
            self.0.inspect(worker, token)
        }
    }
    let recorded = Rc::new(RefCell::new(Vec::new()));
    let syft = Syft::new(Recording(InProcess::new(), Rc::clone(&recorded)), 9);
    let run = async {
        let bob = syft.create_worker("bob")?;
        let alice = syft.create_worker("alice")?;
        bob.add_worker(&alice)?;
        let x = Tensor::from([[1., 2.], [3., 4.]]).requiring_grad()?.send(&bob)?;
        let y = x.mm(&x)?.sum()?;
        y.backward().await?;
        let g = x.grad()?;
        g.get().await?;
        let chained = Tensor::from([1, 2, 3]).send(&bob)?.send(&alice)?;
        let doubled = chained.add(&chained)?;
        doubled.remote_get().await?;
        let moved = x.move_to(&alice).await?;
        moved.get().await?;
        Ok::<_, Error>(())
    };
    at_once(run).expect("the lesson traffic runs");
    drop(syft);
    recorded.take()
}
