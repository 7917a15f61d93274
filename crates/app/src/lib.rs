//! `council-app`: a Spin application as `council-host` loads it, everything short of
//! running it, kept free of wasmtime so that tools and tests can read, check and
//! compose an application without compiling a runtime.
//!
//! 1. [`manifest`] reads `spin.toml` (manifest version 2) and applies Spin's rules;
//!    [`variables`] resolves `[variables]` (overridable as `SPIN_VARIABLE_<NAME>`).
//! 2. [`routes`] is Spin's route syntax and the order in which routes match;
//!    [`allowed_hosts`] is `allowed_outbound_hosts`, the destinations a component may
//!    send requests to.
//! 3. [`compose`] plugs each component's `[component.x.dependencies]` into it with
//!    wac-graph, flat, as Spin does at load time.
//! 4. [`runtime_config`] reads Spin's runtime configuration file: where each
//!    key-value store lives (SQLite or Redis).
//! 5. [`inspect`] lists a binary's imports and exports for the portability check.
#![deny(missing_docs)]

pub mod allowed_hosts;
pub mod compose;
pub mod inspect;
pub mod manifest;
pub mod routes;
pub mod runtime_config;
pub mod variables;
