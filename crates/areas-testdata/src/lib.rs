//! Test and benchmark data for `council-areas`: a generated national-scale boundary set
//! ([`national`]) and the properties its fuzz targets check ([`fuzz_checks`]).
//!
//! A crate of its own rather than a module of `council-areas`, so the library keeps
//! neither generated data nor panicking checks in its API; its users (the areas
//! crate's tests, `lookup` bench and fuzz targets, and `council-host`'s
//! `capabilities` bench) depend on it as a dev-dependency.

pub mod fuzz_checks;
pub mod national;
