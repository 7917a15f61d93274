//! The "Report speeding traffic" service: a citizen-facing GOV.UK-styled form, built only
//! by composing the council capabilities, that keeps each report in a key-value store
//! before confirming it and delivers it to the right council through an outbox.
//!
//! It exports `wasi:http/incoming-handler` (through `wstd`) and imports
//! `council:address/lookup`, `council:parish/{areas,routing}` and
//! `council:contacts/directory` — plugged in by Spin's
//! `[component.report-speeding.dependencies]`, `council-host serve` or
//! `council-host compose` — plus `wasi:keyvalue/{store,atomics}@0.2.0-draft2`,
//! `wasi:config/store@0.2.0-draft-2024-09-27` and `wasi:http/outgoing-handler`: the
//! `council:services/report-speeding` world. See `docs/report-speeding.md`.
//!
//! The pure parts — HTML ([`html`]), forms ([`form`]), the stored records ([`model`]),
//! Notify and webhook requests ([`delivery`]) and dates ([`time`]) — build for any target
//! and are unit-tested natively (`cargo test -p report-speeding`); the routes, the
//! platform and the outbox exist only in the `wasm32` build.
#![deny(missing_docs)]

pub mod delivery;
pub mod form;
pub mod html;
pub mod model;
pub mod time;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod assets;
#[cfg(target_arch = "wasm32")]
mod outbox;
#[cfg(target_arch = "wasm32")]
mod platform;

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit/address", "../../wit/parish", "../../wit/contacts", "../../wit"],
        world: "council:services/capabilities",
        generate_all,
    });
}

#[cfg(target_arch = "wasm32")]
#[wstd::http_server]
async fn main(
    request: wstd::http::Request<wstd::http::Body>,
) -> Result<wstd::http::Response<wstd::http::Body>, wstd::http::Error> {
    app::handle(request).await
}
