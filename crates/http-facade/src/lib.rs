//! The HTTP façade over the council capabilities: OS Places-, Surrey- and
//! MapIt-compatible JSON routes, routing questions and decisions, and the [`Facade`]
//! router that the `council-api` and `places-api` components configure and serve.
//!
//! The routes call the imported `council:address/lookup` and
//! `council:parish/{areas,routing}` through [`bindings`], generated here for the
//! `council:services/address-and-areas` world; a component whose world imports more
//! (council-api's contacts) maps these interfaces to [`bindings`] with wit-bindgen's
//! `with` and adds its own routes as an [`Extension`].
//!
//! Routes, by module:
//!
//! - `places`: OS Places-compatible `/search/places/v1/{postcode,uprn,find,nearest,bbox,radius}`,
//!   type-ahead `/search/places/v1/autocomplete`, Surrey-compatible `/locate/addresses`,
//!   and plain JSON/GeoJSON under `/api/addresses/...`.
//! - `mapit`: MapIt-compatible `/point/{4326|27700}/{x},{y}`, `/postcode/{pc}`,
//!   `/uprn/{uprn}`, `/area/{code}[.geojson]`, `/area/{code}/children`, `/areas/{type}`,
//!   plus `/route` (POST) and `/questions/{category}`.
//! - `router`: `GET /` (what the façade serves) and `GET /api/health`.

#![deny(missing_docs)]

mod convert;
pub mod http;
mod mapit;
mod places;
mod router;

pub use router::{Extension, Facade};

/// The imports every façade makes, generated from the
/// `council:services/address-and-areas` world (wit/world.wit).
#[allow(unsafe_code, reason = "wit-bindgen's generated ABI glue")]
#[allow(missing_docs, reason = "generated from the WIT")]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "council:services/address-and-areas",
        generate_all,
    });
}
