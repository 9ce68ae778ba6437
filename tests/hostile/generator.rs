//! The hostile-message generator and the lesson traffic it mutates.

use std::cell::RefCell;
use std::rc::Rc;

use minisyft::protocol::{
    Answer, Body, Command, Envelope, InPlaceOp, Listed, ObjectKind, Op, Operand, Plan, PlanStep, Product, Query,
    Values, WireGrad, WireObject, WireTensor, ME,
};
use minisyft::rng::Rng;
use minisyft::runtime::{InProcess, Sink, Transport};
use minisyft::tensor::{BinaryOp, DType};
use minisyft::{Error, Syft, Tensor};

use super::at_once;

pub(crate) const PARTIES: [&str; 5] = [ME, "bob", "alice", "carol", "mallory"];

/// Random messages, with ids from a small pool so that they meet real objects.
pub(crate) struct Generator {
    pub(crate) rng: Rng,
    /// Valid messages seen in a lesson run, to mutate.
    pub(crate) corpus: Vec<Envelope>,
}

impl Generator {
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn id(&mut self) -> u64 {
        match self.below(10) {
            0 => self.rng.next_u64(),
            1 => u64::MAX - self.below(3),
            _ => self.below(48),
        }
    }

    fn name(&mut self) -> String {
        match self.below(20) {
            0 => "x".repeat(70),
            1 => String::new(),
            _ => PARTIES[self.below(PARTIES.len() as u64) as usize].to_owned(),
        }
    }

    fn size(&mut self) -> usize {
        match self.below(40) {
            0 => usize::MAX,
            1 => 1 << 31,
            2 => 1 << (usize::BITS - 2),
            3 => 0,
            _ => 1 + self.below(4) as usize,
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

    fn op(&mut self) -> Op {
        let binary = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div][self.below(4) as usize];
        let input = self.id();
        match self.below(17) {
            0 => Op::Binary { op: binary, lhs: input, rhs: self.operand() },
            1 => Op::Neg { input },
            2 => Op::Pow { input, exponent: [2.0, 0.5, -1.0, 1e9][self.below(4) as usize] },
            3 => Op::Mm { lhs: input, rhs: self.id() },
            4 => Op::Sum { input },
            5 => Op::Mean { input },
            6 => Op::T { input },
            7 => Op::Select { input, index: self.size() },
            8 => Op::Rows { input, start: self.size(), end: self.chance(50).then(|| self.size()) },
            9 => Op::Clone { input },
            10 => Op::Data { input },
            11 => Op::Grad { input },
            12 => Op::FixPrecision { input, scale: [1000, 0, -5, i64::MAX][self.below(4) as usize] },
            13 => Op::FloorDiv { input, divisor: [1000, 0, -1, i64::MAX][self.below(4) as usize] },
            14 => Op::ClipNorm { input, max_norm: [1.0, 0.0, -1.0, f64::NAN][self.below(4) as usize] },
            15 => Op::GaussianNoise { input, std: [1.0, 0.0, -1.0, f64::INFINITY][self.below(4) as usize] },
            _ => Op::Binary { op: binary, lhs: input, rhs: Operand::Object(input) },
        }
    }

    /// A random plan: ops over small register numbers, sometimes out of range, loops included.
    fn plan(&mut self) -> Plan {
        let slot = |g: &mut Self| if g.chance(5) { g.rng.next_u64() } else { g.below(6) };
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
                let op = [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div][self.below(4) as usize];
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
            8 | 9 => Body::Request { request: self.rng.next_u64(), query: self.query() },
            10 => {
                let answer = match self.below(4) {
                    0 => Ok(Answer::Done),
                    1 => Ok(Answer::Object(self.object())),
                    2 => Ok(Answer::Objects(vec![(self.id(), Listed::Tensor(self.tensor()))])),
                    _ => Err(Error::NoGradient),
                };
                Body::Reply { request: self.below(64), answer }
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
            envelope.from = channel.to_owned();
            envelope.to = to.to_owned();
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
            Body::Request { request, .. } => *request = self.rng.next_u64(),
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
        fn inspect(&self, worker: &str, token: u64) {
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
