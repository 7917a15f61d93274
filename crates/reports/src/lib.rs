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
