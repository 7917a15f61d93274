//! The back office of "Report speeding traffic": the staff view of the reports and the
//! outbox that delivers each one to the council that handles it, by GOV.UK Notify
//! e-mail or a signed webhook (docs/report-speeding.md).
//!
//! It holds every secret of the service (the staff token, the Notify API key, the
//! webhook secret) and, for that reason, imports no `council:*` capability: a
//! component's dependencies see its whole configuration. It reads the reports the
//! citizen journey (`components/report-speeding`) stores in the `reports` key-value
//! store, and imports only WASI 0.2, `wasi:keyvalue/{store,atomics}@0.2.0-draft2` and
//! `wasi:config/store@0.2.0-draft-2024-09-27`.
//!
//! The modules by job: `routes` (dispatch and the staff token), `staff` (the staff
//! routes), [`pages`] (the staff pages' markup), `outbox` (delivery) and [`delivery`]
//! (what goes over the wire). [`pages`] and [`delivery`] are pure and unit-tested
//! natively.
#![deny(missing_docs)]

pub mod delivery;
pub mod pages;

#[cfg(target_arch = "wasm32")]
mod outbox;
#[cfg(target_arch = "wasm32")]
mod routes;
#[cfg(target_arch = "wasm32")]
mod staff;

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
mod bindings {
    // The component's world as wit/ declares it
    // (`council:services/report-speeding-backoffice`). Its WASI imports and the
    // `wasi:http` types are the `wasip2` crate's, which wstd serves and delivers
    // with; the key-value and config imports are council-reports' bindings, which
    // the staff routes and the outbox use (`council_reports::generate_bindings!`).
    council_reports::generate_bindings!({
        path: "../../wit",
        world: "council:services/report-speeding-backoffice",
    });
}

// The wasi:http entry point; a client that has gone ends the request quietly.
#[cfg(target_arch = "wasm32")]
council_http::serve!(routes::handle, bindings);
