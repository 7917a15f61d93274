//! Build-once feature unification: nothing to call. Cargo resolves features for the
//! packages a command selects, so `cargo build -p council-host`, `cargo build -p
//! wasmtime-serve` and `cargo test --workspace` each enabled a different feature set
//! of shared dependencies (hashbrown under gimli, indexmap under wasmparser, futures
//! under wasmtime-wasi, ...) and CI compiled wasmtime once per set. This crate's
//! dependencies (written by `scripts/workspace-hack`, checked by `scripts/test`) turn
//! on, for every package those binaries build, the features the whole workspace turns
//! on, so every command builds the same artifacts: the technique of cargo-hakari's
//! "workspace-hack" crates.
#![deny(missing_docs)]
