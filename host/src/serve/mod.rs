//! Serving an application (`council-host serve`): loading it onto wasmtime
//! ([`runtime`]), the HTTP server that runs a fresh instance per request ([`server`])
//! within the [`limits`] that keep one client from holding what all need, and what
//! the host counts ([`metrics`]), served with health checks on the [`admin`] listener.
//!
//! A request's path through the server: [`server`] accepts the connection,
//! `request` reads and admits the request, `instance` runs it, and `response` makes
//! the host's own answers; `schedule` sends the manifest's scheduled requests.

pub mod admin;
mod instance;
pub mod limits;
pub mod metrics;
mod request;
mod response;
pub mod runtime;
mod schedule;
pub mod server;
