//! The end-to-end test binary: every integration test of the project compiles into
//! this one binary (as wasmtime's `tests/all` does), sharing the built components and
//! host from [`support`].

mod api;
mod contacts;
mod deploy;
mod host;
mod hostile;
mod import;
mod manifest;
mod portability;
mod report_speeding;
mod support;
mod wit_docs;
mod worlds;
