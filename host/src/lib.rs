//! `council-host`: runs a Spin application manifest's WASI 0.2 HTTP components on
//! wasmtime, for councils that self-host the same `.wasm` binaries they could deploy
//! to Spin.
//!
//! The pieces, in the order a request meets them:
//!
//! 1. [`manifest`] reads `spin.toml` (manifest version 2) and applies Spin's rules;
//!    [`variables`] resolves `[variables]` (overridable as `SPIN_VARIABLE_<NAME>`).
//! 2. [`compose`] plugs each component's `[component.x.dependencies]` into it with
//!    wac-graph, flat, as Spin does at load time.
//! 3. [`runtime`] compiles (with an on-disk cache keyed by content hash), links every
//!    interface the host provides — WASI 0.2, `wasi:http`, [`keyvalue`]
//!    (`wasi:keyvalue@0.2.0-draft2` on SQLite) and [`config`]
//!    (`wasi:config@0.2.0-draft-2024-09-27`) — and pre-instantiates.
//! 4. [`server`] accepts connections within the [`limits`] that keep one client from
//!    holding what all need, reads each request whole, routes it with Spin's
//!    [`routes`] syntax and runs it in a fresh instance with a memory cap and a
//!    deadline; [`outgoing`] refuses outgoing requests to hosts outside [`outbound`]
//!    `allowed_outbound_hosts`.
//! 5. [`metrics`] counts what happens, served with health checks by [`admin`].
//!
//! [`inspect`] lists a binary's imports for the portability check.
#![deny(missing_docs)]

pub mod admin;
pub mod bindings;
pub mod compose;
pub mod config;
pub mod inspect;
pub mod keyvalue;
pub mod limits;
pub mod manifest;
pub mod metrics;
pub mod outbound;
pub mod outgoing;
pub mod routes;
pub mod runtime;
pub mod server;
pub mod variables;
