//! `council-host`: runs a Spin application manifest's WASI 0.2 HTTP components on
//! wasmtime, for councils that self-host the same `.wasm` binaries they could deploy
//! to Spin.
//!
//! The library is grouped by job, as wasmtime's and Spin's crates are; the command
//! line (`src/main.rs`, one file per command in `src/commands/`) is a thin layer over
//! it. The pieces, in the order a request meets them:
//!
//! 1. [`council_app::manifest`] reads `spin.toml` and applies Spin's rules, and
//!    [`council_app::compose`] plugs each component's dependencies into it with
//!    wac-graph, as Spin does at load time (the `council-app` crate: everything about
//!    an application short of running it).
//! 2. [`serve::runtime`] compiles (with an on-disk cache keyed by content hash), links
//!    every interface the host provides — WASI 0.2, `wasi:http`, and the interfaces in
//!    [`wasi`]: [`wasi::keyvalue`] (`wasi:keyvalue@0.2.0-draft2` on SQLite or Redis,
//!    as Spin's runtime config file, [`council_app::runtime_config`], places each
//!    store) and
//!    [`wasi::config`] (`wasi:config@0.2.0-draft-2024-09-27`) — and pre-instantiates.
//! 3. [`serve::server`] accepts connections within the [`serve::limits`] that keep one
//!    client from holding what all need, reads each request whole, routes it with
//!    Spin's [`council_app::routes`] syntax and runs it in a fresh instance with a
//!    memory cap and a deadline; [`wasi::outgoing_http`] refuses outgoing requests to
//!    hosts outside the component's [`council_app::allowed_hosts`].
//! 4. [`serve::metrics`] counts what happens, served with health checks by
//!    [`serve::admin`].
#![deny(missing_docs)]

pub mod serve;
pub mod wasi;
