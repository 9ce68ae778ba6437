//! The federated playground's raw material: seeded 2-D data sets (`data`) and the ways of dealing
//! them out to clients (`partition`). Everything is reproducible from one seed.

pub mod data;
pub mod partition;
