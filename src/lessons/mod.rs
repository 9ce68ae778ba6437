//! The seed's lessons as runnable steps: each step is one notebook cell, with the seed's Python, the
//! minisyft Rust that does the same, and a `run` that executes it on a [`Session`] and returns what
//! the notebook printed. The page's lesson stepper and `cargo run --example <lesson>` both use this.

mod advanced;
mod basics;
mod sharing;
mod source;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use crate::client::{MultiPointer, Pointer, Syft, WorkerHandle};
use crate::error::{Error, Result};
use crate::federated::Federation;
use crate::tensor::Tensor;

pub type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<String>> + 'a>>;

pub struct Step {
    /// The notebook cell, e.g. `In[5]`.
    pub cell: &'static str,
    pub python: &'static str,
    /// The body of `run`, read from this crate's own source: what runs is what the page shows.
    pub rust: String,
    pub run: for<'a> fn(&'a mut Session) -> StepFuture<'a>,
}

pub struct Lesson {
    /// Also the example's name: `cargo run --example <slug>`.
    pub slug: &'static str,
    pub title: &'static str,
    pub steps: Vec<Step>,
}

/// Defines a step whose body is an async block over the session `s`.
macro_rules! step {
    ($cell:literal, $python:literal, |$s:ident| $body:block) => {{
        fn run<'a>($s: &'a mut crate::lessons::Session) -> crate::lessons::StepFuture<'a> {
            Box::pin(async move $body)
        }
        crate::lessons::Step { cell: $cell, python: $python, rust: String::new(), run }
    }};
}
pub(crate) use step;

/// A value a cell bound to a name.
pub enum Value {
    Tensor(Tensor),
    Pointer(Pointer),
    Multi(MultiPointer),
    Federation(Box<Federation>),
    Shared(Box<crate::privacy::sharing::SharedTensor>),
}

/// The notebook's state: its workers and the variables cells have bound.
pub struct Session {
    pub syft: Syft,
    vars: BTreeMap<&'static str, Value>,
}

impl Session {
    pub fn new(syft: Syft) -> Session {
        Session { syft, vars: BTreeMap::new() }
    }

    /// The worker named `id`, created on first use (as `sy.VirtualWorker(hook, id=...)`).
    pub fn worker(&self, id: &str) -> Result<WorkerHandle> {
        match self.syft.worker(id) {
            Some(worker) => Ok(worker),
            None => self.syft.create_worker(id),
        }
    }

    pub fn set(&mut self, name: &'static str, value: Value) {
        self.vars.insert(name, value);
    }

    /// Forgets a variable (dropping a pointer deletes its object, as rebinding does in Python).
    pub fn unset(&mut self, name: &str) {
        self.vars.remove(name);
    }

    fn missing(name: &str) -> Error {
        Error::NotDefined { name: name.to_owned() }
    }

    pub fn pointer(&self, name: &str) -> Result<&Pointer> {
        match self.vars.get(name) {
            Some(Value::Pointer(p)) => Ok(p),
            _ => Err(Session::missing(name)),
        }
    }

    pub fn tensor(&self, name: &str) -> Result<&Tensor> {
        match self.vars.get(name) {
            Some(Value::Tensor(t)) => Ok(t),
            _ => Err(Session::missing(name)),
        }
    }

    pub fn multi(&self, name: &str) -> Result<&MultiPointer> {
        match self.vars.get(name) {
            Some(Value::Multi(m)) => Ok(m),
            _ => Err(Session::missing(name)),
        }
    }

    pub fn shared(&self, name: &str) -> Result<&crate::privacy::sharing::SharedTensor> {
        match self.vars.get(name) {
            Some(Value::Shared(x)) => Ok(x),
            _ => Err(Session::missing(name)),
        }
    }

    pub fn federation(&mut self, name: &str) -> Result<&mut Federation> {
        match self.vars.get_mut(name) {
            Some(Value::Federation(f)) => Ok(f),
            _ => Err(Session::missing(name)),
        }
    }

    /// `bob._objects`, printed as the notebook prints a dict.
    pub async fn objects(&self, worker: &str) -> Result<String> {
        let worker = self.worker(worker)?;
        self.syft.settle().await?;
        let entries: Vec<String> = worker
            .objects()
            .await?
            .into_iter()
            .map(|entry| format!("{}: {}", entry.id, entry.describe(worker.id())))
            .collect();
        Ok(format!("{{{}}}", entries.join(",\n ")))
    }
}

/// Every lesson and project of the seed, in the notebook's order.
pub fn all() -> Vec<Lesson> {
    let mut lessons = source::with_sources(basics::lessons(), include_str!("basics.rs"));
    lessons.extend(source::with_sources(advanced::lessons(), include_str!("advanced.rs")));
    lessons.extend(source::with_sources(sharing::lessons(), include_str!("sharing.rs")));
    lessons
}

/// Runs every step of the lesson `slug` over a fresh in-process runtime, printing each cell's
/// output as the notebook does (the `examples/` mains).
#[cfg(not(target_arch = "wasm32"))]
pub fn example_main(slug: &str) {
    let Some(lesson) = all().into_iter().find(|l| l.slug == slug) else {
        eprintln!("no lesson named {slug}");
        std::process::exit(2);
    };
    let mut session = Session::new(Syft::in_process(0).0);
    println!("# {}\n", lesson.title);
    for step in &lesson.steps {
        println!("{}:\n{}\n", step.cell, step.python);
        match crate::runtime::block_on((step.run)(&mut session)) {
            Ok(output) if output.is_empty() => println!(),
            Ok(output) => println!("{output}\n"),
            Err(error) => {
                println!("Error: {error}\n");
                std::process::exit(1);
            }
        }
    }
}

/// The examples are native programs; in wasm there is the page instead.
#[cfg(target_arch = "wasm32")]
pub fn example_main(slug: &str) {
    let _ = slug;
}
