//! The federated playground: seeded 2-D data sets (`data`), the ways of dealing them out to clients
//! (`partition`), and federated training of any model on them (`federation`: client sampling,
//! dropout, local epochs, FedAvg weighted by examples, FedProx). Everything repeats from one seed.

pub mod aggregation;
pub mod attack;
pub mod data;
pub mod digits;
pub mod federation;
mod local_training;
pub mod partition;
pub mod setup;

pub use local_training::training_plan;
