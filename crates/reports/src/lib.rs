//! What the two components of "Report speeding traffic" share: the citizen journey
//! (`components/report-speeding`) and the back office (`components/report-speeding-backoffice`),
//! which holds the service's secrets and delivers the reports.
//!
//! The service is two components because Spin gives a component's dependencies its
//! whole configuration (`dependencies_inherit_configuration`, the only form Spin 3.6
//! accepts): the journey, which needs the capabilities, must hold no secret; the back
//! office, which holds the staff token and the delivery keys, has no dependencies.
//! They meet only in the `reports` key-value store (docs/report-speeding.md).
//!
//! The pure parts — the stored records ([`model`]), the GOV.UK Design System pages
//! written with maud ([`html`]), forms ([`form`]), dates ([`time`]) and client
//! addresses ([`client`]) — build for any target and are unit-tested natively;
//! [`store`] and [`respond`] exist only in the `wasm32` build.
#![deny(missing_docs)]

pub mod client;
pub mod form;
pub mod html;
pub mod model;
pub mod time;

#[cfg(target_arch = "wasm32")]
pub mod respond;
#[cfg(target_arch = "wasm32")]
pub mod store;

/// `council_http::generate_bindings!` for the two components' worlds, which both
/// import what this crate stores and delivers through: `wasi:keyvalue/{store,atomics}`
/// and `wasi:config/store`, bound to this crate's `store::platform` bindings, and
/// `wasi:http/outgoing-handler`, bound to the `wasip2` crate's (wstd's client). The
/// component's own options (`path`, `world`, its `council:*` imports) are passed on.
/// The component depends on this crate, `council-http`, `wit-bindgen`, `wasip2` and
/// `wstd`.
#[macro_export]
macro_rules! generate_bindings {
    ({ $($options:tt)* }) => {
        council_http::generate_bindings!({
            with: {
                "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
                "wasi:keyvalue/store@0.2.0-draft2": council_reports::store::platform::wasi::keyvalue::store,
                "wasi:keyvalue/atomics@0.2.0-draft2": council_reports::store::platform::wasi::keyvalue::atomics,
                "wasi:config/store@0.2.0-draft-2024-09-27": council_reports::store::platform::wasi::config::store,
            },
            $($options)*
        });
    };
}
