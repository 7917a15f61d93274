//! The WASI interfaces `council-host` implements itself, beyond what `wasmtime-wasi`
//! and `wasmtime-wasi-http` provide: the Spin drafts of `wasi:keyvalue` and
//! `wasi:config`, and the host side of `wasi:http/outgoing-handler`.
//!
//! Laid out as wasmtime's `crates/wasi-keyvalue` and `crates/wasi-config` are: the
//! generated bindings in one place ([`bindings`]), one module per interface with its
//! context, its `add_to_linker`, and its `Host` trait implementations.

pub mod bindings;
pub mod config;
pub mod keyvalue;
pub mod outgoing_http;
